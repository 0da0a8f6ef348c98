// Package progress draws the progress bar of a long command on one line of
// a terminal, redrawn in place.
package progress

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Delay is how long a command runs before its bar shows: work that ends
// sooner shows none. A variable, for tests of commands to set to 0.
var Delay = time.Second

// every is the least time between two drawings.
const every = 100 * time.Millisecond

// width is the number of cells of the bar itself.
const width = 30

// Bar is the progress bar of one piece of work, drawn on w. A nil *Bar
// draws nothing, so that callers need not check whether the bar is on.
// A Bar is not safe for concurrent use.
type Bar struct {
	w      io.Writer
	label  string
	unit   string
	total  int64
	n      int64
	start  time.Time
	last   time.Time // when it was last drawn, zero before
	delay  time.Duration
	now    func() time.Time
	buf    []byte
	failed bool // a write failed: draw no more
}

// New returns a bar of work of total units (0 when unknown: the bar then
// shows the count), labelled label, that draws on w once Delay has passed.
// A nil w gives a nil bar.
func New(w io.Writer, label string, total int64, unit string) *Bar {
	if w == nil {
		return nil
	}
	return &Bar{w: w, label: label, unit: unit, total: total, delay: Delay, now: time.Now, start: time.Now()}
}

// Set records that n units are done, and redraws the bar unless it was
// drawn less than a tenth of a second ago.
func (b *Bar) Set(n int64) {
	if b == nil || b.failed {
		return
	}
	b.n = n
	now := b.now()
	if now.Sub(b.start) < b.delay || now.Sub(b.last) < every {
		return
	}
	b.last = now
	b.draw(now)
}

// Done clears the bar's line, if it was drawn.
func (b *Bar) Done() {
	if b == nil || b.failed || b.last.IsZero() {
		return
	}
	b.write([]byte("\r\x1b[K"))
}

// draw writes the bar over the line: label, bar and percentage when the
// total is known, the count, and the time elapsed.
func (b *Bar) draw(now time.Time) {
	s := b.buf[:0]
	s = append(s, '\r')
	s = append(s, b.label...)
	if b.total > 0 {
		n := min(b.n, b.total)
		full := int(n * width / b.total)
		s = append(s, " ["...)
		s = append(s, strings.Repeat("=", full)...)
		s = append(s, strings.Repeat(" ", width-full)...)
		s = fmt.Appendf(s, "] %3d%% %d/%d %s", n*100/b.total, b.n, b.total, b.unit)
	} else {
		s = fmt.Appendf(s, " %d %s", b.n, b.unit)
	}
	elapsed := now.Sub(b.start).Truncate(time.Second)
	s = fmt.Appendf(s, " %s\x1b[K", elapsed)
	b.buf = s
	b.write(s)
}

func (b *Bar) write(p []byte) {
	if _, err := b.w.Write(p); err != nil {
		b.failed = true
	}
}
