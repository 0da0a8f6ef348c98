package cli_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/smtptest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestServeObligationSinks serves the reference plugin acl-basics, whose
// log obligations write, through the sinks its grant names, to a file that
// rotates, a syslog socket and an SMTP server the test runs; a sink whose
// mail server never answers leaves its obligation unfulfilled and the
// access denied once the sink's timeout passes. ARPOC's logger_cfg, which
// nothing reads, is named in a warning.
func TestServeObligationSinks(t *testing.T) {
	t.Parallel()
	plugin := wasmbuild.Go(t, "plugins-src/go/acl-basics")
	dir := t.TempDir()
	file := filepath.Join(dir, "audit.log")
	sock := filepath.Join(dir, "syslog.sock")
	syslog, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer syslog.Close()
	mail := smtptest.New(t)
	blackhole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer blackhole.Close()

	entities := filepath.Join(dir, "entities")
	os.Mkdir(entities, 0o755)
	writeFile(t, entities, "e.json", `{
"granted": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["yes"], "Obligations": ["obl_log", "obl_log_successful", "obl_log_failed"]},
"denied": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["no"], "Obligations": ["obl_log", "obl_log_successful", "obl_log_failed"]},
"slow": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["yes"], "Obligations": ["obl_mail_slow"]},
"yes": {"Type": "Policy", "Resolver": "AND", "Rules": ["grant"]},
"no": {"Type": "Policy", "Resolver": "AND", "Rules": ["deny"]},
"grant": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"},
"deny": {"Type": "Rule", "Condition": "True", "Effect": "DENY"}
}`)
	conf := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log: {format: json}
limits: {timeout: 1m}
plugins:
  acl-basics:
    grants:
      log: true
      clock: true
      sink:
        audit: {file: {path: %q, max_size: 120, max_backups: 2}}
        sys: {syslog: {network: unix, address: %q, facility: authpriv}}
        mail: {smtp: {addr: %q, from: gatehouse@example.com, to: [audit@example.com]}}
        slow: {smtp: {addr: %q, from: gatehouse@example.com, to: [audit@example.com]}, timeout: 1s}
policy:
  entities: [%q]
  obligations: {obl_mail_slow: acl-basics/obl_log}
  decision_api:
    obligations:
      obl_log:
        sink: audit
        log_format: "{} subject.id"
        logger_cfg: {version: 1, handlers: {file: {class: logging.FileHandler, filename: obligations.log}}}
      obl_log_successful: {sink: sys, log_format: "{} subject.id"}
      obl_log_failed: {sink: mail, log_format: "{} subject.id"}
      obl_mail_slow: {sink: slow}
`, wasmbuild.CacheDir(t, "wazero"), filepath.Join(dir, "store.db"), file, sock, mail.Addr, blackhole.Addr().String(), entities))
	client := &http.Client{Timeout: time.Minute}
	s := startServe(t, client, "--config", conf, "--plugins", pluginDir(t, map[string]string{"acl-basics.wasm": plugin}), "--listen", "127.0.0.1:0")
	s.waitReady(t)

	warning := s.stderr.logged("configuration key that nothing reads")
	if warning["key"] != "policy.decision_api.obligations.obl_log.logger_cfg" || warning["component"] != "acl-basics/obl_log" ||
		warning["reads"] != "log_format, sink" {
		t.Errorf("the warning of keys nothing reads is %v, want one naming logger_cfg\nstderr:\n%s", warning, s.stderr)
	}

	decide := func(set, id, want string) string {
		t.Helper()
		res, body := s.request(t, http.MethodPost, "/v1/decide", fmt.Sprintf(`{"policy_set": %q, "subject": {"id": %q}}`, set, id),
			"Content-Type", "application/json")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `"result":"`+want+`"`) {
			t.Errorf("decide %s for %s: %d %s, want %s", set, id, res.StatusCode, body, want)
		}
		return body
	}
	decide("granted", "ada", "GRANT")
	buf := make([]byte, 1<<16)
	syslog.SetReadDeadline(time.Now().Add(time.Minute))
	n, err := syslog.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); !strings.HasPrefix(got, "<86>") || !strings.HasSuffix(got, "]: GRANT ada") {
		t.Errorf("syslog got %q, want obl_log_successful's line at authpriv.info", got)
	}
	decide("denied", "eve", "DENY")
	select {
	case m := <-mail.Messages:
		if !strings.Contains(m.Data, "\r\nDENY eve") || m.To[0] != "audit@example.com" {
			t.Errorf("mail to %v: %q", m.To, m.Data)
		}
	case <-time.After(time.Minute):
		t.Error("obl_log_failed mailed nothing")
	}
	// Each line of the file takes about 50 bytes, so a file takes two: the
	// seven lines make four files, of which the oldest is dropped.
	for _, id := range []string{"u3", "u4", "u5", "u6", "u7"} {
		decide("granted", id, "GRANT")
		syslog.Read(buf)
	}
	for name, want := range map[string][]string{
		"audit.log":   {"GRANT u7"},
		"audit.log.1": {"GRANT u5", "GRANT u6"},
		"audit.log.2": {"GRANT u3", "GRANT u4"},
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		if len(lines) != len(want) {
			t.Errorf("%s holds %q, want lines ending %q", name, b, want)
			continue
		}
		for i, w := range want {
			if !strings.HasSuffix(lines[i], " INFO acl-basics "+w) {
				t.Errorf("%s line %d = %q, want it to end with %q", name, i+1, lines[i], w)
			}
		}
	}

	if _, err := os.Stat(filepath.Join(dir, "audit.log.3")); !os.IsNotExist(err) {
		t.Errorf("a third backup, beyond max_backups: %v", err)
	}

	body := decide("slow", "ada", "DENY")
	if !strings.Contains(body, `obl_log: sink slow: timeout: sink_write: sink \"slow\" did not take the record (timeout); the host log has the details`) ||
		strings.Contains(body, blackhole.Addr().String()) {
		t.Errorf("decide with a mail server that never answers: %s, want the obligation unfulfilled with the timeout, not naming the server", body)
	}
	if rec := s.stderr.logged("sink write failed"); rec["sink"] != "slow" || !strings.Contains(fmt.Sprint(rec["error"]), "smtp "+blackhole.Addr().String()) {
		t.Errorf("the host log of the failed write is %v, want it to name the sink and the server", rec)
	}
	s.stop(t)
}
