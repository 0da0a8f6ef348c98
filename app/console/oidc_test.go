package console_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/app/console"
	"github.com/gatehouse/gatehouse/policy/proxy"
	"github.com/gatehouse/gatehouse/policy/proxy/proxytest"
)

// TestConsoleOIDCLogin logs in to the console through the reverse proxy's
// OpenID Connect provider, a real one running in the test: ann, of the
// group /staff, which the console's policy set grants every page, sees
// the plugins page; bob is refused it with 403 and a page that says why;
// both see the overview, which the policy set grants everyone.
func TestConsoleOIDCLogin(t *testing.T) {
	w := newAccessWorld(t)
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	op := proxytest.Start(t, base+"/auth/callback")
	insecure := false
	p, err := proxy.New(t.Context(), proxy.Config{
		BaseURL: base, Cookie: proxy.Cookie{Secure: &insecure},
		Providers: map[string]proxy.Provider{"default": {ConfigurationURL: op.Issuer, ClientID: op.ClientID, ClientSecret: op.Secret, HumanReadableName: "Test provider"}},
	}, proxy.Options{Decider: w.engine, Sessions: &memStore{m: map[string][]byte{}}})
	if err != nil {
		t.Fatal(err)
	}
	o := console.Options{Access: w.access, PolicySet: "console", Decider: w.engine,
		OIDC: &console.OIDC{LoginURL: p.LoginURL, Session: p.Session}}
	for _, n := range p.ProviderNames() {
		o.OIDC.Providers = append(o.OIDC.Providers, console.Provider{Name: n[0], Title: n[1]})
	}
	e := handler(t, o).(*echo.Echo)
	e.Any("/auth/*", echo.WrapHandler(p))
	srv.Config.Handler = e
	srv.Start()
	t.Cleanup(srv.Close)

	get := func(c *http.Client, path string) (*http.Response, string) {
		t.Helper()
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	login := func(user string) *http.Client {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		res, body := get(c, "/ui/plugins")
		if res.Request.URL.Path != "/ui/login" || !strings.Contains(body, `<a class="provider" href="/ui/login/oidc?provider=default">Test provider</a>`) || strings.Contains(body, `id="token"`) {
			t.Fatalf("the login page at %s:\n%s", res.Request.URL, body)
		}
		res, err := c.Get(base + "/ui/login/oidc?provider=default")
		if err != nil {
			t.Fatal(err)
		}
		res = proxytest.SubmitLogin(t, c, res, user, user+"-password")
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/ui/login/oidc/done" || !strings.Contains(string(b), `data-continue`) {
			t.Fatalf("the login of %s ends at %s with %s:\n%s", user, res.Request.URL, res.Status, b)
		}
		return c
	}

	ann := login("ann")
	if res, body := get(ann, "/ui/plugins"); res.StatusCode != http.StatusOK || res.Request.URL.Path != "/ui/plugins" {
		t.Errorf("ann's plugins page: %s at %s:\n%s", res.Status, res.Request.URL, body)
	}
	bob := login("bob")
	res, body := get(bob, "/ui/plugins")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, `id="forbidden"`) || !strings.Contains(body, "<strong>default:bob</strong>") {
		t.Errorf("bob's plugins page: %s:\n%s", res.Status, body)
	}
	if res, body := get(bob, "/ui/"); res.StatusCode != http.StatusOK || res.Request.URL.Path != "/ui/" {
		t.Errorf("bob's overview: %s at %s:\n%s", res.Status, res.Request.URL, body)
	}
	// Without the proxy's session, the console starts none.
	jar, _ := cookiejar.New(nil)
	if res, body := get(&http.Client{Jar: jar}, "/ui/login/oidc/done"); res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "did not finish") {
		t.Errorf("the end of a login that did not start: %s:\n%s", res.Status, body)
	}
}
