package cli_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// consolePolicyEntities are the entities of the console's access control
// test: a web service's policy set, and the policy administration's, which
// grants every change made in the console.
const consolePolicyEntities = `{
"web": {"Type": "PolicySet", "Resolver": "ANY", "Description": "The web service", "Policies": ["web.read"]},
"web.read": {"Type": "Policy", "Resolver": "ANY", "Rules": ["web.staff", "web.night"]},
"web.staff": {"Type": "Rule", "Effect": "GRANT", "Condition": "'/staff' in subject.groups"},
"admin": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["admin.console"]},
"admin.console": {"Type": "Policy", "Resolver": "ANY", "Rules": ["admin.console.all"]},
"admin.console.all": {"Type": "Rule", "Effect": "GRANT", "Condition": "access.via == 'console'"}
}`

// TestServeConsolePolicyBrowser drives the console's access control pages
// in headless Chromium: the entities show as a tree with their files and
// lines; a denied decision shows its explanation; the decision log's
// filter selects the denials; the editor refuses a broken rule, naming
// its line and column, as it is typed, and applies a good one, which
// then shows in the tree. No page writes an error to the console, and
// axe-core finds no serious accessibility problem in any. It saves a
// screenshot of each page.
func TestServeConsolePolicyBrowser(t *testing.T) {
	dir := t.TempDir()
	const token = "console-policy-token"
	acl := filepath.Join(dir, "acl")
	if err := os.Mkdir(acl, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, acl, "web.night.json", "{\n  \"web.night\": {\"Type\": \"Rule\", \"Effect\": \"DENY\", \"Condition\": \"environment.hour < 6\"}\n}\n")
	base := writeFile(t, dir, "base.json", consolePolicyEntities)
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
policy:
  entities: [%q, %q]
  decision_log: {path: %q}
  admin: {enabled: true, dir: %q, token_file: %q, policy_set: admin}
ui: {enabled: true, token_file: %q}
`, filepath.Join(dir, "cache"), filepath.Join(dir, "store.db"), base, acl, filepath.Join(dir, "decisions.log"), acl,
		writeFile(t, dir, "admin.tokens", "ann ann-token\n"), writeFile(t, dir, "ui.tokens", token+"\n")))
	s := startServe(t, http.DefaultClient, "--config", config, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)
	for _, d := range []struct {
		group string
		hour  int
	}{{"/staff", 12}, {"/guests", 3}, {"/staff", 12}} {
		res, body := s.request(t, http.MethodPost, "/v1/decide", fmt.Sprintf(`{"policy_set": "web", "subject": {"sub": "u%s", "groups": [%q]}, "environment": {"hour": %d}}`, d.group, d.group, d.hour), "Content-Type", "application/json")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("POST /v1/decide: %s %s", res.Status, body)
		}
	}

	b := openBrowser(t, s)
	b.login(token)
	b.step("the entities", chromedp.Navigate(s.url+"/ui/policy"), chromedp.WaitVisible("[data-tree]"))
	if got := b.text("[data-tree]"); !strings.Contains(got, "web.staff") || !strings.Contains(got, base+":4") || !strings.Contains(got, filepath.Join(acl, "web.night.json")+":2") {
		t.Errorf("the tree of the entities:\n%s", got)
	}
	b.screenshot("policy")
	b.axe("entities")

	b.step("try a decision", chromedp.Navigate(s.url+"/ui/policy/try"), chromedp.WaitVisible("#subject"),
		chromedp.SetValue("#policy_set", "web"), chromedp.SetValue("#subject", `{"groups": ["/guests"]}`),
		chromedp.SetValue("#environment", `{"hour": 3}`),
		chromedp.Submit("#subject"), chromedp.WaitVisible("#explanation"))
	if got := b.text("main"); !strings.Contains(got, "DENY") || !strings.Contains(got, "condition-false") || !strings.Contains(got, "condition-true") {
		t.Errorf("the denial's explanation:\n%s", got)
	}
	b.screenshot("policy-try")
	b.axe("try a decision")

	b.step("the decision log", chromedp.Navigate(s.url+"/ui/policy/log"), chromedp.WaitVisible(`[data-list="log"]`))
	if got := b.text(`[data-list="log"]`); strings.Count(got, "GRANT") != 2 || strings.Count(got, "DENY") != 2 {
		t.Errorf("the decision log:\n%s", got)
	}
	b.step("filter the denials", chromedp.SetValue("#result", "DENY"), chromedp.Submit("#result"),
		chromedp.WaitReady(`#result option[selected]`), chromedp.WaitVisible(`[data-list="log"]`))
	if got := b.text(`[data-list="log"]`); strings.Contains(got, "GRANT") || strings.Count(got, "DENY") != 2 || !strings.Contains(got, "console") || !strings.Contains(got, "sub=u/guests") {
		t.Errorf("the denials of the decision log:\n%s", got)
	}
	b.screenshot("policy-log")
	b.axe("decision log")

	bad := "{\n  \"web.contractors\": {\"Type\": \"Rule\", \"Effect\": \"GRANT\",\n    \"Condition\": \"'/contractors' in\"}\n}\n"
	b.step("a broken rule", chromedp.Navigate(s.url+"/ui/policy/edit"), chromedp.WaitVisible("#text"),
		chromedp.SetValue("#text", bad), chromedp.SendKeys("#text", " "),
		chromedp.Poll[chromedp.Void](`document.getElementById("check-problems").textContent.includes("line 3, column")`))
	if got := b.text("#check"); !strings.Contains(got, "line 3, column 36") || !strings.Contains(got, `rule "web.contractors": Condition, column 18`) {
		t.Errorf("the check of a broken rule:\n%s", got)
	}
	b.screenshot("policy-edit")
	b.axe("editor")
	good := "{\n  \"web.contractors\": {\"Type\": \"Rule\", \"Effect\": \"GRANT\",\n    \"Condition\": \"'/contractors' in subject.groups\"}\n}\n"
	b.step("a good rule", chromedp.SetValue("#text", good), chromedp.SendKeys("#text", " "),
		chromedp.Poll[chromedp.Void](`document.getElementById("check-message").textContent.includes("would be created")`))
	b.step("apply it", chromedp.Click("#apply"), chromedp.WaitVisible("[data-applied]"))
	if got := b.text("#check-message"); got != `Entity "web.contractors" created.` {
		t.Errorf("the change: %s", got)
	}
	if got, err := os.ReadFile(filepath.Join(acl, "web.contractors.json")); err != nil || strings.TrimSpace(string(got)) != strings.TrimSpace(good) {
		t.Errorf("web.contractors.json: %q %v", got, err)
	}
	b.step("the rule in the tree", chromedp.Navigate(s.url+"/ui/policy"), chromedp.WaitVisible(`a[href="/ui/policy/edit?id=web.contractors"]`))
}

// TestServeConsolePolicySet serves a console whose policy set, ui.policy_set,
// grants token logins the overview and nothing else: the plugins page
// answers 403, and each decision goes to the decision log as coming from
// the console.
func TestServeConsolePolicySet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	entities := writeFile(t, dir, "console.json", `{
"console": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["console.p"]},
"console.p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["console.overview"]},
"console.overview": {"Type": "Rule", "Effect": "GRANT", "Condition": "access.login == 'token' and object.page == 'overview'"}
}`)
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
policy:
  entities: [%q]
  decision_log: {path: %q}
ui: {enabled: true, token_file: %q, policy_set: console}
`, filepath.Join(dir, "cache"), filepath.Join(dir, "store.db"), entities, filepath.Join(dir, "decisions.log"), writeFile(t, dir, "ui.tokens", "t0ken\n")))
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar}
	s := startServe(t, client, "--config", config, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)
	res, err := client.PostForm(s.url+"/ui/login", url.Values{"token": {"t0ken"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/ui/" {
		t.Fatalf("the login ends at %s with %s", res.Request.URL, res.Status)
	}
	if status, body, err := s.get(t, "/ui/plugins"); err != nil || status != http.StatusForbidden || !strings.Contains(string(body), `id="forbidden"`) {
		t.Errorf("GET /ui/plugins: %d %v\n%s", status, err, body)
	}
	s.stop(t)
	b, err := os.ReadFile(filepath.Join(dir, "decisions.log"))
	if err != nil || strings.Count(string(b), `"source":"console","policy_set":"console","result":"GRANT"`) != 1 || strings.Count(string(b), `"source":"console","policy_set":"console","result":"DENY"`) != 1 {
		t.Errorf("the decision log: %v\n%s", err, b)
	}
}
