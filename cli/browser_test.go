package cli_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
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

// screenshotDir is where the console's browser tests also write their
// screenshots when GATEHOUSE_SCREENSHOTS names a folder, as docs/console
// holds them.
const screenshotDir = "GATEHOUSE_SCREENSHOTS"

// browser is a headless Chromium driving the console of one gatehouse
// serve. It records every console error and exception of every page,
// and the test fails with them when it ends.
type browser struct {
	t     *testing.T
	ctx   context.Context
	serve *serving
	shots string

	mu       sync.Mutex
	problems []string
}

// openBrowser starts Chromium for s, or skips without it outside CI.
// Bounds are generous: loading a Go plugin under the race detector on a
// busy machine has taken over 20 s.
func openBrowser(t *testing.T, s *serving) *browser {
	t.Helper()
	chromium := needChromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	t.Cleanup(cancel)
	ctx, cancel = chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1100, 720), chromedp.UserDataDir(t.TempDir()))...)
	t.Cleanup(cancel)
	ctx, cancel = chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	b := &browser{t: t, ctx: ctx, serve: s, shots: t.TempDir()}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.problems = append(b.problems, m.String())
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("console: %s", p)
		}
	})
	return b
}

// step runs steps within two minutes, or fails the test with the page's
// address, its text and serve's log.
func (b *browser) step(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		loc, _ := chromedp.Run(b.ctx, chromedp.Location())
		body, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string]("document.body.innerText"))
		b.t.Fatalf("%s: %v\nat %s:\n%s\nserve's log:\n%s", what, err, loc, body, b.serve.stderr)
	}
	b.t.Logf("%s: %v", what, time.Since(start))
}

// text is the text of the first element sel matches.
func (b *browser) text(sel string) string {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Text(sel))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return got
}

// screenshot saves the page as name.png, also in GATEHOUSE_SCREENSHOTS.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	writeFile(b.t, b.shots, name+".png", string(png))
	if d := os.Getenv(screenshotDir); d != "" {
		writeFile(b.t, d, name+".png", string(png))
	}
}

// login signs in on the console's login page with an admin token.
func (b *browser) login(token string) {
	b.t.Helper()
	b.step("log in", chromedp.Navigate(b.serve.url+"/ui/"), chromedp.WaitVisible("#token"))
	b.step("post the token", chromedp.SendKeys("#token", token), chromedp.Submit("#token"), chromedp.WaitVisible(`[data-live="overview"]`))
}

// axeScript is axe-core's script, from the repository's node_modules
// (npm ci installs it, pinned by package-lock.json).
var axeScript = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("..", "node_modules", "axe-core", "axe.min.js"))
	return string(b), err
})

// axeRun runs axe-core over the page and returns its serious and critical
// violations.
const axeRun = `axe.run(document).then((r) => r.violations
  .filter((v) => v.impact === "serious" || v.impact === "critical")
  .map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.failureSummary)})))`

// axeViolation is one rule axe-core found the page breaking.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axe checks the accessibility of the page shown, named name, with
// axe-core, and fails the test with each serious or critical violation.
// The script goes in through the DevTools protocol, past the page's
// Content-Security-Policy, which blocks any script not the console's.
// Without axe-core in node_modules the check is skipped, except in CI,
// where it must be there.
func (b *browser) axe(name string) {
	b.t.Helper()
	script, err := axeScript()
	if err != nil {
		if os.Getenv("CI") == "true" {
			b.t.Fatalf("axe-core is not in node_modules, and CI needs it (npm ci): %v", err)
		}
		b.t.Logf("no accessibility check of the %s page: axe-core is not in node_modules (npm ci)", name)
		return
	}
	b.step("load axe-core on the "+name+" page", chromedp.Evaluate[chromedp.Void](script))
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
	defer cancel()
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe-core on the %s page: %v", name, err)
	}
	for _, v := range found {
		b.t.Errorf("accessibility of the %s page: %s (%s, %s):\n  %s", name, v.Help, v.ID, v.Impact, strings.Join(v.Nodes, "\n  "))
	}
}
