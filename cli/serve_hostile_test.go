package cli_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// request sends a request with body and the headers, as name and value one
// after the other, and returns the response with its body read.
func (s *serving) request(t *testing.T, method, path, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res, string(b)
}

// TestHostileServeDecisionAPI attacks the decision API of serve: a client
// cannot choose the object setters nor pass an endless path, a web page
// cannot post to it, nor to serve's other routes, from a browser, and with
// policy.decision_api.token_file it asks for a token.
func TestHostileServeDecisionAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	token := writeFile(t, dir, "api.token", "\n  s3cret  \n")
	config := policyConfig(t, fmt.Sprintf(`plugins:
  acl-basics:
    grants: {log: true, clock: true, sink: {}}
policy:
  entities: [%q]
  decision_api:
    token_file: %q
    object_setters:
      urlmap: {mappings: ["(?P<path>admin/.*)"]}
`, filepath.Join(arpoc, "config"), token))
	plugins := pluginDir(t, map[string]string{"acl-basics.wasm": wasmbuild.Go(t, "plugins-src/go/acl-basics")})
	s := startServe(t, &http.Client{}, "--config", config, "--plugins", plugins, "--listen", "127.0.0.1:0")
	s.waitReady(t)

	const json, auth = "application/json", "Bearer s3cret"
	decide := func(body string, headers ...string) (int, string) {
		res, b := s.request(t, http.MethodPost, "/v1/decide", body, headers...)
		if res.StatusCode == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("401 without WWW-Authenticate: %s", b)
		}
		return res.StatusCode, b
	}
	admin := `{"policy_set": "com.example.policysets.loggedIn", "subject": {"email": "ann@example.com", "age": 7}, "path": "PATH"}`
	for _, tt := range []struct {
		name    string
		body    string
		headers []string
		status  int
		says    string
	}{
		{"no token", admin, []string{"Content-Type", json}, http.StatusUnauthorized, "unauthenticated"},
		{"wrong token", admin, []string{"Content-Type", json, "Authorization", "Bearer s3cre"}, http.StatusUnauthorized, "unauthenticated"},
		{"text/plain", admin, []string{"Content-Type", "text/plain", "Authorization", auth}, http.StatusUnsupportedMediaType, "application/json"},
		{"form", admin, []string{"Content-Type", "application/x-www-form-urlencoded", "Authorization", auth}, http.StatusUnsupportedMediaType, "application/json"},
		{"client object setters", strings.Replace(admin, `"path"`, `"object_setters": {"urlmap": {"mappings": ["(x+x+)+y"]}}, "path"`, 1),
			[]string{"Content-Type", json, "Authorization", auth}, http.StatusBadRequest, "object_setters: a client cannot configure plugins"},
		{"endless path", strings.Replace(admin, "PATH", "/"+strings.Repeat("x", 500<<10), 1),
			[]string{"Content-Type", json, "Authorization", auth}, http.StatusBadRequest, "path: 512001 bytes, longer than the limit"},
		// The configured urlmap makes /admin/... an admin page, which asks
		// for an age above 9.
		{"admin page", strings.Replace(admin, "PATH", "/admin/users", 1), []string{"Content-Type", json, "Authorization", auth}, http.StatusOK, `"result":"DENY"`},
		{"other page", strings.Replace(admin, "PATH", "/docs/admin", 1), []string{"Content-Type", json, "Authorization", auth}, http.StatusOK, `"result":"GRANT"`},
	} {
		if status, b := decide(tt.body, tt.headers...); status != tt.status || !strings.Contains(b, tt.says) {
			t.Errorf("%s: %d %.300s, want %d saying %q", tt.name, status, b, tt.status, tt.says)
		}
	}
	for _, path := range []string{"/v1/policy/status", "/v1/policy/entities"} {
		if res, b := s.request(t, http.MethodGet, path, ""); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %d %.200s, want 401", path, res.StatusCode, b)
		}
		if res, b := s.request(t, http.MethodGet, path, "", "Authorization", auth); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s with the token: %d %.200s, want 200", path, res.StatusCode, b)
		}
	}
	// Every other route that takes a body refuses one that is not its JSON.
	for _, path := range []string{"/v1/sim/runs", "/.well-known/openc2"} {
		if res, b := s.request(t, http.MethodPost, path, `{}`, "Content-Type", "text/plain"); res.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("POST %s as text/plain: %d %.200s, want 415", path, res.StatusCode, b)
		}
	}
	// A page of another origin cannot have a browser post to serve's own
	// routes, even without a body; the browser says where the page is from.
	for _, from := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"}, {"Origin", "http://evil.example"}} {
		for _, path := range []string{"/v1/plugins/reload", "/v1/config/reload", "/v1/decide", "/v1/sim/runs"} {
			res, b := s.request(t, http.MethodPost, path, strings.Replace(admin, "PATH", "/", 1), "Content-Type", json, "Authorization", auth, from[0], from[1])
			if res.StatusCode != http.StatusForbidden || !strings.Contains(b, "another origin") {
				t.Errorf("POST %s with %s: %s: %d %.200s, want 403", path, from[0], from[1], res.StatusCode, b)
			}
		}
	}
	if res, b := s.request(t, http.MethodPost, "/v1/plugins/reload", "", "Sec-Fetch-Site", "same-origin"); res.StatusCode != http.StatusOK {
		t.Errorf("POST /v1/plugins/reload from a page of serve's origin: %d %.200s, want 200", res.StatusCode, b)
	}
	s.stop(t)
}

// TestHostileServeSlowClients floods serve with connections that hold on:
// silent ones, ones that send their headers or their body a byte at a
// time, and idle keep-alive ones. The server closes every one of them at
// its timeout, never holds more than server.max_connections at once, and
// answers /healthz throughout.
func TestHostileServeSlowClients(t *testing.T) {
	t.Parallel()
	const limit, each = 40, 60
	config := policyConfig(t, fmt.Sprintf(`server:
  read_header_timeout: 1s
  read_timeout: 2s
  idle_timeout: 1s
  max_connections: %d
`, limit))
	// Each request on a connection of its own, waiting its turn generously.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Minute}
	s := startServe(t, client, "--config", config, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)
	addr := strings.TrimPrefix(s.url, "http://")

	// Each kind writes what it starts with, then trickles a byte every
	// 200 ms, or nothing, until the server closes the connection.
	kinds := []struct {
		name, start string
		trickle     bool
	}{
		{"silent", "", false},
		{"slow headers", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ", true},
		{"slow body", "POST /v1/sim/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"model\": \"", true},
		{"idle keep-alive", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", false},
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var held []string // connections the server did not close
	for _, k := range kinds {
		for i := range each {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("dial %s %d: %v", k.name, i, err)
			}
			t.Cleanup(func() { c.Close() })
			if _, err := io.WriteString(c, k.start); err != nil {
				t.Fatalf("write %s %d: %v", k.name, i, err)
			}
			closed := make(chan struct{})
			if k.trickle {
				go func() {
					for {
						select {
						case <-closed:
							return
						case <-time.After(200 * time.Millisecond):
							if _, err := c.Write([]byte("x")); err != nil {
								return
							}
						}
					}
				}()
			}
			wg.Go(func() {
				defer close(closed)
				// Read until the server closes: a response, if any, then
				// the end. The deadline only guards against a hang.
				c.SetReadDeadline(time.Now().Add(3 * time.Minute))
				_, err := io.Copy(io.Discard, c)
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					mu.Lock()
					held = append(held, fmt.Sprintf("%s %d", k.name, i))
					mu.Unlock()
				}
			})
		}
	}

	// Under the flood, /healthz answers, and the connections stay within
	// the limit.
	for i := range 3 {
		if status, body, err := s.get(t, "/healthz"); err != nil || status != http.StatusOK {
			t.Errorf("/healthz under the flood (%d): %d %s %v", i, status, body, err)
		}
		if n := openConnections(t, s); n > limit {
			t.Errorf("%d connections open, more than server.max_connections %d", n, limit)
		}
	}
	wg.Wait()
	if len(held) > 0 {
		t.Errorf("the server still held %d connections after minutes: %v", len(held), held)
	}
	s.stop(t)
}

// openConnections returns gatehouse_http_connections of serve's metrics.
func openConnections(t *testing.T, s *serving) int {
	t.Helper()
	status, body, err := s.get(t, "/metrics")
	if err != nil || status != http.StatusOK {
		t.Fatalf("/metrics: %d %v", status, err)
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, "gatehouse_http_connections "); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return int(n)
		}
	}
	t.Fatalf("no gatehouse_http_connections in /metrics:\n%s", body)
	return 0
}

// TestHostileServeSimRuns attacks the simulation runs of serve: clients
// that send their request slowly hold no place, clients that read none of
// their run lose theirs at sim.stall_timeout, and a run of a big model
// whose goals no actor can reach ends at its time budget, saying so.
func TestHostileServeSimRuns(t *testing.T) {
	t.Parallel()
	const places = 2
	config := policyConfig(t, fmt.Sprintf(`server: {read_timeout: 3s}
sim:
  max_runs: %d
  stall_timeout: 1s
  max_run_time: 10s
  max_output_bytes: 1073741824
`, places))
	s := startServe(t, &http.Client{Timeout: 2 * time.Minute}, "--config", config, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)
	addr := strings.TrimPrefix(s.url, "http://")

	// run returns the request of a run of n actors wandering between two
	// rooms, whose goal no connection reaches: it lasts all its ticks. The
	// long names make long events, so that a run whose client reads none
	// fills the connection's buffers in a few ticks.
	run := func(n int) string {
		long := strings.Repeat("x", 200)
		var model strings.Builder
		fmt.Fprintf(&model, "connections {\n  hall%[1]s -> lab%[1]s { *: m }\n  lab%[1]s -> hall%[1]s { *: m }\n  vault -> hall%[1]s { *: m }\n}\nactors {\n", long)
		for i := range n {
			fmt.Fprintf(&model, "  a%d%s { at hall%s; goals vault; }\n", i, long, long)
		}
		model.WriteString("}\n")
		b, err := json.Marshal(map[string]any{"model": model.String(), "ticks": 100000, "agents": []string{"*=random"}})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	send := func(req string) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
	}
	// post posts a run until it is not refused for want of a place, or
	// until refused is true, within a generous bound.
	post := func(body string, refused bool) (*http.Response, string) {
		deadline := time.Now().Add(time.Minute)
		for {
			res, stream := s.request(t, http.MethodPost, "/v1/sim/runs", body, "Content-Type", "application/json")
			if (res.StatusCode == http.StatusServiceUnavailable) == refused || time.Now().After(deadline) {
				return res, stream
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	short := `{"model": "connections { hall -> lab { *: m } }\nactors { eve { at hall; goals lab; } }", "ticks": 5}`

	// Headers and the start of a body that never comes hold no place.
	for range 2 * places {
		send("POST /v1/sim/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"model\": ")
	}
	// Runs whose client reads none of their events take every place ...
	huge := run(1500)
	for range places {
		send(fmt.Sprintf("POST /v1/sim/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(huge), huge))
	}
	if res, b := post(short, true); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("the runs of stalled clients do not take every place: %d %.300s", res.StatusCode, b)
	}
	// ... until they stall, and a client that reads gets a place. Its
	// run ends at the time budget.
	res, stream := post(run(200), false)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("a run beside stalled clients: %d %.300s", res.StatusCode, stream)
	}
	last := stream[strings.LastIndex(strings.TrimSpace(stream), "\n\n")+2:]
	if !strings.HasPrefix(last, "event: error\ndata: {\"code\":\"budget_exceeded\"") || !strings.Contains(last, "time budget of 10s (sim.max_run_time)") {
		t.Errorf("the stream ends with %q, want an error event budget_exceeded naming sim.max_run_time", last)
	}
	if n := strings.Count(s.stderr.String(), `"msg":"simulation run ended: its client is gone or stalls"`); n != places {
		t.Errorf("%d runs ended for their stalled client, want %d:\n%s", n, places, s.stderr)
	}
	s.stop(t)
}
