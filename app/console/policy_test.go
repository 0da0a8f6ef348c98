package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/app/console"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionapi"
	"github.com/gatehouse/gatehouse/policy/decisionlog"
	"github.com/gatehouse/gatehouse/policy/pap"
)

// entitiesJSON are the entities of the access control tests: a policy set
// of two policies that share the rule staff, one of which names a rule
// that is not loaded, and the console's own policy set, which grants the
// overview to everyone and every page to the subjects of the group
// /staff and to token logins.
const entitiesJSON = `{
"web": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["read", "write"]},
"read": {"Type": "Policy", "Resolver": "ANY", "Rules": ["staff"]},
"write": {"Type": "Policy", "Resolver": "AND", "Rules": ["staff", "writers"]},
"staff": {"Type": "Rule", "Effect": "GRANT", "Condition": "'/staff' in subject.groups"},
"console": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["console.pages"]},
"console.pages": {"Type": "Policy", "Resolver": "ANY", "Rules": ["console.overview", "console.staff", "console.tokens"]},
"console.overview": {"Type": "Rule", "Effect": "GRANT", "Condition": "object.page == 'overview'"},
"console.staff": {"Type": "Rule", "Effect": "GRANT", "Condition": "'/staff' in subject.groups"},
"console.tokens": {"Type": "Rule", "Effect": "GRANT", "Condition": "access.login == 'token'"},
"admin": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["admin.p"]},
"admin.p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["admin.console"]},
"admin.console": {"Type": "Rule", "Effect": "GRANT", "Condition": "access.via == 'console' and (access.login == 'token' or object.id != 'staff')"}
}`

// accessWorld is an engine over a folder of entities, the policy
// administration of that folder and a decision log of the decisions.
type accessWorld struct {
	dir    string
	engine *policy.Engine
	log    *decisionlog.Log
	access *console.Access
}

func newAccessWorld(t testing.TB) *accessWorld {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "base.json"), []byte(entitiesJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	w := &accessWorld{dir: dir}
	w.engine = policy.NewEngine(policy.Load(dir), policy.Config{})
	var err error
	if w.log, err = decisionlog.New(io.Discard, nil, nil); err != nil {
		t.Fatal(err)
	}
	w.log.Keep(1000)
	decider := w.log.Decider(w.engine, "console")
	store := &pap.Store{Dir: dir, Paths: func() []string { return []string{dir} }, Reload: func() { w.engine.Swap(policy.Load(dir)) }}
	w.access = &console.Access{
		Snapshot: w.engine.Snapshot,
		Decide: func(ctx context.Context, r *decisionapi.Request) (policy.Decision, error) {
			return decider.Decide(ctx, r.PolicyRequest(nil, nil))
		},
		Decisions: w.log.Index(),
		Admin: &console.Admin{Store: store, Authorize: func(ctx context.Context, u *console.User, r *http.Request, action, id, kind string) error {
			d, err := w.engine.Decide(ctx, policy.Request{PolicySet: "admin", Attributes: policy.Attributes{
				Subject: u.Subject(), Object: map[string]any{"id": id, "kind": kind},
				Access: map[string]any{"action": action, "via": "console", "login": u.Login},
			}})
			if err == nil && !d.Granted() {
				err = errors.New(d.Result.String())
			}
			return err
		}},
	}
	return w
}

// page gets path and checks its status.
func (b *browser) page(t *testing.T, path string, status int) string {
	t.Helper()
	res, body := b.do(t, http.MethodGet, path, nil)
	expect(t, res, body, status, "")
	return body
}

// TestConsolePolicyTree shows the entities as a tree with their files and
// lines: a rule two policies share is expanded once, a rule not loaded is
// marked, and each entity of the administration's folder has an edit
// link.
func TestConsolePolicyTree(t *testing.T) {
	w := newAccessWorld(t)
	b := serveWith(t, console.Options{Access: w.access})
	body := b.page(t, "/ui/policy", http.StatusOK)
	base := filepath.Join(w.dir, "base.json")
	for _, want := range []string{
		`id="e-policyset-web"`, `id="e-policy-read"`, `id="e-rule-staff"`,
		base + ":2", base + ":5",
		`<a href="#e-rule-staff" class="again">shown above</a>`,
		`<strong class="id">writers</strong>`, "not loaded",
		`no rule &#34;writers&#34; is loaded`,
		`<code>&#39;/staff&#39; in subject.groups</code>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the entities page has no %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, `class="edit"`) {
		t.Errorf("an entity of base.json, not the administration's, can be edited")
	}
	if _, err := w.access.Admin.Store.Apply([]pap.Change{{ID: "writers", Definition: json.RawMessage(`{"Type": "Rule", "Effect": "GRANT", "Condition": "True"}`)}}, "t", false); err != nil {
		t.Fatal(err)
	}
	body = b.page(t, "/ui/policy", http.StatusOK)
	if !strings.Contains(body, `<a href="/ui/policy/edit?id=writers" class="edit">edit</a>`) || strings.Contains(body, "not loaded") {
		t.Errorf("the administration's rule writers:\n%s", body)
	}
	if body := b.page(t, "/ui/policy/edit?id=writers", http.StatusOK); !strings.Contains(body, `&#34;writers&#34;`) {
		t.Errorf("the editor of writers does not hold its file:\n%s", body)
	}
	b.page(t, "/ui/policy/edit?id=base", http.StatusNotFound)
	b.page(t, "/ui/policy/edit?id=..%2Fx", http.StatusBadRequest)
}

// TestConsoleTryDecision decides the form's request: a denial shows its
// explanation and the missing attributes; the form needs the session's
// CSRF token, and an attribute that is not a JSON object is refused,
// naming it.
func TestConsoleTryDecision(t *testing.T) {
	w := newAccessWorld(t)
	b := serveWith(t, console.Options{Access: w.access})
	form := b.page(t, "/ui/policy/try", http.StatusOK)
	if !strings.Contains(form, `<option>web</option>`) {
		t.Fatalf("the form does not offer the policy set web:\n%s", form)
	}
	res, body := b.do(t, http.MethodPost, "/ui/policy/try", url.Values{"policy_set": {"web"}, "subject": {"{}"}})
	expect(t, res, body, http.StatusForbidden, "")
	token := csrf(t, form)
	res, body = b.do(t, http.MethodPost, "/ui/policy/try", url.Values{"csrf": {token}, "policy_set": {"web"}, "subject": {`{"groups": ["/guests"]}`}})
	expect(t, res, body, http.StatusOK, "")
	for _, want := range []string{`<span class="status ERROR">DENY</span> policy set <code>web</code>`, `id="explanation"`, "condition-false", `<strong class="id">staff</strong>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the denial has no %s:\n%s", want, body)
		}
	}
	res, body = b.do(t, http.MethodPost, "/ui/policy/try", url.Values{"csrf": {token}, "policy_set": {"web"}})
	expect(t, res, body, http.StatusOK, "")
	if !strings.Contains(body, `<ul id="missing"><li><code>subject.groups</code></li></ul>`) {
		t.Errorf("the missing attribute is not shown:\n%s", body)
	}
	res, body = b.do(t, http.MethodPost, "/ui/policy/try", url.Values{"csrf": {token}, "policy_set": {"web"}, "subject": {`["a"]`}})
	expect(t, res, body, http.StatusBadRequest, "")
	if !strings.Contains(body, "subject: want an object") {
		t.Errorf("a subject that is a list:\n%s", body)
	}
	res, body = b.do(t, http.MethodPost, "/ui/policy/try", url.Values{"csrf": {token}, "policy_set": {"web"}, "object": {`{"a": `}})
	expect(t, res, body, http.StatusBadRequest, "")
	if !strings.Contains(body, "object: ") {
		t.Errorf("an object that is not JSON:\n%s", body)
	}
	if got := w.log.Recent(5); len(got) != 2 || got[0].Source != "console" || got[0].Result != "DENY" {
		t.Errorf("the decision log holds %+v", got)
	}
}

// TestConsoleTryNotReady answers the form with 503 and Retry-After, as
// POST /v1/decide does, until the plugins are loaded, and decides once
// they are.
func TestConsoleTryNotReady(t *testing.T) {
	w := newAccessWorld(t)
	var ready atomic.Bool
	w.access.Ready = ready.Load
	b := serveWith(t, console.Options{Access: w.access})
	token := csrf(t, b.page(t, "/ui/policy/try", http.StatusOK))
	form := url.Values{"csrf": {token}, "policy_set": {"web"}, "subject": {`{"groups": ["/staff"]}`}}
	res, body := b.do(t, http.MethodPost, "/ui/policy/try", form)
	expect(t, res, body, http.StatusServiceUnavailable, "")
	if res.Header.Get("Retry-After") != decisionapi.RetryAfter || !strings.Contains(body, decisionapi.NotReady) {
		t.Errorf("before ready: Retry-After %q, body:\n%s", res.Header.Get("Retry-After"), body)
	}
	if got := w.log.Recent(5); len(got) != 0 {
		t.Errorf("a decision was made before ready: %+v", got)
	}
	ready.Store(true)
	res, body = b.do(t, http.MethodPost, "/ui/policy/try", form)
	expect(t, res, body, http.StatusOK, "")
	if !strings.Contains(body, `GRANT</span> policy set <code>web</code>`) {
		t.Errorf("once ready, no grant:\n%s", body)
	}
}

// TestConsoleDecisionLog filters the decision log page by decision,
// policy set and subject, a page at a time.
func TestConsoleDecisionLog(t *testing.T) {
	w := newAccessWorld(t)
	d := w.log.Decider(w.engine, "api")
	for i := range 120 {
		groups := []any{"/guests"}
		if i%3 == 0 {
			groups = []any{"/staff"}
		}
		set := "web"
		if i%4 == 0 {
			set = "console"
		}
		d.Decide(t.Context(), policy.Request{PolicySet: set, Attributes: policy.Attributes{
			Subject: map[string]any{"sub": "user" + string(rune('a'+i%5)), "groups": groups},
			Object:  map[string]any{"page": "plugins"},
		}})
	}
	d.Decide(t.Context(), policy.Request{PolicySet: "none"})
	b := serveWith(t, console.Options{Access: w.access})
	rows := func(body string) int { return strings.Count(body, "<tr") - 1 }
	body := b.page(t, "/ui/policy/log", http.StatusOK)
	if rows(body) != 50 || !strings.Contains(body, `href="/ui/policy/log?before=72"`) {
		t.Errorf("the first page: %d rows:\n%s", rows(body), body)
	}
	body = b.page(t, "/ui/policy/log?result=GRANT&policy_set=web", http.StatusOK)
	if rows(body) != 30 || strings.Contains(body, "<td>DENY</td>") || strings.Contains(body, "<td>console</td>") {
		t.Errorf("the grants of web: %d rows:\n%s", rows(body), body)
	}
	body = b.page(t, "/ui/policy/log?subject=sub%3Duserb&result=DENY", http.StatusOK)
	if rows(body) != 16 || strings.Contains(body, "usera") {
		t.Errorf("the denials of userb: %d rows:\n%s", rows(body), body)
	}
	body = b.page(t, "/ui/policy/log?result=error", http.StatusOK)
	if rows(body) != 1 || !strings.Contains(body, "error: ") {
		t.Errorf("the requests that could not be decided: %d rows:\n%s", rows(body), body)
	}
	body = b.page(t, "/ui/policy/log?before=72&result=DENY", http.StatusOK)
	if strings.Contains(body, "<td>72</td>") || strings.Contains(body, "<td>80</td>") {
		t.Errorf("the entries before 72 hold a later one:\n%s", body)
	}
	b.page(t, "/ui/policy/log?result=MAYBE", http.StatusBadRequest)
	b.page(t, "/ui/policy/log?before=x", http.StatusBadRequest)
}

// TestConsoleEditor checks an entity as it is typed and applies it: the
// loader's problems come with their lines and columns in the text typed;
// a change the administration's policy set refuses is refused; a good
// one is written as typed (with the form's CR LF as LF) and is in use.
func TestConsoleEditor(t *testing.T) {
	w := newAccessWorld(t)
	b := serveWith(t, console.Options{Access: w.access})
	token := csrf(t, b.page(t, "/ui/policy/edit", http.StatusOK))
	check := func(text string, ok bool) console.CheckResult {
		t.Helper()
		res, body := b.do(t, http.MethodPost, "/ui/policy/check", url.Values{"text": {text}}, "X-CSRF-Token", token)
		expect(t, res, body, http.StatusOK, "")
		var out console.CheckResult
		if err := json.Unmarshal([]byte(body), &out); err != nil || out.OK != ok {
			t.Fatalf("%v: %s", err, body)
		}
		return out
	}
	res, body := b.do(t, http.MethodPost, "/ui/policy/check", url.Values{"text": {"{}"}})
	expect(t, res, body, http.StatusForbidden, "")

	out := check("{\"writers\": {\"Type\": \"Rule\",\n  \"Effect\": \"GRANT\",\n  \"Condition\": \"subject.x ==\"}}", false)
	if len(out.Problems) == 0 || out.Problems[0].Line != 3 || out.Problems[0].Col != 29 || !strings.Contains(out.Problems[0].Text, "Condition, column 13") {
		t.Errorf("a broken condition: %+v", out)
	}
	out = check("{\"writers\": {\"Type\": \"Rule\",\n  \"Effect\": \"GRANT\"\n  \"Condition\": \"True\"}}", false)
	if len(out.Problems) != 1 || out.Problems[0].Line != 3 || out.Problems[0].Col != 3 {
		t.Errorf("a missing comma: %+v", out)
	}
	out = check(`{"a": {"Type": "Rule"}, "b": {"Type": "Rule"}}`, false)
	if !strings.Contains(out.Message, "holds 2 entities") {
		t.Errorf("two entities: %+v", out)
	}
	good := "{\n  \"writers\": {\"Type\": \"Rule\", \"Effect\": \"GRANT\", \"Condition\": \"'/writers' in subject.groups\"}\n}\n"
	out = check(good, true)
	if !out.OK || out.Applied || out.Message != `Entity "writers" would be created.` {
		t.Errorf("a good rule: %+v", out)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "writers.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a check wrote the file: %v", err)
	}
	res, body = b.do(t, http.MethodPost, "/ui/policy/edit", url.Values{"csrf": {token}, "do": {"apply"}, "text": {strings.ReplaceAll(good, "\n", "\r\n")}})
	expect(t, res, body, http.StatusOK, "")
	if !strings.Contains(body, `Entity &#34;writers&#34; created.`) {
		t.Errorf("apply:\n%s", body)
	}
	if b, _ := os.ReadFile(filepath.Join(w.dir, "writers.json")); string(b) != good {
		t.Errorf("writers.json holds %q", b)
	}
	if d, _ := w.engine.Decide(t.Context(), policy.Request{PolicySet: "web", Attributes: policy.Attributes{Subject: map[string]any{"groups": []any{"/staff", "/writers"}}}}); !d.Granted() {
		t.Errorf("the rule applied is not in use:\n%s", d.Explain())
	}
	log, err := os.ReadFile(filepath.Join(w.dir, pap.HistoryDir, pap.ChangeLog))
	if err != nil || !strings.Contains(string(log), `"subject":"console:local"`) {
		t.Errorf("the change log: %s %v", log, err)
	}
	// The administration's policy set lets a console without a login
	// change anything but staff.
	out = check(`{"staff": {"Type": "Rule", "Effect": "GRANT", "Condition": "True"}}`, false)
	if !strings.Contains(out.Message, `Forbidden: check of entity "staff"`) {
		t.Errorf("a change the policy refuses: %+v", out)
	}
	// staff is base.json's, not the administration's.
	w.access.Admin.Authorize = func(context.Context, *console.User, *http.Request, string, string, string) error { return nil }
	out = check(`{"staff": {"Type": "Rule", "Effect": "GRANT", "Condition": "True"}}`, false)
	if !strings.Contains(out.Message, "base.json:5") {
		t.Errorf("a change of another file's entity: %+v", out)
	}
}

// TestConsolePagePolicy lets the console's policy set decide who sees
// which page: a refused page answers 403 with a page that says why, and
// an allowed one is shown. The navigation links only to the pages the
// user is let see, decided without a line in the decision log.
func TestConsolePagePolicy(t *testing.T) {
	w := newAccessWorld(t)
	logged := w.log.Decider(w.engine, "console")
	b := serveWith(t, console.Options{Access: w.access, PolicySet: "console", Decider: logged, NavDecider: w.engine})
	body := b.page(t, "/ui/", http.StatusOK)
	if !strings.Contains(body, `<a href="/ui/" aria-current="page">Overview</a>`) {
		t.Errorf("the navigation does not link to the overview:\n%s", body)
	}
	for _, refused := range []string{`href="/ui/plugins"`, `href="/ui/policy"`, `href="/ui/openc2"`, `href="/ui/sim"`} {
		if strings.Contains(body, refused) {
			t.Errorf("the navigation links to a refused page, %s:\n%s", refused, body)
		}
	}
	if got := w.log.Recent(10); len(got) != 1 || got[0].PolicySet != "console" || got[0].Result != "GRANT" {
		t.Errorf("the decision log holds %+v, want the page's decision only", got)
	}
	body = b.page(t, "/ui/plugins", http.StatusForbidden)
	for _, want := range []string{`id="forbidden"`, "<strong>local</strong>", "<strong>plugins</strong>", "<code>console</code>", "DENY, missing subject.groups"} {
		if !strings.Contains(body, want) {
			t.Errorf("the refusal has no %s:\n%s", want, body)
		}
	}
	b.page(t, "/ui/policy/log", http.StatusForbidden)

	// A token login is granted every page.
	tb := serveWith(t, console.Options{Access: w.access, PolicySet: "console", Decider: w.engine, Tokens: []string{"t0ken"}})
	tb.login(t, "t0ken")
	tb.page(t, "/ui/plugins", http.StatusOK)
	body = tb.page(t, "/ui/policy/log", http.StatusOK)
	for _, allowed := range []string{`href="/ui/plugins"`, `<a href="/ui/policy" aria-current="page">Access control</a>`, `href="/ui/openc2"`, `href="/ui/sim"`} {
		if !strings.Contains(body, allowed) {
			t.Errorf("the navigation of a token login has no %s:\n%s", allowed, body)
		}
	}
}

// TestHostileConsoleEntityTree shows entities that reach one another by
// 2^40 paths: forty policy sets, each containing the next twice, and a
// policy that both the last and the first contain. The tree expands each
// entity once, so the page stays small.
func TestHostileConsoleEntityTree(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("{\n")
	for i := range 40 {
		fmt.Fprintf(&b, "%q: {\"Type\": \"PolicySet\", \"Resolver\": \"ANY\", \"PolicySets\": [%q, %q], \"Policies\": [\"p\"]},\n", fmt.Sprint("s", i), fmt.Sprint("s", i+1), fmt.Sprint("s", i+1))
	}
	b.WriteString("\"s40\": {\"Type\": \"PolicySet\", \"Resolver\": \"ANY\", \"Policies\": [\"p\"]},\n\"p\": {\"Type\": \"Policy\", \"Resolver\": \"ANY\", \"Rules\": []}\n}\n")
	if err := os.WriteFile(filepath.Join(dir, "deep.json"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	engine := policy.NewEngine(policy.Load(dir), policy.Config{})
	if errs := engine.Snapshot().Errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	br := serveWith(t, console.Options{Access: &console.Access{Snapshot: engine.Snapshot}})
	body := br.page(t, "/ui/policy", http.StatusOK)
	if n := strings.Count(body, `class="again"`); n != 80 || len(body) > 200<<10 {
		t.Errorf("the tree of 2^40 paths: %d bytes, %d entities shown again", len(body), n)
	}
}
