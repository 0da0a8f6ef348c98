package console

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"sync"
	"time"
)

// cookieName is the console's session cookie.
const cookieName = "gatehouse_console"

// sessionTTL is how long a session lasts after its login.
const sessionTTL = 12 * time.Hour

// maxSessions bounds the sessions held at once: a new one past it takes
// the place of the one that expires first.
const maxSessions = 1024

// session is one browser's: its CSRF token, who it is and when it ends.
type session struct {
	csrf    string
	user    *User
	expires time.Time
}

// sessions are the console's sessions by their cookie's value.
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

// newID returns a random identifier of 128 bits.
func newID() string { return rand.Text() }

// open starts a session of u that ends at expires, sessionTTL from now
// at most, and returns its cookie's value.
func (s *sessions) open(now time.Time, u *User, expires time.Time) (string, *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*session{}
	}
	if len(s.m) >= maxSessions {
		var first string
		for id, v := range s.m {
			if first == "" || v.expires.Before(s.m[first].expires) {
				first = id
			}
		}
		delete(s.m, first)
	}
	if end := now.Add(sessionTTL); expires.IsZero() || expires.After(end) {
		expires = end
	}
	id, v := newID(), &session{csrf: newID(), user: u, expires: expires}
	s.m[id] = v
	return id, v
}

// get returns the session of r's cookie, or nil when it has none or its
// session is unknown or over.
func (s *sessions) get(r *http.Request, now time.Time) *session {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.m[c.Value]
	if v != nil && !now.Before(v.expires) {
		delete(s.m, c.Value)
		return nil
	}
	return v
}

// close ends the session of r's cookie.
func (s *sessions) close(r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		s.mu.Lock()
		delete(s.m, c.Value)
		s.mu.Unlock()
	}
}

// validCSRF reports whether token is v's CSRF token, compared in
// constant time.
func (v *session) validCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(v.csrf)) == 1
}
