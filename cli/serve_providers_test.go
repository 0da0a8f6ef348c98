package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestServePolicyProviders decides through /v1/decide on the reference
// plugins of every language, which all provide urlmap and obl_log:
// without policy.providers the object setter is ambiguous and the decision
// fails naming the key, and once a reload sets policy.providers (the
// embedded entries with them) the chosen plugins set the object and carry
// out the obligation.
func TestServePolicyProviders(t *testing.T) {
	t.Parallel()
	plugins := aclPluginDir(t)
	dir := t.TempDir()
	entities := writeFile(t, dir, "e.json", `{
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["p"], "Obligations": ["obl_log"]},
"p": {"Type": "Policy", "Resolver": "AND", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "object.path == 'admin/users'", "Effect": "GRANT"}
}`)
	config := func(providers string) string {
		return writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
log: {format: json}
store: %q
cache_dir: %q
limits: {timeout: 1m}
policy:
  entities: [%q]
  providers: %s
  decision_api:
    object_setters:
      urlmap: {mappings: ["(?P<path>admin/.*)"]}
`, filepath.Join(dir, "store.db"), wasmbuild.CacheDir(t, "wazero"), entities, providers))
	}
	file := config("null")
	s := startServe(t, http.DefaultClient, "--config", file, "--plugins", plugins, "--listen", "127.0.0.1:0")
	s.waitReady(t)
	decide := func() (int, string) {
		t.Helper()
		res, body := s.request(t, http.MethodPost, "/v1/decide", `{"policy_set": "s", "path": "/admin/users", "subject": {"email": "ann@example.com"}}`, "Content-Type", "application/json")
		return res.StatusCode, body
	}
	if code, body := decide(); code == http.StatusOK || !strings.Contains(body, "choose one in policy.providers") {
		t.Errorf("without policy.providers: %d %s, want an error naming policy.providers", code, body)
	}
	config("{urlmap: rs-acl-basics, obligation:obl_log: c-acl-basics}")
	res, body := s.request(t, http.MethodPost, "/v1/config/reload", "")
	var answer struct{ Changed []string }
	if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &answer) != nil ||
		!slices.Contains(answer.Changed, "policy.providers.urlmap") ||
		slices.ContainsFunc(answer.Changed, func(k string) bool { return !strings.HasPrefix(k, "policy.providers.") }) {
		t.Fatalf("POST /v1/config/reload: %d %s, want policy.providers changed", res.StatusCode, body)
	}
	s.waitFor(t, "the decision point with policy.providers", func() bool {
		code, body := decide()
		var d struct{ Result string }
		return code == http.StatusOK && json.Unmarshal([]byte(body), &d) == nil && d.Result == "GRANT"
	})
	s.stop(t)
}
