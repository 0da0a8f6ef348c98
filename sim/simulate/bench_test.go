package simulate_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// BenchmarkRun simulates a fuzzed model of 1,000 locations and 100 actors
// for 2,000 ticks with each built-in agent, and reports agent steps (Act
// calls, each played out) per second; the resets of the agents are part of
// every run.
func BenchmarkRun(b *testing.B) {
	m, err := fuzz.Generate(fuzz.Options{Locations: 1000, Density: 3, Credentials: 20, Documents: 10, Roles: 4, Actors: 100, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"random", "shortest"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var steps int64
			for b.Loop() {
				res, err := simulate.Run(context.Background(), m, simulate.Config{Seed: 1, Ticks: 2000, Agent: builtin(name)}) // a new team per run
				if err != nil {
					b.Fatal(err)
				}
				steps += res.Steps
			}
			b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
			b.ReportMetric(float64(steps)/float64(b.N), "steps/run")
		})
	}
}
