package console_test

import (
	"context"
	"github.com/gatehouse/gatehouse/sim/simulate"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/app/console"
)

// simConsole serves the console with the examples' models folder.
func simConsole(t *testing.T, o console.SimOptions) (*browser, string) {
	t.Helper()
	if o.Models == "" {
		o.Models = "../../examples"
	}
	b := serveWith(t, console.Options{Sim: o})
	res, body := b.do(t, http.MethodGet, "/ui/sim", nil)
	expect(t, res, body, http.StatusOK, "")
	return b, csrf(t, body)
}

// TestConsoleSim draws, runs, analyses and finds paths in a model of the
// folder: the drawing has the actors as markers, the run a replay of a
// frame per tick with steps, the analysis its witnesses drawn.
func TestConsoleSim(t *testing.T) {
	b, token := simConsole(t, console.SimOptions{})
	form := func(do string, kv ...string) url.Values {
		v := url.Values{"csrf": {token}, "model": {"office.model"}, "do": {do}, "agents": {"*=planner"}, "seed": {"7"}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	res, body := b.do(t, http.MethodGet, "/ui/sim", nil)
	if !strings.Contains(body, "<option selected>campus.model</option>") || !strings.Contains(body, "office.model") {
		t.Errorf("the page does not offer the folder's models:\n%s", body)
	}
	res, body = b.do(t, http.MethodPost, "/ui/sim", form("draw"))
	expect(t, res, body, http.StatusOK, "")
	if !strings.Contains(body, `<g class="actor" data-actor="`) || strings.Contains(body, "replay-data") {
		t.Errorf("the drawing has no actor markers, or a replay:\n%s", body)
	}
	res, body = b.do(t, http.MethodPost, "/ui/sim", form("run"))
	expect(t, res, body, http.StatusOK, "")
	for _, want := range []string{`<script type="application/json" id="replay-data">`, `"frames":[{"tick":-1`, `"steps":["`} {
		if !strings.Contains(body, want) {
			t.Errorf("the run's page has no %s:\n%s", want, body)
		}
	}
	res, body = b.do(t, http.MethodPost, "/ui/sim", form("analyze"))
	expect(t, res, body, http.StatusOK, "")
	if !strings.Contains(body, `id="analysis"`) || !strings.Contains(body, "Highlighted: ") {
		t.Errorf("the analysis shows no witness drawn:\n%s", body)
	}
	res, body = b.do(t, http.MethodPost, "/ui/sim", form("paths", "from", "street", "to", "kitchen"))
	expect(t, res, body, http.StatusOK, "")
	if !strings.Contains(body, "Highlighted: shortest: street") {
		t.Errorf("the paths show no path drawn:\n%s", body)
	}
}

// TestConsoleSimModelErrors shows a pasted model's errors with their line
// and column.
func TestConsoleSimModelErrors(t *testing.T) {
	b, token := simConsole(t, console.SimOptions{})
	res, body := b.do(t, http.MethodPost, "/ui/sim", url.Values{"csrf": {token}, "do": {"draw"},
		"text": {"locations { a; }\nconnections {\n  a -> b { *: m };\n}\n"}})
	expect(t, res, body, http.StatusOK, "")
	if !strings.Contains(body, `data-line="3" data-col="8"`) || !strings.Contains(html.UnescapeString(body), `"b"`) {
		t.Errorf("the page does not show the error's place:\n%s", body)
	}
}

// TestHostileConsoleSimModel refuses a model outside the folder, a model
// larger than sim.max_model_bytes, ticks past the console's bound and a
// post without the CSRF token.
func TestHostileConsoleSimModel(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "big.model"), []byte("locations { a; }\n"+strings.Repeat("// padding\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	b, token := simConsole(t, console.SimOptions{Models: dir, MaxModelBytes: 1000})
	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"outside the folder", url.Values{"model": {"../secret.model"}}, http.StatusBadRequest, "not a model of the folder"},
		{"not a model", url.Values{"model": {"passwd"}}, http.StatusBadRequest, "not a model of the folder"},
		{"large file", url.Values{"model": {"big.model"}}, http.StatusBadRequest, "more than the 1000 bytes"},
		{"large paste", url.Values{"text": {strings.Repeat("x", 1001)}}, http.StatusBadRequest, "more than the 1000 bytes"},
		{"large form", url.Values{"text": {strings.Repeat("x", 100_000)}}, http.StatusRequestEntityTooLarge, "the form is too large"},
		{"too many ticks", url.Values{"text": {"locations { a; }"}, "ticks": {"5001"}}, http.StatusBadRequest, "ticks &#34;5001&#34;: want 1 to 5000"},
		{"no token", url.Values{"text": {"locations { a; }"}, "csrf": {""}}, http.StatusForbidden, "CSRF"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.form.Set("do", "run")
			if !c.form.Has("csrf") {
				c.form.Set("csrf", token)
			}
			res, body := b.do(t, http.MethodPost, "/ui/sim", c.form)
			expect(t, res, body, c.status, "")
			if !strings.Contains(body, c.want) {
				t.Errorf("no %q in:\n%s", c.want, body)
			}
		})
	}
}

// stuck is an agent plugin that never answers until its run is cancelled.
type stuck struct{}

func (stuck) Reset(context.Context, simulate.Start) error { return nil }
func (stuck) Act(ctx context.Context, _ simulate.Observation) (simulate.Action, error) {
	<-ctx.Done()
	return simulate.Action{}, ctx.Err()
}

// TestHostileConsoleSimRunBudget ends a run whose agent never answers at
// sim.max_run_time, and refuses a run while maxSimWork others go on.
func TestHostileConsoleSimRunBudget(t *testing.T) {
	release, holding := make(chan struct{}), make(chan struct{}, 2)
	b, token := simConsole(t, console.SimOptions{
		MaxRunTime: 200 * time.Millisecond,
		Agents: func(ctx context.Context, name string) (func() simulate.Agent, func(), error) {
			if name == "hold" {
				holding <- struct{}{}
				<-release // holds its place until the test lets it go
			}
			return func() simulate.Agent { return stuck{} }, func() {}, nil
		},
	})
	form := url.Values{"csrf": {token}, "model": {"office.model"}, "do": {"run"}, "agents": {"*=stuck"}}
	res, body := b.do(t, http.MethodPost, "/ui/sim", form)
	expect(t, res, body, http.StatusBadRequest, "")
	if !strings.Contains(body, "the run reached its time budget of 200ms (sim.max_run_time)") {
		t.Fatalf("a stuck run:\n%s", body)
	}

	// Two runs that hold their places until released: a third is refused.
	held := url.Values{"csrf": {token}, "model": {"office.model"}, "do": {"run"}, "agents": {"*=hold"}}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { b.do(t, http.MethodPost, "/ui/sim", held) })
	}
	<-holding
	<-holding
	res, body = b.do(t, http.MethodPost, "/ui/sim", form)
	expect(t, res, body, http.StatusBadRequest, "")
	if !strings.Contains(body, "2 simulations or analyses are going on, the most at once") {
		t.Errorf("a third run while two hold their places:\n%s", body)
	}
	close(release)
	wg.Wait()
}

// BenchmarkSimPage renders the simulation page of the campus, about a
// hundred locations: drawn, and run for a thousand ticks with its replay.
func BenchmarkSimPage(b *testing.B) {
	h := handler(b, console.Options{Sim: console.SimOptions{Models: "../../examples"}})
	cookie, token := benchSession(b, h)
	for _, do := range []string{"draw", "run"} {
		b.Run(do, func(b *testing.B) {
			form := url.Values{"csrf": {token}, "model": {"campus.model"}, "do": {do}, "agents": {"*=planner"}, "seed": {"7"}}.Encode()
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/ui/sim", strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.AddCookie(cookie)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%d: %s", w.Code, w.Body)
				}
				b.ReportMetric(float64(w.Body.Len()), "page-bytes")
			}
		})
	}
}

// benchSession opens a session of h and returns its cookie and CSRF token.
func benchSession(b *testing.B, h http.Handler) (*http.Cookie, string) {
	b.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/ui/sim", nil))
	res := w.Result()
	if len(res.Cookies()) == 0 {
		b.Fatalf("no session cookie: %d", res.StatusCode)
	}
	m := csrfField.FindStringSubmatch(w.Body.String())
	if m == nil {
		b.Fatal("no CSRF token")
	}
	return res.Cookies()[0], m[1]
}
