package proxy

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/policy"
)

// BenchmarkProxy measures a GET through the proxy to an origin on
// loopback: the decision, the rewrite and the forwarding, beside the same
// GET sent to the origin directly.
func BenchmarkProxy(b *testing.B) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer origin.Close()
	snap := policy.Load("testdata/entities")
	cfg := Config{Services: map[string]Service{
		"public": {ProxyURL: "/public", OriginURL: origin.URL, AC: "test.policysets.alwaysGrant"},
		"app":    {ProxyURL: "/app", OriginURL: origin.URL, AC: "test.policysets.loggedIn"},
	}}
	p, err := New(context.Background(), cfg, Options{
		Decider: policy.NewEngine(snap, policy.Config{}),
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	cookie, err := p.jar.sealer.seal(p.cfg.Cookie.Name, session{Provider: "default", Claims: map[string]any{
		"sub": "ann", "email": "ann@example.com", "groups": []any{"/test"}, "name": "Ann Tester",
	}}, time.Now().Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}

	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		client := origin.Client()
		for b.Loop() {
			resp, err := client.Get(origin.URL + "/page")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	run := func(b *testing.B, path string, cookie string) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if cookie != "" {
				req.AddCookie(&http.Cookie{Name: p.cfg.Cookie.Name, Value: cookie})
			}
			rec := httptest.NewRecorder()
			p.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d", rec.Code)
			}
		}
	}
	b.Run("anonymous", func(b *testing.B) { run(b, "/public/page", "") })
	b.Run("session", func(b *testing.B) { run(b, "/app/page", cookie) })
}

// BenchmarkDecide measures what the proxy adds before forwarding: reading
// the session cookie, building the attributes and deciding.
func BenchmarkDecide(b *testing.B) {
	s := &service{name: "app", prefix: "/app", policySet: "test.policysets.loggedIn"}
	s.origin = mustURL(b, "http://origin.example.com/base")
	engine := policy.NewEngine(policy.Load("testdata/entities"), policy.Config{})
	jar := cookieJar{sealer: mustSealer(b)}
	value, err := jar.sealer.seal("s", session{Claims: map[string]any{"sub": "ann", "email": "ann@example.com"}}, time.Now().Add(time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/app/docs/index.html?lang=en", nil)
	req.Header.Set("Accept", "text/html")
	req.AddCookie(&http.Cookie{Name: "s", Value: value})
	b.ReportAllocs()
	for b.Loop() {
		var sess session
		if err := jar.get(req, "s", &sess); err != nil {
			b.Fatal(err)
		}
		d, err := engine.Decide(req.Context(), policy.Request{
			PolicySet:  s.policySet,
			Attributes: attributes(s, req, "/app/docs/index.html", "/docs/index.html", sess.Claims),
			Path:       "docs/index.html",
		})
		if err != nil || !d.Granted() {
			b.Fatalf("%v %v", d.Result, err)
		}
	}
}

func mustURL(b *testing.B, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		b.Fatal(err)
	}
	return u
}

func mustSealer(b *testing.B) *sealer {
	s, err := newSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		b.Fatal(err)
	}
	return s
}
