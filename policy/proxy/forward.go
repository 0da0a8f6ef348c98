package proxy

import (
	"fmt"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/policy"
)

// IdentityHeaderPrefix starts the name of every identity header. The proxy
// removes the incoming headers that start with it, with "_" for "-" too and
// in any case, so that only the proxy can set them.
const IdentityHeaderPrefix = "X-Gatehouse-"

// identityHeaders map identity headers to the claims they carry.
var identityHeaders = [...]struct{ header, claim string }{
	{"X-Gatehouse-Subject", "sub"},
	{"X-Gatehouse-Issuer", "iss"},
	{"X-Gatehouse-Email", "email"},
	{"X-Gatehouse-Name", "name"},
	{"X-Gatehouse-Username", "preferred_username"},
}

// proxySetHeaders are, besides the identity headers, the request headers
// the proxy sets on the way to an origin (or removes there), in the form
// foldHeader gives.
var proxySetHeaders = map[string]bool{
	"AUTHORIZATION": true, "FORWARDED": true,
	"X-FORWARDED-FOR": true, "X-FORWARDED-HOST": true, "X-FORWARDED-PROTO": true,
}

// foldHeader returns a header name as an origin behind CGI, WSGI or PHP
// reads it: in upper case, with each "_" read as "-" (both become "_" in
// HTTP_X_GATEHOUSE_SUBJECT), so that names that fold the same are one
// header to the origin.
func foldHeader(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "_", "-"))
}

// identityHeader reports whether a header name is, to an origin that folds
// names, an identity header: X-Gatehouse-Subject, X_Gatehouse_Subject and
// x-gatehouse_subject alike.
func identityHeader(name string) bool {
	return strings.HasPrefix(foldHeader(name), strings.ToUpper(IdentityHeaderPrefix))
}

// proxyHeader reports whether an incoming header name is, to an origin
// that folds names, an identity header or another header the proxy sets.
func proxyHeader(name string) bool {
	return identityHeader(name) || proxySetHeaders[foldHeader(name)]
}

// privateHeaders are the request headers the attributes of a decision do
// not show: credentials.
var privateHeaders = map[string]bool{"Authorization": true, "Cookie": true, "Proxy-Authorization": true}

// attributes returns the attributes of a request to s whose cleaned path
// is clean, rest below the service, by a subject with claims (nil when
// anonymous): as ARPOC gives them, the subject is the claims; the object
// is the service, the path below it without its leading slash, and the
// origin's URL; the access is the method, the cleaned path, the query
// (each parameter's value, or the list of its values when it repeats, so
// that a rule on one value does not pass a request that carries another)
// and the headers (lower-case names, values joined by ", ", credentials
// left out, the host included). The engine's environment source supplies
// the environment.
func attributes(s *service, r *http.Request, clean, rest string, claims map[string]any) policy.Attributes {
	query := map[string]any{}
	for k, v := range r.URL.Query() {
		if len(v) == 1 {
			query[k] = v[0]
			continue
		}
		list := make([]any, len(v))
		for i, x := range v {
			list[i] = x
		}
		query[k] = list
	}
	headers := map[string]any{"host": r.Host}
	for k, v := range r.Header {
		if !privateHeaders[k] && !identityHeader(k) {
			headers[strings.ToLower(k)] = strings.Join(v, ", ")
		}
	}
	return policy.Attributes{
		Subject: claims,
		Object: map[string]any{
			"service": s.name,
			"path":    strings.TrimPrefix(rest, "/"),
			"url":     s.target(rest, r.URL.RawQuery),
		},
		Access: map[string]any{
			"method":  r.Method,
			"path":    clean,
			"query":   query,
			"headers": headers,
		},
	}
}

// target returns the origin's URL for the path rest below the service.
func (s *service) target(rest, rawQuery string) string {
	u := *s.origin
	u.Path = joinPath(s.origin.Path, rest)
	u.RawPath = ""
	switch {
	case u.RawQuery == "":
		u.RawQuery = rawQuery
	case rawQuery != "":
		u.RawQuery += "&" + rawQuery
	}
	return u.String()
}

// joinPath appends rest, "" or a path that starts with a slash, to base.
func joinPath(base, rest string) string {
	p := strings.TrimSuffix(base, "/") + rest
	if rest == "" && strings.HasSuffix(base, "/") {
		p += "/"
	}
	if p == "" {
		p = "/"
	}
	return p
}

// rewrite returns the Rewrite of the service's reverse proxy: the request
// goes to the origin with the path below the service, without the
// identity headers, forwarding headers and credentials it came with, in
// any spelling an origin may fold into the same name (proxyHeader), and
// with those of the subject and the proxy; the session cookies stay with the proxy; with a bearer token
// configured, the proxy authenticates with it.
func (s *service) rewrite(cookieName, bearer string) func(*httputil.ProxyRequest) {
	return func(pr *httputil.ProxyRequest) {
		id, _ := pr.In.Context().Value(identityKey{}).(identity)
		out := pr.Out
		target := s.target(id.rest, out.URL.RawQuery)
		u, err := out.URL.Parse(target)
		if err != nil { // target comes from a parsed URL
			panic(fmt.Sprintf("proxy: target %q: %v", target, err))
		}
		out.URL, out.Host = u, ""
		for k := range out.Header {
			if proxyHeader(k) {
				delete(out.Header, k)
			}
		}
		pr.SetXForwarded()
		if bearer != "" {
			out.Header.Set("Authorization", "Bearer "+bearer)
		}
		cookies := out.Cookies()
		out.Header.Del("Cookie")
		for _, c := range cookies {
			if c.Name != cookieName && !strings.HasPrefix(c.Name, loginCookiePrefix(cookieName)) {
				out.AddCookie(c)
			}
		}
		for _, h := range identityHeaders {
			if v, ok := id.claims[h.claim].(string); ok && v != "" && headerSafe(v) {
				out.Header.Set(h.header, v)
			}
		}
		out.Header.Set("X-Gatehouse-Service", s.name)
	}
}

// headerSafe reports whether v can be a header value: it has no control
// characters, which could end the header or the request.
func headerSafe(v string) bool {
	return !strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// keepCookies returns the ModifyResponse of a service's reverse proxy: it
// drops the origin's Set-Cookie headers for the proxy's own cookies, so
// that an origin cannot end or replace a session.
func keepCookies(cookieName string) func(*http.Response) error {
	return func(resp *http.Response) error {
		lines := resp.Header.Values("Set-Cookie")
		kept := lines[:0:0]
		for _, line := range lines {
			c, err := http.ParseSetCookie(line)
			if err == nil && (c.Name == cookieName || strings.HasPrefix(c.Name, loginCookiePrefix(cookieName))) {
				continue
			}
			kept = append(kept, line)
		}
		if len(kept) != len(lines) {
			resp.Header["Set-Cookie"] = kept
		}
		return nil
	}
}

// bufferPool lends the reverse proxies the 32 KiB buffers they copy
// bodies through, which each request would otherwise allocate.
type bufferPool struct{ pool sync.Pool }

func (b *bufferPool) Get() []byte {
	if buf, ok := b.pool.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.pool.Put(&buf) }
