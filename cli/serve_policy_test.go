package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/policy/pdp"
)

// policyConfig writes a configuration with JSON logs, no plugins needed,
// and the extra YAML, and returns its path.
func policyConfig(t *testing.T, extra string) string {
	t.Helper()
	dir := t.TempDir()
	return writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
limits: {timeout: 1m}
%s`, wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db"), extra))
}

// arpocEntities returns a folder with copies of ARPOC's sample entities,
// and a file that is not valid JSON.
func arpocEntities(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"policysets.json", "policies.json", "rules.json"} {
		b, err := os.ReadFile(filepath.Join(arpoc, "config", name))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, name, string(b))
	}
	writeFile(t, dir, "broken.json", `{"com.example.rules.broken": `)
	return dir
}

// TestServePolicy serves ARPOC's sample entities beside a broken file:
// the broken file is reported in the log and the status, the rest decide,
// and the decisions go to the decision log.
func TestServePolicy(t *testing.T) {
	t.Parallel()
	entities := arpocEntities(t)
	decisionLog := filepath.Join(t.TempDir(), "decisions.log")
	config := policyConfig(t, fmt.Sprintf(`policy:
  entities: [%q]
  decision_log: {path: %q, mask: [subject.groups]}
`, entities, decisionLog))
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	s := startServe(t, client, "--config", config, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)

	if rec := s.stderr.logged("policy entity error"); rec == nil {
		t.Errorf("the broken file is not in the log:\n%s", s.stderr)
	}
	status, body, err := s.get(t, "/v1/policy/status")
	if err != nil || status != http.StatusOK {
		t.Fatalf("/v1/policy/status: %d %v %s", status, err, body)
	}
	var st pdp.Status
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	if st.State != pdp.StateError || len(st.Problems) != 1 || st.Problems[0].File != filepath.Join(entities, "broken.json") {
		t.Errorf("status: %s", body)
	}
	if len(st.PolicySets) < 5 || st.Policies == 0 || st.Rules == 0 {
		t.Errorf("the good files did not load: %s", body)
	}
	status, body, err = s.get(t, "/v1/policy/entities")
	var listed struct{ Entities []struct{ ID, Kind string } }
	if err != nil || status != http.StatusOK || json.Unmarshal(body, &listed) != nil {
		t.Fatalf("/v1/policy/entities: %d %v %s", status, err, body)
	}
	if n := len(listed.Entities); n != len(st.PolicySets)+st.Policies+st.Rules {
		t.Errorf("/v1/policy/entities lists %d entities, the status counts %d policy sets, %d policies and %d rules", n, len(st.PolicySets), st.Policies, st.Rules)
	}
	res, err := client.Post(s.url+"/v1/decide", "application/json",
		strings.NewReader(`{"policy_set": "com.example.policysets.inTestGroup", "subject": {"groups": ["/test1"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"result":"GRANT"`) {
		t.Errorf("/v1/decide: %d %s", res.StatusCode, body)
	}
	s.stop(t)
	b, err := os.ReadFile(decisionLog)
	if err != nil {
		t.Fatal(err)
	}
	var line struct {
		Source, Result string
		Attributes     map[string]map[string]any
	}
	if err := json.Unmarshal(b, &line); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if line.Source != "api" || line.Result != "GRANT" || line.Attributes["subject"]["groups"] != "[masked]" {
		t.Errorf("decision log: %s", b)
	}
}

// TestServeWithoutPolicy checks that the default serve answers the policy
// routes with 503.
func TestServeWithoutPolicy(t *testing.T) {
	t.Parallel()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	s := startServe(t, client, "--config", policyConfig(t, ""), "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)
	if status, body, _ := s.get(t, "/v1/policy/status"); status != http.StatusServiceUnavailable {
		t.Errorf("/v1/policy/status without entities: %d %s, want 503", status, body)
	}
	s.stop(t)
}

func TestServeHelpNamesDecide(t *testing.T) {
	t.Parallel()
	r := run(t, "", "serve", "--help")
	r.check(t, cli.ExitOK)
	for _, want := range []string{"POST /v1/decide", "policy.entities", "policy.decision_log", "openc2.authorization.policy_set"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("serve --help does not mention %s:\n%s", want, r.stdout)
		}
	}
}

func TestServePolicyRefuses(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "gone")
	for _, tt := range []struct {
		name, yaml string
		stderr     []string
	}{
		{"missing entities", fmt.Sprintf("policy: {entities: [%q]}\n", missing), []string{"policy.entities: ", missing}},
		{"decision log in a missing folder", fmt.Sprintf("policy: {entities: [%q], decision_log: {path: %q}}\n", t.TempDir(), filepath.Join(missing, "d.log")),
			[]string{"policy.decision_log.path: decision log: open " + filepath.Join(missing, "d.log")}},
		{"bad mask", fmt.Sprintf("policy: {entities: [%q], decision_log: {path: '-', mask: [email]}}\n", t.TempDir()),
			[]string{`policy.decision_log.mask[0] "email"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, "", "serve", "--config", policyConfig(t, tt.yaml), "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
			r.check(t, cli.ExitUsage, tt.stderr...)
		})
	}
}

// TestServeOpenC2Authorization serves OpenC2 over mutual TLS with
// commands authorized by a policy set that lets the producer certificate
// through and not the observer one; both decisions are logged.
func TestServeOpenC2Authorization(t *testing.T) {
	t.Parallel()
	pki := tlstest.New(t)
	dir := t.TempDir()
	entities := writeFile(t, dir, "openc2.json", `{
"producers": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Effect": "GRANT", "Condition": "subject.common_name == 'producer' and access.action == 'query'"}}`)
	decisionLog := filepath.Join(dir, "decisions.log")
	config := policyConfig(t, fmt.Sprintf(`tls: {cert: %q, key: %q, client_ca: %q}
openc2:
  authorization: {policy_set: producers}
policy:
  entities: [%q]
  decision_log: {path: %q, mask: [subject.fingerprint_sha256]}
`, pki.ServerCert, pki.ServerKey, pki.CA, entities, decisionLog))
	client := func(cert, key string) *http.Client {
		cfg, err := tlsconf.Client(pki.CA, cert, key, false, [3]string{"cacert", "cert", "key"})
		if err != nil {
			t.Fatal(err)
		}
		return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}}
	}
	producer, observer := client(pki.ClientCert, pki.ClientKey), client(pki.ObserverCert, pki.ObserverKey)
	s := startServe(t, producer, "--config", config, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)

	send := func(c *http.Client) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, s.url+"/.well-known/openc2", strings.NewReader(
			`{"headers":{"request_id":"q-1"},"body":{"openc2":{"request":{"action":"query","target":{"features":["versions"]}}}}}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/openc2+json;version=1.0")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if status, body := send(producer); status != http.StatusOK || !strings.Contains(body, `"versions":["1.0"]`) {
		t.Errorf("the producer's query: %d %s", status, body)
	}
	if status, body := send(observer); status != http.StatusForbidden || !strings.Contains(body, `forbidden: policy set \"producers\": DENY`) {
		t.Errorf("the observer's query: %d %s", status, body)
	}
	s.stop(t)

	b, err := os.ReadFile(decisionLog)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for line := range strings.Lines(string(b)) {
		var e struct {
			Source, Result string
			Attributes     map[string]map[string]any
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%v\n%s", err, line)
		}
		got = append(got, fmt.Sprint(e.Source, " ", e.Result, " ", e.Attributes["subject"]["common_name"], " ",
			e.Attributes["subject"]["fingerprint_sha256"], " ", e.Attributes["access"]["action"]))
	}
	want := []string{"openc2 GRANT producer [masked] query", "openc2 DENY observer [masked] query"}
	if !slices.Equal(got, want) {
		t.Errorf("decision log:\n%q\nwant\n%q", got, want)
	}
}

// TestServeDecisionLogOnShutdown stops serve while clients keep asking for
// decisions: every decision a client received is in the log, each on a
// line of its own.
func TestServeDecisionLogOnShutdown(t *testing.T) {
	t.Parallel()
	decisionLog := filepath.Join(t.TempDir(), "decisions.log")
	config := policyConfig(t, fmt.Sprintf("policy: {entities: [%q], decision_log: {path: %q}}\n", filepath.Join(arpoc, "config"), decisionLog))
	client := &http.Client{}
	s := startServe(t, client, "--config", config, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0")
	s.waitReady(t)

	var received atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				res, err := client.Post(s.url+"/v1/decide", "application/json",
					strings.NewReader(`{"policy_set": "com.example.policysets.alwaysGrant", "subject": {"n": 1}}`))
				if err != nil {
					return // serve has stopped
				}
				_, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != http.StatusOK {
					return
				}
				received.Add(1)
			}
		})
	}
	s.waitFor(t, "decisions", func() bool { return received.Load() >= 200 })
	s.stop(t)
	wg.Wait()

	b, err := os.ReadFile(decisionLog)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for line := range strings.Lines(string(b)) {
		var e struct{ Result string }
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Result != "GRANT" {
			t.Fatalf("line %d is not a whole decision: %v\n%s", lines+1, err, line)
		}
		lines++
	}
	if int64(lines) < received.Load() {
		t.Errorf("%d lines in the decision log for %d decisions received", lines, received.Load())
	}
}

// TestServeDecideReferencePlugins decides the request of the documents
// (examples/access-control/decide.json) through gatehouse serve with the
// examples' configuration, on a plugin folder of the access-control
// reference plugins of every language, which all provide urlmap, obl_log
// and obl_log_successful: the embedded policy.providers chooses the Go
// ones, and the decision grants with its obligations fulfilled.
func TestServeDecideReferencePlugins(t *testing.T) {
	t.Parallel()
	w := newDocWork(t, commandEnv(t))
	w.addPlugins(t, aclPlugins...)
	srv := w.serve(t, "examples/access-control/gatehouse.yaml")
	body, err := os.ReadFile("../examples/access-control/decide.json")
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/v1/decide", srv.port), "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var d struct {
		Result      string
		Obligations []struct {
			Name      string
			Fulfilled bool
			Reason    string
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || d.Result != "GRANT" || len(d.Obligations) != 2 || !d.Obligations[0].Fulfilled || !d.Obligations[1].Fulfilled {
		t.Errorf("%d %+v, want 200 GRANT with obl_log_successful and obl_log fulfilled\n%s", res.StatusCode, d, srv.stderr)
	}
}
