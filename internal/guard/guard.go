// Package guard holds the echo middleware that the HTTP routes of serve
// share: the media type of a JSON body, the refusal of cross-origin posts
// from browsers, and bearer-token authentication.
package guard

import (
	"crypto/subtle"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// errNotJSON is the answer to a body of another media type.
var errNotJSON = echo.NewHTTPError(http.StatusUnsupportedMediaType, "want a JSON body (Content-Type: application/json)")

// JSON refuses with 415 a request whose Content-Type is not
// application/json (parameters such as charset aside). A browser sends
// such a type only after a CORS preflight that serve does not answer, so
// a web page cannot post to a route behind JSON from a visitor's browser.
func JSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ct := c.Request().Header.Get(echo.HeaderContentType)
		if ct == echo.MIMEApplicationJSON {
			return next(c) // the common case, without parsing
		}
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != echo.MIMEApplicationJSON {
			return errNotJSON
		}
		return next(c)
	}
}

// crossOrigin tells cross-origin requests of browsers.
var crossOrigin = http.NewCrossOriginProtection()

// SameOrigin refuses with 403 a request other than GET, HEAD or OPTIONS
// that a browser sends from a page of another origin, as net/http's
// CrossOriginProtection tells it by its Sec-Fetch-Site or Origin header.
// Other clients send neither header and pass. It keeps a web page from
// having a visitor's browser post to a Gatehouse the visitor can reach,
// even a post without a body.
func SameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := crossOrigin.Check(c.Request()); err != nil {
			return echo.NewHTTPError(http.StatusForbidden, "a request from a page of another origin is refused")
		}
		return next(c)
	}
}

// Bearer returns a middleware that lets through only requests whose
// Authorization header is "Bearer T" with T one of tokens, and refuses
// the others with 401 and a WWW-Authenticate challenge of realm. Tokens
// are compared in constant time. Without tokens it lets everything
// through.
func Bearer(realm string, tokens []string) echo.MiddlewareFunc {
	challenge := `Bearer realm="` + realm + `"`
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if len(tokens) == 0 {
			return next
		}
		return func(c echo.Context) error {
			got := []byte(BearerToken(c.Request().Header.Get(echo.HeaderAuthorization)))
			ok := 0
			for _, t := range tokens {
				ok |= subtle.ConstantTimeCompare(got, []byte(t))
			}
			if ok == 0 || len(got) == 0 {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, challenge)
				msg := "unauthenticated: send Authorization: Bearer TOKEN with a token of the server's configuration"
				if len(got) > 0 {
					msg = "unauthenticated: the bearer token is not one of the server's"
				}
				return echo.NewHTTPError(http.StatusUnauthorized, msg)
			}
			return next(c)
		}
	}
}

// BearerToken returns the token of an Authorization header of the Bearer
// scheme (RFC 6750, section 2.1; the scheme is case-insensitive), or "".
func BearerToken(h string) string {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// Apply returns h behind the middleware m, the first outermost, as echo
// runs a route's middleware. echo wraps a route's handler in its
// middleware again on every request, a closure each; a hot route
// registered with Apply's handler and no middleware of its own wraps it
// once.
func Apply(h echo.HandlerFunc, m ...echo.MiddlewareFunc) echo.HandlerFunc {
	for i := len(m) - 1; i >= 0; i-- {
		h = m[i](h)
	}
	return h
}
