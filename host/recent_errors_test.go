package host

import (
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

// TestRecentErrorsBounded checks that a plugin keeps its last 10 failed
// calls, newest first, and that the newest is its last error.
func TestRecentErrorsBounded(t *testing.T) {
	p := &Plugin{Manifest: abi.Manifest{Name: "flaky"}}
	if got := p.RecentErrors(); len(got) != 0 {
		t.Fatalf("RecentErrors before any failure = %v, want none", got)
	}
	if ce, _ := p.LastError(); ce != nil {
		t.Fatalf("LastError before any failure = %v, want nil", ce)
	}
	const failures = 25
	for i := range failures {
		p.fail(abi.KindActuator, fmt.Sprintf("c%d", i), abi.Errorf(abi.CodeTrap, "failure %d", i))
	}
	got := p.RecentErrors()
	if len(got) != recentErrorsKept {
		t.Fatalf("RecentErrors after %d failures holds %d, want %d", failures, len(got), recentErrorsKept)
	}
	for j, e := range got {
		i := failures - 1 - j
		if e.Component != fmt.Sprintf("c%d", i) || e.Message != fmt.Sprintf("failure %d", i) || e.Code != abi.CodeTrap || e.Kind != abi.KindActuator {
			t.Errorf("RecentErrors[%d] = %+v, want component c%d, code %s, message \"failure %d\"", j, e, i, abi.CodeTrap, i)
		}
		if j > 0 && e.Time.After(got[j-1].Time) {
			t.Errorf("RecentErrors[%d] at %v is newer than [%d] at %v", j, e.Time, j-1, got[j-1].Time)
		}
	}
	ce, at := p.LastError()
	if ce == nil || ce.Component != got[0].Component || !at.Equal(got[0].Time) {
		t.Errorf("LastError = %v at %v, want the newest recent error %+v", ce, at, got[0])
	}
}
