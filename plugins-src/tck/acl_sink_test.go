package tck_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/smtptest"
	"github.com/gatehouse/gatehouse/plugins-src/tck"
)

// TestACLObligationSinks sends the lines of the log obligations of every
// language that supports sinks to a file, a syslog socket and an SMTP
// server the test runs, and checks that a sink that fails, or that the
// grant does not name, leaves the obligation unfulfilled with the reason.
func TestACLObligationSinks(t *testing.T) {
	for _, p := range aclPlugins(t, tck.ACLObligationSuite, false) {
		if p.Grants.Sink == nil {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "audit.log")
			sock := filepath.Join(dir, "log")
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

			grants := p.Grants
			grants.Sink = host.SinkGrant{
				"audit": {File: &host.SinkFile{Path: file}},
				"sys":   {Syslog: &host.SinkSyslog{Network: "unix", Address: sock, Facility: "authpriv"}},
				"mail":  {SMTP: &host.SinkSMTP{Addr: mail.Addr, From: "gatehouse@example.com", To: []string{"audit@example.com"}}},
				"slow":  {SMTP: &host.SinkSMTP{Addr: blackhole.Addr().String(), From: "g@example.com", To: []string{"a@example.com"}}, Timeout: time.Second},
			}
			h := newHost(t, host.Config{
				Plugins: map[string]host.PluginConfig{p.Name: {Grants: grants}},
				Limits:  host.Limits{Timeout: time.Minute},
			}, p.Build(t))
			mustLoad(t, h, p.Name)

			ctx := abi.Context{Subject: map[string]any{"email": "ada@example.com"}, Object: map[string]any{"path": "a/b\nforged"}}
			oblige := func(sink string) abi.ObligeReply {
				t.Helper()
				rep, err := h.Oblige(t.Context(), "obl_log", abi.ObligeRequest{Decision: abi.DecisionDeny, Context: ctx,
					Config: map[string]any{"sink": sink, "log_format": "{} subject.email object.path"}})
				if err != nil {
					t.Fatalf("obl_log to %s: %v", sink, err)
				}
				return rep
			}
			const line = "DENY ada@example.com a/b"
			for _, sink := range []string{"audit", "sys", "mail"} {
				if rep := oblige(sink); !rep.Fulfilled {
					t.Errorf("obl_log to %s: %+v, want fulfilled", sink, rep)
				}
			}
			b, _ := os.ReadFile(file)
			if !strings.HasSuffix(string(b), " INFO "+p.Name+" "+line+`\x0aforged`+"\n") || strings.Count(string(b), "\n") != 1 {
				t.Errorf("the file holds %q, want one line ending with the obligation's, its newline escaped", b)
			}
			buf := make([]byte, 1<<16)
			syslog.SetReadDeadline(time.Now().Add(time.Minute))
			n, err := syslog.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(buf[:n]); !strings.HasPrefix(got, "<86>") || !strings.HasSuffix(got, " "+p.Name+"["+strconv.Itoa(os.Getpid())+"]: "+line+`\x0aforged`) {
				t.Errorf("syslog got %q", got)
			}
			select {
			case m := <-mail.Messages:
				if !strings.Contains(m.Data, line+"\r\nforged") || m.To[0] != "audit@example.com" {
					t.Errorf("mail to %v: %q", m.To, m.Data)
				}
			case <-time.After(time.Minute):
				t.Error("no mail")
			}

			for sink, reason := range map[string]string{
				"slow":  `obl_log: sink slow: timeout: sink_write: sink "slow" did not take the record (timeout); the host log has the details`,
				"other": `obl_log: sink other: capability_denied: sink_write: no sink "other" in plugins.` + p.Name + ".grants.sink",
			} {
				if rep := oblige(sink); rep.Fulfilled || !strings.HasPrefix(rep.Reason, reason) {
					t.Errorf("obl_log to %s: %+v, want unfulfilled with a reason starting %q", sink, rep, reason)
				}
			}
		})
	}
}
