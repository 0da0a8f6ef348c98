package proxy

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/policy"
)

// TestCallbackRefused checks what the callback shows when the provider
// refuses a login: the error code, and no text a link could choose.
func TestCallbackRefused(t *testing.T) {
	p, err := New(context.Background(), Config{}, Options{
		Decider: policy.NewEngine(policy.Load("testdata/entities"), policy.Config{}),
		Logger:  slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	state := randomString()
	for code, want := range map[string]string{
		"access_denied":             "The identity provider refused the login: access_denied.",
		"Your account is locked! ☎": "The identity provider refused the login: an error.",
	} {
		rec := httptest.NewRecorder()
		if err := p.jar.set(rec, loginCookie(p.cfg.Cookie.Name, state), pendingLogin{State: state}, time.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, "/auth/callback?"+url.Values{"state": {state}, "error": {code}}.Encode(), nil)
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
		rec = httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != http.StatusForbidden || !strings.Contains(string(body), want) {
			t.Errorf("error %q: %d %s", code, rec.Code, body)
		}
		if cleared := rec.Result().Cookies(); len(cleared) != 1 || cleared[0].MaxAge >= 0 {
			t.Errorf("error %q: the login cookie was not cleared: %v", code, cleared)
		}
	}
	// Without the login cookie, or with a state that names none.
	for _, q := range []string{"state=" + state, "state=short", "state=" + strings.Repeat("%21", 20)} {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/auth/callback?"+q, nil))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d", q, rec.Code)
		}
	}
}
