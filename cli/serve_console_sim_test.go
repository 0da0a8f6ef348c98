package cli_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestServeConsoleSimBrowser drives the console's simulation page in
// headless Chromium: it picks the campus model from the ui.models folder,
// draws and runs it, and moves the replay's slider, which moves an actor's
// marker from box to box of the drawing and lists what each actor holds
// and the tick's steps. A pasted model with an error shows the error's
// line and column. No page writes an error to the console: the drawing and
// the page's script run under the strict Content-Security-Policy.
func TestServeConsoleSimBrowser(t *testing.T) {
	dir := t.TempDir()
	const token = "console-sim-token"
	tokens := writeFile(t, dir, "ui.tokens", token+"\n")
	examples, err := filepath.Abs("../examples")
	if err != nil {
		t.Fatal(err)
	}
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
store: %q
log: {format: json}
ui: {enabled: true, token_file: %q, models: %q}
`, filepath.Join(dir, "store.db"), tokens, examples))
	s := startServe(t, http.DefaultClient, "--config", config, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)

	b := openBrowser(t, s)
	b.login(token)
	b.step("the simulation page", chromedp.Click(`a[href="/ui/sim"]`), chromedp.WaitVisible("#model"))
	b.step("pick the campus", chromedp.SetValue("#model", "campus.model"), chromedp.SetValue("#agents", "*=planner"), chromedp.SetValue("#seed", "7"))
	b.step("draw it", chromedp.Click("#do-draw"), chromedp.WaitVisible(`#drawing svg g.location[data-location="hq.f2.finance"]`))
	if got := b.eval(`document.querySelectorAll("#drawing g.actor").length`); got != "6" {
		t.Errorf("the campus is drawn with %s actor markers, want one for each of its 6 actors", got)
	}
	b.step("run it", chromedp.Click("#do-run"), chromedp.WaitVisible("#replay-tick"))
	start := b.eval(`document.querySelector("#drawing g.actor").getAttribute("transform")`)
	if got := b.text("#replay-now"); got != "start" {
		t.Errorf("the replay starts at %q", got)
	}
	last := b.eval(`const s = document.getElementById("replay-tick"); s.value = s.max; s.dispatchEvent(new Event("input")); s.max`)
	if last == "0" {
		t.Fatal("the replay has only its start")
	}
	end := b.eval(`document.querySelector("#drawing g.actor").getAttribute("transform")`)
	if end == start {
		t.Errorf("the first actor's marker is at %s at the start and at the end", start)
	}
	at := b.eval(`document.querySelector("#drawing g.actor").dataset.at`)
	if got := b.text("#replay-actors tbody"); !strings.Contains(got, at) || !strings.Contains(got, "planner") {
		t.Errorf("the actors' table at the end does not have the first actor at %s:\n%s", at, got)
	}
	if got := b.text("#replay-steps"); !strings.Contains(got, ": ok") && !strings.Contains(got, ": failed") {
		t.Errorf("the last tick's steps:\n%s", got)
	}
	if got := b.eval(`document.querySelectorAll("#drawing g.possessible.taken").length`); got == "0" {
		t.Errorf("nothing is marked taken at the end of the run")
	}
	b.step("back a tick", chromedp.Click("#replay-back"))
	if got := b.text("#replay-now"); !strings.HasPrefix(got, "tick ") {
		t.Errorf("a tick back shows %q", got)
	}
	b.axe("simulation")
	b.eval(`document.getElementById("replay").scrollIntoView(); true`)
	b.screenshot("sim")

	b.step("analyze it", chromedp.Click("#do-analyze"), chromedp.WaitVisible("#analysis"), chromedp.WaitVisible("#caption"))
	b.axe("analysis")
	b.eval(`document.querySelector(".sim-view").scrollIntoView(); true`)
	b.screenshot("sim-analyze")

	b.step("paste a bad model", chromedp.SetValue("#model", ""),
		chromedp.SetValue("#text", "locations { a; }\nconnections {\n  a -> b { *: m };\n}\n"),
		chromedp.Click("#do-draw"), chromedp.WaitVisible("#model-errors"))
	b.axe("model errors")
	if got := b.text("#model-errors"); !strings.Contains(got, "line 3, column 8") {
		t.Errorf("the pasted model's error has no place:\n%s", got)
	}
	b.step("go to the error", chromedp.Click("#model-errors button.place"))
	if got := b.eval(`document.getElementById("text").value.slice(document.getElementById("text").selectionStart, document.getElementById("text").selectionEnd)`); got != "b" {
		t.Errorf("the error's place selects %q, want b", got)
	}
}

// eval returns the value of a JavaScript expression in the page, as text.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return fmt.Sprint(got)
}
