// Package console is Gatehouse's web console at /ui/: server-rendered
// pages of the server's health, its plugins and the OpenC2 commands it
// carried out, updated live by server-sent events. Every asset is
// embedded; every response sends a strict Content-Security-Policy; every
// post carries the session's CSRF token. With admin tokens the console
// asks for one on a login form and keeps the browser in with a session
// cookie; without, it answers only requests for a loopback host name.
package console

import (
	"bytes"
	"context"
	"crypto/subtle"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/app/server"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/guard"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionlog"
)

// Path is where the console is served.
const Path = "/ui/"

// Options configure the console.
type Options struct {
	// Host is the plugin host the pages show and reload.
	Host *host.Host
	// Gatherer gives the host's metrics, for the plugins' latency.
	Gatherer prometheus.Gatherer
	// History reads the OpenC2 command history; nil when there is none.
	History func(consumer.HistoryQuery) ([]consumer.Record, uint64, error)
	// Decisions returns the last n decisions of the decision log; nil when
	// there is none.
	Decisions func(n int) []decisionlog.Entry
	// Consumer carries out the commands of the OpenC2 page's form; nil
	// leaves the form out.
	Consumer Consumer
	// Authorize decides on a command of the form, sent by the user from
	// the browser at remoteAddr, before the consumer has it; nil allows
	// every command.
	Authorize func(ctx context.Context, u *User, msg *openc2.Message, remoteAddr string) error
	// Rules lists the rules the actuators hold; nil when there is none.
	Rules func() []consumer.HeldRule
	// MaxCommandBytes bounds a command of the form; 0 means
	// https.DefaultMaxBytes.
	MaxCommandBytes int64
	// Tokens are the admin tokens a login takes; with none, there is no
	// login and only loopback host names are answered.
	Tokens []string
	// OIDC is the login through the reverse proxy's OpenID Connect
	// providers; nil without.
	OIDC *OIDC
	// PolicySet, when set, decides with Decider who sees which page.
	PolicySet string
	Decider   policy.Decider
	// Access is what the access control pages show; nil without entities.
	Access *Access
	// Sim configures the simulation page.
	Sim SimOptions
	// TLS sets the Secure attribute of the session cookie.
	TLS    bool
	Logger *slog.Logger
}

// console is the state of the console's routes.
type console struct {
	o        Options
	sessions sessions
	pages    map[string]*template.Template
	rate     rate
	// streams counts the event streams open now.
	streams atomic.Int32
	// simWork holds a place for each simulation run, analysis or search
	// going on.
	simWork chan struct{}
}

//go:embed templates assets
var files embed.FS

// Register adds the console's routes to e.
func Register(e *echo.Echo, o Options) {
	c := &console{o: o, pages: parsePages(), simWork: make(chan struct{}, maxSimWork)}
	e.GET("/ui", func(ctx echo.Context) error { return ctx.Redirect(http.StatusMovedPermanently, Path) }, headers)
	g := e.Group("/ui", headers, c.loopbackOnly)
	assets, _ := fs.Sub(files, "assets")
	g.GET("/assets/*", echo.WrapHandler(http.StripPrefix(Path+"assets/", http.FileServerFS(assets))))
	g.GET("/login", c.loginPage)
	g.POST("/login", c.login, guard.SameOrigin)
	g.GET("/login/oidc", c.oidcLogin)
	g.GET("/login/oidc/done", c.oidcFinish)
	c.pages["forbidden"] = template.Must(template.New("forbidden").ParseFS(files, "templates/layout.html", "templates/forbidden.html"))
	in := g.Group("", c.authenticate, c.authorize)
	c.registerPolicy(in)
	in.GET("/", c.overview)
	in.GET("/events", c.events)
	in.GET("/plugins", c.plugins)
	in.GET("/plugins/:file", c.plugin)
	in.GET("/openc2", c.commands)
	in.POST("/openc2", c.send, guard.SameOrigin, c.limitCommand, checkCSRF)
	in.POST("/openc2/check", c.check, guard.SameOrigin, c.limitCommand, checkCSRF)
	in.GET("/sim", c.simPage)
	in.POST("/sim", c.simPost, guard.SameOrigin, c.simForm, checkCSRF)
	in.POST("/plugins/reload", c.reload, guard.SameOrigin, checkCSRF)
	in.POST("/logout", c.logout, guard.SameOrigin, checkCSRF)
}

// contentSecurityPolicy lets a page load only the console's own
// scripts, styles and images, connect only to its own origin, and be
// framed by no page.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// headers sets the security headers of every console response.
func headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		return next(c)
	}
}

// loopbackOnly refuses, when there is no login, a request for a host
// name other than a loopback one: a page of another site whose name its
// DNS turns to 127.0.0.1 (DNS rebinding) would otherwise read the
// console through the visitor's browser.
func (c *console) loopbackOnly(next echo.HandlerFunc) echo.HandlerFunc {
	if c.hasLogin() {
		return next
	}
	return func(ctx echo.Context) error {
		if !LoopbackHost(ctx.Request().Host) {
			return echo.NewHTTPError(http.StatusForbidden, "the console without a login answers only for localhost, 127.0.0.1 or [::1]: set ui.token_file to serve it under another name")
		}
		return next(ctx)
	}
}

// LoopbackHost reports whether hostport (a Host header or a listen
// address) names the loopback interface: localhost or a loopback IP.
func LoopbackHost(hostport string) bool {
	h, _, err := net.SplitHostPort(hostport)
	if err != nil {
		h = strings.Trim(hostport, "[]")
	}
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// sessionKey is where authenticate keeps the request's session.
const sessionKey = "console.session"

// authenticate lets through a request of a session. Without a login a
// request without one gets a new session; with a login a page redirects
// to the login form and anything else is refused with 401.
func (c *console) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ctx echo.Context) error {
		s := c.sessions.get(ctx.Request(), time.Now())
		if s == nil {
			if c.hasLogin() {
				if ctx.Request().Method == http.MethodGet && ctx.Path() != Path+"events" {
					return ctx.Redirect(http.StatusSeeOther, Path+"login")
				}
				return echo.NewHTTPError(http.StatusUnauthorized, "log in to the console first")
			}
			s = c.startSession(ctx, &User{Login: LoginNone}, time.Time{})
		}
		ctx.Set(sessionKey, s)
		return next(ctx)
	}
}

// startSession opens a session of u that ends at expires, sessionTTL
// from now at most, and sets its cookie on the answer.
func (c *console) startSession(ctx echo.Context, u *User, expires time.Time) *session {
	now := time.Now()
	id, s := c.sessions.open(now, u, expires)
	ctx.SetCookie(&http.Cookie{
		Name: cookieName, Value: id, Path: Path, MaxAge: int(s.expires.Sub(now) / time.Second),
		HttpOnly: true, Secure: c.o.TLS, SameSite: http.SameSiteStrictMode,
	})
	return s
}

// checkCSRF refuses with 403 a post whose csrf form field (or
// X-CSRF-Token header) is not its session's CSRF token.
func checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ctx echo.Context) error {
		s, _ := ctx.Get(sessionKey).(*session)
		token := ctx.Request().Header.Get("X-CSRF-Token")
		if token == "" {
			token = ctx.FormValue("csrf")
		}
		if s == nil || !s.validCSRF(token) {
			return echo.NewHTTPError(http.StatusForbidden, "the form's CSRF token is not the session's: load the page again")
		}
		return next(ctx)
	}
}

// loginPage shows the login form, or goes to the overview when there is
// no login.
func (c *console) loginPage(ctx echo.Context) error {
	if !c.hasLogin() {
		return ctx.Redirect(http.StatusSeeOther, Path)
	}
	return c.render(ctx, http.StatusOK, "login", c.loginData(""))
}

// maxTokenBytes bounds the token of a login form.
const maxTokenBytes = 4096

// login starts a session for a form that posts one of the admin tokens.
func (c *console) login(ctx echo.Context) error {
	if len(c.o.Tokens) == 0 {
		return ctx.Redirect(http.StatusSeeOther, Path)
	}
	ctx.Request().Body = http.MaxBytesReader(ctx.Response(), ctx.Request().Body, maxTokenBytes)
	got := []byte(strings.TrimSpace(ctx.FormValue("token")))
	ok := 0
	for _, t := range c.o.Tokens {
		ok |= subtle.ConstantTimeCompare(got, []byte(t))
	}
	if ok == 0 || len(got) == 0 {
		c.o.Logger.Warn("console login refused", "remote", ctx.RealIP())
		return c.render(ctx, http.StatusUnauthorized, "login", c.loginData("That token is not one of the console's."))
	}
	c.sessions.close(ctx.Request())
	c.startSession(ctx, &User{Login: LoginToken}, time.Time{})
	return ctx.Redirect(http.StatusSeeOther, Path)
}

// logout ends the session.
func (c *console) logout(ctx echo.Context) error {
	c.sessions.close(ctx.Request())
	ctx.SetCookie(&http.Cookie{Name: cookieName, Value: "", Path: Path, MaxAge: -1, HttpOnly: true, Secure: c.o.TLS, SameSite: http.SameSiteStrictMode})
	if !c.hasLogin() {
		return ctx.Redirect(http.StatusSeeOther, Path)
	}
	return ctx.Redirect(http.StatusSeeOther, Path+"login")
}

// page is what every page's layout shows, around Data.
type page struct {
	Title string
	// Nav is the page's entry of the navigation.
	Nav string
	// CSRF is the session's token for the page's forms.
	CSRF string
	// Login is whether the console has a login, to offer a logout.
	Login bool
	// Error is an error to show above the page.
	Error string
	Data  any
}

// show renders page name for the request's session.
func (c *console) show(ctx echo.Context, name string, p page) error {
	return c.showStatus(ctx, http.StatusOK, name, p)
}

// showStatus renders page name for the request's session with status.
func (c *console) showStatus(ctx echo.Context, status int, name string, p page) error {
	if s, ok := ctx.Get(sessionKey).(*session); ok {
		p.CSRF = s.csrf
	}
	p.Login = c.hasLogin()
	return c.render(ctx, status, name, p)
}

// render writes page name with status.
func (c *console) render(ctx echo.Context, status int, name string, p page) error {
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	ctx.Response().Header().Set("Cache-Control", "no-store")
	return ctx.HTMLBlob(status, buf.Bytes())
}

// reload rescans the plugin folder, lifting quarantines, as POST
// /v1/plugins/reload does, and goes back to the page it came from.
func (c *console) reload(ctx echo.Context) error {
	err := server.Unbounded(ctx, func() error { return c.o.Host.LoadDir(ctx.Request().Context()) })
	if err != nil {
		return err
	}
	back := Path + "plugins"
	if f := ctx.FormValue("file"); f != "" {
		back += "/" + url.PathEscape(f)
	}
	return ctx.Redirect(http.StatusSeeOther, back)
}
