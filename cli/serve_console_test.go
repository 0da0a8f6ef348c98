package cli_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestServeConsoleBrowser drives the web console of a gatehouse serve in
// headless Chromium: it logs in with an admin token, sees a command it
// sent on the overview and the overview's live updates, reloads the
// plugin folder after a plugin is dropped into it and finds it on the
// plugins page, and opens the plugin's page. No page writes an error to
// the console: a script the Content-Security-Policy blocked, or an
// exception, would. It finds the command on the OpenC2 page, and not
// among the failed ones. It saves a screenshot of each page.
func TestServeConsoleBrowser(t *testing.T) {
	fx := newFixture(t)
	dir := t.TempDir()
	const token = "console-test-token"
	tokens := writeFile(t, dir, "ui.tokens", token+"\n")
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
limits: {timeout: 1m}
plugins:
  kvcounter:
    grants: {log: true, clock: true, kv: true}
ui: {enabled: true, token_file: %q}
`, wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db"), tokens))
	plugins := t.TempDir()
	s := startServe(t, http.DefaultClient, "--config", config, "--plugins", plugins, "--listen", "127.0.0.1:0")
	s.waitReady(t)
	s.post(t, "console-1", []byte(`{"body": {"openc2": {"request": {"action": "query", "target": {"features": []}}}}}`))

	b := openBrowser(t, s)
	b.step("log in", chromedp.Navigate(s.url+"/ui/"), chromedp.WaitVisible("#token"))
	b.screenshot("login")
	b.axe("login")
	b.step("post the token", chromedp.SendKeys("#token", token), chromedp.Submit("#token"), chromedp.WaitVisible(`[data-live="overview"]`))
	if got := b.text(`[data-list="commands"]`); !strings.Contains(got, "query features") {
		t.Errorf("the overview's commands do not show the query sent:\n%s", got)
	}
	b.step("a live update", chromedp.Poll[chromedp.Void](`document.querySelector('[data-field="live"]').textContent.startsWith("Live")`))
	b.screenshot("overview")
	b.axe("overview")

	b.step("the plugins page", chromedp.Navigate(s.url+"/ui/plugins"), chromedp.WaitVisible(".actions button"))
	if got := b.text("main"); !strings.Contains(got, "No plugin in the folder") {
		t.Fatalf("the plugins page of an empty folder:\n%s", got)
	}
	wasm, err := os.ReadFile(fx.kvcounter)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, plugins, "kvcounter.wasm", string(wasm))
	b.step("reload the folder", chromedp.Click(".actions button"), chromedp.WaitVisible(`a[href="/ui/plugins/kvcounter.wasm"]`))
	if got := b.text("tbody"); !strings.Contains(got, "kvcounter") || !strings.Contains(got, "OK") {
		t.Errorf("the plugins page after the reload:\n%s", got)
	}
	b.screenshot("plugins")
	b.axe("plugins")

	b.step("the plugin's page", chromedp.Click(`a[href="/ui/plugins/kvcounter.wasm"]`), chromedp.WaitVisible("#capabilities"))
	if got := b.text("main"); !strings.Contains(got, "granted") || !strings.Contains(got, "kv") {
		t.Errorf("the plugin's page shows no capabilities granted:\n%s", got)
	}
	b.screenshot("plugin")
	b.axe("plugin")

	b.step("the OpenC2 page", chromedp.Click(`a[href="/ui/openc2"]`), chromedp.WaitVisible("#status"))
	if got := b.text("main"); !strings.Contains(got, "query features") {
		t.Errorf("the OpenC2 page does not show the query sent:\n%s", got)
	}
	b.axe("openc2")
	b.step("filter the failed", chromedp.SendKeys("#status", "failed"), chromedp.Submit("#status"), chromedp.WaitVisible(".empty"))
}

// TestServeConsoleOpenC2Browser sends commands from the OpenC2 page's form
// in headless Chromium to a gatehouse serve whose actuator is c-slpf-noop
// and whose OpenC2 policy set grants the console deny and delete: a
// malformed command shows the codec's error with its JSON path as it is
// typed; a deny sent shows its response, appears in the history and its
// rule in the actuator's list, with its schedule; an allow the policy
// refuses shows the refusal and is in the history as refused; a delete of
// the deny's rule number takes the rule off the list.
func TestServeConsoleOpenC2Browser(t *testing.T) {
	dir := t.TempDir()
	plugins := pluginDir(t, map[string]string{"c-slpf-noop.wasm": wasmbuild.C.Plugin(t, "c-slpf-noop")})
	policy := writeFile(t, dir, "policy.json", `{
"t.policysets.openc2": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["t.policies.console"]},
"t.policies.console": {"Type": "Policy", "Resolver": "ANY", "Rules": ["t.rules.console"]},
"t.rules.console": {"Type": "Rule", "Effect": "GRANT",
  "Condition": "access.transfer == 'console' and access.login == 'none' and (access.action == 'deny' or access.action == 'delete')"}
}`)
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
limits: {timeout: 1m}
policy: {entities: [%q]}
openc2: {authorization: {policy_set: t.policysets.openc2}}
ui: {enabled: true}
`, wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db"), policy))
	s := startServe(t, http.DefaultClient, "--config", config, "--plugins", plugins, "--listen", "127.0.0.1:0")
	s.waitReady(t)

	b := openBrowser(t, s)
	clear := chromedp.Evaluate[chromedp.Void](`document.getElementById("command").value = ""`)
	b.step("the OpenC2 page", chromedp.Navigate(s.url+"/ui/openc2"), chromedp.WaitVisible("#command"), chromedp.WaitVisible("#no-rules"))
	b.step("type a malformed command", chromedp.SendKeys("#command", `{"action": "deny", "target": {"ipv4_net": "198.51.100.0/99"}}`),
		chromedp.Poll[chromedp.Void](`document.getElementById("check").textContent.startsWith("target.ipv4_net")`))
	if got := b.text("#check"); got != `target.ipv4_net: "198.51.100.0/99": prefix length 99 exceeds 32` {
		t.Errorf("the check of a malformed command: %q", got)
	}
	b.step("type a deny", clear,
		chromedp.SendKeys("#command", `{"action": "deny", "target": {"ipv4_net": "198.51.100.0/24"}, "args": {"duration": 3600000}}`),
		chromedp.Poll[chromedp.Void](`document.getElementById("check").textContent.startsWith("Valid command")`))
	b.step("send the deny", chromedp.Click("form.command button"), chromedp.WaitVisible("#result"))
	if got := b.text("#result"); !strings.Contains(got, "Status 200") || !strings.Contains(got, `"rule_number": 1`) {
		t.Errorf("the response to the deny:\n%s", got)
	}
	rules := b.text(`table[data-actuator="c-slpf-noop/noop"]`)
	if !strings.Contains(rules, "deny ipv4_net 198.51.100.0/24") || !strings.Contains(rules, "in effect") || strings.Contains(rules, "never") {
		t.Errorf("the rules of c-slpf-noop/noop do not show the deny until its end:\n%s", rules)
	}
	if got := b.text(`[data-list="history"]`); !strings.Contains(got, "deny ipv4_net") || !strings.Contains(got, "c-slpf-noop/noop") {
		t.Errorf("the history does not show the deny:\n%s", got)
	}
	b.screenshot("openc2")
	b.axe("openc2")

	b.step("send an allow the policy refuses", clear,
		chromedp.SendKeys("#command", `{"action": "allow", "target": {"ipv4_net": "192.0.2.0/24"}}`),
		chromedp.Click("form.command button"), chromedp.WaitVisible("#result.failed"))
	if got := b.text("#result"); !strings.Contains(got, "Status 403: forbidden: policy set \"t.policysets.openc2\"") {
		t.Errorf("the response to the allow:\n%s", got)
	}
	if got := b.text(`[data-list="history"] tr`); !strings.Contains(got, "allow ipv4_net") || !strings.Contains(got, "403") {
		t.Errorf("the history's newest command is not the refused allow:\n%s", got)
	}
	b.step("delete the rule", clear,
		chromedp.SendKeys("#command", `{"action": "delete", "target": {"slpf:rule_number": 1}}`),
		// Only the answer's page has no rules: waiting on #result could
		// find the page before the post and lose it to the navigation.
		chromedp.Click("form.command button"), chromedp.WaitVisible("#no-rules"))
	if got := b.text("#result"); !strings.Contains(got, "Status 200") {
		t.Errorf("the response to the delete:\n%s", got)
	}
}
