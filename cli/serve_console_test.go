package cli_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// needChromium returns the path of Debian's Chromium, or skips without
// it, except in CI, where it must be there.
func needChromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed, and CI needs it (apt-get install chromium)")
		}
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	return path
}

// screenshotDir is where TestServeConsoleBrowser also writes its
// screenshots when GATEHOUSE_SCREENSHOTS names a folder, as docs/console
// holds them.
const screenshotDir = "GATEHOUSE_SCREENSHOTS"

// TestServeConsoleBrowser drives the web console of a gatehouse serve in
// headless Chromium: it logs in with an admin token, sees a command it
// sent on the overview and the overview's live updates, reloads the
// plugin folder after a plugin is dropped into it and finds it on the
// plugins page, and opens the plugin's page. No page writes an error to
// the console: a script the Content-Security-Policy blocked, or an
// exception, would. It finds the command on the OpenC2 page, and not
// among the failed ones. It saves a screenshot of each page.
func TestServeConsoleBrowser(t *testing.T) {
	chromium := needChromium(t)
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

	// Generous bounds: loading a Go plugin under the race detector on a
	// busy machine has taken over 20 s.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	ctx, cancel = chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1100, 720), chromedp.UserDataDir(t.TempDir()))...)
	defer cancel()
	ctx, cancel = chromedp.NewContext(ctx)
	defer cancel()

	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	shots := t.TempDir()
	step := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		start := time.Now()
		sctx, scancel := context.WithTimeout(ctx, 2*time.Minute)
		defer scancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			body, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body.innerText"))
			t.Fatalf("%s: %v\nat %s:\n%s\nserve's log:\n%s", what, err, loc, body, s.stderr)
		}
		t.Logf("%s: %v", what, time.Since(start))
	}
	text := func(sel string) string {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return got
	}
	screenshot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		writeFile(t, shots, name+".png", string(png))
		if d := os.Getenv(screenshotDir); d != "" {
			writeFile(t, d, name+".png", string(png))
		}
	}

	step("log in", chromedp.Navigate(s.url+"/ui/"), chromedp.WaitVisible("#token"))
	screenshot("login")
	step("post the token", chromedp.SendKeys("#token", token), chromedp.Submit("#token"), chromedp.WaitVisible(`[data-live="overview"]`))
	if got := text(`[data-list="commands"]`); !strings.Contains(got, "query features") {
		t.Errorf("the overview's commands do not show the query sent:\n%s", got)
	}
	step("a live update", chromedp.Poll[chromedp.Void](`document.querySelector('[data-field="live"]').textContent.startsWith("Live")`))
	screenshot("overview")

	step("the plugins page", chromedp.Navigate(s.url+"/ui/plugins"), chromedp.WaitVisible(".actions button"))
	if got := text("main"); !strings.Contains(got, "No plugin in the folder") {
		t.Fatalf("the plugins page of an empty folder:\n%s", got)
	}
	b, err := os.ReadFile(fx.kvcounter)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, plugins, "kvcounter.wasm", string(b))
	step("reload the folder", chromedp.Click(".actions button"), chromedp.WaitVisible(`a[href="/ui/plugins/kvcounter.wasm"]`))
	if got := text("tbody"); !strings.Contains(got, "kvcounter") || !strings.Contains(got, "OK") {
		t.Errorf("the plugins page after the reload:\n%s", got)
	}
	screenshot("plugins")

	step("the plugin's page", chromedp.Click(`a[href="/ui/plugins/kvcounter.wasm"]`), chromedp.WaitVisible("#capabilities"))
	if got := text("main"); !strings.Contains(got, "granted") || !strings.Contains(got, "kv") {
		t.Errorf("the plugin's page shows no capabilities granted:\n%s", got)
	}
	screenshot("plugin")

	step("the OpenC2 page", chromedp.Click(`a[href="/ui/openc2"]`), chromedp.WaitVisible("#status"))
	if got := text("main"); !strings.Contains(got, "query features") {
		t.Errorf("the OpenC2 page does not show the query sent:\n%s", got)
	}
	screenshot("openc2")
	step("filter the failed", chromedp.SendKeys("#status", "failed"), chromedp.Submit("#status"), chromedp.WaitVisible(".empty"))

	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("console: %s", p)
	}
}
