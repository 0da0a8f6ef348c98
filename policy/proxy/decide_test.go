package proxy_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/proxy"
)

// recorder is a Decider that records the requests and denies them.
type recorder struct{ reqs []policy.Request }

func (r *recorder) Decide(_ context.Context, req policy.Request) (policy.Decision, error) {
	r.reqs = append(r.reqs, req)
	return policy.Decision{PolicySet: req.PolicySet, Result: policy.Deny, Effect: policy.Deny}, nil
}

type setter struct {
	component string
	priority  int
	config    map[string]any
}

func (s setter) Priority() int { return s.priority }

func (s setter) SetObject(context.Context, map[string]any, string) (map[string]any, error) {
	return nil, nil
}

func TestDecisionRequest(t *testing.T) {
	dec := &recorder{}
	cfg := proxy.Config{Services: map[string]proxy.Service{
		"serviceA": {
			ProxyURL: "/serviceA", OriginURL: "http://service-a.example.com/base", AC: "com.example.policysets.loggedIn",
			ObjectSetters: map[string]map[string]any{
				"jsonsetter": {"enable": true, "priority": 32, "url": "http://json.example.com/posts/5/"},
				"urlmap":     {"enable": false},
			},
			Obligations: map[string]map[string]any{"obl_log": {"file": "/var/log/x.log"}},
		},
	}}
	var configs []map[string]map[string]any
	setters := func(config map[string]map[string]any) ([]policy.ObjectSetter, error) {
		configs = append(configs, config)
		return []policy.ObjectSetter{setter{"jsonsetter", 32, config["jsonsetter"]}}, nil
	}
	p, err := proxy.New(context.Background(), cfg, proxy.Options{Decider: dec, ObjectSetters: setters})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/serviceA/public/../admin//users?id=7&id=8&q=x", nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("X-Gatehouse-Email", "mallory@example.com")
	req.Header.Set("Cookie", "a=b")
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403", rec.Code)
	}
	if len(dec.reqs) != 1 {
		t.Fatalf("%d decisions", len(dec.reqs))
	}
	got := dec.reqs[0]
	want := policy.Request{
		PolicySet: "com.example.policysets.loggedIn",
		Path:      "admin/users",
		ObjectSetters: []policy.ObjectSetter{
			setter{"jsonsetter", 32, map[string]any{"enable": true, "priority": 32, "url": "http://json.example.com/posts/5/"}},
		},
		ObligationConfig: map[string]map[string]any{"obl_log": {"file": "/var/log/x.log"}},
	}
	want.Attributes.Object = map[string]any{
		"service": "serviceA",
		"path":    "admin/users",
		"url":     "http://service-a.example.com/base/admin/users?id=7&id=8&q=x",
	}
	want.Attributes.Access = map[string]any{
		"method":  "POST",
		"path":    "/serviceA/admin/users",
		"query":   map[string]any{"id": []any{"7", "8"}, "q": "x"},
		"headers": map[string]any{"accept": "text/html", "host": "example.com"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("request\n%#v\nwant\n%#v", got, want)
	}
	if len(configs) != 1 || !reflect.DeepEqual(configs[0], cfg.Services["serviceA"].ObjectSetters) {
		t.Errorf("the object setters were asked for with %v", configs)
	}
}

func TestObjectSettersRequired(t *testing.T) {
	cfg := proxy.Config{Services: map[string]proxy.Service{
		"serviceA": {ProxyURL: "/a", OriginURL: "http://a.example.com", AC: "x",
			ObjectSetters: map[string]map[string]any{"jsonsetter": {"url": "http://json.example.com/"}}},
	}}
	_, err := proxy.New(context.Background(), cfg, proxy.Options{Decider: &recorder{}})
	if err == nil || err.Error() != "services.serviceA.objectsetters: no object setters are available here" {
		t.Errorf("New: %v", err)
	}
}

func TestOriginDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	engine := policy.NewEngine(policy.Load("testdata/entities"), policy.Config{})
	cfg := proxy.Config{Services: map[string]proxy.Service{
		"public": {ProxyURL: "/public", OriginURL: down.URL, AC: "test.policysets.alwaysGrant"},
	}}
	p, err := proxy.New(context.Background(), cfg, proxy.Options{Decider: engine, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for accept, want := range map[string]string{
		"application/json": `{"code":"bad_gateway","message":"The origin of service public did not answer."}` + "\n",
		"text/html":        "The origin of service public did not answer.",
	} {
		req := httptest.NewRequest(http.MethodGet, "/public/x", nil)
		req.Header.Set("Accept", accept)
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadGateway || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("Accept %s: %d %s", accept, rec.Code, rec.Body)
		}
	}
}

func TestOriginCannotSetSession(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "gatehouse_session", Value: "x"})
		http.SetCookie(w, &http.Cookie{Name: "gatehouse_session_login_abcdefghijkl", Value: "y"})
		http.SetCookie(w, &http.Cookie{Name: "app", Value: "1"})
	}))
	defer origin.Close()
	engine := policy.NewEngine(policy.Load("testdata/entities"), policy.Config{})
	cfg := proxy.Config{Services: map[string]proxy.Service{
		"public": {ProxyURL: "/public", OriginURL: origin.URL, AC: "test.policysets.alwaysGrant"},
	}}
	p, err := proxy.New(context.Background(), cfg, proxy.Options{Decider: engine, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/public/x", nil))
	if got := rec.Result().Header.Values("Set-Cookie"); len(got) != 1 || got[0] != "app=1" {
		t.Errorf("Set-Cookie: %q", got)
	}
}
