package cli_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/trapplugin"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestServeConsoleQuarantineBrowser quarantines an actuator that traps on
// every call, with OpenC2 commands sent to a gatehouse serve, then opens
// its console page in headless Chromium: the page says it is quarantined
// and lists its recent errors, newest first; "Lift the quarantine" serves
// it again.
func TestServeConsoleQuarantineBrowser(t *testing.T) {
	dir := t.TempDir()
	plugins := pluginDir(t, map[string]string{"trapper.wasm": trapplugin.Actuator(t, "trapper")})
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
limits: {timeout: 1m, quarantine_after: 2}
ui: {enabled: true}
`, wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db")))
	s := startServe(t, http.DefaultClient, "--config", config, "--plugins", plugins, "--listen", "127.0.0.1:0")
	s.waitReady(t)
	deny := []byte(`{"body": {"openc2": {"request": {"action": "deny", "target": {"ipv4_net": "198.51.100.0/24"}}}}}`)
	for i := range 3 {
		if status, body := s.post(t, fmt.Sprintf("trap-%d", i), deny); status == http.StatusOK {
			t.Fatalf("deny %d to the trapping actuator answered 200: %v", i, body)
		}
	}

	b := openBrowser(t, s)
	b.step("the plugin's page", chromedp.Navigate(s.url+"/ui/plugins/trapper.wasm"), chromedp.WaitVisible("#errors"))
	if got := b.text("main p"); !strings.Contains(got, "ERROR") {
		t.Errorf("the status of the quarantined plugin: %q", got)
	}
	if got := b.text("main p.error"); !strings.Contains(got, "quarantined") {
		t.Errorf("the message of the quarantined plugin: %q", got)
	}
	errs := b.text(`section[aria-labelledby="errors"] tbody`)
	rows := strings.Split(strings.TrimSpace(errs), "\n")
	if len(rows) != 3 || !strings.Contains(rows[0], "quarantined") || !strings.Contains(rows[2], "trap") || !strings.Contains(rows[2], "actuator trapper") {
		t.Errorf("the recent errors are not the two traps and then the refusal, newest first:\n%s", errs)
	}
	b.screenshot("plugin-quarantined")
	b.axe("plugin-quarantined")

	if got := b.text(".actions button"); got != "Lift the quarantine" {
		t.Fatalf("the button of a quarantined plugin's page: %q", got)
	}
	b.step("lift the quarantine", chromedp.Click(".actions button"), chromedp.WaitVisible("main p .status.OK"))
	if got := b.text(`section[aria-labelledby="errors"]`); !strings.Contains(got, "No failed call") {
		t.Errorf("the recent errors after the quarantine was lifted:\n%s", got)
	}
}
