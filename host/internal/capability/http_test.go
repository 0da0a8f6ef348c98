package capability

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
)

func TestHTTPRequest(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Got", r.Header.Get("X-Test"))
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusCreated)
		w.Write(body)
	})
	mux.HandleFunc("/bytes/{n}", func(w http.ResponseWriter, r *http.Request) {
		n := map[string]int{"1000": 1000, "1001": 1001}[r.PathValue("n")]
		w.Write([]byte(strings.Repeat("b", n)))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/missing", http.NotFound)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	mux.HandleFunc("/redirect/in", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/echo", http.StatusFound)
	})
	mux.HandleFunc("/redirect/out", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://localhost:"+strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)+"/echo", http.StatusFound)
	})

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedHost := closed.Addr().String()
	closed.Close()

	g := newGuest(t)
	tests := []struct {
		name       string
		grant      HTTPGrant
		req        abi.HTTPRequest
		wantCode   abi.Code
		wantStatus int
		wantBody   string
		wantInMsg  string
	}{
		{name: "get", req: abi.HTTPRequest{URL: srv.URL + "/echo"}, wantStatus: 201},
		{name: "post with headers", req: abi.HTTPRequest{Method: "POST", URL: srv.URL + "/echo",
			Headers: map[string]string{"X-Test": "yes"}, Body: []byte("payload")}, wantStatus: 201, wantBody: "payload"},
		{name: "not found is a response", req: abi.HTTPRequest{URL: srv.URL + "/missing"}, wantStatus: 404,
			wantBody: "404 page not found\n"},
		{name: "redirect to an allowed host", req: abi.HTTPRequest{URL: srv.URL + "/redirect/in"}, wantStatus: 201},
		{name: "body at the limit", grant: HTTPGrant{MaxBytes: 1000}, req: abi.HTTPRequest{URL: srv.URL + "/bytes/1000"},
			wantStatus: 200, wantBody: strings.Repeat("b", 1000)},
		{name: "body over the limit", grant: HTTPGrant{MaxBytes: 1000}, req: abi.HTTPRequest{URL: srv.URL + "/bytes/1001"},
			wantCode: abi.CodeReplyTooLarge, wantInMsg: "max_bytes of 1000"},
		{name: "host not allowed", req: abi.HTTPRequest{URL: "http://example.invalid/"},
			wantCode: abi.CodeCapabilityDenied, wantInMsg: "plugins.test.grants.http.hosts"},
		{name: "port not allowed", req: abi.HTTPRequest{URL: "http://127.0.0.1/"},
			wantCode: abi.CodeCapabilityDenied, wantInMsg: "http://127.0.0.1 is not allowed"},
		{name: "redirect to a host not allowed", req: abi.HTTPRequest{URL: srv.URL + "/redirect/out"},
			wantCode: abi.CodeCapabilityDenied, wantInMsg: "redirect: http://localhost:"},
		{name: "not http", req: abi.HTTPRequest{URL: "file:///etc/passwd"}, wantCode: abi.CodeInvalidRequest},
		{name: "relative", req: abi.HTTPRequest{URL: "/echo"}, wantCode: abi.CodeInvalidRequest},
		{name: "bad method", req: abi.HTTPRequest{Method: "GE T", URL: srv.URL + "/echo"}, wantCode: abi.CodeInvalidRequest},
		{name: "timeout", grant: HTTPGrant{Timeout: 100 * time.Millisecond}, req: abi.HTTPRequest{URL: srv.URL + "/slow"},
			wantCode: abi.CodeTimeout},
		{name: "unreachable", grant: HTTPGrant{Hosts: []string{closedHost}}, req: abi.HTTPRequest{URL: "http://" + closedHost + "/"},
			wantCode: abi.CodeUnavailable, wantInMsg: "GET http://" + closedHost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			grant := tt.grant
			if grant.Hosts == nil {
				grant.Hosts = []string{host}
			}
			c, _ := newCaller(Grants{HTTP: &grant})
			start := time.Now()
			out, err := g.call(c, fnHTTPRequest, marshal(t, tt.req))
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("request took %s", elapsed)
			}
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
				if !strings.HasPrefix(err.Message, "http_request: ") || !strings.Contains(err.Message, tt.wantInMsg) {
					t.Errorf("message %q, want it to contain %q", err.Message, tt.wantInMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			resp := unmarshal[abi.HTTPResponse](t, out)
			if resp.Status != tt.wantStatus || string(resp.Body) != tt.wantBody {
				t.Errorf("response %d %q, want %d %q", resp.Status, resp.Body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus == 201 {
				want := map[string]string{"X-Method": strings.ToUpper(tt.req.Method), "X-Got": tt.req.Headers["X-Test"], "X-Multi": "a, b"}
				if want["X-Method"] == "" {
					want["X-Method"] = "GET"
				}
				for k, v := range want {
					if resp.Headers[k] != v {
						t.Errorf("header %s = %q, want %q", k, resp.Headers[k], v)
					}
				}
			}
		})
	}
}
