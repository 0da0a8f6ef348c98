package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/plan"
)

// runSimPlans prints the plans of sim paths --actor --goal: each kind's
// plan, or why there is none.
func runSimPlans(cmd *cobra.Command, m *model.Model, file string, goals []string, asJSON bool) error {
	f := cmd.Flags()
	actor, _ := f.GetString("actor")
	if actor == "" {
		return usage("--goal needs --actor: the actor whose plans to find")
	}
	if to, _ := f.GetString("to"); to != "" {
		return usage("--to and --goal: give the location as a --goal")
	}
	pr, err := plan.ForActor(m, actor)
	if err != nil {
		return usage("--actor: %v in %s", err, file)
	}
	pr.Goals = goals
	for _, g := range goals {
		if k, ok := m.Kind(g); !ok || k != model.KindLocation && !k.Possessible() {
			return usage("--goal: no location or possessible %q in %s", g, file)
		}
	}
	if from, _ := f.GetString("from"); from != "" {
		if _, err := location(m, from); err != nil {
			return usage("--from: %v", err)
		}
		pr.From = from
	}
	maxStates, _ := f.GetInt("max-states")
	if maxStates < 1 {
		return usage("--max-states %d: want at least 1", maxStates)
	}
	found := map[string]*plan.Plan{}
	var bound *plan.BoundError
	w := cmd.OutOrStdout()
	for _, k := range plan.Kinds {
		o := k.Options
		o.MaxStates = maxStates
		p, err := plan.Find(m, pr, o)
		found[k.Name] = p
		switch {
		case errors.As(err, &bound):
		case err != nil && !errors.Is(err, plan.ErrNoPlan):
			return usage("%v", err)
		}
		if asJSON {
			continue
		}
		if err != nil {
			fmt.Fprintf(w, "%s: none: %v\n", k.Name, err)
			continue
		}
		if err := p.Format(w); err != nil {
			return err
		}
	}
	if asJSON {
		if err := printJSON(w, found); err != nil {
			return err
		}
	}
	if found["shortest"] == nil {
		if bound != nil {
			return finding("no plan for %s found within --max-states %d", actor, maxStates)
		}
		return finding("%s has no plan to meet %s", actor, dashJoin(goals))
	}
	return nil
}
