package proxy_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/authz"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/policy"
)

// firewall is an SLPF actuator that counts the commands it carries out.
type firewall struct{ calls atomic.Int64 }

func (f *firewall) Actuators() []consumer.Actuator {
	return []consumer.Actuator{{Ref: "native/fw", Profiles: []string{"slpf"}, Pairs: map[string][]string{"deny": {"ipv4_net"}}}}
}

func (f *firewall) Actuate(context.Context, string, abi.ActuateRequest) (abi.ActuateReply, error) {
	f.calls.Add(1)
	return abi.ActuateReply{Status: 200}, nil
}

// TestOpenC2Bearer authorizes OpenC2 commands by the claims of bearer
// tokens that the proxy verifies against the in-process provider: ann's
// token may deny, bob's may not, a bad token is 401 and a command without
// one lacks the subject.
func TestOpenC2Bearer(t *testing.T) {
	w := newWorld(t)
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
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c, err := consumer.New(fw, consumer.Config{ID: "consumer.test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e := echo.New()
	https.Register(e, c, https.Options{Logger: quiet, Authorizer: &authz.Authorizer{
		Decider: policy.NewEngine(snap, policy.Config{}), PolicySet: "producers", Tokens: w.current.Load().VerifyBearer,
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
	ann := w.op.tokenFor(t, w.op.ClientID, "ann", "ann-password")
	bob := w.op.tokenFor(t, w.op.ClientID, "bob", "bob-password")
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
