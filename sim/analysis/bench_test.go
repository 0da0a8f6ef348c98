package analysis

import (
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/model"
)

// BenchmarkReach analyses the reach of an actor, collecting credentials, on
// fuzzed models of 1,000 and 100,000 locations (3 connections leaving
// each, 20 credentials, 10 documents), with the default bound on the
// holdings told apart and with holdings widened to one set per location.
// The actor is the one of three that reaches the most.
func BenchmarkReach(b *testing.B) {
	for _, n := range []int{1000, 100_000} {
		m, err := fuzz.Generate(fuzz.Options{Locations: n, Density: 3, Credentials: 20, Documents: 10, Roles: 4, Actors: 3, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		actor := widest(b, m)
		for _, sets := range []int{DefaultMaxSets, 1} {
			b.Run(fmt.Sprintf("%d/sets=%d", n, sets), func(b *testing.B) {
				b.ReportAllocs()
				var r *Reachability
				for b.Loop() {
					r, _ = Reach(m, actor, Options{MaxSets: sets})
				}
				b.ReportMetric(float64(len(r.Locations)), "reached")
			})
		}
	}
}

// widest returns the actor of m that reaches the most locations.
func widest(b *testing.B, m *model.Model) string {
	best, most := "", -1
	for _, a := range m.Actors() {
		r, err := Reach(m, a.Name, Options{MaxSets: 1})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Locations) > most {
			best, most = a.Name, len(r.Locations)
		}
	}
	return best
}

// BenchmarkAnalyze runs the whole analysis (every actor's reach, every
// goal, every possessible's spread) on fuzzed models shaped like `sim fuzz`
// output with --reachable (density 2, 3 credentials, 2 documents, 2 roles,
// 3 actors), where every actor reaches every location.
func BenchmarkAnalyze(b *testing.B) {
	for _, n := range []int{1000, 10_000, 100_000} {
		m, err := fuzz.Generate(fuzz.Options{Locations: n, Density: 2, Credentials: 3, Documents: 2, Roles: 2, Actors: 3, Seed: 1, Reachable: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Analyze(m, Options{})
			}
		})
	}
}
