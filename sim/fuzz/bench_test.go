package fuzz_test

import (
	"io"
	"testing"

	"github.com/gatehouse/gatehouse/sim/fuzz"
)

// BenchmarkWrite writes a model of 100,000 locations as `sim fuzz` does
// (density 2, 3 credentials, 2 documents, 2 roles, 3 actors), without
// building it.
func BenchmarkWrite(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := fuzz.Write(io.Discard, fuzz.Options{Locations: 100_000, Density: 2, Credentials: 3, Documents: 2, Roles: 2, Actors: 3, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
