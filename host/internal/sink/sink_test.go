package sink

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/smtptest"
	"github.com/gatehouse/gatehouse/internal/tlsconf/tlstest"
)

// at is the time of the test records.
var at = time.Date(2026, 12, 7, 19, 3, 2, 123e6, time.UTC)

func record(msg string) Record {
	return Record{Time: at, Plugin: "acl-basics", Level: abi.LogInfo, Message: msg}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain":             "plain",
		"tab\tkept":         "tab\tkept",
		"a\nforged line":    `a\x0aforged line`,
		"cr\r\x00\x1b\x7f":  `cr\x0d\x00\x1b\x7f`,
		`back\slash`:        `back\\slash`,
		"ünïcödé stays":     "ünïcödé stays",
		"\\x0a is not a \n": `\\x0a is not a \x0a`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFileRotates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	s := Sink{File: &File{Path: path, MaxSize: 200, MaxBackups: 2}}
	if errs := s.Validate("sink.audit."); len(errs) > 0 {
		t.Fatal(errs)
	}
	// Each line is 24+1+4+1+10+1+60+1 = 102 bytes: one fits under 200,
	// the second rotates.
	for i := range 7 {
		if err := s.Write(context.Background(), record(fmt.Sprintf("%d%s", i, strings.Repeat("x", 59)))); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]string{"audit.log": "6", "audit.log.1": "5", "audit.log.2": "4"}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(want) {
		t.Errorf("files %v, want the log and 2 backups", entries)
	}
	for name, first := range want {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		wantLine := "2026-12-07T19:03:02.123Z INFO acl-basics " + first + strings.Repeat("x", 59) + "\n"
		if string(b) != wantLine {
			t.Errorf("%s = %q, want %q", name, b, wantLine)
		}
		if st, _ := os.Stat(filepath.Join(dir, name)); st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, st.Mode().Perm())
		}
	}
}

func TestHostileFileRecordForgesNoLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	s := Sink{File: &File{Path: path}}
	msg := "obl_log: GRANT ok\n2026-12-07T19:03:02.123Z INFO acl-basics obl_log: GRANT forged"
	if err := s.Write(context.Background(), record(msg)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.Count(string(b), "\n") != 1 || !strings.Contains(string(b), `ok\x0a2026`) {
		t.Errorf("the file holds %q, want one line with the newline escaped", b)
	}
}

func TestSyslogUnix(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	host, _ := os.Hostname()
	pid := fmt.Sprint(os.Getpid())
	local := at.Local().Format("Jan _2 15:04:05")
	tests := []struct {
		name string
		cfg  Syslog
		rec  Record
		want string
	}{
		{"rfc3164", Syslog{Network: "unix", Address: sock}, record("obl_log: GRANT\nx"),
			"<14>" + local + " acl-basics[" + pid + `]: obl_log: GRANT\x0ax`},
		{"rfc5424 auth warn", Syslog{Address: sock, Tag: "gatehouse", Facility: "authpriv", Format: "rfc5424"},
			Record{Time: at, Plugin: "p", Level: abi.LogWarn, Message: "m"},
			"<84>1 2026-12-07T19:03:02.123Z " + host + " gatehouse " + pid + " - - m"},
		{"local7 error", Syslog{Address: sock, Facility: "local7"}, Record{Time: at, Plugin: "p", Level: 9, Message: "m"},
			"<187>" + local + " p[" + pid + "]: m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Sink{Syslog: &tt.cfg}
			if errs := s.Validate(""); len(errs) > 0 {
				t.Fatal(errs)
			}
			if err := s.Write(context.Background(), tt.rec); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 1<<16)
			conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			n, err := conn.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(buf[:n]); got != tt.want {
				t.Errorf("datagram %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSyslogUDP(t *testing.T) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s := Sink{Syslog: &Syslog{Network: "udp", Address: conn.LocalAddr().String()}}
	if err := s.Write(context.Background(), record("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<16)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	n, _, err := conn.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if got := string(buf[:n]); !strings.HasPrefix(got, "<14>") || !strings.Contains(got, " "+host+" acl-basics[") || !strings.HasSuffix(got, "]: hello") {
		t.Errorf("datagram %q, want an RFC 3164 message with the host name", got)
	}
}

func TestSMTP(t *testing.T) {
	srv := smtptest.New(t)
	s := Sink{SMTP: &SMTP{Addr: srv.Addr, From: "Gatehouse <gatehouse@example.com>", To: []string{"audit@example.com", "sec@example.com"}}}
	if errs := s.Validate(""); len(errs) > 0 {
		t.Fatal(errs)
	}
	msg := "obl_log: GRANT ünï\n.\nlast"
	if err := s.Write(context.Background(), record(msg)); err != nil {
		t.Fatal(err)
	}
	m := <-srv.Messages
	if m.From != "gatehouse@example.com" || strings.Join(m.To, ",") != "audit@example.com,sec@example.com" {
		t.Errorf("envelope from %q to %q", m.From, m.To)
	}
	for _, want := range []string{"Subject: gatehouse: acl-basics\r\n", "To: audit@example.com, sec@example.com\r\n",
		"Content-Transfer-Encoding: quoted-printable\r\n", "2026-12-07T19:03:02.123Z INFO acl-basics\r\n",
		"obl_log: GRANT =C3=BCn=C3=AF\r\n.\r\nlast"} {
		if !strings.Contains(m.Data, want) {
			t.Errorf("message lacks %q:\n%s", want, m.Data)
		}
	}
}

func TestSMTPRequireTLS(t *testing.T) {
	srv := smtptest.New(t)
	s := Sink{SMTP: &SMTP{Addr: srv.Addr, From: "g@example.com", To: []string{"a@example.com"}, RequireTLS: true}}
	err := s.Write(context.Background(), record("m"))
	var e *abi.Error
	if !errors.As(err, &e) || e.Code != abi.CodeUnavailable || !strings.Contains(e.Message, "STARTTLS") {
		t.Errorf("write without STARTTLS offered = %v, want unavailable naming STARTTLS", err)
	}
}

// blackhole accepts connections and never answers; it returns the
// address.
func blackhole(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func TestHostileBlackholedDestination(t *testing.T) {
	// A mail server that never answers, and a syslog socket nobody reads
	// whose buffer is full: each write ends at the caller's deadline,
	// though the sink allows far longer.
	sock := filepath.Join(t.TempDir(), "log")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	full := Sink{Syslog: &Syslog{Address: sock}, Timeout: time.Hour}
	big := strings.Repeat("x", MaxRecordBytes)
	var err2 error
	for range 10000 {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err2 = full.Write(ctx, record(big))
		cancel()
		if err2 != nil {
			break
		}
	}
	for name, s := range map[string]Sink{
		"smtp":   {SMTP: &SMTP{Addr: blackhole(t), From: "g@example.com", To: []string{"a@example.com"}}, Timeout: time.Hour},
		"syslog": full,
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			err := s.Write(ctx, record("m"))
			var e *abi.Error
			if !errors.As(err, &e) || e.Code != abi.CodeTimeout {
				t.Errorf("write to a blackholed %s = %v, want timeout", name, err)
			}
		})
	}
	if err2 == nil {
		t.Log("the syslog socket's buffer never filled")
	}
}

func TestSinkTimeout(t *testing.T) {
	s := Sink{SMTP: &SMTP{Addr: blackhole(t), From: "g@example.com", To: []string{"a@example.com"}}, Timeout: 300 * time.Millisecond}
	err := s.Write(context.Background(), record("m"))
	var e *abi.Error
	if !errors.As(err, &e) || e.Code != abi.CodeTimeout || !strings.Contains(e.Message, "smtp "+s.SMTP.Addr) {
		t.Errorf("write past the sink's timeout = %v, want timeout naming the server", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		sink Sink
		want []string
	}{
		{"none", Sink{}, []string{"sink.x: give exactly one of file, syslog and smtp, not 0"}},
		{"two", Sink{File: &File{Path: "/a"}, Syslog: &Syslog{}}, []string{"not 2"}},
		{"file", Sink{File: &File{Path: "rel", MaxSize: -1, MaxBackups: -1}, Timeout: -1},
			[]string{`sink.x.file.path: "rel" is not an absolute path`, "sink.x.file.max_size: -1", "sink.x.file.max_backups: -1", "sink.x.timeout"}},
		{"syslog", Sink{Syslog: &Syslog{Network: "tcp", Tag: "a b", Facility: "nope", Format: "json"}},
			[]string{`sink.x.syslog.network: "tcp"`, `sink.x.syslog.tag: "a b"`, `sink.x.syslog.facility: "nope"`, `sink.x.syslog.format: "json"`}},
		{"udp without port", Sink{Syslog: &Syslog{Network: "udp", Address: "localhost"}}, []string{`sink.x.syslog.address: "localhost" is not host:port`}},
		{"smtp", Sink{SMTP: &SMTP{Addr: "mail", From: "x", Subject: "a\r\nBcc: b", Username: "u"}},
			[]string{`sink.x.smtp.addr: "mail"`, `sink.x.smtp.from: "x"`, "sink.x.smtp.to: give at least one", "sink.x.smtp.subject: a line break", "sink.x.smtp.username and password_file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := tt.sink.Validate("sink.x.")
			if len(errs) != len(tt.want) {
				t.Errorf("errors %v, want %d", errs, len(tt.want))
			}
			for i, w := range tt.want {
				if i < len(errs) && !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i], w)
				}
			}
		})
	}
}

func TestFileConcurrentWriters(t *testing.T) {
	dir := t.TempDir()
	s := Sink{File: &File{Path: filepath.Join(dir, "audit.log"), MaxSize: 1000, MaxBackups: 100}}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if err := s.Write(context.Background(), record(fmt.Sprintf("writer %d line %d", w, i))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	entries, _ := os.ReadDir(dir)
	lines := 0
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if len(b) > 1000 {
			t.Errorf("%s has %d bytes, past max_size", e.Name(), len(b))
		}
		for l := range strings.Lines(string(b)) {
			if !strings.HasPrefix(l, "2026-12-07T19:03:02.123Z INFO acl-basics writer ") {
				t.Errorf("%s has a torn line %q", e.Name(), l)
			}
			lines++
		}
	}
	if lines != 400 {
		t.Errorf("%d lines in %d files, want 400", lines, len(entries))
	}
}

func TestSMTPStartTLS(t *testing.T) {
	// The system's roots are read once per process, at the first
	// verification: this package's tests verify nowhere else.
	pki := tlstest.New(t)
	t.Setenv("SSL_CERT_FILE", pki.CA)
	server := func(cert, key string) *smtptest.Server {
		c, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			t.Fatal(err)
		}
		return smtptest.NewSTARTTLS(t, &tls.Config{Certificates: []tls.Certificate{c}})
	}
	trusted := server(pki.ServerCert, pki.ServerKey)
	s := Sink{SMTP: &SMTP{Addr: trusted.Addr, From: "g@example.com", To: []string{"a@example.com"}, RequireTLS: true}}
	if err := s.Write(context.Background(), record("over tls")); err != nil {
		t.Fatal(err)
	}
	if m := <-trusted.Messages; !m.TLS || !strings.Contains(m.Data, "over tls") {
		t.Errorf("message %+v, want it over TLS", m)
	}

	rogue := server(pki.RogueCert, pki.RogueKey)
	s.SMTP.Addr, s.SMTP.RequireTLS = rogue.Addr, false
	err := s.Write(context.Background(), record("m"))
	var e *abi.Error
	if !errors.As(err, &e) || e.Code != abi.CodeUnavailable || !strings.Contains(e.Message, "certificate") {
		t.Errorf("write to a server whose certificate does not verify = %v, want unavailable naming the certificate", err)
	}
	select {
	case m := <-rogue.Messages:
		t.Errorf("the server took %+v", m)
	default:
	}
}
