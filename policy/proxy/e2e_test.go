package proxy_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/proxy"
	"github.com/gatehouse/gatehouse/policy/proxy/proxytest"
)

// seen is a request an origin received.
type seen struct {
	Service, Method, Path string
	Header                http.Header
	ClientCert            string
}

// origin is a test origin that records what it receives.
type origin struct {
	mu   sync.Mutex
	reqs []seen
}

func (o *origin) handler(service string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{Service: service, Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone()}
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			s.ClientCert = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		o.mu.Lock()
		o.reqs = append(o.reqs, s)
		o.mu.Unlock()
		io.WriteString(w, "origin of "+service+": "+r.URL.Path)
	})
}

// received returns the requests received so far and forgets them.
func (o *origin) received() []seen {
	o.mu.Lock()
	defer o.mu.Unlock()
	r := o.reqs
	o.reqs = nil
	return r
}

// world is the proxy between an in-process OpenID Connect provider and
// test origins.
type world struct {
	op      *proxytest.OP
	proxy   *httptest.Server
	origins *origin

	// current is the proxy serving; restart replaces it.
	current atomic.Pointer[proxy.Proxy]
	cfg     proxy.Config
	decider policy.Decider
	// storeFile keeps the sessions ended by logout.
	storeFile string
	store     *store.Store
}

// newWorld starts the provider, the origins and the proxy, whose
// configuration the changes may adjust.
func newWorld(t *testing.T, changes ...func(*proxy.Config)) *world {
	t.Helper()
	w := &world{origins: &origin{}}
	pki := tlstest.New(t)

	plain := httptest.NewServer(http.NewServeMux())
	t.Cleanup(plain.Close)
	mux := plain.Config.Handler.(*http.ServeMux)
	for _, s := range []string{"app", "deny", "group", "public", "token"} {
		mux.Handle("/"+s+"/", http.StripPrefix("/"+s, w.origins.handler(s)))
	}

	// The origin of service secure wants the proxy's client certificate.
	secure := httptest.NewUnstartedServer(w.origins.handler("secure"))
	cert, err := tls.LoadX509KeyPair(pki.ServerCert, pki.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(pki.CA)
	if err != nil {
		t.Fatal(err)
	}
	cas := x509.NewCertPool()
	cas.AppendCertsFromPEM(caPEM)
	secure.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: cas, ClientAuth: tls.RequireAndVerifyClientCert}
	secure.StartTLS()
	t.Cleanup(secure.Close)

	w.proxy = httptest.NewUnstartedServer(nil)
	base := "https://" + w.proxy.Listener.Addr().String()
	w.op = proxytest.Start(t, base+"/auth/callback")

	snap := policy.Load("testdata/entities")
	if len(snap.Problems()) > 0 {
		t.Fatalf("entities: %v", snap.Problems())
	}
	service := func(prefix, origin, ac string) proxy.Service {
		return proxy.Service{ProxyURL: prefix, OriginURL: origin, AC: ac}
	}
	tokenService := service("/token", plain.URL+"/token", "test.policysets.loggedIn")
	tokenService.Authentication = &proxy.Authentication{Type: "Bearer", Token: "origin-secret"}
	secureService := service("/secure", secure.URL+"/", "test.policysets.loggedIn")
	secureService.Authentication = &proxy.Authentication{Type: "Certificate", CertFile: pki.ClientCert, KeyFile: pki.ClientKey}
	secureService.OriginCA = pki.CA
	keyFile := filepath.Join(t.TempDir(), "session.key")
	if err := os.WriteFile(keyFile, bytes.Repeat([]byte("k"), 32), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := proxy.Config{
		BaseURL:        base,
		SessionKeyFile: keyFile,
		Providers: map[string]proxy.Provider{
			"default": {ConfigurationURL: w.op.Issuer, ClientID: w.op.ClientID, ClientSecret: w.op.Secret},
		},
		Services: map[string]proxy.Service{
			"app":    service("/app", plain.URL+"/app", "test.policysets.loggedIn"),
			"deny":   service("/deny", plain.URL+"/deny", "test.policysets.alwaysDeny"),
			"group":  service("/group", plain.URL+"/group", "test.policysets.inTestGroup"),
			"public": service("/public", plain.URL+"/public/", "test.policysets.alwaysGrant"),
			"token":  tokenService,
			"secure": secureService,
		},
	}
	for _, change := range changes {
		change(&cfg)
	}
	w.cfg, w.decider = cfg, policy.NewEngine(snap, policy.Config{})
	w.storeFile = filepath.Join(t.TempDir(), "sessions.db")
	w.start(t)
	w.proxy.Config.Handler = http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.current.Load().ServeHTTP(rw, r)
	})
	w.proxy.StartTLS()
	t.Cleanup(w.proxy.Close)
	return w
}

// start opens the store and starts a proxy, which serves from then on.
func (w *world) start(t *testing.T) {
	t.Helper()
	st, err := store.Open(w.storeFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p, err := proxy.New(context.Background(), w.cfg, proxy.Options{
		Decider:  w.decider,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sessions: st.Namespace("sessions"),
	})
	if err != nil {
		t.Fatal(err)
	}
	w.store = st
	w.current.Store(p)
}

// restart closes the store and starts a new proxy with the same
// configuration and store file, as a restart of the process does.
func (w *world) restart(t *testing.T) {
	t.Helper()
	if err := w.store.Close(); err != nil {
		t.Fatal(err)
	}
	w.start(t)
}

// browser returns a client with a cookie jar that trusts the proxy and
// follows redirects.
func (w *world) browser(t *testing.T) *http.Client {
	t.Helper()
	c := *w.proxy.Client() // a copy: each browser has its own jar
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Jar = jar
	return &c
}

// get requests path of the proxy with the headers, alternating names and
// values.
func (w *world) get(t *testing.T, c *http.Client, path string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.proxy.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// login logs user in through the proxy from path, following the redirects
// and submitting the provider's login form, and returns the page path
// leads to.
func (w *world) login(t *testing.T, c *http.Client, path, user, password string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(w.proxy.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resp.Request.URL.String(), w.op.Issuer) {
		t.Fatalf("GET %s ended at %s, not at the provider's login page", path, resp.Request.URL)
	}
	resp = proxytest.SubmitLogin(t, c, resp, user, password)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestBrowserLogin(t *testing.T) {
	w := newWorld(t)
	ann := w.browser(t)

	resp, body := w.login(t, ann, "/app/docs/index.html?lang=en", "ann", "ann-password")
	if resp.StatusCode != http.StatusOK || body != "origin of app: /docs/index.html" {
		t.Fatalf("after login: %s %q", resp.Status, body)
	}
	if got := resp.Request.URL.RequestURI(); got != "/app/docs/index.html?lang=en" {
		t.Errorf("the login came back to %s", got)
	}
	got := w.origins.received()
	if len(got) != 1 {
		t.Fatalf("the origin received %d requests, want 1: %+v", len(got), got)
	}
	r := got[0]
	if r.Path != "/docs/index.html?lang=en" || r.Header.Get("X-Gatehouse-Subject") != "ann" ||
		r.Header.Get("X-Gatehouse-Email") != "ann@example.com" || r.Header.Get("X-Gatehouse-Service") != "app" {
		t.Errorf("the origin received %s with identity %v", r.Path, r.Header)
	}
	if r.Header.Get("Cookie") != "" {
		t.Errorf("the session cookie reached the origin: %q", r.Header.Get("Cookie"))
	}

	// The identity headers cannot be spoofed.
	resp, _ = w.get(t, ann, "/app/x", "X-Gatehouse-Email", "mallory@example.com", "X-Gatehouse-Admin", "yes")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /app/x: %s", resp.Status)
	}
	h := w.origins.received()[0].Header
	if h.Get("X-Gatehouse-Email") != "ann@example.com" || h.Get("X-Gatehouse-Admin") != "" {
		t.Errorf("spoofed identity headers reached the origin: %v", h)
	}

	// The group service grants ann, a member of /test.
	if resp, body := w.get(t, ann, "/group/"); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /group/: %s %s", resp.Status, body)
	}
	// The denied service answers 403 and names itself; nothing reaches the origin.
	resp, body = w.get(t, ann, "/deny/secret")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<strong>deny</strong>") || !strings.Contains(body, "The policy denies this request.") {
		t.Errorf("GET /deny/secret: %s %s", resp.Status, body)
	}
	// The client certificate and the origin's CA of service secure.
	if resp, body := w.get(t, ann, "/secure/a"); resp.StatusCode != http.StatusOK || body != "origin of secure: /a" {
		t.Errorf("GET /secure/a: %s %s", resp.Status, body)
	}
	// The userinfo page shows the merged claims: the ID token's and the
	// userinfo endpoint's.
	resp, body = w.get(t, ann, "/auth/userinfo")
	for _, want := range []string{"subject.email", "ann@example.com", "subject.groups", "/test", "subject.iss"} {
		if !strings.Contains(body, want) {
			t.Errorf("the userinfo page lacks %q: %s", want, body)
		}
	}
	got = w.origins.received()
	paths := []string{}
	for _, r := range got {
		paths = append(paths, r.Service+" "+r.Path)
	}
	if want := []string{"group /", "secure /a"}; !slices.Equal(paths, want) {
		t.Errorf("the origins received %v, want %v", paths, want)
	}
	if got[1].ClientCert != "producer" {
		t.Errorf("the origin of secure saw client certificate %q", got[1].ClientCert)
	}

	// bob is logged in but not in /test.
	bob := w.browser(t)
	if resp, body := w.login(t, bob, "/group/page", "bob", "bob-password"); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<strong>group</strong>") {
		t.Errorf("bob at /group/page: %s %s", resp.Status, body)
	}
	if got := w.origins.received(); len(got) != 0 {
		t.Errorf("the origins received denied requests: %+v", got)
	}

	// After logout, the proxy asks for a login again.
	w.get(t, ann, "/auth/logout")
	ann.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ = w.get(t, ann, "/app/x")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/auth/login?next=%2Fapp%2Fx" {
		t.Errorf("after logout: %s to %q", resp.Status, loc)
	}
}

func TestAnonymous(t *testing.T) {
	w := newWorld(t)
	c := w.proxy.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	if resp, body := w.get(t, c, "/public/page"); resp.StatusCode != http.StatusOK || body != "origin of public: /page" {
		t.Errorf("GET /public/page: %s %s", resp.Status, body)
	}
	if resp, _ := w.get(t, c, "/app/x", "Accept", "text/html"); resp.StatusCode != http.StatusFound {
		t.Errorf("a browser at /app/x: %s, want a redirect to the login", resp.Status)
	}
	resp, body := w.get(t, c, "/app/x", "Accept", "application/json")
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != `Bearer realm="gatehouse"` {
		t.Errorf("an API client at /app/x: %s %q %s", resp.Status, resp.Header.Get("WWW-Authenticate"), body)
	}
	// Dot segments cannot climb out of a service: this is service deny's.
	if resp, body := w.get(t, c, "/app/../deny/x"); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "<strong>deny</strong>") {
		t.Errorf("GET /app/../deny/x: %s %s", resp.Status, body)
	}
	if resp, _ := w.get(t, c, "/nothing"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing: %s", resp.Status)
	}
	var names []string
	for _, r := range w.origins.received() {
		names = append(names, r.Service+" "+r.Path)
	}
	if !slices.Equal(names, []string{"public /page"}) {
		t.Errorf("the origins received %v", names)
	}
}

func TestBearer(t *testing.T) {
	w := newWorld(t)
	token := w.op.TokenFor(t, w.op.ClientID, "ann", "ann-password")
	otherAudience := w.op.TokenFor(t, w.op.OtherClient, "ann", "ann-password")
	c := w.proxy.Client()
	bearer := "Bearer " + token

	resp, body := w.get(t, c, "/app/api/items", "Authorization", bearer, "Accept", "application/json")
	if resp.StatusCode != http.StatusOK || body != "origin of app: /api/items" {
		t.Fatalf("with a valid token: %s %s", resp.Status, body)
	}
	r := w.origins.received()[0]
	if r.Header.Get("X-Gatehouse-Email") != "ann@example.com" || r.Header.Get("Authorization") != "" {
		t.Errorf("the origin received identity %q and Authorization %q", r.Header.Get("X-Gatehouse-Email"), r.Header.Get("Authorization"))
	}
	// Service token authenticates to its origin with its own token.
	if resp, _ := w.get(t, c, "/token/x", "Authorization", bearer); resp.StatusCode != http.StatusOK {
		t.Errorf("GET /token/x: %s", resp.Status)
	}
	if got := w.origins.received()[0].Header.Get("Authorization"); got != "Bearer origin-secret" {
		t.Errorf("the origin of token received Authorization %q", got)
	}

	for name, auth := range map[string]string{
		"garbage":  "Bearer not-a-jwt",
		"tampered": "Bearer " + token[:len(token)-4] + "AAAA",
		"basic":    "Basic YW5uOmFubi1wYXNzd29yZA==",
		"audience": "Bearer " + otherAudience,
	} {
		resp, body := w.get(t, c, "/app/api/items", "Authorization", auth)
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("%s token: %s %q %s", name, resp.Status, resp.Header.Get("WWW-Authenticate"), body)
		}
		var p proxy.ErrorBody
		if err := json.Unmarshal([]byte(body), &p); err != nil || p.Code != "invalid_token" {
			t.Errorf("%s token: body %s", name, body)
		}
	}
	resp, body = w.get(t, c, "/app/api/items", "Accept", "application/json")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a token: %s %s", resp.Status, body)
	}

	resp, body = w.get(t, c, "/deny/api", "Authorization", bearer)
	var p proxy.ErrorBody
	if err := json.Unmarshal([]byte(body), &p); err != nil || resp.StatusCode != http.StatusForbidden || p.Service != "deny" || len(p.Reasons) == 0 {
		t.Errorf("denied service: %s %s", resp.Status, body)
	}
	resp, body = w.get(t, c, "/auth/userinfo", "Authorization", bearer)
	var claims map[string]any
	if err := json.Unmarshal([]byte(body), &claims); err != nil || claims["email"] != "ann@example.com" || claims["sub"] != "ann" {
		t.Errorf("userinfo with a token: %s %s", resp.Status, body)
	}
	if got := w.origins.received(); len(got) != 0 {
		t.Errorf("the origins received refused requests: %+v", got)
	}
}

func TestProviderChoice(t *testing.T) {
	w := newWorld(t, func(c *proxy.Config) {
		first := c.Providers["default"]
		first.HumanReadableName = "First provider"
		second := first
		second.HumanReadableName = "Second provider"
		c.Providers = map[string]proxy.Provider{"first": first, "second": second}
	})
	c := w.browser(t)
	resp, body := w.get(t, c, "/app/x")
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/auth/login" {
		t.Fatalf("GET /app/x: %s at %s", resp.Status, resp.Request.URL)
	}
	for _, want := range []string{
		`<a href="/auth/login?provider=first&amp;next=%2Fapp%2Fx">First provider</a>`,
		`<a href="/auth/login?provider=second&amp;next=%2Fapp%2Fx">Second provider</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the choice lacks %s:\n%s", want, body)
		}
	}
	resp, body = w.login(t, c, "/auth/login?provider=second&next=%2Fapp%2Fx", "ann", "ann-password")
	if resp.StatusCode != http.StatusOK || body != "origin of app: /x" {
		t.Errorf("after login with the second provider: %s %s", resp.Status, body)
	}
	resp, _ = w.get(t, c, "/auth/login?provider=third")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown provider: %s", resp.Status)
	}
}

// TestParallelLogins starts two logins in one browser, as two tabs do, and
// finishes them in the other order: both come back to their pages.
func TestParallelLogins(t *testing.T) {
	w := newWorld(t)
	c := w.browser(t)
	first, err := c.Get(w.proxy.URL + "/app/first")
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Get(w.proxy.URL + "/group/second")
	if err != nil {
		t.Fatal(err)
	}
	for _, tab := range []struct {
		start *http.Response
		want  string
	}{{second, "origin of group: /second"}, {first, "origin of app: /first"}} {
		resp := proxytest.SubmitLogin(t, c, tab.start, "ann", "ann-password")
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || string(b) != tab.want {
			t.Errorf("%s: %s %s", tab.want, resp.Status, b)
		}
	}
}

// loginRedirect logs ann in from the login page with next and returns
// where the callback sends the browser.
func (w *world) loginRedirect(t *testing.T, next string) string {
	t.Helper()
	c := w.browser(t)
	// Stop before the callback, so that its Location is read here and not
	// parsed by the client, which refuses some that browsers follow.
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == w.proxy.Listener.Addr().String() && req.URL.Path == "/auth/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	start, err := c.Get(w.proxy.URL + "/auth/login?next=" + url.QueryEscape(next))
	if err != nil {
		t.Fatal(err)
	}
	resp := proxytest.SubmitLogin(t, c, start, "ann", "ann-password")
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	if !strings.HasPrefix(callback, w.proxy.URL+"/auth/callback?") {
		t.Fatalf("the provider sent the browser to %q, not to the callback", callback)
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = c.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("the callback answered %s", resp.Status)
	}
	return resp.Header.Get("Location")
}

// TestHostileLoginRedirect logs in with a next parameter from each known
// way of leaving a site through a path: the callback sends the browser
// back to a path of the proxy, or to "/".
func TestHostileLoginRedirect(t *testing.T) {
	w := newWorld(t)
	for _, tt := range []struct{ next, want string }{
		{"/app/x?y=1", "/app/x?y=1"},
		{"/app/a%20b/", "/app/a%20b/"},
		{"/app/x?next=https://elsewhere.example/", "/app/x?next=https://elsewhere.example/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\/evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/%09/evil.example", "/"},
		{"/%0a/evil.example", "/"},
		{"/%0D%0A/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"/%2F%2Fevil.example", "/"},
		{"/%2f/evil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"/%5c%5cevil.example", "/"},
		{"/%252F%252Fevil.example", "/"},
		{"/%25252F%25252Fevil.example", "/"},
		{"/%255Cevil.example", "/"},
		{"/.//evil.example", "/"},
		{"/a/..//evil.example", "/"},
		{"/%2e//evil.example", "/"},
		{"/%00/evil.example", "/"},
		{"/\x7f/evil.example", "/"},
		{"/%zz", "/"},
		{"https:evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"//user@evil.example", "/"},
		{"evil.example", "/"},
		{"", "/"},
	} {
		if got := w.loginRedirect(t, tt.next); got != tt.want {
			t.Errorf("next %q: the login ends at %q, want %q", tt.next, got, tt.want)
		}
	}
}

// cgiOrigin is an origin that reads headers as CGI, WSGI and PHP do: each
// name upper-cased with "-" read as "_", behind HTTP_. It answers the
// variables it received as JSON, every value of names that fold the same.
func cgiOrigin(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		env := map[string][]string{}
		for k, v := range r.Header {
			name := "HTTP_" + strings.ToUpper(strings.ReplaceAll(k, "-", "_"))
			env[name] = append(env[name], v...)
		}
		json.NewEncoder(w).Encode(env)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestHostileFoldedIdentityHeaders sends identity and forwarding headers
// spelled with underscores to an origin that folds them as CGI does: it
// sees only the ones the proxy set.
func TestHostileFoldedIdentityHeaders(t *testing.T) {
	cgi := cgiOrigin(t)
	w := newWorld(t, func(c *proxy.Config) {
		c.Services["cgi"] = proxy.Service{ProxyURL: "/cgi", OriginURL: cgi.URL, AC: "test.policysets.alwaysGrant"}
	})
	c := w.proxy.Client()
	spoofed := []string{
		"X_Gatehouse_Subject", "admin",
		"X_GATEHOUSE_EMAIL", "root@example.com",
		"x_gatehouse-name", "Administrator",
		"X-Gatehouse_Username", "root",
		"X_Gatehouse_Service", "other",
		"X_Gatehouse_Admin", "yes",
		"X_Forwarded_For", "10.0.0.1",
		"X_Forwarded_Host", "intranet.example",
		"X_Forwarded_Proto", "https",
		"Forwarded", "for=10.0.0.1",
	}
	received := func(t *testing.T, headers ...string) map[string][]string {
		t.Helper()
		resp, body := w.get(t, c, "/cgi/env", headers...)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /cgi/env: %s %s", resp.Status, body)
		}
		var env map[string][]string
		if err := json.Unmarshal([]byte(body), &env); err != nil {
			t.Fatalf("the origin answered %q: %v", body, err)
		}
		return env
	}
	want := func(t *testing.T, env map[string][]string, name string, values ...string) {
		t.Helper()
		if !slices.Equal(env[name], values) {
			t.Errorf("the origin read %s = %q, want %q", name, env[name], values)
		}
	}

	t.Run("anonymous", func(t *testing.T) {
		env := received(t, spoofed...)
		for _, name := range []string{"HTTP_X_GATEHOUSE_SUBJECT", "HTTP_X_GATEHOUSE_EMAIL", "HTTP_X_GATEHOUSE_NAME",
			"HTTP_X_GATEHOUSE_USERNAME", "HTTP_X_GATEHOUSE_ADMIN", "HTTP_FORWARDED", "HTTP_AUTHORIZATION"} {
			want(t, env, name)
		}
		want(t, env, "HTTP_X_GATEHOUSE_SERVICE", "cgi")
		want(t, env, "HTTP_X_FORWARDED_FOR", "127.0.0.1")
		want(t, env, "HTTP_X_FORWARDED_HOST", w.proxy.Listener.Addr().String())
		want(t, env, "HTTP_X_FORWARDED_PROTO", "https")
	})
	t.Run("ann", func(t *testing.T) {
		token := w.op.TokenFor(t, w.op.ClientID, "ann", "ann-password")
		env := received(t, append([]string{"Authorization", "Bearer " + token}, spoofed...)...)
		want(t, env, "HTTP_X_GATEHOUSE_SUBJECT", "ann")
		want(t, env, "HTTP_X_GATEHOUSE_EMAIL", "ann@example.com")
		want(t, env, "HTTP_X_GATEHOUSE_SERVICE", "cgi")
		want(t, env, "HTTP_X_GATEHOUSE_ADMIN")
		want(t, env, "HTTP_AUTHORIZATION")
	})
}

// sessionCookie returns the session cookie c holds for the proxy.
func (w *world) sessionCookie(t *testing.T, c *http.Client) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(w.proxy.URL)
	for _, k := range c.Jar.Cookies(u) {
		if k.Name == "gatehouse_session" {
			return k
		}
	}
	t.Fatal("the browser holds no session cookie")
	return nil
}

// TestHostileSessionReplay replays a session cookie captured before its
// logout: the session has ended, also after the proxy restarts with the
// same store, while another user's session lives on.
func TestHostileSessionReplay(t *testing.T) {
	w := newWorld(t)
	ann, bob := w.browser(t), w.browser(t)
	w.login(t, ann, "/app/x", "ann", "ann-password")
	w.login(t, bob, "/app/x", "bob", "bob-password")
	captured, bobs := w.sessionCookie(t, ann), w.sessionCookie(t, bob)

	replay := func(t *testing.T, cookie *http.Cookie, want int) {
		t.Helper()
		for _, path := range []string{"/app/x", "/auth/userinfo"} {
			req, _ := http.NewRequest(http.MethodGet, w.proxy.URL+path, nil)
			req.Header.Set("Accept", "application/json")
			req.AddCookie(cookie)
			resp, err := w.proxy.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("GET %s with the session cookie of %s: %s %s, want %d", path, cookie.Name, resp.Status, b, want)
			}
		}
	}
	replay(t, captured, http.StatusOK)
	if resp, body := w.get(t, ann, "/auth/logout", "Accept", "application/json"); resp.StatusCode != http.StatusOK {
		t.Fatalf("logout: %s %s", resp.Status, body)
	}
	replay(t, captured, http.StatusUnauthorized)
	replay(t, bobs, http.StatusOK)

	w.restart(t)
	replay(t, captured, http.StatusUnauthorized)
	replay(t, bobs, http.StatusOK)
	// Logging out again with the copy changes nothing.
	if resp, body := w.get(t, ann, "/auth/logout", "Accept", "application/json"); resp.StatusCode != http.StatusOK {
		t.Fatalf("second logout: %s %s", resp.Status, body)
	}
	replay(t, captured, http.StatusUnauthorized)
}
