package codecache

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	sumA = strings.Repeat("a", 64)
	sumB = strings.Repeat("b", 64)
	sumC = strings.Repeat("c", 64)
)

// folders returns the names in root.
func folders(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func newCaches(t *testing.T, root string) *Caches {
	t.Helper()
	c, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func acquire(t *testing.T, c *Caches, sum string) {
	t.Helper()
	if _, err := c.Acquire(sum); err != nil {
		t.Fatal(err)
	}
}

// TestRelease checks that a content's folder outlives all but its last
// reference, that it stays when released without evict or while another
// Caches on the root (another process) uses it, and goes otherwise.
func TestRelease(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	c, other := newCaches(t, root), newCaches(t, root)
	acquire(t, c, sumA)
	acquire(t, c, sumA)
	acquire(t, c, sumB)
	acquire(t, other, sumB)
	acquire(t, c, sumC)

	c.Release(ctx, sumA, true)
	c.Release(ctx, sumB, true)
	c.Release(ctx, sumC, false)
	if got, want := folders(t, root), []string{sumA, sumB, sumC}; !slices.Equal(got, want) {
		t.Fatalf("after releases that leave every folder in use or kept: %v, want %v", got, want)
	}
	c.Release(ctx, sumA, true)
	other.Release(ctx, sumB, true)
	if got, want := folders(t, root), []string{sumC}; !slices.Equal(got, want) {
		t.Errorf("after the last releases with evict: %v, want %v", got, want)
	}
	c.Release(ctx, sumA, true) // one too many: nothing happens
}

// TestSweep checks that Sweep removes the folders of contents no Caches
// uses and none used lately, and keeps those in use, by it or another,
// those used lately, and what it did not write.
func TestSweep(t *testing.T) {
	root := t.TempDir()
	sumD := strings.Repeat("d", 64)
	old := time.Now().Add(-2 * time.Hour)
	for _, name := range []string{sumA, sumB, sumC, sumD, "notes"} {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if name != sumD {
			if err := os.Chtimes(dir, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	c, other := newCaches(t, root), newCaches(t, root)
	acquire(t, c, sumA)
	acquire(t, other, sumB)
	if err := c.Sweep(time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, want := folders(t, root), []string{sumA, sumB, sumD, "notes"}; !slices.Equal(got, want) {
		t.Errorf("after Sweep: %v, want %v (c unused for hours, d used recently)", got, want)
	}
	if _, err := c.Acquire("../x"); err == nil {
		t.Error("Acquire of a name that is no SHA-256 succeeded")
	}
}

// TestInMemory checks that caches without a root write nothing.
func TestInMemory(t *testing.T) {
	c := newCaches(t, "")
	acquire(t, c, sumA)
	c.Release(context.Background(), sumA, true)
	if err := c.Sweep(0); err != nil {
		t.Fatal(err)
	}
}
