package sink

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"

	"github.com/gatehouse/gatehouse/abi"
)

// Syslog sends each record as one datagram to a syslog daemon, over a unix
// datagram socket (the local daemon's /dev/log) or UDP.
//
// In format rfc3164 (the default) a record reads
// "<PRI>Dec  7 19:03:02 TAG[PID]: MESSAGE" over a unix socket, which is
// what local daemons expect, and with the host name after the time over
// UDP; in format rfc5424 it reads
// "<PRI>1 2026-12-07T19:03:02.123Z HOST TAG PID - - MESSAGE". PRI is the
// facility times 8 plus the severity of the record's level (debug 7, info
// 6, warn 4, error 3). The message is escaped (Escape); a datagram
// carries at most what the transport takes, about 64 KiB over UDP.
type Syslog struct {
	// Network is "unix" (a datagram socket; the default) or "udp".
	Network string `yaml:"network" json:"network,omitempty"`
	// Address is the socket's path for unix (default /dev/log), host:port
	// for udp (required).
	Address string `yaml:"address" json:"address,omitempty"`
	// Tag names the sender; default the plugin's name. Up to 32 printable
	// ASCII characters, no space.
	Tag string `yaml:"tag" json:"tag,omitempty"`
	// Facility is kern, user, mail, daemon, auth, syslog, lpr, news, uucp,
	// cron, authpriv, ftp or local0 to local7. Default user.
	Facility string `yaml:"facility" json:"facility,omitempty"`
	// Format is rfc3164 (default) or rfc5424.
	Format string `yaml:"format" json:"format,omitempty"`
}

// facilities are the syslog facilities by name, in the order of their
// codes, with the gap between ftp (11) and local0 (16).
var facilities = []string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
	"", "", "", "", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

func (s *Syslog) validate(key string) []error {
	var errs []error
	switch s.Network {
	case "", "unix":
	case "udp":
		if _, _, err := net.SplitHostPort(s.Address); err != nil {
			errs = append(errs, fmt.Errorf("%saddress: %q is not host:port, which udp needs", key, s.Address))
		}
	default:
		errs = append(errs, fmt.Errorf("%snetwork: %q is neither unix nor udp", key, s.Network))
	}
	if len(s.Tag) > 32 || !printableWord(s.Tag) {
		errs = append(errs, fmt.Errorf("%stag: %q is not up to 32 printable ASCII characters without spaces", key, s.Tag))
	}
	if s.Facility != "" && !slices.Contains(facilities, s.Facility) {
		errs = append(errs, fmt.Errorf("%sfacility: %q is not a syslog facility (kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, local0 to local7)", key, s.Facility))
	}
	if s.Format != "" && s.Format != "rfc3164" && s.Format != "rfc5424" {
		errs = append(errs, fmt.Errorf("%sformat: %q is neither rfc3164 nor rfc5424", key, s.Format))
	}
	return errs
}

// printableWord reports whether s is printable ASCII without spaces.
func printableWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func (s *Syslog) network() string {
	if s.Network == "udp" {
		return "udp"
	}
	return "unixgram"
}

func (s *Syslog) address() string {
	if s.Address == "" && s.network() == "unixgram" {
		return "/dev/log"
	}
	return s.Address
}

func (s *Syslog) write(ctx context.Context, r Record) error {
	conn, done, err := dial(ctx, s.network(), s.address())
	if err != nil {
		return err
	}
	defer done()
	_, err = conn.Write(s.format(r))
	return err
}

// format renders r as a syslog message.
func (s *Syslog) format(r Record) []byte {
	fac := slices.Index(facilities, s.Facility)
	if s.Facility == "" {
		fac = 1
	}
	sev := 3
	switch {
	case r.Level <= abi.LogDebug:
		sev = 7
	case r.Level == abi.LogInfo:
		sev = 6
	case r.Level == abi.LogWarn:
		sev = 4
	}
	tag := s.Tag
	if tag == "" {
		tag = r.Plugin
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "-"
	}
	pid := strconv.Itoa(os.Getpid())
	b := []byte("<" + strconv.Itoa(fac*8+sev) + ">")
	if s.Format == "rfc5424" {
		b = append(b, "1 "...)
		b = r.Time.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
		b = append(b, " "+host+" "+tag+" "+pid+" - - "...)
	} else {
		b = r.Time.Local().AppendFormat(b, "Jan _2 15:04:05")
		if s.network() == "udp" {
			b = append(b, " "+host...)
		}
		b = append(b, " "+tag+"["+pid+"]: "...)
	}
	return append(b, Escape(r.Message)...)
}
