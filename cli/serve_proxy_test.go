package cli_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestServeProxy serves the proxy over the test entities of policy/proxy:
// anonymous requests reach a service that grants everyone and no other.
func TestServeProxy(t *testing.T) {
	t.Parallel()
	origin, received := countingOrigin(t)
	dir := t.TempDir()
	entities := proxyEntities(t)
	conf := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
policy:
  entities: [%q]
  decision_log: {path: %q}
proxy:
  services:
    public:
      proxy_URL: /public
      origin_URL: %s/files
      AC: test.policysets.alwaysGrant
    app:
      proxy_URL: /app
      origin_URL: %s
      AC: test.policysets.loggedIn
    deny:
      proxy_URL: /deny
      origin_URL: %s
      AC: test.policysets.alwaysDeny
`, filepath.Join(dir, "cache"), filepath.Join(dir, "store.db"), entities, filepath.Join(dir, "decisions.log"), origin.URL, origin.URL, origin.URL))
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	s := startServe(t, client, "--config", conf, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)

	if status, body, err := s.get(t, "/public/a.txt"); err != nil || status != http.StatusOK || string(body) != "origin: /files/a.txt" {
		t.Errorf("GET /public/a.txt: %d %s %v", status, body, err)
	}
	if status, body, err := s.get(t, "/deny/a.txt"); err != nil || status != http.StatusForbidden || !strings.Contains(string(body), "<strong>deny</strong>") {
		t.Errorf("GET /deny/a.txt: %d %s %v", status, body, err)
	}
	// Without a provider no one can log in, so no one gets further.
	if status, _, err := s.get(t, "/app"); err != nil || status != http.StatusForbidden {
		t.Errorf("GET /app: %d %v", status, err)
	}
	if status, _, err := s.get(t, "/healthz"); err != nil || status != http.StatusOK {
		t.Errorf("GET /healthz: %d %v", status, err)
	}
	if n := received.Load(); n != 1 {
		t.Errorf("the origin received %d requests, want 1", n)
	}
	s.stop(t)

	// Each decision of the proxy is in the decision log.
	b, err := os.ReadFile(filepath.Join(dir, "decisions.log"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var entry struct {
			Source, Result string
			Attributes     struct{ Object map[string]any }
		}
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		got = append(got, fmt.Sprintf("%s %s %v", entry.Source, entry.Result, entry.Attributes.Object["service"]))
	}
	if want := []string{"proxy GRANT public", "proxy DENY deny", "proxy DENY app"}; !slices.Equal(got, want) {
		t.Errorf("the decision log holds %q, want %q", got, want)
	}
}

// TestServeProxyRefuses checks that serve does not start with a provider
// it cannot reach, naming the provider.
func TestServeProxyRefuses(t *testing.T) {
	t.Parallel()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // nothing listens there now
	dir := t.TempDir()
	entities, err := filepath.Abs("../policy/proxy/testdata/entities")
	if err != nil {
		t.Fatal(err)
	}
	conf := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
policy:
  entities: [%q]
proxy:
  base_url: https://proxy.example.com
  providers:
    default: {configuration_url: %s, client_id: gatehouse}
`, filepath.Join(dir, "cache"), filepath.Join(dir, "store.db"), entities, down.URL))
	r := run(t, "", "serve", "--config", conf, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	r.check(t, 2, "proxy.providers.default: discovery at "+down.URL)
}

// TestServeProxyPlugins serves a service whose object attributes come from
// the urlmap object setter of the acl-basics plugin, configured by the
// service, and whose policy set carries the obligation obl_log of the same
// plugin.
func TestServeProxyPlugins(t *testing.T) {
	t.Parallel()
	plugin := wasmbuild.Go(t, "plugins-src/go/acl-basics")
	origin, received := countingOrigin(t)
	dir := t.TempDir()
	entities := proxyEntities(t)
	conf := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
limits: {timeout: 1m}
plugins:
  acl-basics:
    grants: {log: true, clock: true, sink: {}}
policy:
  entities: [%q]
  decision_log: {path: %q}
proxy:
  services:
    music:
      proxy_URL: /music
      origin_URL: %s
      AC: test.policysets.artist
      objectsetters:
        urlmap: {mappings: ["(?P<artist>[^/]+)/.*"]}
      obligations:
        obl_log: {}
`, wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db"), entities, filepath.Join(dir, "decisions.log"), origin.URL))
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	s := startServe(t, client, "--config", conf, "--plugins", pluginDir(t, map[string]string{"acl-basics.wasm": plugin}), "--listen", "127.0.0.1:0")
	s.waitReady(t)

	if status, body, err := s.get(t, "/music/rise/track-1"); err != nil || status != http.StatusOK || string(body) != "origin: /rise/track-1" {
		t.Errorf("GET /music/rise/track-1: %d %s %v", status, body, err)
	}
	if status, body, err := s.get(t, "/music/other/track-1"); err != nil || status != http.StatusForbidden {
		t.Errorf("GET /music/other/track-1: %d %s %v", status, body, err)
	}
	if n := received.Load(); n != 1 {
		t.Errorf("the origin received %d requests, want 1", n)
	}
	s.stop(t)

	b, err := os.ReadFile(filepath.Join(dir, "decisions.log"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var entry struct {
			Result      string
			Obligations []struct {
				Name      string
				Fulfilled bool
			}
			Path string
		}
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		got = append(got, fmt.Sprintf("%s %s obligations=%v", entry.Result, entry.Path, entry.Obligations))
	}
	want := []string{"GRANT rise/track-1 obligations=[{obl_log true}]", "DENY other/track-1 obligations=[{obl_log true}]"}
	if !slices.Equal(got, want) {
		t.Errorf("the decision log holds\n%q\nwant\n%q", got, want)
	}
}

// countingOrigin serves every request with "origin: PATH" and counts the
// requests it receives.
func countingOrigin(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var received atomic.Int32
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		io.WriteString(w, "origin: "+r.URL.Path)
	}))
	t.Cleanup(origin.Close)
	return origin, &received
}

// proxyEntities returns the absolute path of the test entities of
// policy/proxy.
func proxyEntities(t *testing.T) string {
	t.Helper()
	entities, err := filepath.Abs("../policy/proxy/testdata/entities")
	if err != nil {
		t.Fatal(err)
	}
	return entities
}
