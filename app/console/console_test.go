package console_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/app/console"
	"github.com/gatehouse/gatehouse/app/server"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/policy/decisionlog"
)

// browser is a client of a console served by httptest, with a cookie jar
// and without following redirects.
type browser struct {
	srv    *httptest.Server
	client *http.Client
}

// serveConsole serves the routes of the server with the console of
// tokens (none: no login) over an empty plugin folder.
func serveConsole(t *testing.T, tokens ...string) *browser {
	t.Helper()
	return serveWith(t, console.Options{
		Tokens:  tokens,
		History: func(consumer.HistoryQuery) ([]consumer.Record, uint64, error) { return nil, 0, nil },
	})
}

// serveWith serves the routes of the server with the console of o, whose
// host, gatherer and logger it sets, over an empty plugin folder.
func serveWith(t *testing.T, o console.Options) *browser {
	t.Helper()
	srv := httptest.NewServer(handler(t, o))
	t.Cleanup(srv.Close)
	return newBrowser(t, srv)
}

// handler returns the routes of the server with the console of o, whose
// host, gatherer and logger it sets, over an empty plugin folder.
func handler(t testing.TB, o console.Options) http.Handler {
	t.Helper()
	reg := prometheus.NewRegistry()
	logger := slog.New(slog.DiscardHandler)
	h, err := host.New(host.Config{PluginDir: t.TempDir(), Logger: logger}, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := server.New(h, reg, logger)
	o.Host, o.Gatherer, o.Logger = h, reg, logger
	console.Register(e, o)
	return e
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{srv: srv, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// do sends a request with headers (name, value, ...) and returns the
// response and its body.
func (b *browser) do(t *testing.T, method, path string, form url.Values, headers ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, b.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1]
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(got)
}

// expect checks a response's status and, when where is not empty, its
// Location.
func expect(t *testing.T, res *http.Response, body string, status int, where string) {
	t.Helper()
	if res.StatusCode != status || res.Header.Get("Location") != where {
		t.Fatalf("%s %s: %d to %q, want %d to %q\n%s", res.Request.Method, res.Request.URL.Path, res.StatusCode, res.Header.Get("Location"), status, where, body)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the forms of a page.
func csrf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", page)
	}
	return m[1]
}

// login logs b in with token.
func (b *browser) login(t *testing.T, token string) {
	t.Helper()
	res, body := b.do(t, http.MethodPost, "/ui/login", url.Values{"token": {token}})
	expect(t, res, body, http.StatusSeeOther, "/ui/")
}

// TestConsoleHeaders checks that every answer under /ui/, pages, assets,
// redirects and errors alike, sends the Content-Security-Policy and the
// other security headers.
func TestConsoleHeaders(t *testing.T) {
	b := serveConsole(t)
	for _, path := range []string{"/ui", "/ui/", "/ui/plugins", "/ui/login", "/ui/assets/console.css", "/ui/assets/console.js", "/ui/assets/openc2.js", "/ui/nothing", "/ui/plugins/none.wasm"} {
		res, _ := b.do(t, http.MethodGet, path, nil)
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
		} {
			if got := res.Header.Get(name); got != want {
				t.Errorf("GET %s: %s %q, want %q", path, name, got, want)
			}
		}
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: Content-Security-Policy %q has no %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: Content-Security-Policy %q allows inline or eval'd scripts", path, csp)
		}
	}
	res, body := b.do(t, http.MethodGet, "/ui", nil)
	expect(t, res, body, http.StatusMovedPermanently, "/ui/")
	res, body = b.do(t, http.MethodGet, "/ui/", nil)
	expect(t, res, body, http.StatusOK, "")
	if strings.Contains(body, "<script>") || regexp.MustCompile(`\son[a-z]+=`).MatchString(body) || strings.Contains(body, "style=") {
		t.Errorf("the overview has inline script or style, which the policy blocks:\n%s", body)
	}
	res, _ = b.do(t, http.MethodGet, "/ui/assets/console.js", nil)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("console.js is served as %q", ct)
	}
}

// TestConsoleLogin logs in with an admin token: before, pages redirect to
// the login form and other requests are refused; a wrong token is
// refused; the session cookie is HttpOnly and SameSite=Strict; logging
// out ends the session.
func TestConsoleLogin(t *testing.T) {
	b := serveConsole(t, "old-token", "s3cret-token")
	res, body := b.do(t, http.MethodGet, "/ui/plugins", nil)
	expect(t, res, body, http.StatusSeeOther, "/ui/login")
	res, body = b.do(t, http.MethodGet, "/ui/events", nil)
	expect(t, res, body, http.StatusUnauthorized, "")
	res, body = b.do(t, http.MethodPost, "/ui/plugins/reload", url.Values{})
	expect(t, res, body, http.StatusUnauthorized, "")

	res, body = b.do(t, http.MethodPost, "/ui/login", url.Values{"token": {"s3cret"}})
	expect(t, res, body, http.StatusUnauthorized, "")
	if !strings.Contains(body, "not one of the console&#39;s") || len(res.Cookies()) != 0 {
		t.Fatalf("a wrong token: cookies %v\n%s", res.Cookies(), body)
	}
	res, body = b.do(t, http.MethodPost, "/ui/login", url.Values{"token": {"s3cret-token"}})
	expect(t, res, body, http.StatusSeeOther, "/ui/")
	cookies := res.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || cookies[0].Path != "/ui/" || cookies[0].Secure {
		t.Fatalf("session cookie %+v, want one HttpOnly, SameSite=Strict, Path=/ui/, not Secure over plain HTTP", cookies)
	}
	res, body = b.do(t, http.MethodGet, "/ui/plugins", nil)
	expect(t, res, body, http.StatusOK, "")
	if !strings.Contains(body, "Log out") {
		t.Errorf("no logout button:\n%s", body)
	}
	res, body = b.do(t, http.MethodPost, "/ui/logout", url.Values{"csrf": {csrf(t, body)}})
	expect(t, res, body, http.StatusSeeOther, "/ui/login")
	res, body = b.do(t, http.MethodGet, "/ui/", nil)
	expect(t, res, body, http.StatusSeeOther, "/ui/login")
}

// TestConsoleSecureCookie checks that a console served over TLS sets the
// Secure attribute of its session cookie.
func TestConsoleSecureCookie(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, err := host.New(host.Config{PluginDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	e := server.New(h, reg, slog.New(slog.DiscardHandler))
	console.Register(e, console.Options{Host: h, Tokens: []string{"tok"}, TLS: true, Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewTLSServer(e)
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv)
	b.client.Transport = srv.Client().Transport
	res, body := b.do(t, http.MethodPost, "/ui/login", url.Values{"token": {"tok"}})
	expect(t, res, body, http.StatusSeeOther, "/ui/")
	if c := res.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Fatalf("session cookie over TLS %+v, want Secure", c)
	}
}

// TestHostileConsoleCSRF posts to the console's reload without the
// session's CSRF token, with another session's, and from a page of
// another origin: each is refused with 403 and reloads nothing; with the
// token it reloads.
func TestHostileConsoleCSRF(t *testing.T) {
	b := serveConsole(t, "tok")
	other := newBrowser(t, b.srv)
	b.login(t, "tok")
	other.login(t, "tok")
	_, page := b.do(t, http.MethodGet, "/ui/plugins", nil)
	_, otherPage := other.do(t, http.MethodGet, "/ui/plugins", nil)
	token := csrf(t, page)
	if token == csrf(t, otherPage) {
		t.Fatal("two sessions share a CSRF token")
	}
	for name, form := range map[string]url.Values{
		"no token":             {},
		"an empty token":       {"csrf": {""}},
		"another session's":    {"csrf": {csrf(t, otherPage)}},
		"the token, truncated": {"csrf": {token[:len(token)-1]}},
	} {
		res, body := b.do(t, http.MethodPost, "/ui/plugins/reload", form)
		if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSRF") {
			t.Errorf("a post with %s: %d, want 403 naming the CSRF token\n%s", name, res.StatusCode, body)
		}
	}
	res, body := b.do(t, http.MethodPost, "/ui/plugins/reload", url.Values{"csrf": {token}}, "Sec-Fetch-Site", "cross-site")
	expect(t, res, body, http.StatusForbidden, "")
	res, body = b.do(t, http.MethodPost, "/ui/plugins/reload", url.Values{"csrf": {token}})
	expect(t, res, body, http.StatusSeeOther, "/ui/plugins")
}

// TestHostileConsoleRebinding asks a console without a login for a page
// under a host name other than loopback, as a page of another site whose
// name resolves to 127.0.0.1 would: it is refused. Under localhost it
// answers.
func TestHostileConsoleRebinding(t *testing.T) {
	b := serveConsole(t)
	port := b.srv.URL[strings.LastIndex(b.srv.URL, ":"):]
	for _, host := range []string{"evil.example" + port, "evil.example", "127.0.0.1.evil.example" + port, "10.0.0.1" + port} {
		res, body := b.do(t, http.MethodGet, "/ui/", nil, "Host", host)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("GET /ui/ for Host %s: %d, want 403\n%s", host, res.StatusCode, body)
		}
	}
	for _, host := range []string{"localhost" + port, "127.0.0.1" + port, "[::1]" + port} {
		res, body := b.do(t, http.MethodGet, "/ui/", nil, "Host", host)
		expect(t, res, body, http.StatusOK, "")
	}
}

// TestHostileConsoleLoginBody posts a login form larger than a token can
// be: it is refused, not read to its end.
func TestHostileConsoleLoginBody(t *testing.T) {
	b := serveConsole(t, "tok")
	res, body := b.do(t, http.MethodPost, "/ui/login", url.Values{"token": {strings.Repeat("t", 1<<20)}})
	if res.StatusCode == http.StatusSeeOther || len(res.Cookies()) != 0 {
		t.Fatalf("a login of 1 MiB: %d, cookies %v\n%s", res.StatusCode, res.Cookies(), body)
	}
}

// TestConsoleEvents reads the overview's event stream: its first event
// is the overview in JSON.
func TestConsoleEvents(t *testing.T) {
	b := serveConsole(t)
	b.do(t, http.MethodGet, "/ui/", nil) // the session
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, b.srv.URL+"/ui/events", nil)
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("GET /ui/events: %d %q", res.StatusCode, ct)
	}
	var lines []string
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() && sc.Text() != "" {
		lines = append(lines, sc.Text())
	}
	got := strings.Join(lines, "\n")
	if !strings.Contains(got, "event: overview\n") || !strings.Contains(got, `data: {"ready":true,"plugins":0,`) {
		t.Fatalf("first event:\n%s", got)
	}
}

// TestConsoleOpenC2 shows the command history with the filters of the
// form, a link to the older commands that keeps them, and a filter the
// history route would refuse as an error of the page.
func TestConsoleOpenC2(t *testing.T) {
	var got []consumer.HistoryQuery
	rule := int64(7)
	b := serveWith(t, console.Options{History: func(q consumer.HistoryQuery) ([]consumer.Record, uint64, error) {
		got = append(got, q)
		return []consumer.Record{{
			Seq: 12, Received: 1_700_000_000_000, Command: []byte(`{"action": "deny", "target": {"ipv4_net": "192.0.2.1"}}`),
			Actuators: []string{"slpf-nftables/slpf"}, State: consumer.StateInEffect, Status: 200, RuleNumber: &rule,
		}}, 11, nil
	}})
	res, body := b.do(t, http.MethodGet, "/ui/openc2?status=200&actuator=slpf-nftables/slpf", nil)
	expect(t, res, body, http.StatusOK, "")
	for _, want := range []string{"<td>deny ipv4_net</td>", "<td>slpf-nftables/slpf</td>", "<td>in_effect</td>", "<td>7</td>",
		`href="/ui/openc2?actuator=slpf-nftables%2Fslpf&amp;before=11&amp;status=200"`, `value="slpf-nftables/slpf"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the OpenC2 page has no %s:\n%s", want, body)
		}
	}
	if len(got) != 1 || got[0].Status != "200" || got[0].Actuator != "slpf-nftables/slpf" || got[0].Limit != 50 {
		t.Errorf("queries %+v", got)
	}
	res, body = b.do(t, http.MethodGet, "/ui/openc2?status=teapot", nil)
	expect(t, res, body, http.StatusBadRequest, "")
	if !strings.Contains(body, "status: &#34;teapot&#34; is neither a status code nor &#34;failed&#34;") || len(got) != 1 {
		t.Errorf("a bad filter: queries %+v\n%s", got, body)
	}
}

// TestConsoleDecisions shows the last decisions of the decision log on
// the overview, a denial or an error marked, and sends them in its
// events.
func TestConsoleDecisions(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b := serveWith(t, console.Options{Decisions: func(n int) []decisionlog.Entry {
		return []decisionlog.Entry{
			{Time: at, Source: "proxy", PolicySet: "com.example.web", Result: "DENY"},
			{Time: at, Source: "api", PolicySet: "com.example.api", Error: "no policy set"},
			{Time: at, Source: "openc2", PolicySet: "com.example.openc2", Result: "GRANT"},
		}[:min(n, 3)]
	}})
	res, body := b.do(t, http.MethodGet, "/ui/", nil)
	expect(t, res, body, http.StatusOK, "")
	for _, want := range []string{
		`<tr class="failed"><td>2026-01-02 03:04:05</td><td>proxy</td><td>com.example.web</td><td>DENY</td></tr>`,
		`<tr class="failed"><td>2026-01-02 03:04:05</td><td>api</td><td>com.example.api</td><td>error: no policy set</td></tr>`,
		`<tr><td>2026-01-02 03:04:05</td><td>openc2</td><td>com.example.openc2</td><td>GRANT</td></tr>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview has no %s:\n%s", want, body)
		}
	}
	if !strings.Contains(body, "There is no command history") {
		t.Errorf("the overview of a console without history:\n%s", body)
	}
}
