// Package decisionlog writes access-control decisions as JSON lines, one
// per decision, with the values of chosen attributes masked. Every part
// of a server that decides (the decision API, the reverse proxy, OpenC2
// authorization) asks for decisions through a Decider of the log, which
// records each one with the part it came from.
//
// A line looks like this (on one line):
//
//	{"time":"2026-12-03T10:25:00.123Z","source":"api","policy_set":"ps",
//	 "result":"DENY","effect":"GRANT",
//	 "obligations":[{"name":"obl_log","fulfilled":false,"reason":"...","entities":["ps"]}],
//	 "missing":["subject.age"],"path":"/admin",
//	 "attributes":{"subject":{"email":"[masked]"},"access":{"method":"GET"}}}
package decisionlog

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/policy"
)

// Entry is one line of the log.
type Entry struct {
	Time time.Time `json:"time"`
	// Source is the part of the server that asked: "api", "openc2",
	// "proxy".
	Source    string `json:"source"`
	PolicySet string `json:"policy_set"`
	// Result and Effect are the decision's; both are empty when the
	// request could not be decided (Error says why).
	Result      string                    `json:"result,omitempty"`
	Effect      string                    `json:"effect,omitempty"`
	Obligations []policy.ObligationResult `json:"obligations,omitempty"`
	Missing     []string                  `json:"missing,omitempty"`
	Error       string                    `json:"error,omitempty"`
	// Path is the request's path, for object setters.
	Path string `json:"path,omitempty"`
	// Attributes are the request's attributes by category, masked.
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Log writes entries to a file, a line each. It is safe for concurrent
// use: each line is written whole with one write, in the order the
// decisions finish, so lines never interleave, and a line written before
// Close returns is in the file.
type Log struct {
	mask   *Mask
	logger *slog.Logger

	mu     sync.Mutex
	w      io.Writer
	closer io.Closer // nil for standard output
	closed bool
	// index keeps the last entries written, in short.
	index *Index
}

// RecentSize is how many entries a log keeps in memory unless Keep says
// more.
const RecentSize = 50

// ErrClosed is the error of Write after Close.
var ErrClosed = errors.New("decision log is closed")

// Open returns a Log that appends to the file at path, made if needed
// with mode 0600, or writes to standard output for "-". mask are the
// attribute paths whose values it hides (see NewMask). logger receives
// the errors of writing that a Decider meets; nil uses slog.Default().
func Open(path string, mask []string, logger *slog.Logger) (*Log, error) {
	if path == "-" {
		return New(os.Stdout, mask, logger)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("decision log: %w", err)
	}
	l, err := New(f, mask, logger)
	if err != nil {
		f.Close()
		return nil, err
	}
	l.closer = f
	return l, nil
}

// New returns a Log that writes to w, which Close leaves open.
func New(w io.Writer, mask []string, logger *slog.Logger) (*Log, error) {
	m, err := NewMask(mask)
	if err != nil {
		return nil, fmt.Errorf("decision log: %w", err)
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Log{mask: m, logger: logger, w: w, index: NewIndex(RecentSize)}, nil
}

// Keep makes l keep the last n entries written (at least RecentSize) in
// memory, in short, for Index.
func (l *Log) Keep(n int) { l.index.resize(max(n, RecentSize)) }

// Index returns the entries l keeps in memory.
func (l *Log) Index() *Index { return l.index }

// Write writes e as one line. Its Attributes are written as they are:
// Record masks them.
func (l *Log) Write(e *Entry) error { return l.write(e, nil) }

// write writes e as one line; with c set, with the attributes of c masked
// in place of e's.
func (l *Log) write(e *Entry, c *policy.Attributes) error {
	buf := buffers.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	buf.Reset()
	// The line is appended to the buffer's own bytes, which Write then
	// takes in place, or grows to hold them.
	line, ok := appendEntry(buf.AvailableBuffer(), e, c, l.mask)
	buf.Write(line)
	if !ok {
		e2 := *e
		if c != nil {
			e2.Attributes = l.mask.Apply(*c)
		}
		if err := encode(buf, &e2); err != nil {
			// An attribute JSON cannot hold, such as NaN: keep the decision.
			e2.Attributes = map[string]any{"unencodable": err.Error()}
			if err := encode(buf, &e2); err != nil {
				return fmt.Errorf("decision log: %w", err)
			}
		}
	}
	var subject string
	if c != nil {
		subject = subjectText(c.Subject, l.mask.root.child("subject"))
	} else {
		subject = subjectText(e.Attributes["subject"], nil)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if _, err := l.w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("decision log: %w", err)
	}
	l.index.add(e, subject)
	return nil
}

// Recent returns the last n entries written (at most those kept), newest
// first, without their attributes and obligations.
func (l *Log) Recent(n int) []Entry {
	if n <= 0 {
		return []Entry{}
	}
	list, _ := l.index.Query(Query{Limit: n})
	out := make([]Entry, len(list))
	for i, s := range list {
		out[i] = Entry{Time: s.Time, Source: s.Source, PolicySet: s.PolicySet, Result: s.Result, Effect: s.Effect, Error: s.Error, Missing: s.Missing}
	}
	return out
}

// buffers hold the lines being encoded.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putBuffer returns buf to buffers, unless an entry made it large.
func putBuffer(buf *bytes.Buffer) {
	if buf.Cap() <= 64<<10 {
		buffers.Put(buf)
	}
}

// encode writes e to buf, emptied first, as one line of JSON with <, >
// and & as they are.
func encode(buf *bytes.Buffer, e *Entry) error {
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(e)
}

// Record writes the decision d of req, or the error err of a request
// that could not be decided, as coming from source, with the request's
// attributes masked.
func (l *Log) Record(source string, req *policy.Request, d *policy.Decision, err error) error {
	e := Entry{
		Time:      time.Now().UTC(),
		Source:    source,
		PolicySet: req.PolicySet,
		Path:      req.Path,
	}
	if err != nil {
		e.Error = err.Error()
	} else {
		e.Result, e.Effect = d.Result.String(), d.Effect.String()
		e.Obligations, e.Missing, e.Error = d.Obligations, d.Missing, d.Error
	}
	return l.write(&e, &req.Attributes)
}

// Close stops the log; lines already written stay. It closes the file
// that Open opened.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.closer != nil {
		return l.closer.Close()
	}
	return nil
}

// Decider returns a policy.Decider that decides with next and records
// each decision, and each request that could not be decided, as coming
// from source. A failure to write is logged, and changes no decision.
func (l *Log) Decider(next policy.Decider, source string) policy.Decider {
	return &decider{next: next, log: l, source: source}
}

type decider struct {
	next   policy.Decider
	log    *Log
	source string
}

func (d *decider) Decide(ctx context.Context, req policy.Request) (policy.Decision, error) {
	dec, err := d.next.Decide(ctx, req)
	if werr := d.log.Record(d.source, &req, &dec, err); werr != nil {
		d.log.logger.Error("write the decision log", "source", d.source, "policy_set", req.PolicySet, "error", werr)
	}
	return dec, err
}
