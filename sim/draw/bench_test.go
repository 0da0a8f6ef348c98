package draw

import (
	"io"
	"strconv"
	"testing"

	"github.com/gatehouse/gatehouse/sim/fuzz"
)

// BenchmarkSVG draws fuzzed models of density 2 with 3 actors.
func BenchmarkSVG(b *testing.B) {
	for _, n := range []int{100, 1000, MaxLocations} {
		m, err := fuzz.Generate(fuzz.Options{Locations: n, Density: 2, Credentials: 3, Documents: 2, Roles: 2, Actors: 3, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := SVG(io.Discard, m, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
