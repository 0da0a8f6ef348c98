package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
)

// TestServePolicyCompat decides through /v1/decide with a DENY rule whose
// condition is false: it grants as documented, and denies once a reload
// sets policy.compat to arpoc-code, as ARPOC's code does.
func TestServePolicyCompat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	entities := writeFile(t, dir, "acl.json", `{
"set": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "subject.blocked", "Effect": "DENY"}}`)
	config := func(compat string) string {
		return writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf("log: {format: json}\nstore: %q\npolicy: {entities: [%q]%s}\n",
			filepath.Join(dir, "store.db"), entities, compat))
	}
	file := config("")
	s := startServe(t, http.DefaultClient, "--config", file, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)
	decide := func() string {
		t.Helper()
		res, body := s.request(t, http.MethodPost, "/v1/decide", `{"policy_set": "set", "subject": {"blocked": false}}`, "Content-Type", "application/json")
		var d struct{ Result string }
		if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &d) != nil {
			t.Fatalf("/v1/decide: %d %s", res.StatusCode, body)
		}
		return d.Result
	}
	if got := decide(); got != "GRANT" {
		t.Errorf("as documented: %s, want GRANT", got)
	}
	config(", compat: arpoc-code")
	res, body := s.request(t, http.MethodPost, "/v1/config/reload", "")
	var answer struct{ Changed []string }
	if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &answer) != nil || !slices.Equal(answer.Changed, []string{"policy.compat"}) {
		t.Fatalf("POST /v1/config/reload: %d %s, want policy.compat changed", res.StatusCode, body)
	}
	s.waitFor(t, "the decision point with policy.compat", func() bool { return decide() == "DENY" })
	s.stop(t)
}
