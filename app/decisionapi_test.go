package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/app/attrs"
	"github.com/gatehouse/gatehouse/app/server"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
	"github.com/gatehouse/gatehouse/policy/pdp"
)

// arpoc is the folder of ARPOC's files (see conformance/README.md).
const arpoc = "../conformance/arpoc"

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// newHost returns a started host serving the plugins, each a .wasm file,
// with the grants of the access-control reference plugins.
func newHost(t *testing.T, plugins ...string) *host.Host {
	t.Helper()
	dir := t.TempDir()
	for _, p := range plugins {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, err := host.New(host.Config{
		PluginDir: dir,
		CacheDir:  wasmbuild.CacheDir(t, "wazero"),
		Logger:    discard,
		Plugins:   map[string]host.PluginConfig{"acl-basics": {Grants: host.Grants{Log: true, Clock: true, Sink: host.SinkGrant{}}}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return h
}

// serve starts the echo server of h with the decision API over the
// entities, and returns its URL.
func serve(t testing.TB, h *host.Host, entities ...string) string {
	t.Helper()
	return serveWith(t, h, nil, entities...)
}

// serveWith is serve with the options that configure changes, when it is
// not nil.
func serveWith(t testing.TB, h *host.Host, configure func(*decisionapi.Options), entities ...string) string {
	t.Helper()
	e := server.New(h, prometheus.NewRegistry(), discard)
	opts := decisionapi.Options{}
	if len(entities) > 0 {
		p, err := pdp.Start(pdp.Config{
			Entities: entities,
			Engine:   policy.Config{Environment: attrs.Environment{Host: h}, Obligations: attrs.Obligations{Host: h}},
			Logger:   discard,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		opts = decisionapi.Options{Decider: p, Status: p.Status, Snapshot: p.Snapshot}
	}
	if configure != nil {
		configure(&opts)
	}
	decisionapi.Register(e, opts)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

// post sends body to /v1/decide and returns the status and the body.
func post(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	return send(t, http.MethodPost, url+decisionapi.DecidePath, body, "Content-Type", "application/json")
}

// send sends a request with body and the headers, as name and value one
// after the other, and returns the status and the body.
func send(t *testing.T, method, url, body string, headers ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, b
}

// decide posts body and decodes the decision of a 200.
func decide(t *testing.T, url, body string) policy.Decision {
	t.Helper()
	status, b := post(t, url, body)
	if status != http.StatusOK {
		t.Fatalf("%s: %d %s", body, status, b)
	}
	var d struct {
		policy.Decision
		Explanation map[string]any `json:"explanation"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if d.Explanation["id"] != d.PolicySet || d.Explanation["kind"] != "PolicySet" {
		t.Errorf("the explanation does not start at the policy set: %s", b)
	}
	return d.Decision
}

// node is a node of an explanation as the API sends it.
type node struct {
	ID       string  `json:"id"`
	Result   string  `json:"result"`
	Children []*node `json:"children"`
}

// explained returns the id and result of each node of the explanation in
// b, depth first.
func explained(t *testing.T, b []byte) []string {
	t.Helper()
	var d struct {
		Explanation *node `json:"explanation"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(n *node)
	walk = func(n *node) {
		out = append(out, n.ID+" "+n.Result)
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(d.Explanation)
	return out
}

// TestDecideARPOC decides requests against ARPOC's sample entities with
// the reference plugin acl-basics carrying out the obligations and
// setting object attributes.
func TestDecideARPOC(t *testing.T) {
	t.Parallel()
	h := newHost(t, wasmbuild.Go(t, "plugins-src/go/acl-basics"))
	url := serveWith(t, h, withURLMap(h, "(?P<path>admin/.*)"), filepath.Join(arpoc, "config"))

	d := decide(t, url, `{"policy_set": "com.example.policysets.alwaysGrant"}`)
	if d.Result != policy.Grant || d.Effect != policy.Grant {
		t.Errorf("alwaysGrant: %+v", d)
	}
	d = decide(t, url, `{"policy_set": "com.example.policysets.inTestGroup", "subject": {"groups": ["/test2"]}}`)
	if d.Result != policy.Deny {
		t.Errorf("inTestGroup for /test2: %s", d.Result)
	}

	// loggedIn carries obl_log, and its rule obl_log_successful.
	d = decide(t, url, `{"policy_set": "com.example.policysets.loggedIn", "subject": {"email": "ann@example.com"}}`)
	if d.Result != policy.Grant || len(d.Obligations) != 2 {
		t.Errorf("loggedIn with an email: %+v", d)
	}
	for _, o := range d.Obligations {
		if !o.Fulfilled {
			t.Errorf("obligation %s not fulfilled: %s", o.Name, o.Reason)
		}
	}
	d = decide(t, url, `{"policy_set": "com.example.policysets.loggedIn", "subject": {"name": "ann"}}`)
	if d.Result != policy.Deny || !slices.Contains(d.Missing, "subject.email") {
		t.Errorf("loggedIn without an email: %s, missing %v; want DENY and subject.email missing", d.Result, d.Missing)
	}

	// urlmap, as the server configures it, sets object.path from the
	// path: adminpages then applies and asks for subject.age > 9.
	admin := `{"policy_set": "com.example.policysets.loggedIn", "subject": {"email": "ann@example.com", "age": AGE},
		"path": "/admin/users"}`
	status, b := post(t, url, strings.Replace(admin, "AGE", "12", 1))
	if status != http.StatusOK {
		t.Fatalf("%d %s", status, b)
	}
	want := []string{"com.example.policysets.loggedIn GRANT", "com.example.policies.loggedIn GRANT",
		"com.example.rules.loggedIn GRANT", "com.example.policies.adminpages GRANT", "com.example.rules.is_admin GRANT"}
	if got := explained(t, b); !slices.Equal(got, want) {
		t.Errorf("explanation of an admin page at 12:\n%v\nwant\n%v\n%s", got, want, b)
	}
	if d := decide(t, url, strings.Replace(admin, "AGE", "7", 1)); d.Result != policy.Deny {
		t.Errorf("an admin page at 7: %s, want DENY", d.Result)
	}
}

// TestDecideObligationsWithoutPlugins checks that a grant whose obligation
// no plugin carries out is denied, with the obligation's failure.
func TestDecideObligationsWithoutPlugins(t *testing.T) {
	t.Parallel()
	url := serve(t, newHost(t), filepath.Join(arpoc, "tests", "entities.json"))
	d := decide(t, url, `{"policy_set": "com.example.policysets.alwaysGrant"}`)
	if d.Result != policy.Grant {
		t.Errorf("alwaysGrant: %s", d.Result)
	}
	d = decide(t, url, `{"policy_set": "policyset_with_obligation"}`)
	if d.Result == policy.Grant || len(d.Obligations) != 1 || d.Obligations[0].Fulfilled || d.Obligations[0].Reason == "" {
		t.Errorf("an obligation no plugin provides: %+v", d)
	}
}

// TestDecideExplain asks for the answer without its explanation, which
// otherwise it carries, and for a kind of explanation there is not.
func TestDecideExplain(t *testing.T) {
	t.Parallel()
	url := serve(t, newHost(t), filepath.Join(arpoc, "config"))
	body := `{"policy_set": "com.example.policysets.alwaysGrant"}`
	for _, query := range []string{"", "?explain=full", "?explain=none", "?explain=none&other=1"} {
		status, b := send(t, http.MethodPost, url+decisionapi.DecidePath+query, body, "Content-Type", "application/json")
		var d map[string]any
		if err := json.Unmarshal(b, &d); status != http.StatusOK || err != nil {
			t.Fatalf("%s: %d %s %v", query, status, b, err)
		}
		_, explained := d["explanation"]
		if want := !strings.Contains(query, "none"); explained != want || d["result"] != "GRANT" {
			t.Errorf("%s: %s; want an explanation: %v", query, b, want)
		}
	}
	status, b := send(t, http.MethodPost, url+decisionapi.DecidePath+"?explain=notes", body, "Content-Type", "application/json")
	if status != http.StatusBadRequest || !strings.Contains(string(b), `explain: \"notes\" is not full or none`) {
		t.Errorf("explain=notes: %d %s", status, b)
	}
}

// TestDecideRefuses sends requests that cannot be decided.
func TestDecideRefuses(t *testing.T) {
	t.Parallel()
	url := serve(t, newHost(t), filepath.Join(arpoc, "config"))
	for _, tt := range []struct {
		name, body string
		status     int
		message    string
	}{
		{"unknown policy set", `{"policy_set": "nope"}`, http.StatusNotFound, `policy_set: policy set "nope": no such policy set is loaded`},
		{"no policy set", `{"subject": {}}`, http.StatusBadRequest, "policy_set: required"},
		{"policy set not a string", `{"policy_set": 5}`, http.StatusBadRequest, "policy_set: want a string, got a number"},
		{"subject not an object", `{"policy_set": "x", "subject": "ann"}`, http.StatusBadRequest, "subject: want an object, got a string"},
		{"obligation config", `{"policy_set": "x", "obligations": {"obl_log": {}}}`, http.StatusBadRequest,
			"obligations: a client cannot configure plugins; the server's configuration does, in policy.decision_api.obligations"},
		{"unknown field", `{"policy_set": "x", "subjects": {}}`, http.StatusBadRequest, `body: unknown field "subjects"`},
		{"not JSON", `{"policy_set": x}`, http.StatusBadRequest, "body: invalid JSON at byte 16"},
		{"cut short", `{"policy_set": "x"`, http.StatusBadRequest, "body: the JSON ends early"},
		{"empty", ``, http.StatusBadRequest, "body: empty"},
		{"an array", `[]`, http.StatusBadRequest, "body: want a JSON object, got an array"},
		{"two values", `{"policy_set": "x"} {}`, http.StatusBadRequest, "body: more than one JSON value"},
		{"too large", `{"policy_set": "` + strings.Repeat("x", decisionapi.DefaultMaxBytes) + `"}`, http.StatusBadRequest, "body: larger than 1048576 bytes"},
		{"path too long", `{"policy_set": "com.example.policysets.alwaysGrant", "path": "/` + strings.Repeat("a", decisionapi.DefaultMaxPathBytes) + `"}`,
			http.StatusBadRequest, "path: 8193 bytes, longer than the limit of 8192"},
		{"lone surrogate", `{"policy_set": "x", "subject": {"n": "\udd18\ud835"}}`, http.StatusBadRequest,
			`body: invalid JSON at byte 39: lone surrogate \udd18, which is no character`},
		{"integer too long", `{"policy_set": "x", "subject": {"n": ` + strings.Repeat("9", 4301) + `}}`,
			http.StatusBadRequest, "subject: integer of 4301 digits: at most 4300 are allowed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, b := post(t, url, tt.body)
			var p server.ErrorBody
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			if status != tt.status || !strings.HasPrefix(p.Message, tt.message) {
				t.Errorf("%d %s; want %d and a message that starts %q", status, b, tt.status, tt.message)
			}
		})
	}
}

// TestHostileBigIntegerRequest checks that an integer of the request
// beyond 64 bits is compared exactly: 2^64+1 is not 2^64.
func TestHostileBigIntegerRequest(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "e.json")
	if err := os.WriteFile(file, []byte(`{
"set": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "subject.n == 18446744073709551616", "Effect": "GRANT"}
}`), 0o644); err != nil {
		t.Fatal(err)
	}
	url := serve(t, newHost(t), file)
	for n, want := range map[string]policy.Result{"18446744073709551617": policy.Deny, "18446744073709551616": policy.Grant, "1.8446744073709552e19": policy.Grant} {
		if d := decide(t, url, `{"policy_set": "set", "subject": {"n": `+n+`}}`); d.Result != want {
			t.Errorf("n = %s: %s, want %s", n, d.Result, want)
		}
	}
}

// TestDecideWithoutEntities checks the 503 of a server without entities.
func TestDecideWithoutEntities(t *testing.T) {
	t.Parallel()
	url := serve(t, newHost(t))
	if status, b := post(t, url, `{"policy_set": "x"}`); status != http.StatusServiceUnavailable || !strings.Contains(string(b), "policy.entities") {
		t.Errorf("%d %s, want 503 naming policy.entities", status, b)
	}
}

// TestDecideBeforePluginsLoad checks that a decision asked before the
// plugins are loaded is 503 with Retry-After, not one decided without its
// obligations and object setters, and that it is decided once they are.
func TestDecideBeforePluginsLoad(t *testing.T) {
	t.Parallel()
	var ready atomic.Bool
	url := serveWith(t, newHost(t), func(o *decisionapi.Options) { o.Ready = ready.Load }, filepath.Join(arpoc, "config"))
	res, err := http.Post(url+decisionapi.DecidePath, "application/json", strings.NewReader(`{"policy_set": "com.example.policysets.alwaysGrant"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != decisionapi.RetryAfter || !strings.Contains(string(b), "not ready") {
		t.Errorf("before the plugins load: %d, Retry-After %q, %s; want 503 not ready with Retry-After", res.StatusCode, res.Header.Get("Retry-After"), b)
	}
	ready.Store(true)
	if d := decide(t, url, `{"policy_set": "com.example.policysets.alwaysGrant"}`); d.Result != policy.Grant {
		t.Errorf("once loaded: %s, want GRANT", d.Result)
	}
}

// withURLMap configures the object setter urlmap of h with the mappings
// for every decision.
func withURLMap(h *host.Host, mappings ...any) func(*decisionapi.Options) {
	return func(o *decisionapi.Options) {
		o.ObjectSetters = func() ([]policy.ObjectSetter, error) {
			return attrs.ConfiguredObjectSetters(h, map[string]map[string]any{"urlmap": {"mappings": mappings}}, nil)
		}
	}
}

// TestHostileDecideObjectSetters checks that a client cannot choose the
// object setters of its decision, nor their configuration: a request that
// names them is refused, and the server's own run.
func TestHostileDecideObjectSetters(t *testing.T) {
	t.Parallel()
	h := newHost(t, wasmbuild.Go(t, "plugins-src/go/acl-basics"))
	url := serveWith(t, h, withURLMap(h, "(?P<path>admin/.*)"), filepath.Join(arpoc, "config"))
	// The mapping the client wants would make every path an admin page.
	status, b := post(t, url, `{"policy_set": "com.example.policysets.loggedIn", "subject": {"email": "ann@example.com", "age": 7},
		"path": "/admin/users", "object_setters": {"urlmap": {"mappings": ["(?P<path>.*)"]}}}`)
	var p server.ErrorBody
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if status != http.StatusBadRequest || !strings.HasPrefix(p.Message, "object_setters: a client cannot configure plugins") {
		t.Errorf("a request with object_setters: %d %s, want 400 saying a client cannot configure them", status, b)
	}
	// The server's urlmap decides: a path outside admin/ is no admin page.
	d := decide(t, url, `{"policy_set": "com.example.policysets.loggedIn", "subject": {"email": "ann@example.com", "age": 7}, "path": "/docs/admin/x"}`)
	if d.Result != policy.Grant {
		t.Errorf("a page outside admin/ at 7: %s, want GRANT", d.Result)
	}
}

// TestHostileDecideMediaType checks that POST /v1/decide takes only
// application/json: a web page can post text/plain or a form from a
// visitor's browser without asking, but not JSON.
func TestHostileDecideMediaType(t *testing.T) {
	t.Parallel()
	url := serve(t, newHost(t), filepath.Join(arpoc, "config")) + decisionapi.DecidePath
	body := `{"policy_set": "com.example.policysets.alwaysGrant"}`
	for _, ct := range []string{"", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonx"} {
		if status, b := send(t, http.MethodPost, url, body, "Content-Type", ct); status != http.StatusUnsupportedMediaType {
			t.Errorf("Content-Type %q: %d %s, want 415", ct, status, b)
		}
	}
	if status, b := send(t, http.MethodPost, url, body, "Content-Type", "application/json; charset=utf-8"); status != http.StatusOK {
		t.Errorf("application/json; charset=utf-8: %d %s, want 200", status, b)
	}
}

// TestHostileDecideToken checks that with tokens every route of the
// decision API asks for one of them.
func TestHostileDecideToken(t *testing.T) {
	t.Parallel()
	url := serveWith(t, newHost(t), func(o *decisionapi.Options) { o.Tokens = []string{"old-secret", "s3cret"} }, filepath.Join(arpoc, "config"))
	body := `{"policy_set": "com.example.policysets.alwaysGrant"}`
	for _, auth := range []string{"", "Bearer", "Bearer wrong", "Bearer s3cre", "Bearer s3cret2", "Basic s3cret", "s3cret"} {
		for _, r := range []struct{ method, path string }{
			{http.MethodPost, decisionapi.DecidePath}, {http.MethodGet, decisionapi.StatusPath}, {http.MethodGet, decisionapi.EntitiesPath},
		} {
			status, b := send(t, r.method, url+r.path, body, "Content-Type", "application/json", "Authorization", auth)
			if status != http.StatusUnauthorized || !strings.Contains(string(b), "unauthenticated") {
				t.Errorf("%s %s with Authorization %q: %d %s, want 401", r.method, r.path, auth, status, b)
			}
		}
	}
	for _, auth := range []string{"Bearer s3cret", "bearer old-secret"} {
		if status, b := send(t, http.MethodPost, url+decisionapi.DecidePath, body, "Content-Type", "application/json", "Authorization", auth); status != http.StatusOK {
			t.Errorf("Authorization %q: %d %s, want 200", auth, status, b)
		}
	}
}
