package paths

import (
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/model"
)

// BenchmarkFind finds a shortest path from the first to the last location
// of fuzzed models of 1,000 and 100,000 locations (3 connections leaving
// each), across every connection and as an actor with no credentials.
func BenchmarkFind(b *testing.B) {
	for _, n := range []int{1000, 100_000} {
		m, err := fuzz.Generate(fuzz.Options{Locations: n, Density: 3, Credentials: 20, Roles: 4, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		for _, rule := range []struct {
			name string
			r    Rule
		}{{"all", All}, {"holding", Holding(model.NewSet(20), nil)}} {
			b.Run(fmt.Sprintf("%d/%s", n, rule.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					Find(m, 0, n-1, rule.r)
				}
			})
		}
	}
}

// BenchmarkList lists up to 1,000 simple paths from the first to the last
// location of fuzzed models of 10,000 and 100,000 locations (density 2),
// at most 4 connections longer than the shortest, as `sim paths --all`
// does by default.
func BenchmarkList(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		m, err := fuzz.Generate(fuzz.Options{Locations: n, Density: 2, Credentials: 3, Documents: 2, Roles: 2, Actors: 3, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		p, ok := Find(m, 0, n-1, All)
		if !ok {
			b.Fatal("no path")
		}
		lim := Limits{MaxDepth: len(p) - 1 + 4, MaxPaths: 1000}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			var found int
			for b.Loop() {
				found = List(m, 0, n-1, All, lim, func([]int) bool { return true })
			}
			b.ReportMetric(float64(found), "paths")
		})
	}
}
