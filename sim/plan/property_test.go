package plan_test

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/sim/analysis"
	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/plan"
)

// TestPlansReplayOnGeneratedModels checks every plan found for the actors
// of generated models against the simulator and the analysis: played out,
// trying failed steps again, the plan meets the actor's goals; each goal
// it meets is one the analysis says the actor can meet; and a goal the
// exact analysis says it cannot meet has no plan.
func TestPlansReplayOnGeneratedModels(t *testing.T) {
	plans := 0
	for seed := range uint64(40) {
		m, err := fuzz.Generate(fuzz.Options{Locations: 25, Density: 2, Credentials: 4, Documents: 3, Roles: 2, Actors: 4, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range m.Actors() {
			if len(a.Goals) == 0 {
				continue
			}
			reach, err := analysis.Reach(m, a.Name, analysis.Options{})
			if err != nil {
				t.Fatal(err)
			}
			canMeetAll := true
			for _, g := range reach.Goals {
				canMeetAll = canMeetAll && g.Met
			}
			for _, c := range []plan.Criterion{plan.Steps, plan.Time, plan.Risk, plan.Expected} {
				p, err := find(t, m, a.Name, plan.Options{Criterion: c}, nil)
				if errors.Is(err, plan.ErrNoPlan) {
					continue
				}
				if err != nil {
					t.Fatalf("seed %d, %s: %v", seed, a.Name, err)
				}
				if !canMeetAll {
					t.Fatalf("seed %d: %s has a plan for goals %v the analysis says it cannot meet:\n%v", seed, a.Name, a.Goals, lines(p))
				}
				plans++
				t.Run("", func(t *testing.T) { replay(t, m, p) })
			}
		}
	}
	if plans < 20 {
		t.Errorf("only %d plans found: the generated models test too little", plans)
	}
}
