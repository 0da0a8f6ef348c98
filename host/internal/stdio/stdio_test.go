package stdio

import (
	"encoding/json"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"
)

// record is a record of the JSON log.
type record struct {
	Level  string `json:"level"`
	Msg    string `json:"msg"`
	Stream string `json:"stream"`
	Bytes  int    `json:"bytes"`
}

// testBudget returns a budget with limits whose clock the test moves on
// with advance, its log, and the bytes it counted by stream and result.
func testBudget(t *testing.T, limits Limits) (b *Budget, advance func(time.Duration), log *syncbuf.Buffer, counted map[string]int) {
	log, counted = &syncbuf.Buffer{}, map[string]int{}
	b = NewBudget(slog.New(slog.NewJSONHandler(log, nil)), limits, func(stream string, logged bool, n int) {
		if logged {
			counted[stream+" logged"] += n
		} else {
			counted[stream+" dropped"] += n
		}
	})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var elapsed atomic.Int64 // the notice's timer reads the clock too
	b.now = func() time.Time { return start.Add(time.Duration(elapsed.Load())) }
	return b, func(d time.Duration) { elapsed.Add(int64(d)) }, log, counted
}

// records returns the records of log.
func records(t *testing.T, log *syncbuf.Buffer) []record {
	t.Helper()
	var out []record
	for _, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		if line == "" {
			continue
		}
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

func TestLines(t *testing.T) {
	b, _, log, counted := testBudget(t, Limits{PerCall: 1 << 20, PerSecond: 1 << 20})
	o := b.NewOutput()
	o.Begin()
	for _, s := range []string{"one\ntw", "o\n\nthr", "ee"} {
		if n, err := o.Stdout().Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	long := strings.Repeat("y", MaxLine+10)
	o.Stderr().Write([]byte(long + "\n"))
	o.End()

	want := []record{
		{Level: "INFO", Msg: "one", Stream: "stdout"},
		{Level: "INFO", Msg: "two", Stream: "stdout"},
		{Level: "INFO", Msg: "", Stream: "stdout"},
		{Level: "WARN", Msg: long[:MaxLine], Stream: "stderr"},
		{Level: "WARN", Msg: long[MaxLine:], Stream: "stderr"},
		{Level: "INFO", Msg: "three", Stream: "stdout"}, // unfinished, logged at the end of the call
	}
	got := records(t, log)
	if len(got) != len(want) {
		t.Fatalf("records %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if counted["stdout logged"] != 14 || counted["stderr logged"] != len(long)+1 {
		t.Errorf("counted %v, want 14 bytes on stdout and %d on stderr", counted, len(long)+1)
	}
}

func TestPerCall(t *testing.T) {
	b, _, log, counted := testBudget(t, Limits{PerCall: 10, PerSecond: 1 << 20})
	o := b.NewOutput()
	for range 2 {
		o.Begin()
		o.Stdout().Write([]byte("1234\n1234\n1234\n")) // the third line is over
		o.End()
	}
	lines := 0
	for _, r := range records(t, log) {
		if r.Stream != "" {
			lines++
		}
	}
	if lines != 4 {
		t.Errorf("%d lines logged, want 4, 2 per call", lines)
	}
	if counted["stdout logged"] != 20 || counted["stdout dropped"] != 10 {
		t.Errorf("counted %v, want 20 bytes logged and 10 dropped", counted)
	}
}

func TestPerSecond(t *testing.T) {
	b, advance, log, counted := testBudget(t, Limits{PerCall: 1 << 20, PerSecond: 10})
	// Instances share the budget.
	o1, o2 := b.NewOutput(), b.NewOutput()
	o1.Begin()
	o1.Stdout().Write([]byte("1234\n"))
	o2.Begin()
	o2.Stderr().Write([]byte("1234\n1234\n")) // the second line is over
	advance(500 * time.Millisecond)           // 5 bytes more
	o2.Stderr().Write([]byte("1234\n1234\n")) // the second line is over
	advance(time.Hour)                        // full again, no more
	o1.Stdout().Write([]byte(strings.Repeat("9", 9) + "\n" + "1\n"))
	if counted["stdout logged"] != 15 || counted["stderr logged"] != 10 || counted["stderr dropped"] != 10 || counted["stdout dropped"] != 2 {
		t.Errorf("counted %v, want 15 bytes logged and 2 dropped on stdout, 10 and 10 on stderr", counted)
	}
	// The drops are noticed once, at once, then once a second at most: the
	// notice comes from a timer.
	deadline := time.Now().Add(time.Minute)
	for {
		var noticed, notices int
		for _, r := range records(t, log) {
			if r.Stream == "" {
				noticed += r.Bytes
				notices++
			}
		}
		if noticed == 12 {
			if notices > 2 {
				t.Errorf("%d notices, want at most 2: the first at once, the rest a second later", notices)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes noticed as dropped, want 12; log:\n%s", noticed, log.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
