// Package storetest damages store files for the tests of the store and
// of its users, as a failing disk or a bad restore would.
package storetest

import (
	"math/rand/v2"
	"os"
	"testing"
)

// Damage overwrites the pages of file from page first on (page 0 and 1 are
// the meta pages) with bytes drawn from seed.
func Damage(t testing.TB, file string, first int, seed uint64) {
	t.Helper()
	f, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	start := int64(first * os.Getpagesize())
	if fi.Size() <= start {
		t.Fatalf("damage %s: it has no page %d", file, first)
	}
	junk := make([]byte, fi.Size()-start)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}
	if _, err := f.WriteAt(junk, start); err != nil {
		t.Fatal(err)
	}
}
