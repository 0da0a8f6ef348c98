//go:build linux

package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/netnstest"
	"github.com/gatehouse/gatehouse/internal/slpftest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestSLPFEndToEnd runs each SLPF actuator as an operator does: gatehouse
// serve, in process, with the actuator granted its programs for real, and
// gatehouse send posting OpenC2 commands to it over loopback HTTP. The
// programs reach the packet filter of a network namespace (package
// netnstest), where the test listens on two TCP ports and connects to
// them. A persistent deny must stop one port and not the other, its delete
// must open the port again; a second deny must come back by itself after
// serve is stopped, the filter wiped as a reboot would, and serve started
// again, before any command arrives: the plugin restores it at start.
//
// It needs root, ip and the actuators' programs; without them it is skipped,
// and with CI=true it fails.
func TestSLPFEndToEnd(t *testing.T) {
	for _, a := range slpftest.Actuators {
		t.Run(a.Name, func(t *testing.T) {
			ns := netnstest.New(t, a.Programs...)
			ns.LogOnFailure(t, a.Listing...)
			dir := t.TempDir()
			plugins := pluginDir(t, map[string]string{a.Name + ".wasm": a.Build(t)})
			config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
plugins:
  %s:
    grants:
      log: true
      kv: true
      exec: {programs: [%s]}
    limits: {pool_size: 1, timeout: 1m} # a busy machine makes the programs slow
`, wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db"), a.Name, strings.Join(a.Programs, ", ")))
			p, q := ns.Listen(t, "tcp4", "127.0.0.1:0"), ns.Listen(t, "tcp4", "127.0.0.1:0")
			ns.Expect(t, "at first", map[string]error{p: nil, q: nil})

			serve := func() *serving {
				t.Helper()
				// Without keep-alives, each request tells whether the server listens.
				client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
				s := startServe(t, client, "--config", config, "--plugins", plugins, "--listen", "127.0.0.1:0")
				s.waitReady(t)
				checkServing(t, s, a.Name)
				return s
			}
			deny := fmt.Sprintf(`{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":%s}},`+
				`"args":{"response_requested":"complete","slpf":{"persistent":true}}}`, netnstest.Port(p))

			s := serve()
			n := sendRule(t, s.url, deny)
			ns.Expect(t, "after deny", map[string]error{p: netnstest.ErrTimeout, q: nil})
			sendDelete(t, s.url, n)
			ns.Expect(t, "after delete", map[string]error{p: nil, q: nil})

			n = sendRule(t, s.url, deny)
			ns.Expect(t, "after the second deny", map[string]error{p: netnstest.ErrTimeout, q: nil})
			s.stop(t)
			for _, argv := range a.Reset {
				ns.Run(t, argv...)
			}
			ns.Expect(t, "after the reboot", map[string]error{p: nil, q: nil})

			s = serve()
			ns.Expect(t, "after serve started again", map[string]error{p: netnstest.ErrTimeout, q: nil})
			sendDelete(t, s.url, n)
			ns.Expect(t, "after the restored rule is deleted", map[string]error{p: nil, q: nil})
			s.stop(t)
		})
	}
}

// checkServing checks that the plugin named plugin loaded and serves.
func checkServing(t *testing.T, s *serving, plugin string) {
	t.Helper()
	status, body, err := s.get(t, "/v1/plugins")
	if err != nil || status != http.StatusOK {
		t.Fatalf("/v1/plugins: %d %v", status, err)
	}
	var got struct {
		Plugins []host.PluginStatus `json:"plugins"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("/v1/plugins: %v\n%s", err, body)
	}
	if len(got.Plugins) != 1 || got.Plugins[0].Name != plugin || got.Plugins[0].Status != host.StatusOK {
		t.Fatalf("/v1/plugins: %s, want %s alone, OK", body, plugin)
	}
}

// sendRule sends an allow or deny with gatehouse send to the consumer at url
// and returns the rule number of its response.
func sendRule(t *testing.T, url, command string) int64 {
	t.Helper()
	r := run(t, command, "send", "--to", url, "-")
	r.check(t, cli.ExitOK)
	results, _ := response(t, r)["results"].(map[string]any)
	slpf, _ := results["slpf"].(map[string]any)
	n, ok := slpf["rule_number"].(float64)
	if !ok {
		t.Fatalf("%s: response without a rule number:\n%s", command, r.stdout)
	}
	return int64(n)
}

// sendDelete deletes rule number n with gatehouse send.
func sendDelete(t *testing.T, url string, n int64) {
	t.Helper()
	command := fmt.Sprintf(`{"action":"delete","target":{"slpf:rule_number":%d}}`, n)
	run(t, command, "send", "--to", url, "-").check(t, cli.ExitOK)
}
