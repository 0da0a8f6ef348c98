package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/policy"
)

// The logins of a session: User.Login.
const (
	LoginToken = "token"
	LoginOIDC  = "oidc"
	// LoginNone is a session of a console without a login, on loopback.
	LoginNone = "none"
)

// User is who a session is.
type User struct {
	// Login is how the session began: LoginToken, LoginOIDC or LoginNone.
	Login string
	// Provider and Claims are the OpenID Connect provider and the
	// subject's claims of an OIDC login.
	Provider string
	Claims   map[string]any
}

// Subject returns the user's subject attributes: the claims of an OIDC
// login, none for the others.
func (u *User) Subject() map[string]any {
	if u.Claims == nil {
		return map[string]any{}
	}
	return u.Claims
}

// Name returns the user's name: of an OIDC login the claim
// preferred_username, else email, else sub, with the provider; "token"
// for a token login and "local" without a login.
func (u *User) Name() string {
	switch u.Login {
	case LoginOIDC:
		for _, claim := range []string{"preferred_username", "email", "sub"} {
			if s, ok := u.Claims[claim].(string); ok && s != "" {
				return u.Provider + ":" + s
			}
		}
		return u.Provider + ":?"
	case LoginToken:
		return "token"
	}
	return "local"
}

// ChangeName is the user's name in the change log of the policy
// administration: "console:" and Name.
func (u *User) ChangeName() string { return "console:" + u.Name() }

// userOf returns the user of the request's session.
func userOf(ctx echo.Context) *User {
	if s, ok := ctx.Get(sessionKey).(*session); ok && s.user != nil {
		return s.user
	}
	return &User{Login: LoginNone}
}

// OIDC is the login through the OpenID Connect providers of the reverse
// proxy: the proxy logs the user in and keeps the claims in its session,
// which the console takes over into a session of its own.
type OIDC struct {
	// Providers are the providers to offer.
	Providers []Provider
	// LoginURL returns the address of the proxy's login at provider that
	// comes back to next.
	LoginURL func(provider, next string) string
	// Session returns the claims, the provider and the end of the
	// request's session at the proxy; ok is false without one.
	Session func(r *http.Request) (claims map[string]any, provider string, expires time.Time, ok bool)
}

// Provider is an OpenID Connect provider of the login page.
type Provider struct {
	Name, Title string
}

// hasLogin reports whether the console asks for a login.
func (c *console) hasLogin() bool { return len(c.o.Tokens) > 0 || c.o.OIDC != nil }

// oidcDone is where the proxy's login comes back to.
const oidcDone = Path + "login/oidc/done"

// oidcLogin sends the browser to the proxy's login at the provider asked
// for, to come back to oidcDone.
func (c *console) oidcLogin(ctx echo.Context) error {
	if c.o.OIDC == nil {
		return echo.NewHTTPError(http.StatusNotFound, "the console has no OpenID Connect login: set ui.oidc_login")
	}
	name := ctx.QueryParam("provider")
	for _, p := range c.o.OIDC.Providers {
		if p.Name == name {
			return ctx.Redirect(http.StatusFound, c.o.OIDC.LoginURL(name, oidcDone))
		}
	}
	return echo.NewHTTPError(http.StatusNotFound, "no OpenID Connect provider "+strconv.Quote(name)+" is configured")
}

// oidcFinish starts a console session of the proxy's session's subject,
// which lasts as long as that session, at most sessionTTL, and goes on to
// the overview. It answers a page that goes on, rather than a redirect:
// the proxy's login came from the provider's site, and the browser sends
// the console's SameSite=Strict cookie only on a navigation from its own.
func (c *console) oidcFinish(ctx echo.Context) error {
	if c.o.OIDC == nil {
		return echo.NewHTTPError(http.StatusNotFound, "the console has no OpenID Connect login: set ui.oidc_login")
	}
	claims, provider, expires, ok := c.o.OIDC.Session(ctx.Request())
	if !ok {
		return c.render(ctx, http.StatusUnauthorized, "login", c.loginData("The login at the identity provider did not finish: log in again."))
	}
	c.sessions.close(ctx.Request())
	c.startSession(ctx, &User{Login: LoginOIDC, Provider: provider, Claims: claims}, expires)
	c.o.Logger.Info("console login", "login", LoginOIDC, "provider", provider, "subject", claims["sub"])
	p := c.loginData("")
	p.Data = loginPage{Continue: Path}
	return c.render(ctx, http.StatusOK, "login", p)
}

// loginPage is the data of the login page.
type loginPage struct {
	Tokens    bool
	Providers []Provider
	// Continue is where a finished login goes on to.
	Continue string
}

// loginData returns the login page with the error msg.
func (c *console) loginData(msg string) page {
	lp := loginPage{Tokens: len(c.o.Tokens) > 0}
	if c.o.OIDC != nil {
		lp.Providers = c.o.OIDC.Providers
	}
	return page{Title: "Log in", Error: msg, Data: lp}
}

// Pages of the console, as the authorization policy set sees them in
// object.page.
const (
	PageOverview = "overview"
	PageLogout   = "logout"
)

// pageOf returns the page of the console a path is of: the first segment
// below Path, "overview" for the overview and its events.
func pageOf(path string) string {
	rest := strings.TrimPrefix(path, Path)
	first, _, _ := strings.Cut(rest, "/")
	switch first {
	case "", "events":
		return PageOverview
	}
	return first
}

// authorize lets through a request the console's policy set grants, when
// there is one:
//
//	subject  the user's claims (an OIDC login), none otherwise
//	object   page: overview, plugins, openc2, policy, ...; path
//	access   method; login: token, oidc or none; remote_addr
//
// Anything but a grant is answered with 403 and a page that says why.
// Logging out is always let through.
func (c *console) authorize(next echo.HandlerFunc) echo.HandlerFunc {
	if c.o.PolicySet == "" {
		return next
	}
	return func(ctx echo.Context) error {
		r := ctx.Request()
		pg := pageOf(ctx.Path())
		if pg == PageLogout {
			return next(ctx)
		}
		u := userOf(ctx)
		d, err := c.decidePage(c.o.Decider, u, r, pg, r.URL.Path, r.Method)
		if err == nil && d.Granted() {
			return next(ctx)
		}
		why := "the policy could not decide"
		if err == nil {
			why = d.Result.String()
			if len(d.Missing) > 0 {
				why += ", missing " + strings.Join(d.Missing, ", ")
			}
		}
		c.o.Logger.Info("console page refused", "page", pg, "user", u.Name(), "why", why)
		return c.showStatus(ctx, http.StatusForbidden, "forbidden", page{Title: "Forbidden", Nav: pg,
			Data: Forbidden{Page: pg, User: u.Name(), PolicySet: c.o.PolicySet, Why: why}})
	}
}

// decidePage decides with decider whether the console's policy set lets
// u, of request r, ask for page at path with method.
func (c *console) decidePage(decider policy.Decider, u *User, r *http.Request, page, path, method string) (policy.Decision, error) {
	return decider.Decide(r.Context(), policy.Request{PolicySet: c.o.PolicySet, Attributes: policy.Attributes{
		Subject: u.Subject(),
		Object:  map[string]any{"page": page, "path": path},
		Access:  map[string]any{"method": method, "login": u.Login, "remote_addr": r.RemoteAddr},
	}})
}

// navPages are the pages of the navigation, with their paths.
var navPages = []struct{ page, path string }{
	{PageOverview, Path}, {"plugins", Path + "plugins"}, {"openc2", Path + "openc2"}, {"policy", Path + "policy"}, {"sim", Path + "sim"},
}

// hiddenPages returns the pages of the navigation the console's policy
// set would refuse to the request's user, as authorize would decide a GET
// of each: a page's links are left out of the navigation. They are
// decided with NavDecider, which does not log: a line in the decision
// log for each link of each page shown would bury the decisions on the
// requests themselves.
func (c *console) hiddenPages(ctx echo.Context) map[string]bool {
	if c.o.PolicySet == "" {
		return nil
	}
	decider := c.o.NavDecider
	if decider == nil {
		decider = c.o.Decider
	}
	u, r := userOf(ctx), ctx.Request()
	hidden := map[string]bool{}
	for _, p := range navPages {
		d, err := c.decidePage(decider, u, r, p.page, p.path, http.MethodGet)
		if err != nil || !d.Granted() {
			hidden[p.page] = true
		}
	}
	return hidden
}

// Forbidden is the page of a refused request.
type Forbidden struct {
	Page, User, PolicySet, Why string
}
