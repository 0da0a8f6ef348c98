// Package sink writes the records of the sink capability to the
// destinations that the host configuration grants a plugin: a file rotated
// by size, the system log over a unix datagram socket or UDP, or mail
// through an SMTP server.
//
// Each write opens its destination, writes one record and closes it, under
// a deadline: the sink's Timeout or the caller's, whichever comes first. A
// destination that is slow or does not answer fails the write with the
// code timeout once the deadline passes; nothing is queued, so it holds no
// goroutine, connection or memory past the call. Opening the destination
// each time also follows files that an outside tool rotates, and sockets
// that a restarted syslog daemon recreates.
//
// # Record content
//
// The message comes from a plugin, which may pass on text from a request.
// The file and syslog destinations write each record as one line, with
// control characters escaped (see Escape), so that a record cannot end the
// line and forge another; mail carries the message in a quoted-printable
// body.
package sink

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/abi"
)

// MaxRecordBytes is the largest message a record may carry; a larger one
// is refused, not cut, since a record cut short may read as another.
const MaxRecordBytes = 64 << 10

// DefaultTimeout bounds a write when the sink sets no timeout.
const DefaultTimeout = 5 * time.Second

// Sink is one destination, configured under
// plugins.<plugin>.grants.sink.<name>: exactly one of File, Syslog and
// SMTP.
type Sink struct {
	File   *File   `yaml:"file" json:"file,omitempty"`
	Syslog *Syslog `yaml:"syslog" json:"syslog,omitempty"`
	SMTP   *SMTP   `yaml:"smtp" json:"smtp,omitempty"`
	// Timeout bounds one write, from opening the destination to closing
	// it; the call's own deadline applies too. Default DefaultTimeout.
	Timeout time.Duration `yaml:"timeout" json:"timeout,omitempty"`
}

// Record is what a plugin writes: a message at a level, stamped by the host.
type Record struct {
	Time    time.Time
	Plugin  string
	Level   int32 // abi.LogDebug to abi.LogError; others count as the nearest
	Message string
}

// namePattern is the form of a sink's name.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidName reports whether name may name a sink.
func ValidName(name string) bool { return namePattern.MatchString(name) }

// Validate checks s. Each error names the offending key, key (the sink's
// own key with a final dot, such as "sink.audit.") followed by the key
// within the sink, such as "file.path".
func (s Sink) Validate(key string) []error {
	var errs []error
	n := 0
	if s.File != nil {
		n++
		errs = append(errs, s.File.validate(key+"file.")...)
	}
	if s.Syslog != nil {
		n++
		errs = append(errs, s.Syslog.validate(key+"syslog.")...)
	}
	if s.SMTP != nil {
		n++
		errs = append(errs, s.SMTP.validate(key+"smtp.")...)
	}
	if n != 1 {
		errs = append(errs, fmt.Errorf("%s: give exactly one of file, syslog and smtp, not %d", strings.TrimSuffix(key, "."), n))
	}
	if s.Timeout < 0 {
		errs = append(errs, fmt.Errorf("%stimeout: %s is negative", key, s.Timeout))
	}
	return errs
}

// Write writes r to the destination, within the sink's timeout and ctx's
// deadline. Its errors are *abi.Error values: timeout when the deadline
// passed, unavailable when the destination failed otherwise.
func (s Sink) Write(ctx context.Context, r Record) error {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var err error
	var what string
	switch {
	case s.File != nil:
		what = "file " + s.File.Path
		err = s.File.write(ctx, r)
	case s.Syslog != nil:
		what = "syslog " + s.Syslog.network() + " " + s.Syslog.address()
		err = s.Syslog.write(ctx, r)
	case s.SMTP != nil:
		what = "smtp " + s.SMTP.Addr
		err = s.SMTP.write(ctx, r)
	default:
		return abi.Errorf(abi.CodeInternal, "sink has no destination")
	}
	if err == nil {
		return nil
	}
	var ne net.Error
	if ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		if errors.Is(ctx.Err(), context.Canceled) {
			return abi.Errorf(abi.CodeUnavailable, "%s: cancelled", what)
		}
		return abi.Errorf(abi.CodeTimeout, "%s: no answer within the deadline (%v)", what, err)
	}
	return abi.Errorf(abi.CodeUnavailable, "%s: %v", what, err)
}

// dial connects to address over network under ctx, and closes the
// connection when ctx ends, so that no read or write outlives it.
func dial(ctx context.Context, network, address string) (net.Conn, func(), error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	return conn, func() { stop(); conn.Close() }, nil
}

// levelName is the name of a record's level.
func levelName(level int32) string {
	switch {
	case level <= abi.LogDebug:
		return "DEBUG"
	case level == abi.LogInfo:
		return "INFO"
	case level == abi.LogWarn:
		return "WARN"
	}
	return "ERROR"
}

// Escape returns msg with every control character but tab, and DEL,
// written as \xHH, and backslashes doubled, so that the text fits one
// line and reads back unambiguously.
func Escape(msg string) string {
	i := strings.IndexFunc(msg, func(r rune) bool { return r == '\\' || r < 0x20 && r != '\t' || r == 0x7f })
	if i < 0 {
		return msg
	}
	var b strings.Builder
	b.Grow(len(msg) + 8)
	b.WriteString(msg[:i])
	for j := i; j < len(msg); j++ {
		switch c := msg[j]; {
		case c == '\\':
			b.WriteString(`\\`)
		case c < 0x20 && c != '\t' || c == 0x7f:
			b.WriteString(`\x`)
			if c < 0x10 {
				b.WriteByte('0')
			}
			b.WriteString(strconv.FormatUint(uint64(c), 16))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
