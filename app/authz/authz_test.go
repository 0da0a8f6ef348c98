package authz_test

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/app/authz"
	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
	"github.com/gatehouse/gatehouse/policy"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// firewall is an SLPF actuator that counts the commands it carries out.
type firewall struct{ calls atomic.Int64 }

func (f *firewall) Actuators() []consumer.Actuator {
	return []consumer.Actuator{{Ref: "native/fw", Profiles: []string{"slpf"}, Pairs: map[string][]string{
		"allow": {"ipv4_net", "ipv4_connection"},
		"deny":  {"ipv4_net", "ipv4_connection"},
	}}}
}

func (f *firewall) Actuate(context.Context, string, consumer.ActuateRequest) (openc2.GenericResponse, error) {
	return openc2.GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": f.calls.Add(1)}}}, nil
}

// fingerprint returns the SHA-256 of the certificate in the PEM file.
func fingerprint(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	sum := sha256.Sum256(blk.Bytes)
	return hex.EncodeToString(sum[:])
}

// entities returns an engine whose policy set "producers" lets the PKI's
// producer certificate, by every name it has, deny and allow addresses
// through slpf; anyone query; and anyone allow connections to port 443.
func entities(t *testing.T, pki *tlstest.PKI) *policy.Engine {
	t.Helper()
	f := filepath.Join(t.TempDir(), "openc2.json")
	err := os.WriteFile(f, []byte(fmt.Sprintf(`{
"producers": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["commands"]},
"commands": {"Type": "Policy", "Resolver": "ANY", "Rules": ["producer", "query", "https"]},
"producer": {"Type": "Rule", "Effect": "GRANT",
  "Condition": "subject.common_name == 'producer' and 'Gatehouse Test' in subject.organization and 'producer.example.com' in subject.dns_names and 'producer@example.com' in subject.email_addresses and subject.issuer == 'test CA' and subject.fingerprint_sha256 == '%s' and object.profile == 'slpf' and access.action in ['deny', 'allow']"},
"query": {"Type": "Rule", "Effect": "GRANT", "Condition": "access.action == 'query' and object.target_type == 'features'"},
"https": {"Type": "Rule", "Effect": "GRANT", "Condition": "access.action == 'allow' and object.target_type == 'ipv4_connection' and object.target.dst_port == 443"}
}`, fingerprint(t, pki.ClientCert))), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	s := policy.Load(f)
	if len(s.Problems()) > 0 {
		t.Fatal(s.Problems())
	}
	return policy.NewEngine(s, policy.Config{})
}

// server serves the OpenC2 transfer over mutual TLS with the firewall,
// authorizing commands with the policy set.
func server(t *testing.T, pki *tlstest.PKI, fw *firewall, set string) string {
	t.Helper()
	c, err := consumer.New(fw, consumer.Config{ID: "consumer.test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e := echo.New()
	https.Register(e, c, https.Options{Logger: quiet, Authorizer: &authz.Authorizer{Decider: entities(t, pki), PolicySet: set}})
	srv := httptest.NewUnstartedServer(e)
	srv.TLS, err = tlsconf.Server(pki.ServerCert, pki.ServerKey, pki.CA, [3]string{"cert", "key", "client_ca"})
	if err != nil {
		t.Fatal(err)
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.URL
}

// send posts the command, with request_id id, as the client of cert and
// key, and returns the HTTP status and the response.
func send(t *testing.T, pki *tlstest.PKI, url, cert, key, id, command string) (int, *openc2.Response) {
	t.Helper()
	cfg, err := tlsconf.Client(pki.CA, cert, key, false, [3]string{"cacert", "cert", "key"})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
	body := `{"headers":{"request_id":"` + id + `"},"body":{"openc2":{"request":` + command + `}}}`
	req, err := http.NewRequest(http.MethodPost, url+https.Path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", openc2.ContentType)
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	m, err := openc2.DecodeMessage(b)
	if err != nil || m.Response == nil {
		t.Fatalf("%d %s: %v", res.StatusCode, b, err)
	}
	return res.StatusCode, m.Response
}

// TestMutualTLS grants the producer certificate and denies the observer
// one, over real mutual TLS.
func TestMutualTLS(t *testing.T) {
	pki := tlstest.New(t)
	fw := &firewall{}
	url := server(t, pki, fw, "producers")
	const (
		denyNet    = `{"action":"deny","target":{"ipv4_net":"192.0.2.1"},"actuator":{"slpf":{}}}`
		query      = `{"action":"query","target":{"features":["versions"]}}`
		allowHTTPS = `{"action":"allow","target":{"ipv4_connection":{"protocol":"tcp","dst_port":443}}}`
		allowSSH   = `{"action":"allow","target":{"ipv4_connection":{"protocol":"tcp","dst_port":22}}}`
	)
	for _, tt := range []struct {
		name, cert, key, command string
		status                   int
		text                     string // in status_text
		dispatched               bool
	}{
		{"producer denies", pki.ClientCert, pki.ClientKey, denyNet, 200, "", true},
		{"observer denies", pki.ObserverCert, pki.ObserverKey, denyNet, 403, `forbidden: policy set "producers": DENY`, false},
		{"observer queries", pki.ObserverCert, pki.ObserverKey, query, 200, "", false},
		{"observer allows https", pki.ObserverCert, pki.ObserverKey, allowHTTPS, 200, "", true},
		{"observer allows ssh", pki.ObserverCert, pki.ObserverKey, allowSSH, 403, `forbidden: policy set "producers": DENY`, false},
		// Without an actuator, a command has no profile.
		{"producer allows ssh without a profile", pki.ClientCert, pki.ClientKey, allowSSH, 403, "DENY; missing object.profile", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := fw.calls.Load()
			status, res := send(t, pki, url, tt.cert, tt.key, "r-1", tt.command)
			if status != tt.status || res.Status != tt.status || !strings.Contains(res.StatusText, tt.text) {
				t.Errorf("%d, response %d %q; want %d with %q", status, res.Status, res.StatusText, tt.status, tt.text)
			}
			if got := fw.calls.Load() > before; got != tt.dispatched {
				t.Errorf("dispatched to the actuator: %v, want %v", got, tt.dispatched)
			}
		})
	}
}

// TestUnknownPolicySet refuses every command when the policy set is not
// loaded.
func TestUnknownPolicySet(t *testing.T) {
	pki := tlstest.New(t)
	fw := &firewall{}
	url := server(t, pki, fw, "nope")
	status, res := send(t, pki, url, pki.ClientCert, pki.ClientKey, "r-1", `{"action":"deny","target":{"ipv4_net":"192.0.2.1"}}`)
	if status != 403 || !strings.Contains(res.StatusText, `the policy could not decide: policy set "nope": no such policy set is loaded`) || fw.calls.Load() != 0 {
		t.Errorf("%d %q, %d calls", status, res.StatusText, fw.calls.Load())
	}
}

func TestAttributes(t *testing.T) {
	pki := tlstest.New(t)
	b, err := os.ReadFile(pki.ClientCert)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := openc2.DecodeMessage([]byte(`{"headers":{"request_id":"r-9"},"body":{"openc2":{"request":
		{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","src_addr":"192.0.2.0/24","dst_port":443}},
		 "args":{"duration":500},"actuator":{"slpf":{"hostname":"fw1"}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		peer *x509.Certificate
		want policy.Attributes
	}{
		{"with a certificate", cert, policy.Attributes{
			Subject: map[string]any{
				"common_name": "producer", "issuer": "test CA", "organization": []any{"Gatehouse Test"},
				"dns_names": []any{"producer.example.com"}, "email_addresses": []any{"producer@example.com"},
				"fingerprint_sha256": fingerprint(t, pki.ClientCert),
			},
			Object: map[string]any{"profile": "slpf", "target_type": "ipv4_connection",
				"target":   map[string]any{"protocol": "tcp", "src_addr": "192.0.2.0/24", "dst_port": int64(443)},
				"actuator": map[string]any{"hostname": "fw1"}},
			Access: map[string]any{"action": "deny", "request_id": "r-9", "remote_addr": "192.0.2.7:5000", "args": map[string]any{"duration": int64(500)}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := authz.Attributes(https.Request{Message: msg, Peer: tt.peer, RemoteAddr: "192.0.2.7:5000"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Attributes =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
	// Without a certificate the subject is empty; an extension target
	// names its profile.
	msg, err = openc2.DecodeMessage([]byte(`{"headers":{"request_id":"r-10"},"body":{"openc2":{"request":{"action":"delete","target":{"slpf:rule_number":7}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := authz.Attributes(https.Request{Message: msg}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := policy.Attributes{Subject: map[string]any{}, Object: map[string]any{"profile": "slpf", "target_type": "slpf:rule_number", "target": int64(7)},
		Access: map[string]any{"action": "delete", "request_id": "r-10"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Attributes without a certificate =\n%#v\nwant\n%#v", got, want)
	}
}

// TestTokens refuses a bearer token as unauthenticated when
// the authorizer has no way to verify it, and puts verified claims under
// the certificate's attributes.
func TestTokens(t *testing.T) {
	msg, err := openc2.DecodeMessage([]byte(`{"body":{"openc2":{"request":{"action":"query","target":{"features":[]}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	a := &authz.Authorizer{Decider: policy.NewEngine(policy.Load(), policy.Config{}), PolicySet: "none"}
	if err := a.Authorize(t.Context(), https.Request{Message: msg, Token: "t"}); !errors.Is(err, https.ErrUnauthenticated) {
		t.Errorf("a token without Tokens: %v, want ErrUnauthenticated", err)
	}
	attrs, err := authz.Attributes(https.Request{Message: msg}, map[string]any{"email": "ann@example.com"})
	if err != nil || attrs.Subject["email"] != "ann@example.com" {
		t.Errorf("subject %v, %v; want the claims", attrs.Subject, err)
	}
}
