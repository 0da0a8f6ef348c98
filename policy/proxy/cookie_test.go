package proxy

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func testSealer(t testing.TB, fill byte) *sealer {
	t.Helper()
	s, err := newSealer(bytes.Repeat([]byte{fill}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	s := testSealer(t, 1)
	now := time.Now()
	value, err := s.seal("sess", session{Provider: "p", Claims: map[string]any{"sub": "ann"}}, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var got session
	if err := s.open("sess", value, now, &got); err != nil || got.Claims["sub"] != "ann" || got.Provider != "p" {
		t.Fatalf("open: %v %+v", err, got)
	}
	tampered := []byte(value)
	tampered[len(tampered)/2] ^= 1
	cases := []struct {
		name, cookie, value string
		opener              *sealer
		at                  time.Time
	}{
		{"tampered", "sess", string(tampered), s, now},
		{"another cookie's name", "sess_login", value, s, now},
		{"expired", "sess", value, s, now.Add(time.Hour)},
		{"another key", "sess", value, testSealer(t, 2), now},
		{"not base64", "sess", "%%%", s, now},
		{"too short", "sess", "AAAA", s, now},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v session
			if err := c.opener.open(c.cookie, c.value, c.at, &v); err != errCookie {
				t.Errorf("open: %v, want errCookie", err)
			}
		})
	}
}

func TestSealerSecret(t *testing.T) {
	if _, err := newSealer(make([]byte, 31)); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Errorf("a 31-byte secret: %v", err)
	}
	if _, err := loadSealer("testdata/no-such-key"); err == nil || !strings.Contains(err.Error(), "session_key_file") {
		t.Errorf("a missing key file: %v", err)
	}
}

func TestSealTooLarge(t *testing.T) {
	s := testSealer(t, 1)
	big := map[string]any{"x": strings.Repeat("a", 4000)}
	if _, err := s.seal("sess", big, time.Now().Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "more than browsers keep") {
		t.Errorf("seal: %v", err)
	}
}

func TestCookieAttributes(t *testing.T) {
	secure := true
	jar := cookieJar{sealer: testSealer(t, 1), cfg: Cookie{Name: "sess", Secure: &secure}}
	rec := httptest.NewRecorder()
	if err := jar.set(rec, "sess", session{Provider: "p"}, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies: %v", cookies)
	}
	c := cookies[0]
	if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge < 3590 || c.MaxAge > 3600 {
		t.Errorf("cookie %s", c)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(c)
	var got session
	if err := jar.get(req, "sess", &got); err != nil || got.Provider != "p" {
		t.Errorf("get: %v %+v", err, got)
	}
}

// FuzzOpen feeds open cookie values a client could send: none crashes it,
// and only the value sealed here (in any process of the fuzzer, with the
// same key) opens.
func FuzzOpen(f *testing.F) {
	s := testSealer(f, 1)
	sealed, err := s.seal("sess", session{Provider: "p"}, time.Now().Add(time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add("")
	f.Add("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, value string) {
		var v session
		if err := s.open("sess", value, time.Now(), &v); err == nil && v.Provider != "p" {
			t.Errorf("opened a value it did not seal: %q", value)
		}
	})
}
