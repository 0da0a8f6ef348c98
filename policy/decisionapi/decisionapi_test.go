package decisionapi_test

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
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/host/server"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
	"github.com/gatehouse/gatehouse/policy/hostattrs"
	"github.com/gatehouse/gatehouse/policy/pdp"
)

// arpoc is the folder of ARPOC's files (see conformance/README.md).
const arpoc = "../../conformance/arpoc"

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
		Plugins:   map[string]host.PluginConfig{"acl-basics": {Grants: host.Grants{Log: true, Clock: true}}},
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
	e := server.New(h, prometheus.NewRegistry(), discard)
	opts := decisionapi.Options{}
	if len(entities) > 0 {
		p, err := pdp.Start(pdp.Config{
			Entities: entities,
			Engine:   policy.Config{Environment: hostattrs.Environment{Host: h}, Obligations: hostattrs.Obligations{Host: h}},
			Logger:   discard,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		opts = decisionapi.Options{Decider: p, Status: p.Status,
			ObjectSetters: func(c map[string]map[string]any) ([]policy.ObjectSetter, error) {
				return hostattrs.ConfiguredObjectSetters(h, c)
			}}
	}
	decisionapi.Register(e, opts)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv.URL
}

// post sends body to /v1/decide and returns the status and the body.
func post(t *testing.T, url, body string) (int, []byte) {
	t.Helper()
	res, err := http.Post(url+decisionapi.DecidePath, "application/json", strings.NewReader(body))
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
	url := serve(t, newHost(t, wasmbuild.Go(t, "plugins-src/go/acl-basics")), filepath.Join(arpoc, "config"))

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

	// urlmap sets object.path from the path: adminpages then applies and
	// asks for subject.age > 9.
	admin := `{"policy_set": "com.example.policysets.loggedIn", "subject": {"email": "ann@example.com", "age": AGE},
		"path": "/admin/users", "object_setters": {"urlmap": {"mappings": ["(?P<path>admin/.*)"]}}}`
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
		{"setter config not an object", `{"policy_set": "x", "object_setters": {"urlmap": [1]}}`, http.StatusBadRequest, "object_setters.urlmap: want an object, got an array"},
		{"unknown field", `{"policy_set": "x", "subjects": {}}`, http.StatusBadRequest, `body: unknown field "subjects"`},
		{"not JSON", `{"policy_set": x}`, http.StatusBadRequest, "body: invalid JSON at byte 16"},
		{"cut short", `{"policy_set": "x"`, http.StatusBadRequest, "body: the JSON ends early"},
		{"empty", ``, http.StatusBadRequest, "body: empty"},
		{"an array", `[]`, http.StatusBadRequest, "body: want a JSON object, got an array"},
		{"two values", `{"policy_set": "x"} {}`, http.StatusBadRequest, "body: more than one JSON value"},
		{"too large", `{"policy_set": "` + strings.Repeat("x", decisionapi.DefaultMaxBytes) + `"}`, http.StatusBadRequest, "body: larger than 1048576 bytes"},
		{"unknown object setter", `{"policy_set": "com.example.policysets.alwaysGrant", "object_setters": {"nope": {}}}`,
			http.StatusBadRequest, `object_setters: object setter "nope": no plugin provides it`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, b := post(t, url, tt.body)
			var p server.Problem
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("%v\n%s", err, b)
			}
			if status != tt.status || !strings.HasPrefix(p.Message, tt.message) {
				t.Errorf("%d %s; want %d and a message that starts %q", status, b, tt.status, tt.message)
			}
		})
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
