package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestSend serves c-slpf-noop over mutual TLS and sends it commands with
// gatehouse send.
func TestSend(t *testing.T) {
	t.Parallel()
	pki := tlstest.New(t)
	dir := t.TempDir()
	plugins := pluginDir(t, map[string]string{"c-slpf-noop.wasm": wasmbuild.C.Plugin(t, "c-slpf-noop")})
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
tls: {cert: %q, key: %q, client_ca: %q}
log: {format: json}
openc2:
  consumer_id: consumer.test
  rate_limit: 6000
  actuators:
    c-slpf-noop/noop: {hostname: fw1}
`, wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db"), pki.ServerCert, pki.ServerKey, pki.CA))
	tlsCfg, err := tlsconf.Client(pki.CA, pki.ClientCert, pki.ClientKey, false, [3]string{"ca", "cert", "key"})
	if err != nil {
		t.Fatal(err)
	}
	s := startServe(t, &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}, "--config", config, "--plugins", plugins, "--listen", "127.0.0.1:0")
	s.waitReady(t)
	defer s.stop(t)

	tls := []string{"--to", s.url, "--cacert", pki.CA, "--cert", pki.ClientCert, "--key", pki.ClientKey}
	send := func(stdin string, args ...string) result {
		t.Helper()
		return run(t, stdin, append(append([]string{"send"}, tls...), args...)...)
	}
	deny := writeFile(t, dir, "deny.json", `{"action":"deny","target":{"ipv4_net":"198.51.100.0/24"},"args":{"slpf":{"insert_rule":12}},"actuator":{"slpf":{"hostname":"fw1"}}}`)
	message := writeFile(t, dir, "message.json", `{"headers":{"request_id":"my-id","from":"soc.test"},"body":{"openc2":{"request":{"action":"query","target":{"features":["versions"]}}}}}`)
	contain := writeFile(t, dir, "contain.json", `{"action":"contain","target":{"ipv4_net":"198.51.100.7"}}`)
	bad := writeFile(t, dir, "bad.json", `{"action":"deny","target":{"ipv4_net":"198.51.100.0/99"}}`)

	r := send("", deny)
	r.check(t, cli.ExitOK)
	if got := fmt.Sprint(response(t, r)); !strings.Contains(got, "rule_number:12") || !strings.Contains(got, "from:consumer.test") {
		t.Errorf("deny: %s", r.stdout)
	}

	r = send(`{"action":"query","target":{"features":["profiles","rate_limit"]}}`, "-")
	r.check(t, cli.ExitOK)
	if got := fmt.Sprint(response(t, r)); !strings.Contains(got, "profiles:[slpf]") || !strings.Contains(got, "rate_limit:6000") {
		t.Errorf("query: %s", r.stdout)
	}

	r = send("", message)
	r.check(t, cli.ExitOK)
	if got := response(t, r); got["request_id"] != "my-id" {
		t.Errorf("request_id of the message: %s", r.stdout)
	}

	r = send(`{"action":"deny","target":{"ipv4_net":"198.51.100.9"},"args":{"response_requested":"none"}}`, "-")
	r.check(t, cli.ExitOK)
	if r.stdout != "" {
		t.Errorf("none printed %q", r.stdout)
	}

	r = send("", contain)
	r.check(t, cli.ExitFinding, "the consumer answered 501 no actuator supports contain ipv4_net")
	if response(t, r)["status"] != 501.0 {
		t.Errorf("contain: %s", r.stdout)
	}

	send("", bad).check(t, cli.ExitUsage, `bad.json: target.ipv4_net: "198.51.100.0/99": prefix length 99 exceeds 32`)
	send(`{"headers":{"request_id":"x"},"body":{"openc2":{"response":{"status":200}}}}`, "-").check(t, cli.ExitUsage, "standard input: the message holds a response, not a command")
	send("", filepath.Join(dir, "missing.json")).check(t, cli.ExitUsage, "read the command")

	// TLS: no client certificate, a half pair, an unknown CA.
	run(t, "", "send", "--to", s.url, "--cacert", pki.CA, deny).check(t, cli.ExitFinding, "send to "+s.url)
	run(t, "", "send", "--to", s.url, "--cacert", pki.CA, "--cert", pki.ClientCert, deny).check(t, cli.ExitUsage, "--cert and --key go together")
	run(t, "", "send", "--to", s.url, "--cacert", pki.RogueCA, "--cert", pki.ClientCert, "--key", pki.ClientKey, deny).check(t, cli.ExitFinding, "certificate")
	run(t, "", "send", deny).check(t, cli.ExitUsage, `required flag(s) "to" not set`)
	run(t, "", "send", "--to", "fw1", deny).check(t, cli.ExitUsage, `--to: consumer URL "fw1" is not an absolute http:// or https:// URL`)
}

// response returns the response of the message gatehouse send printed, with
// the message's request_id and from copied into it.
func response(t *testing.T, r result) map[string]any {
	t.Helper()
	var m struct {
		Headers map[string]any `json:"headers"`
		Body    struct {
			OpenC2 struct {
				Response map[string]any `json:"response"`
			} `json:"openc2"`
		} `json:"body"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil || m.Body.OpenC2.Response == nil {
		t.Fatalf("stdout is not a response message: %v\n%s", err, r.stdout)
	}
	m.Body.OpenC2.Response["request_id"] = m.Headers["request_id"]
	m.Body.OpenC2.Response["from"] = m.Headers["from"]
	return m.Body.OpenC2.Response
}
