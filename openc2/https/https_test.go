package https_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/openc2/internal/vectors"
)

// firewall is an SLPF actuator in Go that numbers its rules.
type firewall struct{ rules atomic.Int64 }

func (f *firewall) Actuators() []consumer.Actuator {
	return []consumer.Actuator{{Ref: "native/fw", Profiles: []string{"slpf"}, Pairs: map[string][]string{
		"allow": {"ipv4_net", "ipv6_net", "ipv4_connection", "ipv6_connection"},
		"deny":  {"ipv4_net", "ipv6_net", "ipv4_connection", "ipv6_connection"},
	}}}
}

func (f *firewall) Actuate(context.Context, string, consumer.ActuateRequest) (openc2.GenericResponse, error) {
	return openc2.GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": f.rules.Add(1)}}}, nil
}

// server serves the transfer over TLS with the PKI's server certificate,
// requiring client certificates of its CA.
func server(t *testing.T, pki *tlstest.PKI, opts https.Options) *httptest.Server {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := consumer.New(&firewall{}, consumer.Config{ID: "consumer.test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e := echo.New()
	opts.Logger = quiet
	https.Register(e, c, opts)
	srv := httptest.NewUnstartedServer(e)
	srv.Config.ErrorLog = slog.NewLogLogger(quiet.Handler(), slog.LevelWarn) // refused handshakes
	srv.TLS, err = tlsconf.Server(pki.ServerCert, pki.ServerKey, pki.CA, [3]string{"cert", "key", "client_ca"})
	if err != nil {
		t.Fatal(err)
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// client returns an HTTPS client that trusts the PKI's CA and presents the
// given certificate, if any.
func client(t *testing.T, pki *tlstest.PKI, cert, key string) *http.Client {
	t.Helper()
	cfg, err := tlsconf.Client(pki.CA, cert, key, false, [3]string{"cacert", "cert", "key"})
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}

type result struct {
	status int
	header http.Header
	body   string
}

func post(t *testing.T, c *http.Client, url, contentType, xid, body string) result {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+https.Path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if xid != "" {
		req.Header.Set(https.RequestIDHeader, xid)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

// envelope wraps a command (or a response) with headers.
func envelope(headers, content string) string {
	h := ""
	if headers != "" {
		h = `"headers":` + headers + `,`
	}
	return `{` + h + `"body":{"openc2":` + content + `}}`
}

// response decodes the response message of a body.
func response(t *testing.T, body string) *openc2.Message {
	t.Helper()
	m, err := openc2.DecodeMessage([]byte(body))
	if err != nil || m.Response == nil {
		t.Fatalf("body %q is not a response message: %v", body, err)
	}
	return m
}

func TestTransfer(t *testing.T) {
	pki := tlstest.New(t)
	srv := server(t, pki, https.Options{MaxBytes: 4096})
	c := client(t, pki, pki.ClientCert, pki.ClientKey)
	const deny = `{"request":{"action":"deny","target":{"ipv4_net":"192.0.2.1"}}}`
	for _, tt := range []struct {
		name, contentType, xid, body string
		status                       int    // HTTP
		want                         string // the OpenC2 response; "" for no body
		requestID                    string // in the response headers
	}{
		{"command", openc2.ContentType, "x-1", envelope(`{"request_id":"r-1","from":"producer.test"}`, deny),
			200, `{"status":200,"results":{"slpf":{"rule_number":1}}}`, "r-1"},
		{"request_id from X-Request-ID", openc2.ContentType, "x-2", envelope(`{"from":"producer.test"}`, deny),
			200, `{"status":200,"results":{"slpf":{"rule_number":2}}}`, "x-2"},
		{"no headers", "application/openc2+json; version=1.0", "x-3", envelope("", deny),
			200, `{"status":200,"results":{"slpf":{"rule_number":3}}}`, "x-3"},
		{"no identifier", openc2.ContentType, "", envelope(`{"from":"producer.test"}`, deny),
			400, `{"status":400,"status_text":"the command has no identifier: set headers.request_id or the X-Request-ID header (HTTPS transfer v1.1 section 3.3.3)"}`, ""},
		{"ack", openc2.ContentType, "", envelope(`{"request_id":"r-4"}`, `{"request":{"action":"deny","target":{"ipv4_net":"192.0.2.1"},"args":{"response_requested":"ack"}}}`),
			200, `{"status":102}`, "r-4"},
		{"none", openc2.ContentType, "", envelope(`{"request_id":"r-5"}`, `{"request":{"action":"deny","target":{"ipv4_net":"192.0.2.1"},"args":{"response_requested":"none"}}}`),
			200, "", ""},
		{"not implemented", openc2.ContentType, "", envelope(`{"request_id":"r-6"}`, `{"request":{"action":"contain","target":{"ipv4_net":"192.0.2.1"}}}`),
			501, `{"status":501,"status_text":"no actuator supports contain ipv4_net"}`, "r-6"},
		{"plain JSON", "application/json", "x-7", envelope(`{"request_id":"r-7"}`, deny),
			415, `{"status":400,"status_text":"Content-Type \"application/json\" is not application/openc2+json;version=1.0 (HTTPS transfer v1.1 section 3.3.1)"}`, "x-7"},
		{"no version", "application/openc2+json", "", envelope(`{"request_id":"r-8"}`, deny),
			415, `{"status":400,"status_text":"Content-Type \"application/openc2+json\" is not application/openc2+json;version=1.0 (HTTPS transfer v1.1 section 3.3.1)"}`, ""},
		{"too large", openc2.ContentType, "x-9", envelope(`{"request_id":"r-9","from":"`+strings.Repeat("p", 5000)+`"}`, deny),
			413, `{"status":400,"status_text":"the message is larger than 4096 bytes"}`, "x-9"},
		{"malformed", openc2.ContentType, "x-10", envelope(`{"request_id":"r-10"}`, `{"request":{"action":"deny","target":{"ipv4_net":"192.0.2.0/40"}}}`),
			400, `{"status":400,"status_text":"body.openc2.request.target.ipv4_net: \"192.0.2.0/40\": prefix length 40 exceeds 32"}`, "r-10"},
		{"a response", openc2.ContentType, "", envelope(`{"request_id":"r-11"}`, `{"response":{"status":200}}`),
			400, `{"status":400,"status_text":"body.openc2: a consumer takes a request, not a response"}`, "r-11"},
		{"bare command", openc2.ContentType, "x-12", `{"action":"deny","target":{"ipv4_net":"192.0.2.1"}}`,
			400, `{"status":400,"status_text":"body: missing required field"}`, "x-12"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, c, srv.URL, tt.contentType, tt.xid, tt.body)
			if r.status != tt.status {
				t.Errorf("HTTP status %d, want %d (%s)", r.status, tt.status, r.body)
			}
			if r.header.Get("Cache-Control") != "no-cache" || r.header.Get(https.RequestIDHeader) != tt.xid {
				t.Errorf("headers %v", r.header)
			}
			if tt.want == "" {
				if r.body != "" {
					t.Errorf("body %q, want none", r.body)
				}
				return
			}
			if ct := r.header.Get("Content-Type"); ct != openc2.ContentType {
				t.Errorf("Content-Type %q", ct)
			}
			m := response(t, r.body)
			b, _ := openc2.EncodeResponse(m.Response)
			if string(b) != tt.want {
				t.Errorf("response\n got %s\nwant %s", b, tt.want)
			}
			if got := requestIDOf(m); got != tt.requestID {
				t.Errorf("request_id %q, want %q", got, tt.requestID)
			}
		})
	}

	// Only POST is served.
	resp, err := c.Get(srv.URL + https.Path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}

func requestIDOf(m *openc2.Message) string {
	if m.Headers == nil {
		return ""
	}
	return m.Headers.RequestID
}

func TestMutualTLS(t *testing.T) {
	pki := tlstest.New(t)
	srv := server(t, pki, https.Options{})
	body := envelope(`{"request_id":"r-1"}`, `{"request":{"action":"query","target":{"features":[]}}}`)
	send := func(c *http.Client) error {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+https.Path, strings.NewReader(body))
		req.Header.Set("Content-Type", openc2.ContentType)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	if err := send(client(t, pki, pki.ClientCert, pki.ClientKey)); err != nil {
		t.Errorf("client of the CA refused: %v", err)
	}
	if err := send(client(t, pki, "", "")); err == nil {
		t.Error("client without a certificate accepted")
	}
	if err := send(client(t, pki, pki.RogueCert, pki.RogueKey)); err == nil {
		t.Error("client of another CA accepted")
	}
	old := client(t, pki, pki.ClientCert, pki.ClientKey)
	cfg := old.Transport.(*http.Transport).TLSClientConfig
	cfg.MinVersion, cfg.MaxVersion, cfg.CipherSuites = tls.VersionTLS10, tls.VersionTLS11, nil
	if err := send(old); err == nil {
		t.Error("TLS 1.1 accepted")
	}
}

// peerPolicy allows producers by certificate common name, and only queries
// to "auditor".
type peerPolicy struct{ seen atomic.Value }

func (p *peerPolicy) Authorize(_ context.Context, req https.Request) error {
	if req.Peer == nil {
		return errors.New("no client certificate")
	}
	p.seen.Store(req.Peer.Subject.CommonName + " " + req.Message.Headers.RequestID)
	if req.Message.Request.Action != openc2.ActionQuery {
		return errors.New(req.Peer.Subject.CommonName + " may only query")
	}
	return nil
}

func TestAuthorizer(t *testing.T) {
	pki := tlstest.New(t)
	policy := &peerPolicy{}
	srv := server(t, pki, https.Options{Authorizer: policy})
	c := client(t, pki, pki.ClientCert, pki.ClientKey)
	r := post(t, c, srv.URL, openc2.ContentType, "x-1", envelope("", `{"request":{"action":"deny","target":{"ipv4_net":"192.0.2.1"}}}`))
	if want := `{"status":403,"status_text":"forbidden: producer may only query"}`; r.status != 403 || !strings.Contains(r.body, want[1:len(want)-1]) {
		t.Errorf("deny: %d %s", r.status, r.body)
	}
	if got := policy.seen.Load(); got != "producer x-1" {
		t.Errorf("the policy saw %v", got)
	}
	r = post(t, c, srv.URL, openc2.ContentType, "x-2", envelope("", `{"request":{"action":"query","target":{"features":["versions"]}}}`))
	if r.status != 200 || response(t, r.body).Response.Results.Versions[0] != "1.0" {
		t.Errorf("query: %d %s", r.status, r.body)
	}
}

// consumerRefuses lists valid command vectors that the consumer answers 400
// for a rule of its own, with the reason; the codec accepts them.
var consumerRefuses = map[string]string{
	"commands/good/query_features_ext_args.json":              "LS v1.0 section 4.1: query features takes no argument but response_requested complete",
	"commands/good/query_features_extension_args_number.json": "LS v1.0 section 4.1: query features takes no argument but response_requested complete",
}

// TestConformance sends every command vector over HTTPS: the valid ones are
// handled (any answer but 400, except for consumerRefuses), the others
// refused with 400 and the codec's error.
func TestConformance(t *testing.T) {
	pki := tlstest.New(t)
	srv := server(t, pki, https.Options{})
	c := client(t, pki, pki.ClientCert, pki.ClientKey)
	for _, v := range vectors.Commands(t) {
		t.Run(v.Name, func(t *testing.T) {
			cmd, err := os.ReadFile(v.Path)
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			body.WriteString(`{"headers":{"request_id":"vector"},"body":{"openc2":{"request":`)
			body.Write(cmd)
			body.WriteString(`}}}`)
			r := post(t, c, srv.URL, openc2.ContentType, "vector", body.String())
			if v.Valid && r.status == 200 && r.body == "" {
				return // response_requested none
			}
			m := response(t, r.body)
			if reason, ok := consumerRefuses[v.Name]; ok {
				if r.status != 400 || !strings.Contains(m.Response.StatusText, "(LS v1.0 section 4.1)") {
					t.Errorf("not refused by the consumer (%s): %d %s", reason, r.status, r.body)
				}
				return
			}
			switch {
			case v.Valid && r.status == 400:
				t.Errorf("refused: %s", r.body)
			case !v.Valid && (r.status != 400 || m.Response.StatusText == ""):
				t.Errorf("not refused: %d %s", r.status, r.body)
			case m.Headers.RequestID != "vector":
				t.Errorf("request_id %q", m.Headers.RequestID)
			}
		})
	}
}
