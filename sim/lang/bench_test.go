package lang_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/lang"
)

// BenchmarkParse parses and checks models written by `sim fuzz` (density
// 2, 3 credentials, 2 documents, 2 roles, 3 actors) of 10,000 and 100,000
// locations, and reports the bytes allocated per location.
func BenchmarkParse(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		var src bytes.Buffer
		if err := fuzz.Write(&src, fuzz.Options{Locations: n, Density: 2, Credentials: 3, Documents: 2, Roles: 2, Actors: 3, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := lang.Parse(src.Bytes()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/location")
		})
	}
}
