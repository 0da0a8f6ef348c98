package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestServeConfigReload reloads the configuration of a running serve,
// through POST /v1/config/reload and on SIGHUP: a grant given lets a
// refused plugin load, new entity files replace the old, and the answer
// names the keys that changed, with a warning when the policy set of
// OpenC2 authorization is gone. A file with errors, a change that needs a
// restart and entity files that do not exist are refused with the reason,
// and the server goes on as it was. It sends SIGHUP to the test process,
// so it does not run in parallel with other tests.
func TestServeConfigReload(t *testing.T) {
	fx := newFixture(t)
	dir := t.TempDir()
	entities := func(set string) string {
		d := filepath.Join(dir, set)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, d, "acl.json", fmt.Sprintf(`{
"%s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}}`, set))
		return d
	}
	setA, setB := entities("a"), entities("b")
	const granted = "{kvcounter: {grants: {log: true, clock: true, kv: true}}}"
	config := func(entities, plugins, extra string) string {
		return fmt.Sprintf("cache_dir: %q\nstore: %q\nlog: {format: json}\nlimits: {timeout: 1m}\nplugins: %s\npolicy: {entities: [%q]}\nopenc2: {authorization: {policy_set: a}}\n%s",
			wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db"), plugins, entities, extra)
	}
	file := writeFile(t, dir, "gatehouse.yaml", config(setA, "{kvcounter: null}", ""))
	plugins := pluginDir(t, map[string]string{"kvcounter.wasm": fx.kvcounter})
	s := startServe(t, http.DefaultClient, "--config", file, "--plugins", plugins, "--listen", "127.0.0.1:0")
	s.waitReady(t)

	state := func() string {
		t.Helper()
		_, body, err := s.get(t, "/v1/plugins")
		if err != nil {
			t.Fatal(err)
		}
		var ps struct{ Plugins []host.PluginStatus }
		if err := json.Unmarshal(body, &ps); err != nil || len(ps.Plugins) != 1 {
			t.Fatalf("/v1/plugins: %v\n%s", err, body)
		}
		_, body, err = s.get(t, "/v1/policy/status")
		if err != nil {
			t.Fatal(err)
		}
		var st struct {
			PolicySets []string `json:"policy_sets"`
		}
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatalf("/v1/policy/status: %v\n%s", err, body)
		}
		return fmt.Sprintf("kvcounter %s, policy sets %v", ps.Plugins[0].Status, st.PolicySets)
	}
	reload := func(want int) string {
		t.Helper()
		res, body := s.request(t, http.MethodPost, "/v1/config/reload", "")
		if res.StatusCode != want {
			t.Fatalf("POST /v1/config/reload: %d, want %d\n%s", res.StatusCode, want, body)
		}
		return body
	}
	if got, want := state(), "kvcounter ERROR, policy sets [a]"; got != want {
		t.Fatalf("at start: %s, want %s", got, want)
	}
	const unloaded = "openc2.authorization.policy_set is not loaded: every command is refused until it is"
	if s.stderr.logged(unloaded) != nil {
		t.Errorf("at start, with the policy set a loaded: %q", unloaded)
	}

	writeFile(t, dir, "gatehouse.yaml", config(setB, granted, ""))
	var answer struct{ Changed []string }
	if err := json.Unmarshal([]byte(reload(http.StatusOK)), &answer); err != nil {
		t.Fatal(err)
	}
	if want := []string{"plugins.kvcounter.grants.clock", "plugins.kvcounter.grants.kv", "plugins.kvcounter.grants.log", "policy.entities"}; !slices.Equal(answer.Changed, want) {
		t.Errorf("changed %q, want %q", answer.Changed, want)
	}
	if got, want := state(), "kvcounter OK, policy sets [b]"; got != want {
		t.Fatalf("after the reload: %s, want %s", got, want)
	}
	if s.stderr.logged(unloaded) == nil {
		t.Errorf("entities without the policy set of OpenC2 authorization: no warning %q", unloaded)
	}
	applied := state()

	for _, tt := range []struct {
		name, config string
		status       int
		want         string
	}{
		{"unknown key", config(setA, "{kvcounter: null}", "limts: {timeout: 2m}\n"), http.StatusUnprocessableEntity, `unknown key \"limts\"`},
		{"restart-only keys", config(setA, "{kvcounter: null}", "diagnostics: {listen: 127.0.0.1:0}\nsim: {max_runs: 2}\n"), http.StatusConflict,
			"diagnostics.listen, sim.max_runs: take effect only on a restart"},
		{"entities that do not exist", config(filepath.Join(dir, "nowhere"), "{kvcounter: null}", ""), http.StatusUnprocessableEntity, "policy.entities: "},
	} {
		writeFile(t, dir, "gatehouse.yaml", tt.config)
		if body := reload(tt.status); !strings.Contains(body, "config reload refused, nothing changed") || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %s, want it refused with %q", tt.name, body, tt.want)
		}
		if got := state(); got != applied {
			t.Errorf("after the refused %s: %s, want %s", tt.name, got, applied)
		}
	}

	// SIGHUP reloads too, and a refused reload did not keep the server
	// from taking the next one.
	writeFile(t, dir, "gatehouse.yaml", config(setA, granted, ""))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.waitFor(t, "the reload of SIGHUP", func() bool {
		return state() == "kvcounter OK, policy sets [a]"
	})
	s.stop(t)
}
