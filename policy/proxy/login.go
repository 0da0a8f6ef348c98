package proxy

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// loginLifetime bounds the time from the start of a login to the callback.
const loginLifetime = 10 * time.Minute

// pendingLogin is what the login cookie holds while the user logs in at
// the provider.
type pendingLogin struct {
	Provider string `json:"provider"`
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
}

// loginCookie returns the name of the login cookie of the login with
// state: the session cookie's name, "_login_" and the state's first
// characters, so that logins started in several tabs at once do not
// overwrite each other's. It returns "" for a state that randomString did
// not draw.
func loginCookie(sessionCookie, state string) string {
	const n = 12
	if len(state) < n || strings.ContainsFunc(state[:n], func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_')
	}) {
		return ""
	}
	return loginCookiePrefix(sessionCookie) + state[:n]
}

// loginCookiePrefix starts the names of the login cookies.
func loginCookiePrefix(sessionCookie string) string { return sessionCookie + "_login_" }

// randomString returns 32 random bytes in base64url.
func randomString() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// maxNextDecodes bounds how many layers of percent-encoding localPath
// peels off next; a value still encoded deeper is refused.
const maxNextDecodes = 4

// localPath returns next if it is a path on this host, and "/" otherwise,
// so that a login cannot redirect elsewhere. Browsers read a URL the WHATWG
// way: they drop tabs and newlines, take a backslash for a slash and "//"
// for the start of a host, and a page the redirect leads to may decode the
// path again. So next must start with one slash, parse with no scheme,
// host or user, and, as sent and after each layer of percent-decoding,
// hold no control character and no backslash, and no "//" in its path (an
// empty segment, which dot segments could bring to the front).
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || !strings.HasPrefix(next, "/") || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	s := next
	for range maxNextDecodes {
		path, _, _ := strings.Cut(s, "?")
		path, _, _ = strings.Cut(path, "#")
		if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) || strings.Contains(path, "//") {
			return "/"
		}
		d, err := url.PathUnescape(s)
		if err != nil {
			return "/"
		}
		if d == s {
			return next
		}
		s = d
	}
	return "/"
}

// redirectToLogin sends a browser to the login page, to come back to the
// request's URL. Requests other than GET and HEAD come back as GET.
func (p *Proxy) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	status := http.StatusFound
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		status = http.StatusSeeOther
	}
	http.Redirect(w, r, p.cfg.Paths.Login+"?next="+url.QueryEscape(r.URL.RequestURI()), status)
}

// chooseProvider returns the provider the login page asks for: the one
// named, else the only one, else default. It returns nil when the user
// must choose.
func (p *Proxy) chooseProvider(name string) *provider {
	if name != "" {
		return p.providers[name]
	}
	if len(p.providers) == 1 {
		for _, pr := range p.providers {
			return pr
		}
	}
	return p.providers["default"]
}

// login starts the authorization-code flow with state, nonce and PKCE
// (RFC 7636, S256): it keeps them in the login cookie and sends the
// browser to the provider.
func (p *Proxy) login(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	name := r.URL.Query().Get("provider")
	pr := p.chooseProvider(name)
	if pr == nil {
		if name != "" || len(p.providers) == 0 {
			p.problem(w, r, http.StatusNotFound, "not_found", "No such identity provider is configured.")
			return
		}
		var choices []providerChoice
		for _, n := range slices.Sorted(maps.Keys(p.providers)) {
			choices = append(choices, providerChoice{
				Name: p.providers[n].cfg.HumanReadableName,
				URL:  p.cfg.Paths.Login + "?provider=" + url.QueryEscape(n) + "&next=" + url.QueryEscape(next),
			})
		}
		p.page(w, http.StatusOK, "choose", choices)
		return
	}
	pl := pendingLogin{Provider: pr.name, State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(), Next: next}
	if err := p.jar.set(w, loginCookie(p.cfg.Cookie.Name, pl.State), pl, time.Now().Add(loginLifetime)); err != nil {
		p.fail(w, r, "set the login cookie", err)
		return
	}
	http.Redirect(w, r, pr.oauth.AuthCodeURL(pl.State, oidc.Nonce(pl.Nonce), oauth2.S256ChallengeOption(pl.Verifier)), http.StatusFound)
}

// callback ends the flow: it checks the state, redeems the code with the
// PKCE verifier, verifies the ID token and its nonce, merges the claims of
// the userinfo endpoint, and starts the session.
func (p *Proxy) callback(w http.ResponseWriter, r *http.Request) {
	var pl pendingLogin
	q := r.URL.Query()
	name := loginCookie(p.cfg.Cookie.Name, q.Get("state"))
	if name == "" || p.jar.get(r, name, &pl) != nil {
		p.problem(w, r, http.StatusBadRequest, "bad_request", "This login has expired or was started in another browser. Start again.")
		return
	}
	p.jar.clear(w, name)
	if e := q.Get("error"); e != "" {
		p.logger.Info("proxy: the provider refused a login", "provider", pl.Provider, "error", e, "description", q.Get("error_description"))
		if strings.ContainsFunc(e, func(r rune) bool { return (r < 'a' || r > 'z') && r != '_' }) {
			e = "an error" // not an OAuth 2.0 error code: the page shows no text a link can choose
		}
		p.problem(w, r, http.StatusForbidden, "login_failed", fmt.Sprintf("The identity provider refused the login: %s.", e))
		return
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(pl.State)) != 1 {
		p.problem(w, r, http.StatusBadRequest, "bad_request", "The login's state does not match. Start again.")
		return
	}
	pr := p.providers[pl.Provider]
	if pr == nil {
		p.problem(w, r, http.StatusBadRequest, "bad_request", "The login's identity provider is no longer configured. Start again.")
		return
	}
	ctx := oidc.ClientContext(r.Context(), pr.client)
	tok, err := pr.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pl.Verifier))
	if err != nil {
		p.fail(w, r, "redeem the authorization code", err)
		return
	}
	rawID, _ := tok.Extra("id_token").(string)
	idToken, err := pr.idTokens.Verify(ctx, rawID)
	if err != nil {
		p.fail(w, r, "verify the ID token", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(pl.Nonce)) != 1 {
		p.fail(w, r, "verify the ID token", fmt.Errorf("the nonce does not match"))
		return
	}
	claims, err := pr.subject(ctx, idToken, tok.AccessToken)
	if err != nil {
		p.fail(w, r, "read the subject's claims", err)
		return
	}
	expires := time.Now().Add(p.cfg.Cookie.MaxAge)
	sess := session{ID: randomString(), Expires: expires.Unix(), Provider: pr.name, Claims: claims}
	if err := p.jar.set(w, p.cfg.Cookie.Name, sess, expires); err != nil {
		p.fail(w, r, "set the session cookie", err)
		return
	}
	p.logger.Info("proxy: login", "provider", pr.name, "subject", idToken.Subject)
	http.Redirect(w, r, pl.Next, http.StatusFound)
}

// logout ends the session: the browser drops the cookie, and the proxy
// keeps the session as ended until it expires, so that a copy of the
// cookie no longer opens it. It does not end the session at the provider.
func (p *Proxy) logout(w http.ResponseWriter, r *http.Request) {
	p.jar.clear(w, p.cfg.Cookie.Name)
	if s := p.session(r); s != nil {
		if err := p.endSession(s); err != nil {
			p.logger.Error("proxy: logout failed", "error", err)
			p.problem(w, r, http.StatusInternalServerError, "internal", "The logout failed: the session could not be ended. The log says more.")
			return
		}
		p.logger.Info("proxy: logout", "provider", s.Provider, "subject", s.Claims["sub"])
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "logged out"})
		return
	}
	p.page(w, http.StatusOK, "logout", p.cfg.Paths.Login)
}

// userinfo shows the subject's claims: those the policies see.
func (p *Proxy) userinfo(w http.ResponseWriter, r *http.Request) {
	claims, err := p.subjectOf(r)
	if err != nil {
		p.unauthorized(w, r, "invalid_token", "The bearer token is not valid.")
		return
	}
	if claims == nil {
		if isAPI(r) {
			p.unauthorized(w, r, "", "Log in to see your claims.")
			return
		}
		p.redirectToLogin(w, r)
		return
	}
	if isAPI(r) {
		writeJSON(w, http.StatusOK, claims)
		return
	}
	p.page(w, http.StatusOK, "userinfo", userinfoRows(claims))
}
