package progress

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// clock is a time source the test moves.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTestBar(w *bytes.Buffer, total int64) (*Bar, *clock) {
	c := &clock{t: time.Unix(1000, 0)}
	b := New(w, "run", total, "ticks")
	b.now, b.start = c.now, c.t
	return b, c
}

func TestBar(t *testing.T) {
	var out bytes.Buffer
	b, c := newTestBar(&out, 200)
	b.Set(10)
	if out.Len() != 0 {
		t.Fatalf("drawn before the delay: %q", out.String())
	}
	c.t = c.t.Add(Delay)
	b.Set(50)
	if want := "\rrun [=======                       ]  25% 50/200 ticks 1s\x1b[K"; out.String() != want {
		t.Fatalf("drawn %q, want %q", out.String(), want)
	}
	out.Reset()
	c.t = c.t.Add(every / 2)
	b.Set(60)
	if out.Len() != 0 {
		t.Fatalf("redrawn too soon: %q", out.String())
	}
	c.t = c.t.Add(every + time.Second)
	b.Set(200)
	if want := "\rrun [==============================] 100% 200/200 ticks 2s\x1b[K"; out.String() != want {
		t.Fatalf("drawn %q, want %q", out.String(), want)
	}
	out.Reset()
	b.Done()
	if out.String() != "\r\x1b[K" {
		t.Fatalf("done wrote %q", out.String())
	}
}

func TestBarOfUnknownTotal(t *testing.T) {
	var out bytes.Buffer
	b, c := newTestBar(&out, 0)
	c.t = c.t.Add(3 * time.Second)
	b.Set(1234)
	if want := "\rrun 1234 ticks 3s\x1b[K"; out.String() != want {
		t.Fatalf("drawn %q, want %q", out.String(), want)
	}
}

func TestShortWorkShowsNothing(t *testing.T) {
	var out bytes.Buffer
	b, _ := newTestBar(&out, 10)
	b.Set(10)
	b.Done()
	if out.Len() != 0 {
		t.Fatalf("wrote %q", out.String())
	}
}

func TestNilBar(t *testing.T) {
	b := New(nil, "run", 10, "ticks")
	b.Set(5) // no panic
	b.Done()
}

type failing struct{ writes int }

func (f *failing) Write([]byte) (int, error) { f.writes++; return 0, errors.New("closed") }

func TestStopsAfterAFailedWrite(t *testing.T) {
	f := &failing{}
	c := &clock{t: time.Unix(1000, 0)}
	b := New(f, "run", 10, "ticks")
	b.now, b.start = c.now, c.t
	for i := range int64(5) {
		c.t = c.t.Add(time.Second)
		b.Set(i)
	}
	b.Done()
	if f.writes != 1 {
		t.Errorf("%d writes, want 1", f.writes)
	}
}
