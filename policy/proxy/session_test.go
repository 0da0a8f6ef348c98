package proxy

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// TestSweepSessions forgets the ended sessions that have expired, and only
// those.
func TestSweepSessions(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "sessions.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := &Proxy{sessions: st.Namespace("sessions")}
	now := time.Unix(1_800_000_000, 0)
	for i, exp := range []int64{now.Unix() - 3600, now.Unix(), now.Unix() + 1, now.Unix() + 8*3600} {
		s := session{ID: string(rune('a' + i)), Expires: exp}
		if err := p.sessions.Set(endedKey(&s), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.sweepSessions(now); err != nil {
		t.Fatal(err)
	}
	keys, err := p.sessions.List(nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range keys {
		got = append(got, string(k))
	}
	if want := []string{"000000006b49d201/c", "000000006b4a4280/d"}; !slices.Equal(got, want) {
		t.Errorf("after the sweep the store keeps %q, want %q", got, want)
	}
}
