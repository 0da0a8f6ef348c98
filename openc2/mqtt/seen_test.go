package mqtt

import (
	"runtime"
	"testing"
)

// TestSeenSetGrowsWithUse checks that a set of DefaultSeen keys costs
// little until keys are added, and still forgets the oldest beyond n.
func TestSeenSetGrowsWithUse(t *testing.T) {
	var before, after runtime.MemStats
	sets := make([]*seenSet, 100)
	runtime.ReadMemStats(&before)
	for i := range sets {
		sets[i] = newSeenSet(DefaultSeen)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / uint64(len(sets)); per > 16<<10 {
		t.Errorf("an empty set of %d keys takes %d bytes; want at most 16 KiB", DefaultSeen, per)
	}
	s := newSeenSet(2)
	for _, k := range []string{"a", "b", "c"} {
		if !s.add(k) {
			t.Fatalf("add(%q) says seen before", k)
		}
	}
	if s.add("b") || s.add("c") || !s.add("a") {
		t.Error("the set does not keep the last 2 keys and forget the oldest")
	}
	runtime.KeepAlive(sets)
}
