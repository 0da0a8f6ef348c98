package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/abi/jsonnum"
)

// SessionStore keeps the sessions that ended by logout until their cookies
// expire, so that a session cookie captured before the logout no longer
// opens, across restarts too. A *store.Namespace is one.
type SessionStore interface {
	Get(key []byte) ([]byte, bool, error)
	Set(key, value []byte) error
	Delete(key []byte) error
	// List returns the keys that start with prefix, in byte order.
	List(prefix []byte) ([][]byte, error)
}

// session is what the session cookie holds: a random id, by which a logout
// ends it at the proxy, its expiry, the provider and the subject's claims.
type session struct {
	ID       string         `json:"id"`
	Expires  int64          `json:"exp"`
	Provider string         `json:"provider"`
	Claims   map[string]any `json:"claims"`
}

// endedKey returns the key under which the store keeps session s as ended:
// its expiry as 16 hexadecimal digits, then its id, so that the keys sort
// by expiry and sweep stops at the first that has not expired.
func endedKey(s *session) []byte {
	return fmt.Appendf(nil, "%016x/%s", uint64(s.Expires), s.ID)
}

// errNoSessionStore is the error of New for providers without a
// SessionStore.
var errNoSessionStore = errors.New("proxy: providers need Options.Sessions, the store that keeps the sessions ended by logout")

// session returns the session of r's session cookie, or nil when it has
// none that is valid: absent, forged, expired, without an id, or ended by
// a logout. A store that cannot be read counts as ended, and goes to the
// log.
func (p *Proxy) session(r *http.Request) *session {
	var s session
	if p.sessions == nil { // no providers, so no sessions
		return nil
	}
	if err := p.jar.get(r, p.cfg.Cookie.Name, &s); err != nil || s.ID == "" {
		return nil
	}
	if _, err := jsonnum.Convert(s.Claims); err != nil {
		return nil
	}
	_, ended, err := p.sessions.Get(endedKey(&s))
	if err != nil {
		p.logger.Error("proxy: read the ended sessions", "error", err)
		return nil
	}
	if ended {
		return nil
	}
	return &s
}

// endSession keeps s as ended until it expires, and forgets the sessions
// that have expired since.
func (p *Proxy) endSession(s *session) error {
	if err := p.sessions.Set(endedKey(s), nil); err != nil {
		return err
	}
	return p.sweepSessions(time.Now())
}

// sweepSessions forgets the ended sessions that expired before now: their
// cookies no longer open anyway.
func (p *Proxy) sweepSessions(now time.Time) error {
	keys, err := p.sessions.List(nil)
	if err != nil {
		return err
	}
	for _, k := range keys {
		hex, _, ok := bytes.Cut(k, []byte("/"))
		exp, err := strconv.ParseUint(string(hex), 16, 64)
		if ok && err == nil && int64(exp) > now.Unix() {
			break
		}
		if err := p.sessions.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Session returns the claims and the provider of the login session of
// r's session cookie, and when it ends; ok is false without a valid one.
// Other parts of the server that log users in through the proxy's
// providers, such as the web console, read it here.
func (p *Proxy) Session(r *http.Request) (claims map[string]any, provider string, expires time.Time, ok bool) {
	s := p.session(r)
	if s == nil {
		return nil, "", time.Time{}, false
	}
	return s.Claims, s.Provider, time.Unix(s.Expires, 0), true
}

// LoginURL returns the path of the proxy's login at the provider named,
// that comes back to next, a path of this host.
func (p *Proxy) LoginURL(provider, next string) string {
	return p.cfg.Paths.Login + "?provider=" + url.QueryEscape(provider) + "&next=" + url.QueryEscape(next)
}

// ProviderNames returns the names of the OpenID Connect providers, sorted,
// each with its human-readable name.
func (p *Proxy) ProviderNames() [][2]string {
	var out [][2]string
	for _, name := range slices.Sorted(maps.Keys(p.providers)) {
		out = append(out, [2]string{name, p.providers[name].cfg.HumanReadableName})
	}
	return out
}
