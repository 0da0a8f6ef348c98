package authz_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/app/authz"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/proxy"
	"github.com/gatehouse/gatehouse/policy/proxy/proxytest"
)

// bearerProxy starts the provider and a proxy that verifies its tokens.
func bearerProxy(t *testing.T) (*proxytest.OP, *proxy.Proxy) {
	t.Helper()
	const base = "http://127.0.0.1"
	op := proxytest.Start(t, base+"/auth/callback")
	st, err := store.Open(filepath.Join(t.TempDir(), "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p, err := proxy.New(t.Context(), proxy.Config{
		BaseURL:   base,
		Providers: map[string]proxy.Provider{"default": {ConfigurationURL: op.Issuer, ClientID: op.ClientID, ClientSecret: op.Secret}},
	}, proxy.Options{Decider: policy.NewEngine(policy.Load(), policy.Config{}), Logger: quiet, Sessions: st.Namespace("sessions")})
	if err != nil {
		t.Fatal(err)
	}
	return op, p
}

// TestOpenC2Bearer authorizes OpenC2 commands by the claims of bearer
// tokens that the proxy verifies against the in-process provider: ann's
// token may deny, bob's may not, a bad token is 401 and a command without
// one lacks the subject.
func TestOpenC2Bearer(t *testing.T) {
	op, pep := bearerProxy(t)
	entities := filepath.Join(t.TempDir(), "openc2.json")
	err := os.WriteFile(entities, []byte(`{
"producers": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["commands"]},
"commands": {"Type": "Policy", "Resolver": "ANY", "Rules": ["ann"]},
"ann": {"Type": "Rule", "Effect": "GRANT", "Condition": "subject.email == 'ann@example.com' and access.action == 'deny'"}
}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	snap := policy.Load(entities)
	if len(snap.Problems()) > 0 {
		t.Fatal(snap.Problems())
	}
	fw := &firewall{}
	c, err := consumer.New(fw, consumer.Config{ID: "consumer.test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e := echo.New()
	https.Register(e, c, https.Options{Logger: quiet, Authorizer: &authz.Authorizer{
		Decider: policy.NewEngine(snap, policy.Config{}), PolicySet: "producers", Tokens: pep.VerifyBearer,
	}})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)

	send := func(authorization string) (*http.Response, *openc2.Response) {
		t.Helper()
		body := `{"headers":{"request_id":"r-1"},"body":{"openc2":{"request":{"action":"deny","target":{"ipv4_net":"192.0.2.1"},"actuator":{"slpf":{}}}}}}`
		req, _ := http.NewRequest(http.MethodPost, srv.URL+https.Path, strings.NewReader(body))
		req.Header.Set("Content-Type", openc2.ContentType)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		m, err := openc2.DecodeMessage(b)
		if err != nil || m.Response == nil {
			t.Fatalf("%s %s: %v", res.Status, b, err)
		}
		return res, m.Response
	}
	ann := op.TokenFor(t, op.ClientID, "ann", "ann-password")
	bob := op.TokenFor(t, op.ClientID, "bob", "bob-password")
	for _, tt := range []struct {
		name, authorization string
		status              int
		text                string
		dispatched          bool
	}{
		{"ann", "Bearer " + ann, 200, "", true},
		{"bob", "bearer " + bob, 403, `forbidden: policy set "producers": DENY`, false},
		{"tampered", "Bearer " + ann[:len(ann)-4] + "AAAA", 401, "unauthenticated: the bearer token", false},
		{"none", "", 403, "missing subject.email", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := fw.calls.Load()
			res, r := send(tt.authorization)
			if res.StatusCode != tt.status || !strings.Contains(r.StatusText, tt.text) {
				t.Errorf("%s, response %d %q; want %d with %q", res.Status, r.Status, r.StatusText, tt.status, tt.text)
			}
			if tt.status == 401 && res.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if got := fw.calls.Load() > before; got != tt.dispatched {
				t.Errorf("dispatched: %v, want %v", got, tt.dispatched)
			}
		})
	}
}
