package plan

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/sim/analysis"
	"github.com/gatehouse/gatehouse/sim/model"
)

// Witness is the plan by which an actor meets a goal that an analysis
// says it can meet, or why there is none.
type Witness struct {
	Actor string `json:"actor"`
	Goal  string `json:"goal"`
	Plan  *Plan  `json:"plan"`
	// Why says why Plan is nil: the search reached its bound, or no plan
	// exists under the simulator's rules (the analysis counts every clause
	// the actor meets, and may overstate when it widened; the simulator
	// uses the first clause the actor meets).
	Why string `json:"why,omitempty"`
}

// Witnesses returns a witness for each actor that rep, an analysis of m,
// says can meet a goal, goal by goal in the order of rep.Goals.
func Witnesses(m *model.Model, rep *analysis.Report, o Options) []Witness {
	out, _ := WitnessesContext(context.Background(), m, rep, o)
	return out
}

// WitnessesContext is Witnesses that gives up once ctx is done, with an
// error naming the witness cut short and wrapping ctx's.
func WitnessesContext(ctx context.Context, m *model.Model, rep *analysis.Report, o Options) ([]Witness, error) {
	out := []Witness{}
	for _, g := range rep.Goals {
		for _, actor := range g.Actors {
			w := Witness{Actor: actor, Goal: g.Goal}
			p, err := ForActor(m, actor)
			if err == nil {
				p.Goals = []string{g.Goal}
				w.Plan, err = FindContext(ctx, m, p, o)
			}
			if ctx.Err() != nil {
				return nil, fmt.Errorf("witness of %s meeting %s: %w", actor, g.Goal, ctx.Err())
			}
			if err != nil {
				w.Why = err.Error()
			}
			out = append(out, w)
		}
	}
	return out, nil
}
