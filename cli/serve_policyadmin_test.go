package cli_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/cli"
)

// adminEntities are the entities of a served policy administration: the
// policy set admin lets ann make any change and bob only check, and the
// policy set svc grants by the rule svc.r, which the administration
// owns.
var adminEntities = map[string]string{
	"base.json": `{
"admin": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["admin.p"]},
"admin.p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["admin.ann", "admin.bob"]},
"admin.ann": {"Type": "Rule", "Effect": "GRANT", "Condition": "subject.name == 'ann'"},
"admin.bob": {"Type": "Rule", "Effect": "GRANT", "Condition": "subject.name == 'bob' and access.action == 'check'"},
"svc": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["svc.p"]},
"svc.p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["svc.r"]}
}`,
	"svc.r.json": `{"svc.r": {"Type": "Rule", "Effect": "GRANT", "Condition": "subject.name == 'ann'"}}`,
}

// adminServer is a gatehouse serve with the policy administration on.
type adminServer struct {
	*serving
	dir         string // the administered folder
	decisionLog string
}

// startAdminServe serves adminEntities with the policy administration
// on, with the tokens tok-ann of ann and tok-bob of bob.
func startAdminServe(t *testing.T) *adminServer {
	t.Helper()
	dir := t.TempDir()
	for name, text := range adminEntities {
		writeFile(t, dir, name, text)
	}
	tokens := writeFile(t, t.TempDir(), "admin.tokens", "# name token\nann tok-ann\nbob tok-bob\n")
	decisionLog := filepath.Join(t.TempDir(), "decisions.log")
	config := policyConfig(t, fmt.Sprintf(`policy:
  entities: [%q]
  admin: {enabled: true, dir: %q, token_file: %q, policy_set: admin}
  decision_log: {path: %q}
`, dir, dir, tokens, decisionLog))
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	s := startServe(t, client, "--config", config, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)
	return &adminServer{serving: s, dir: dir, decisionLog: decisionLog}
}

// do sends method to path with body as JSON and token as bearer token
// (none when empty), and returns the status, the body and the ETag.
func (s *adminServer) do(t *testing.T, method, path, token, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header.Get("ETag")
}

// decide returns the result of the policy set svc for the subject name.
func (s *adminServer) decide(t *testing.T, name string) string {
	t.Helper()
	status, body, _ := s.do(t, http.MethodPost, "/v1/decide", "", fmt.Sprintf(`{"policy_set": "svc", "subject": {"name": %q}}`, name))
	var d struct{ Result string }
	if status != http.StatusOK || json.Unmarshal([]byte(body), &d) != nil {
		t.Fatalf("/v1/decide: %d %s", status, body)
	}
	return d.Result
}

// files returns the content of every file under the administered folder
// by path.
func (s *adminServer) files(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(s.dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, rerr := os.ReadFile(path)
			out[path] = string(b)
			return rerr
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// changeLog returns the lines of the change log, decoded.
func (s *adminServer) changeLog(t *testing.T) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(s.dir, ".history", "changes.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []map[string]any
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var l map[string]any
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("change log line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

const bobRule = `{"Type": "Rule", "Effect": "GRANT", "Condition": "subject.name == 'bob'"}`

// TestServePolicyAdmin changes the entities of a served decision point
// through the policy administration: a change is in use when its answer
// comes, a broken one is refused with the loader's errors and changes
// nothing, a check changes nothing, and every change made is in the
// history and the change log.
func TestServePolicyAdmin(t *testing.T) {
	t.Parallel()
	s := startAdminServe(t)
	if got := s.decide(t, "bob"); got == "GRANT" {
		t.Fatalf("bob is granted before the change")
	}

	status, body, etag := s.do(t, http.MethodPut, "/v1/policy/entities/svc.r", "tok-ann", bobRule)
	if status != http.StatusOK || !strings.Contains(body, `"action":"replaced"`) || etag == "" {
		t.Fatalf("PUT svc.r: %d %s, ETag %q", status, body, etag)
	}
	if got := s.decide(t, "bob"); got != "GRANT" {
		t.Errorf("bob after the change: %s, want GRANT at once", got)
	}
	var res struct{ Changes []struct{ Previous string } }
	if json.Unmarshal([]byte(body), &res) != nil || len(res.Changes) != 1 {
		t.Fatalf("PUT svc.r: %s", body)
	}
	if prev, err := os.ReadFile(res.Changes[0].Previous); err != nil || string(prev) != adminEntities["svc.r.json"] {
		t.Errorf("the previous version %s: %q %v", res.Changes[0].Previous, prev, err)
	}
	log := s.changeLog(t)
	if len(log) != 1 || log[0]["subject"] != "ann" || log[0]["action"] != "replaced" || log[0]["id"] != "svc.r" || log[0]["time"] == nil {
		t.Errorf("change log: %v", log)
	}

	before := s.files(t)
	for _, tt := range []struct {
		name, method, path, token, body string
		status                          int
		says                            string
	}{
		{"a broken condition", http.MethodPut, "/v1/policy/entities/svc.r", "tok-ann",
			`{"Type": "Rule", "Effect": "GRANT", "Condition": "subject.name =="}`, http.StatusUnprocessableEntity, `svc.r.json","line":5`},
		{"an unknown resolver", http.MethodPut, "/v1/policy/entities/other", "tok-ann",
			`{"Type": "Policy", "Resolver": "MOST", "Rules": ["svc.r"]}`, http.StatusUnprocessableEntity, `\"MOST\" is not one of`},
		{"a dangling reference", http.MethodPut, "/v1/policy/entities/other", "tok-ann",
			`{"Type": "Policy", "Resolver": "ANY", "Rules": ["nope"]}`, http.StatusUnprocessableEntity, `no rule \"nope\" is loaded`},
		{"a cycle", http.MethodPut, "/v1/policy/entities/loop", "tok-ann",
			`{"Type": "PolicySet", "Resolver": "ANY", "PolicySets": ["loop"]}`, http.StatusUnprocessableEntity, "contains itself"},
		{"deleting a referenced rule", http.MethodDelete, "/v1/policy/entities/svc.r", "tok-ann", "", http.StatusUnprocessableEntity, `no rule \"svc.r\" is loaded`},
		{"an entity of another file", http.MethodPut, "/v1/policy/entities/svc.p", "tok-ann", bobRule, http.StatusConflict, "base.json:7"},
		{"deleting what is not there", http.MethodDelete, "/v1/policy/entities/nope", "tok-ann", "", http.StatusNotFound, "nope.json"},
		{"an old ETag", http.MethodPut, "/v1/policy/entities/svc.r", "tok-ann", bobRule, http.StatusPreconditionFailed, "If-Match"},
		{"no token", http.MethodPut, "/v1/policy/entities/svc.r", "", bobRule, http.StatusUnauthorized, "unauthenticated"},
		{"another token", http.MethodPut, "/v1/policy/entities/svc.r", "tok-eve", bobRule, http.StatusUnauthorized, "unauthenticated"},
		{"a token of the decision API", http.MethodDelete, "/v1/policy/entities/svc.r", "a-token", "", http.StatusUnauthorized, "unauthenticated"},
		{"bob may only check", http.MethodPut, "/v1/policy/entities/svc.r", "tok-bob", bobRule, http.StatusForbidden, `forbidden: put of entity \"svc.r\": policy set \"admin\": DENY`},
		{"a check", http.MethodPost, "/v1/policy/check", "tok-bob",
			`{"entities": {"svc.r": {"Type": "Rule", "Effect": "DENY", "Condition": "True"}, "new": ` + bobRule + `}}`, http.StatusOK, `"action":"created"`},
		{"a check of an error", http.MethodPost, "/v1/policy/check", "tok-bob", `{"delete": ["svc.r"]}`, http.StatusUnprocessableEntity, "no rule"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.body
			status, body, _ := func() (int, string, string) {
				if tt.status == http.StatusPreconditionFailed {
					return s.doIfMatch(t, tt.path, tt.token, req, `"0000"`)
				}
				return s.do(t, tt.method, tt.path, tt.token, req)
			}()
			if status != tt.status || !strings.Contains(body, tt.says) {
				t.Errorf("%s %s: %d %s, want %d saying %s", tt.method, tt.path, status, body, tt.status, tt.says)
			}
			if tt.status == http.StatusUnauthorized && !strings.Contains(body, "policy.admin.token_file") {
				t.Errorf("401 does not name the token file: %s", body)
			}
		})
	}
	after := s.files(t)
	if len(after) != len(before) {
		t.Errorf("refused changes and checks wrote files: %d files, were %d", len(after), len(before))
	}
	for path, text := range before {
		if after[path] != text {
			t.Errorf("%s changed", path)
		}
	}
	if got := s.decide(t, "bob"); got != "GRANT" {
		t.Errorf("bob after refused changes and a check: %s, want GRANT still", got)
	}

	status, body, etag = s.doIfMatch(t, "/v1/policy/entities/extra", "tok-ann", `{"Type": "Rule", "Effect": "DENY", "Condition": "True"}`, "")
	if status != http.StatusCreated || etag == "" {
		t.Fatalf("PUT extra: %d %s", status, body)
	}
	if status, body, _ = s.doIfMatch(t, "/v1/policy/entities/extra", "tok-ann", "", etag); status != http.StatusOK || !strings.Contains(body, `"action":"deleted"`) {
		t.Errorf("DELETE extra with its ETag: %d %s", status, body)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "extra.json")); !os.IsNotExist(err) {
		t.Errorf("extra.json after its deletion: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.dir, ".history", "extra")); len(entries) != 1 {
		t.Errorf("the deleted version of extra is not kept: %v", entries)
	}
	log = s.changeLog(t)
	if len(log) != 3 || log[1]["action"] != "created" || log[2]["action"] != "deleted" || log[2]["subject"] != "ann" {
		t.Errorf("change log after create and delete: %v", log)
	}
	if status, body, _ := s.get(t, "/v1/policy/status"); status != http.StatusOK || !strings.Contains(string(body), `"state":"OK"`) {
		t.Errorf("/v1/policy/status: %d %s", status, body)
	}
	// The first load and one for each of the three changes: the watcher,
	// given ten times its settling time to see the changes' files, finds
	// them loaded already.
	time.Sleep(time.Second)
	if n := strings.Count(s.stderr.String(), `"msg":"policy entities loaded"`); n != 4 {
		t.Errorf("%d loads of the entities for 3 changes, want 4:\n%s", n, s.stderr)
	}
	s.stop(t)
	b, err := os.ReadFile(s.decisionLog)
	if err != nil {
		t.Fatal(err)
	}
	refused := false
	for line := range strings.Lines(string(b)) {
		var d struct {
			Source, Result string
			Attributes     map[string]map[string]any
		}
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatal(err)
		}
		a := d.Attributes
		refused = refused || d.Source == "admin" && d.Result == "DENY" && a["subject"]["name"] == "bob" &&
			a["access"]["action"] == "put" && a["object"]["id"] == "svc.r" && a["object"]["kind"] == "Rule"
	}
	if !refused {
		t.Errorf("the decision log has no refusal of bob's put:\n%s", b)
	}
}

// doIfMatch sends a PUT of body, or a DELETE when body is empty, with
// the If-Match header ifMatch when not empty.
func (s *adminServer) doIfMatch(t *testing.T, path, token, body, ifMatch string) (int, string, string) {
	t.Helper()
	method := http.MethodPut
	if body == "" {
		method = http.MethodDelete
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header.Get("ETag")
}

// TestHostilePolicyAdmin sends the policy administration ids that leave
// its folder, a body too large and changes at once: none writes outside
// the folder, and every change at once is made whole and logged.
func TestHostilePolicyAdmin(t *testing.T) {
	t.Parallel()
	s := startAdminServe(t)
	outside := filepath.Dir(s.dir)
	before, _ := os.ReadDir(outside)
	for _, path := range []string{"..%2Fx", "%2E%2E%2Fx", "..", ".history", "a%5Cb", "a%00b", "%2e%2e"} {
		status, body, _ := s.do(t, http.MethodPut, "/v1/policy/entities/"+path, "tok-ann", bobRule)
		if status != http.StatusBadRequest || !strings.Contains(body, "invalid entity id") {
			t.Errorf("PUT %s: %d %s, want 400", path, status, body)
		}
	}
	if after, _ := os.ReadDir(outside); len(after) != len(before) {
		t.Errorf("the folder above the administered one changed: %v, was %v", after, before)
	}
	huge := `{"Type": "Rule", "Effect": "GRANT", "Condition": "` + strings.Repeat("True and ", 130_000) + `True"}`
	if status, body, _ := s.do(t, http.MethodPut, "/v1/policy/entities/huge", "tok-ann", huge); status != http.StatusRequestEntityTooLarge {
		t.Errorf("PUT of %d bytes: %d %s, want 413", len(huge), status, body)
	}

	const n = 8
	var wg sync.WaitGroup
	statuses := make([]int, 2*n)
	for i := range n {
		wg.Go(func() {
			statuses[i], _, _ = s.do(t, http.MethodPut, fmt.Sprintf("/v1/policy/entities/c%d", i), "tok-ann", bobRule)
		})
		wg.Go(func() {
			statuses[n+i], _, _ = s.do(t, http.MethodPut, "/v1/policy/entities/svc.r", "tok-ann",
				fmt.Sprintf(`{"Type": "Rule", "Effect": "GRANT", "Condition": "subject.name == 'u%d'"}`, i))
		})
	}
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusCreated && st != http.StatusOK {
			t.Errorf("change %d at once: %d", i, st)
		}
	}
	log := s.changeLog(t)
	if len(log) != 2*n {
		t.Errorf("%d changes at once, %d lines in the change log", 2*n, len(log))
	}
	if entries, _ := os.ReadDir(filepath.Join(s.dir, ".history", "svc.r")); len(entries) != n {
		t.Errorf("%d replacements of svc.r, %d previous versions kept", n, len(entries))
	}
	if status, body, _ := s.get(t, "/v1/policy/status"); status != http.StatusOK || !strings.Contains(string(body), `"state":"OK"`) {
		t.Errorf("/v1/policy/status after changes at once: %d %s", status, body)
	}
	s.stop(t)
}

// TestPolicyApply applies an entity file to a served policy
// administration: a dry run changes nothing, a file whose policy
// contains a new rule puts the rule first, a broken file is refused with
// the loader's errors, and --delete deletes.
func TestPolicyApply(t *testing.T) {
	t.Parallel()
	s := startAdminServe(t)
	dir := t.TempDir()
	token := writeFile(t, dir, "ann.token", "tok-ann\n")
	// The policy comes first in the file and contains the new rule.
	file := writeFile(t, dir, "change.json", `{
"svc.p2": {"Type": "Policy", "Resolver": "ANY", "Rules": ["svc.bob"]},
"svc.bob": `+bobRule+`,
"svc2": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["svc.p2"]}
}`)
	apply := func(args ...string) result {
		return run(t, "", append([]string{"policy", "apply", "--server", s.url, "--token-file", token}, args...)...)
	}
	r := apply("--dry-run", file)
	r.check(t, cli.ExitOK)
	if !strings.Contains(r.stdout, "svc.bob (Rule): would be created in ") {
		t.Errorf("dry run:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "svc.bob.json")); !os.IsNotExist(err) {
		t.Errorf("the dry run wrote svc.bob.json: %v", err)
	}
	r = apply(file, "--output", "json")
	r.check(t, cli.ExitOK)
	var out struct{ Changes []struct{ ID, Action string } }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Changes) != 3 || out.Changes[0].ID != "svc.bob" || out.Changes[2].ID != "svc2" {
		t.Errorf("apply: %v\n%s", err, r.stdout)
	}
	status, body, _ := s.do(t, http.MethodPost, "/v1/decide", "", `{"policy_set": "svc2", "subject": {"name": "bob"}}`)
	if status != http.StatusOK || !strings.Contains(body, `"result":"GRANT"`) {
		t.Errorf("svc2 for bob: %d %s", status, body)
	}
	broken := writeFile(t, dir, "broken.json", `{"svc.bob": {"Type": "Rule", "Effect": "GRANT", "Condition": "subject.name =="}}`)
	apply(broken).check(t, cli.ExitFinding, "error: "+filepath.Join(s.dir, "svc.bob.json")+":5", "HTTP 422")
	apply("--delete", "svc.bob").check(t, cli.ExitFinding, `no rule "svc.bob" is loaded`)
	r = apply("--delete", "svc2", "--delete", "svc.p2", "--delete", "svc.bob")
	r.check(t, cli.ExitOK)
	if strings.Count(r.stdout, ": deleted in ") != 3 {
		t.Errorf("deletions:\n%s", r.stdout)
	}
	run(t, "", "policy", "apply", "--server", s.url, file).check(t, cli.ExitFinding, "HTTP 401")
	apply().check(t, cli.ExitUsage, "nothing to apply")
	apply(token).check(t, cli.ExitUsage, "an entity file is one JSON object")
	s.stop(t)
}

// TestServePolicyAdminRefuses checks that serve does not start with a
// policy administration it cannot run, naming the key at fault.
func TestServePolicyAdminRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tokens := writeFile(t, t.TempDir(), "admin.tokens", "ann tok-ann\n")
	noName := writeFile(t, t.TempDir(), "admin.tokens", "tok-ann\n")
	file := writeFile(t, t.TempDir(), "acl.json", "{}")
	for _, tt := range []struct {
		name, admin string
		stderr      []string
	}{
		{"a token without a name", fmt.Sprintf("{enabled: true, dir: %q, token_file: %q, policy_set: admin}", dir, noName),
			[]string{"policy.admin.token_file: " + noName + ":1: want NAME TOKEN"}},
		{"a missing token file", fmt.Sprintf("{enabled: true, dir: %q, token_file: %q, policy_set: admin}", dir, filepath.Join(dir, "gone")),
			[]string{"policy.admin.token_file: open "}},
		{"a file for a folder", fmt.Sprintf("{enabled: true, dir: %q, token_file: %q, policy_set: admin}", file, tokens),
			[]string{"policy.admin.dir: " + file + " is not a folder"}},
		{"no policy set", fmt.Sprintf("{enabled: true, dir: %q, token_file: %q}", dir, tokens),
			[]string{"policy.admin.policy_set is required"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			config := policyConfig(t, fmt.Sprintf("policy:\n  entities: [%q, %q]\n  admin: %s\n", dir, file, tt.admin))
			r := run(t, "", "serve", "--config", config, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
			r.check(t, cli.ExitUsage, tt.stderr...)
		})
	}
}
