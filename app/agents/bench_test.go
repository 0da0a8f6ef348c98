package agents_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/app/agents"
	"github.com/gatehouse/gatehouse/internal/cputime"
	"github.com/gatehouse/gatehouse/plugins-src/tck"
	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// BenchmarkRun simulates the model of simulate's BenchmarkRun (1,000
// locations, 100 actors, 2,000 ticks) with every actor played by the
// greedy agent of the basics plugins of C, Go, Rust, Zig and
// AssemblyScript through one session,
// and reports agent steps (plugin calls of gatehouse_agent_act, each
// played out) per second and per second of CPU time; the 100 resets are
// part of every run.
func BenchmarkRun(b *testing.B) {
	m, err := fuzz.Generate(fuzz.Options{Locations: 1000, Density: 3, Credentials: 20, Documents: 10, Roles: 4, Actors: 100, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"c-basics", "basics", "rs-basics", "zig-basics", "as-basics"} {
		b.Run(name, func(b *testing.B) {
			s := greedySession(b, basicsPlugin(b, name))
			b.ReportAllocs()
			var steps int64
			cpu := cputime.Used(b)
			for b.Loop() {
				newAgent := agents.Agents(s) // as a server's run does
				res, err := simulate.Run(b.Context(), m, simulate.Config{Seed: 1, Ticks: 2000,
					Agent: func(string) (simulate.Agent, error) { return newAgent(), nil }})
				if err != nil {
					b.Fatal(err)
				}
				steps += res.Steps
			}
			b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
			b.ReportMetric(float64(steps)/(cputime.Used(b)-cpu).Seconds(), "steps/cpu-s")
			b.ReportMetric(float64(steps)/float64(b.N), "steps/run")
		})
	}
}

// basicsPlugin returns the basics plugin of that name.
func basicsPlugin(t testing.TB, name string) tck.Plugin {
	for _, p := range tck.Load(t, tck.BasicsSuite).Plugins {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no basics plugin %q", name)
	return tck.Plugin{}
}
