//go:build linux

package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/netnstest"
	"github.com/gatehouse/gatehouse/internal/slpftest"
	"github.com/gatehouse/gatehouse/internal/tlsconf"
	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// slpfServe is gatehouse serve with SLPF actuators granted their programs in
// a network namespace, on one store, started and stopped at will.
type slpfServe struct {
	config, plugins string
	pki             *tlstest.PKI // nil for plain HTTP
}

// transports are the ways the scenarios reach serve: plain HTTP, and
// mutual TLS with a client certificate (a nil PKI for plain HTTP).
var transports = []struct {
	name string
	pki  func(t *testing.T) *tlstest.PKI
}{
	{"http", func(*testing.T) *tlstest.PKI { return nil }},
	{"mutual TLS", func(t *testing.T) *tlstest.PKI { return tlstest.New(t) }},
}

// newSLPFServe writes the configuration of gatehouse serve that grants each
// of acts its programs for real; with pki, serve requires mutual TLS.
func newSLPFServe(t *testing.T, pki *tlstest.PKI, acts ...slpftest.Actuator) *slpfServe {
	dir := t.TempDir()
	files := map[string]string{}
	var grants strings.Builder
	for _, a := range acts {
		files[a.Name+".wasm"] = a.Build(t)
		fmt.Fprintf(&grants, `
  %s:
    grants:
      log: true
      kv: true
      exec: {programs: [%s]}
    limits: {pool_size: 1, timeout: 1m} # a busy machine makes the programs slow
`, a.Name, strings.Join(a.Programs, ", "))
	}
	tlsConfig := ""
	if pki != nil {
		tlsConfig = fmt.Sprintf("tls: {cert: %q, key: %q, client_ca: %q}", pki.ServerCert, pki.ServerKey, pki.CA)
	}
	config := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
%s
plugins:%s`, wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db"), tlsConfig, grants.String()))
	return &slpfServe{config: config, plugins: pluginDir(t, files), pki: pki}
}

// start runs gatehouse serve, with the plugins of plugins (s.plugins when
// empty), and waits until it is ready.
func (s *slpfServe) start(t *testing.T, plugins string) *serving {
	t.Helper()
	if plugins == "" {
		plugins = s.plugins
	}
	tr := &http.Transport{DisableKeepAlives: true}
	var sendArgs []string
	if s.pki != nil {
		cfg, err := tlsconf.Client(s.pki.CA, s.pki.ClientCert, s.pki.ClientKey, false, [3]string{"cacert", "cert", "key"})
		if err != nil {
			t.Fatal(err)
		}
		tr.TLSClientConfig = cfg
		sendArgs = []string{"--cacert", s.pki.CA, "--cert", s.pki.ClientCert, "--key", s.pki.ClientKey}
	}
	sv := startServe(t, &http.Client{Transport: tr}, "--config", s.config, "--plugins", plugins, "--listen", "127.0.0.1:0")
	sv.sendArgs = sendArgs
	sv.waitReady(t)
	return sv
}

// sendID sends command under the request_id id with gatehouse send to s
// and returns its response, whatever its status.
func sendID(t *testing.T, s *serving, id, command string) map[string]any {
	t.Helper()
	msg := fmt.Sprintf(`{"headers":{"request_id":%q},"body":{"openc2":{"request":%s}}}`, id, command)
	return response(t, run(t, msg, append([]string{"send", "--to", s.url, "-"}, s.sendArgs...)...))
}

// record returns the history record of the command of request_id id.
func record(t *testing.T, s *serving, id string) (consumer.Record, bool) {
	t.Helper()
	status, body, err := s.get(t, https.HistoryPath)
	if err != nil || status != http.StatusOK {
		t.Fatalf("%s: %d %v\n%s", https.HistoryPath, status, err, body)
	}
	var page https.HistoryPage
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("%s: %v\n%s", https.HistoryPath, err, body)
	}
	for _, r := range page.Commands {
		if r.RequestID == id {
			return r, true
		}
	}
	return consumer.Record{}, false
}

// waitState waits until the command of request_id id is in state. A
// command that reaches another final state fails the test at once; the
// wait is bounded generously for a busy machine.
func waitState(t *testing.T, s *serving, id, state string) consumer.Record {
	t.Helper()
	var r consumer.Record
	deadline := time.Now().Add(2 * time.Minute)
	s.waitFor(t, fmt.Sprintf("%s in state %s", id, state), func() bool {
		var ok bool
		r, ok = record(t, s, id)
		switch {
		case ok && r.State == state:
			return true
		case ok && r.State != consumer.StatePending && r.State != consumer.StateScheduled && r.State != consumer.StateInEffect:
			t.Fatalf("%s: in state %s, not %s: %+v", id, r.State, state, r)
		case time.Now().After(deadline):
			t.Fatalf("%s: not in state %s after 2 minutes: %+v", id, state, r)
		}
		return false
	})
	return r
}

// sleepUntil sleeps until t has passed.
func sleepUntil(at time.Time) { time.Sleep(time.Until(at) + 100*time.Millisecond) }

// TestSLPFScheduleEndToEnd has gatehouse serve hold a command's time for
// each SLPF actuator on a real packet filter: a deny with start_time and
// stop_time takes effect at its start and is gone at its stop; a delete
// with start_time removes the rule at its start; a deny with start_time and
// duration survives two restarts of serve, one before its start and one
// across its stop, which removes the rule as serve starts; and a scheduled
// deny that fails at its start (its actuator is gone) shows in the
// history, in gatehouse openc2 history and in the metrics.
func TestSLPFScheduleEndToEnd(t *testing.T) {
	for _, tr := range transports {
		for _, a := range slpftest.Actuators {
			t.Run(tr.name+"/"+a.Name, func(t *testing.T) { scheduleScenario(t, tr.pki(t), a) })
		}
	}
}

// scheduleScenario is TestSLPFScheduleEndToEnd for one transport and one
// actuator.
func scheduleScenario(t *testing.T, pki *tlstest.PKI, a slpftest.Actuator) {
	ns := netnstest.New(t, a.Programs...)
	ns.LogOnFailure(t, a.Listing...)
	srv := newSLPFServe(t, pki, a)
	p, q := ns.Listen(t, "tcp4", "127.0.0.1:0"), ns.Listen(t, "tcp4", "127.0.0.1:0")
	open := map[string]error{p: nil, q: nil}
	blocked := map[string]error{p: netnstest.ErrTimeout, q: nil}
	deny := func(args string) string {
		return fmt.Sprintf(`{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":%s}},"args":{%s}}`, netnstest.Port(p), args)
	}
	ms := func(t time.Time) int64 { return t.UnixMilli() }

	s := srv.start(t, "")
	// start_time and stop_time.
	start := time.Now().Add(3 * time.Second)
	r := sendID(t, s, "window", deny(fmt.Sprintf(`"start_time":%d,"stop_time":%d`, ms(start), ms(start.Add(4*time.Second)))))
	if r["status"] != 102.0 || !strings.HasPrefix(r["status_text"].(string), "scheduled to start at") {
		t.Fatalf("scheduled deny: %v", r)
	}
	ns.Expect(t, "before start_time", open)
	rec := waitState(t, s, "window", consumer.StateInEffect)
	if rec.RuleNumber == nil || len(rec.Rules) != 1 || rec.Rules[0].Actuator != a.Component {
		t.Errorf("record in effect: %+v", rec)
	}
	ns.Expect(t, "after start_time", blocked)
	waitState(t, s, "window", consumer.StateEnded)
	ns.Expect(t, "after stop_time", open)

	// delete with start_time.
	r = sendID(t, s, "rule", deny(`"response_requested":"complete"`))
	ns.Expect(t, "after deny", blocked)
	n := r["results"].(map[string]any)["slpf"].(map[string]any)["rule_number"].(float64)
	sendID(t, s, "later-delete", fmt.Sprintf(`{"action":"delete","target":{"slpf:rule_number":%d},"args":{"start_time":%d}}`,
		int64(n), ms(time.Now().Add(time.Second))))
	if rec := waitState(t, s, "later-delete", consumer.StateDone); rec.Status != 200 {
		t.Errorf("scheduled delete: %+v", rec)
	}
	ns.Expect(t, "after the scheduled delete", open)

	// start_time and duration across restarts: before the start,
	// then across the stop.
	start = time.Now().Add(3 * time.Second)
	sendID(t, s, "restarted", deny(fmt.Sprintf(`"start_time":%d,"duration":10000`, ms(start))))
	s.stop(t)
	sleepUntil(start)
	s = srv.start(t, "")
	waitState(t, s, "restarted", consumer.StateInEffect)
	ns.Expect(t, "after start_time, serve restarted", blocked)
	s.stop(t)
	sleepUntil(start.Add(10 * time.Second))
	s = srv.start(t, "")
	waitState(t, s, "restarted", consumer.StateEnded)
	ns.Expect(t, "after stop_time passed while serve was down", open)

	// A start that fails is visible.
	start = time.Now().Add(4 * time.Second)
	sendID(t, s, "orphan", deny(fmt.Sprintf(`"start_time":%d`, ms(start))))
	s.stop(t)
	sleepUntil(start)
	s = srv.start(t, pluginDir(t, nil))
	rec = waitState(t, s, "orphan", consumer.StateDone)
	if rec.Status != 501 || !strings.Contains(rec.StatusText, "no actuator supports deny ipv4_connection") {
		t.Errorf("failed start: %+v", rec)
	}
	h := run(t, "", append([]string{"openc2", "history", "--to", s.url, "--status", "failed", "--output", "json"}, s.sendArgs...)...)
	h.check(t, cli.ExitOK)
	var page https.HistoryPage
	if err := json.Unmarshal([]byte(h.stdout), &page); err != nil || len(page.Commands) != 1 || page.Commands[0].RequestID != "orphan" {
		t.Errorf("gatehouse openc2 history --status failed: %v\n%s", err, h.stdout)
	}
	_, metrics, err := s.get(t, "/metrics")
	if want := `gatehouse_openc2_deferred_failures_total{kind="start"} 1`; err != nil || !strings.Contains(string(metrics), want) {
		t.Errorf("/metrics lacks %s: %v", want, err)
	}
	if pki != nil && page.Commands[0].Requester != "CN=producer,O=Gatehouse Test" {
		t.Errorf("requester %q, want the client certificate's subject", page.Commands[0].Requester)
	}
	s.stop(t)
}

// TestSLPFRuleNumbersEndToEnd runs both SLPF actuators in one gatehouse
// serve on one packet filter. Each numbers its rules from 1, so commands
// addressed to one actuator each get the same number there; the consumer
// answers its own, and a delete by one removes that command's rule alone.
// A deny that names no actuator is carried out by both and answered one
// number, whose delete removes both rules; insert_rule of a number in use
// is refused.
func TestSLPFRuleNumbersEndToEnd(t *testing.T) {
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) { ruleNumbersScenario(t, tr.pki(t)) })
	}
}

// ruleNumbersScenario is TestSLPFRuleNumbersEndToEnd for one transport.
func ruleNumbersScenario(t *testing.T, pki *tlstest.PKI) {
	acts := slpftest.Actuators
	var programs []string
	for _, a := range acts {
		programs = append(programs, a.Programs...)
	}
	ns := netnstest.New(t, programs...)
	for _, a := range acts {
		ns.LogOnFailure(t, a.Listing...)
	}
	s := newSLPFServe(t, pki, acts...).start(t, "")
	p, q := ns.Listen(t, "tcp4", "127.0.0.1:0"), ns.Listen(t, "tcp4", "127.0.0.1:0")
	deny := func(port, actuator, args string) string {
		return fmt.Sprintf(`{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":%s}},"args":{"response_requested":"complete"%s}%s}`,
			netnstest.Port(port), args, actuator)
	}
	number := func(r map[string]any) int64 {
		t.Helper()
		results, _ := r["results"].(map[string]any)
		slpf, _ := results["slpf"].(map[string]any)
		n, ok := slpf["rule_number"].(float64)
		if r["status"] != 200.0 || !ok {
			t.Fatalf("response without a rule number: %v", r)
		}
		return int64(n)
	}
	del := func(n int64) map[string]any {
		return sendID(t, s, fmt.Sprintf("delete-%d", n), fmt.Sprintf(`{"action":"delete","target":{"slpf:rule_number":%d}}`, n))
	}

	// One command each, to one actuator each: both actuators' rule 1.
	np := number(sendID(t, s, "p-nft", deny(p, `,"actuator":{"slpf":{"asset_id":"`+acts[0].Component+`"}}`, "")))
	nq := number(sendID(t, s, "q-ipt", deny(q, `,"actuator":{"slpf":{"asset_id":"`+acts[1].Component+`"}}`, "")))
	if np == nq {
		t.Fatalf("two commands answered the same rule number %d", np)
	}
	ns.Expect(t, "after both denies", map[string]error{p: netnstest.ErrTimeout, q: netnstest.ErrTimeout})
	if r := del(nq); r["status"] != 200.0 {
		t.Fatalf("delete %d: %v", nq, r)
	}
	ns.Expect(t, "after the delete of q's rule", map[string]error{p: netnstest.ErrTimeout, q: nil})
	if r := del(np); r["status"] != 200.0 {
		t.Fatalf("delete %d: %v", np, r)
	}
	ns.Expect(t, "after the delete of p's rule", map[string]error{p: nil, q: nil})

	// One command to every actuator: one number, both rules behind it.
	n := number(sendID(t, s, "both", deny(p, "", "")))
	rec, _ := record(t, s, "both")
	if rec.RuleNumber == nil || *rec.RuleNumber != n || len(rec.Rules) != 2 {
		t.Fatalf("history of a deny to both actuators: %+v", rec)
	}
	ns.Expect(t, "after the deny to both", map[string]error{p: netnstest.ErrTimeout, q: nil})
	r := sendID(t, s, "taken", deny(q, "", fmt.Sprintf(`,"slpf":{"insert_rule":%d}`, n)))
	if r["status"] != 400.0 || !strings.Contains(r["status_text"].(string), "already in use") {
		t.Errorf("insert_rule of a number in use: %v", r)
	}
	if r := del(n); r["status"] != 200.0 {
		t.Fatalf("delete %d: %v", n, r)
	}
	// Either rule left would still block p.
	ns.Expect(t, "after the delete of the deny to both", map[string]error{p: nil, q: nil})
	if r := del(n); r["status"] != 500.0 {
		t.Errorf("second delete of %d: %v", n, r)
	}
	s.stop(t)
}
