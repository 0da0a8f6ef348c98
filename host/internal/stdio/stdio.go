// Package stdio writes what plugins print on stdout and stderr to the
// host's log, one record per line, within a budget of bytes per call and
// per second for each plugin. What does not fit is dropped, counted, and
// reported in one notice per second at most.
//
// Printing needs no capability, so the budget is what keeps a plugin that
// prints in a loop from flooding the host's log. The log capability's
// messages do not go through it: that capability is granted.
package stdio

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// MaxLine is the longest record: a longer line is logged in pieces of
// MaxLine bytes.
const MaxLine = 4096

// noticeEvery is the least time between two notices of dropped output.
const noticeEvery = time.Second

// Limits bound what one plugin prints.
type Limits struct {
	// PerCall is the most bytes one call may print, on both streams.
	PerCall int
	// PerSecond is the most bytes the plugin's instances may print per
	// second together, over any second; it is also the most at once.
	PerSecond int
}

// Counter counts n bytes the plugin printed on stream ("stdout" or
// "stderr"), logged or dropped.
type Counter func(stream string, logged bool, n int)

// Budget is what one plugin may print, shared by its instances. It is safe
// for concurrent use.
type Budget struct {
	logger *slog.Logger
	limits Limits
	count  Counter
	now    func() time.Time

	mu       sync.Mutex
	tokens   float64   // bytes that may be printed now
	refilled time.Time // when tokens was last brought up to date
	dropped  int       // bytes dropped since the last notice
	due      bool      // a notice is scheduled
	noticed  time.Time // when the last notice was logged
}

// NewBudget returns the budget of a plugin whose records go to logger,
// which should carry the plugin's name. count, if not nil, counts every
// byte printed.
func NewBudget(logger *slog.Logger, limits Limits, count Counter) *Budget {
	if count == nil {
		count = func(string, bool, int) {}
	}
	return &Budget{logger: logger, limits: limits, count: count, now: time.Now, tokens: float64(limits.PerSecond)}
}

// take takes n bytes from the per-second budget, if it has them.
func (b *Budget) take(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if !b.refilled.IsZero() {
		b.tokens += now.Sub(b.refilled).Seconds() * float64(b.limits.PerSecond)
		b.tokens = min(b.tokens, float64(b.limits.PerSecond))
	}
	b.refilled = now
	if b.tokens < float64(n) {
		return false
	}
	b.tokens -= float64(n)
	return true
}

// drop counts n bytes of stream dropped and schedules a notice.
func (b *Budget) drop(stream string, n int) {
	b.count(stream, false, n)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dropped += n
	if !b.due {
		b.due = true
		time.AfterFunc(max(b.noticed.Add(noticeEvery).Sub(b.now()), 0), b.notice)
	}
}

// notice logs the bytes dropped since the last notice.
func (b *Budget) notice() {
	b.mu.Lock()
	n := b.dropped
	b.dropped, b.due, b.noticed = 0, false, b.now()
	b.mu.Unlock()
	b.logger.Warn("plugin output dropped: over its limit of bytes per call or per second",
		"bytes", n, "max_output_bytes", b.limits.PerCall, "output_bytes_per_second", b.limits.PerSecond)
}

// Output is the stdout and stderr of one instance. It is used by one call
// at a time, on the call's goroutine.
type Output struct {
	budget *Budget
	used   int // bytes printed in the call in progress
	stdout stream
	stderr stream
}

// NewOutput returns the output of a new instance: its stdout logs at info
// level, its stderr at warn.
func (b *Budget) NewOutput() *Output {
	o := &Output{budget: b}
	o.stdout = stream{out: o, name: "stdout", level: slog.LevelInfo}
	o.stderr = stream{out: o, name: "stderr", level: slog.LevelWarn}
	return o
}

// Stdout and Stderr are the instance's streams, for its WASI configuration.
func (o *Output) Stdout() io.Writer { return &o.stdout }
func (o *Output) Stderr() io.Writer { return &o.stderr }

// Begin starts a call: it has the whole per-call budget.
func (o *Output) Begin() { o.used = 0 }

// End ends a call: the lines it left unfinished are logged as they are.
func (o *Output) End() {
	o.stdout.flush(0)
	o.stderr.flush(0)
}

// print logs a line of size bytes printed on s, or drops it when over the
// budget.
func (o *Output) print(s *stream, line []byte, size int) {
	b := o.budget
	if o.used+size > b.limits.PerCall || !b.take(size) {
		b.drop(s.name, size)
		return
	}
	o.used += size
	b.logger.Log(context.Background(), s.level, string(line), "stream", s.name)
	b.count(s.name, true, size)
}

// stream is an io.Writer that logs one record per line.
type stream struct {
	out   *Output
	name  string
	level slog.Level
	buf   []byte // the line so far
}

// Write logs each line of p that it ends, and keeps the unfinished one.
// It never fails: what does not fit the budget is dropped.
func (s *stream) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		chunk := p[:min(len(p), MaxLine-len(s.buf))]
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			s.buf = append(s.buf, chunk[:i]...)
			p = p[i+1:]
			s.flush(1)
			continue
		}
		s.buf = append(s.buf, chunk...)
		p = p[len(chunk):]
		if len(s.buf) == MaxLine {
			s.flush(0)
		}
	}
	return n, nil
}

// flush logs the line so far, if any, which ended with newline bytes (0 or
// 1), and empties the buffer.
func (s *stream) flush(newline int) {
	if len(s.buf)+newline == 0 {
		return
	}
	s.out.print(s, s.buf, len(s.buf)+newline)
	s.buf = s.buf[:0]
}
