package plan

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/sim/fuzz"
)

// BenchmarkFind plans for the first actor with goals of fuzzed models of
// 1,000 and 10,000 locations (3 connections leaving each, 20 credentials,
// 10 documents, 4 roles), by fewest steps and by expected time, and reports
// the states the search told apart.
func BenchmarkFind(b *testing.B) {
	for _, n := range []int{1000, 10_000} {
		m, err := fuzz.Generate(fuzz.Options{Locations: n, Density: 3, Credentials: 20, Documents: 10, Roles: 4, Actors: 3, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		var p Problem
		for _, a := range m.Actors() {
			if len(a.Goals) > 0 {
				p, _ = ForActor(m, a.Name)
				break
			}
		}
		for _, c := range []Criterion{Steps, Expected} {
			b.Run(fmt.Sprintf("%d/%s", n, c), func(b *testing.B) {
				b.ReportAllocs()
				var states int
				for b.Loop() {
					s, err := newSearch(m, p, Options{Criterion: c})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := s.run(context.Background()); err != nil && !errors.Is(err, ErrNoPlan) {
						b.Fatal(err)
					}
					states = len(s.loc)
				}
				b.ReportMetric(float64(states), "states")
			})
		}
	}
}
