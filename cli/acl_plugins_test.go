package cli_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/host/hosttest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/plugins-src/tck"
)

// TestPluginTestACLSuites runs the access-control suites through the
// command on the plugins of every language, with the grants of the embedded
// configuration: what `gatehouse plugin test` does out of the box.
func TestPluginTestACLSuites(t *testing.T) {
	t.Parallel()
	for _, file := range []string{tck.ACLObligationSuite, tck.ACLEnvironmentSuite, tck.ACLObjectSuite} {
		s := tck.Load(t, file)
		for _, p := range s.Plugins {
			t.Run(p.Name+"/"+strings.TrimSuffix(filepath.Base(s.File), ".yaml"), func(t *testing.T) {
				t.Parallel()
				suite := s.Path(t)
				cases, err := hosttest.Load(suite)
				if err != nil {
					t.Fatal(err)
				}
				args := []string{"plugin", "test", p.Build(t), "--cases", suite}
				if p.Partial {
					args = append(args, "--skip-missing")
				}
				r := run(t, "", args...)
				r.check(t, cli.ExitOK)
				var passed, skipped int
				for _, l := range strings.Split(r.stdout, "\n") {
					switch {
					case strings.HasPrefix(l, "PASS "):
						passed++
					case strings.HasPrefix(l, "SKIP "):
						skipped++
					}
				}
				if passed+skipped != len(cases) || passed == 0 || (skipped > 0 && !p.Partial) {
					t.Errorf("%d passed and %d skipped of %d cases; want every case passed, or skipped in a partial suite:\n%s",
						passed, skipped, len(cases), r.stdout)
				}
			})
		}
	}
}

// TestPluginTestJSONSetter runs jsonsetter cases through the command
// against a web service on loopback, which the configuration's http grant
// allows alone.
func TestPluginTestJSONSetter(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("path") != "reports/q1" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, `{"privilege": 5, "owner": "ada"}`)
	}))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cases := writeFile(t, dir, "cases.yaml", fmt.Sprintf(`
cases:
  - name: the service answers
    component: jsonsetter
    request: {object: {path: reports/q1}, path: /reports/q1, config: {url: "%[1]s/objects"}}
    reply: {attributes: {privilege: 5, owner: ada}}
  - name: the service knows no such object
    component: jsonsetter
    request: {object: {path: nothing}, path: /nothing, config: {url: "%[1]s/objects"}}
    error: {code: unavailable, message_contains: "jsonsetter: GET %[1]s/objects: status 404"}
  - name: another host is refused
    component: jsonsetter
    request: {object: {path: reports/q1}, path: /reports/q1, config: {url: "http://localhost:%[2]s/objects"}}
    error: {code: denied, message_contains: "capability_denied"}
`, srv.URL, u.Port()))
	for _, p := range tck.Load(t, tck.ACLObjectSuite).Plugins {
		if p.Grants.HTTP == nil {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			config := writeFile(t, t.TempDir(), "gatehouse.yaml", fmt.Sprintf("cache_dir: %q\nplugins:\n  %s:\n    grants: {http: {hosts: [%q]}}\n",
				wasmbuild.CacheDir(t, "wazero"), p.Name, u.Host))
			r := run(t, "", "plugin", "test", p.Build(t), "--cases", cases, "--config", config)
			r.check(t, cli.ExitOK)
			if !strings.HasSuffix(r.stdout, "3 passed, 0 failed\n") {
				t.Errorf("stdout:\n%s", r.stdout)
			}
		})
	}
}
