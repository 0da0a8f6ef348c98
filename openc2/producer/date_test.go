package producer

import (
	"net/http"
	"testing"
	"time"
)

// TestDateHeaderPerSecond checks that the Date header names the second it
// is asked for, also when the second before was asked for last.
func TestDateHeaderPerSecond(t *testing.T) {
	t0 := time.Date(2026, 12, 8, 2, 30, 0, 100, time.UTC)
	for _, now := range []time.Time{t0, t0.Add(500 * time.Millisecond), t0.Add(time.Second), t0.In(time.FixedZone("x", 3600))} {
		got := dateHeader(now)
		if want := now.UTC().Format(http.TimeFormat); len(got) != 1 || got[0] != want {
			t.Errorf("dateHeader(%v) = %q, want [%q]", now, got, want)
		}
	}
}
