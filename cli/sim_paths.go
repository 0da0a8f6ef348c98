package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/paths"
	"github.com/gatehouse/gatehouse/sim/plan"
)

func newSimPathsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "paths FILE --from LOCATION --to LOCATION | --actor ACTOR --goal GOAL",
		Short: "Find paths between two locations, or an actor's plans to meet goals",
		Long: `Paths finds the shortest path (fewest connections), the fastest (least time),
the likeliest (least risk) and the shortest path that leaves no log entry, or with
--all lists every simple path. Without --actor every connection counts whatever it
requires; with --actor only the clauses the actor's roles and holdings at the
start meet (it takes nothing on the way). Exit status 1 when there is no path.

With --actor and --goal (a location, a possessible to hold or a document to read;
repeatable, all to be met), paths finds the actor's plans instead: the shortest,
fastest, likeliest and unlogged sequences of moves, takes and reads, from --from
(default: where the actor starts), that pick up on the way the credentials they need.
Each action is one the simulator would offer, with the risk and time it would have,
so a plan played out in sim run succeeds when no risk strikes. The search tells
apart at most --max-states states (location and holdings) and says when it stops
there.

--all lists paths as it finds them, depth first, up to --max-paths paths of at most
--max-depth connections; by default a path may have 4 connections more than the
shortest. With --output json it writes JSON lines: one {"path": [...], "steps": N}
per path, then {"count": N, "limited": BOOL, "max_depth": N}, where limited says
that --max-paths stopped the listing.`,
		Example: `  gatehouse sim paths examples/office.model --from street --to "manager office"
  gatehouse sim paths examples/office.model --from street --to "manager office" --actor mallory
  gatehouse sim paths examples/datacentre.model --from gate --to cage --all --max-depth 6 --output json
  gatehouse sim paths examples/datacentre.model --actor tech --goal cage
  gatehouse sim paths examples/datacentre.model --actor intruder --goal "rack inventory" --output json`,
		Args: cobra.ExactArgs(1),
		RunE: runSimPaths,
	}
	f := cmd.Flags()
	f.String("from", "", "the location to start from (required unless --goal)")
	f.String("to", "", "the location to reach (required unless --goal)")
	f.StringArray("goal", nil, "with --actor, a goal to plan for: a location, possessible or document (repeatable)")
	f.Int("max-states", plan.DefaultMaxStates, "with --goal, the most states a plan's search tells apart")
	f.String("actor", "", "count only what this actor may cross")
	f.Bool("all", false, "list every simple path")
	f.Int("max-depth", 0, "with --all, the most connections a path may have (default: 4 more than the shortest path; 0: no limit)")
	f.Int("max-paths", 1000, "with --all, the most paths to list (0: no limit)")
	addOutputFlag(cmd)
	return cmd
}

// foundPath is a path in the output of sim paths.
type foundPath struct {
	Path   []string `json:"path"`
	Steps  int      `json:"steps"`
	Time   *int64   `json:"time,omitempty"`
	Chance *float64 `json:"chance,omitempty"`
}

func runSimPaths(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	m, err := loadModel(cmd, args[0])
	if err != nil {
		return err
	}
	f := cmd.Flags()
	if goals, _ := f.GetStringArray("goal"); len(goals) > 0 {
		return runSimPlans(cmd, m, args[0], goals, asJSON)
	}
	ends := [2]int{}
	for i, flag := range []string{"from", "to"} {
		name, _ := f.GetString(flag)
		if name == "" {
			return usage("--%s is required (or --actor and --goal)", flag)
		}
		if ends[i], err = location(m, name); err != nil {
			return usage("--%s: %v", flag, err)
		}
	}
	rule := paths.All
	if actor, _ := f.GetString("actor"); actor != "" {
		id, ok := m.ActorID(actor)
		if !ok {
			return usage("--actor: no actor %q in %s", actor, args[0])
		}
		a := m.Actors()[id]
		rule = paths.Holding(m.Holdings(a.Holds), m.RoleSet(a.Roles))
	}
	if all, _ := f.GetBool("all"); all {
		return listPaths(cmd, m, ends, rule, asJSON)
	}
	found := map[string]*foundPath{}
	if p, ok := paths.Find(m, ends[0], ends[1], rule); ok {
		found["shortest"] = newFoundPath(m, p)
	}
	if p, time, ok := paths.Fastest(m, ends[0], ends[1], rule); ok {
		found["fastest"] = newFoundPath(m, p)
		found["fastest"].Time = &time
	}
	if p, chance, ok := paths.Likeliest(m, ends[0], ends[1], rule); ok {
		found["likeliest"] = newFoundPath(m, p)
		found["likeliest"].Chance = &chance
	}
	if p, ok := paths.Find(m, ends[0], ends[1], paths.Unlogged(rule)); ok {
		found["unlogged"] = newFoundPath(m, p)
	}
	if asJSON {
		if err := printJSON(cmd.OutOrStdout(), found); err != nil {
			return err
		}
	} else {
		w := cmd.OutOrStdout()
		for _, kind := range []string{"shortest", "fastest", "likeliest", "unlogged"} {
			p := found[kind]
			if p == nil {
				fmt.Fprintf(w, "%-10s none\n", kind)
				continue
			}
			detail := fmt.Sprintf("%d steps", p.Steps)
			switch {
			case p.Time != nil:
				detail = fmt.Sprintf("time %d", *p.Time)
			case p.Chance != nil:
				detail = fmt.Sprintf("%.4g%% success", *p.Chance*100)
			}
			fmt.Fprintf(w, "%-10s %s  (%s)\n", kind, strings.Join(p.Path, " -> "), detail)
		}
	}
	if found["shortest"] == nil {
		if actor, _ := f.GetString("actor"); actor != "" {
			return finding("no path from %s to %s for %s with what it holds at the start (--goal %q plans to pick up what it needs)",
				m.Locations()[ends[0]], m.Locations()[ends[1]], actor, m.Locations()[ends[1]])
		}
		return finding("no path from %s to %s", m.Locations()[ends[0]], m.Locations()[ends[1]])
	}
	return nil
}

// depthSlack is how many connections more than the shortest path a path
// listed by --all may have when --max-depth is not given.
const depthSlack = 4

// listedPaths ends the JSON lines of sim paths --all.
type listedPaths struct {
	Count    int  `json:"count"`
	Limited  bool `json:"limited"`
	MaxDepth int  `json:"max_depth"` // 0: no limit
}

func listPaths(cmd *cobra.Command, m *model.Model, ends [2]int, rule paths.Rule, asJSON bool) error {
	f := cmd.Flags()
	var lim paths.Limits
	lim.MaxDepth, _ = f.GetInt("max-depth")
	lim.MaxPaths, _ = f.GetInt("max-paths")
	if lim.MaxDepth < 0 || lim.MaxPaths < 0 {
		return usage("--max-depth and --max-paths must not be negative")
	}
	if !f.Changed("max-depth") {
		p, ok := paths.Find(m, ends[0], ends[1], rule)
		if !ok {
			return finding("no path from %s to %s", m.Locations()[ends[0]], m.Locations()[ends[1]])
		}
		lim.MaxDepth = len(p) - 1 + depthSlack
	}
	w := bufio.NewWriter(cmd.OutOrStdout())
	enc := json.NewEncoder(w)
	bar, found := progressBar(cmd, asJSON, true, "paths", int64(lim.MaxPaths), "paths"), int64(0)
	var err error
	n := paths.List(m, ends[0], ends[1], rule, lim, func(p []int) bool {
		found++
		bar.Set(found)
		fp := newFoundPath(m, p)
		if asJSON {
			err = enc.Encode(fp)
		} else {
			_, err = fmt.Fprintln(w, strings.Join(fp.Path, " -> "))
		}
		return err == nil
	})
	bar.Done()
	if err != nil {
		return err
	}
	if asJSON {
		err = enc.Encode(listedPaths{Count: n, Limited: lim.MaxPaths > 0 && n == lim.MaxPaths, MaxDepth: lim.MaxDepth})
	} else {
		_, err = fmt.Fprintf(w, "%d paths\n", n)
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return err
	}
	if n == 0 {
		return finding("no path from %s to %s", m.Locations()[ends[0]], m.Locations()[ends[1]])
	}
	return nil
}

func newFoundPath(m *model.Model, p []int) *foundPath {
	out := &foundPath{Steps: len(p) - 1}
	for _, v := range p {
		out.Path = append(out.Path, m.Locations()[v])
	}
	return out
}

// location returns the id of a location of m.
func location(m *model.Model, name string) (int, error) {
	id, ok := m.LocationID(name)
	if !ok {
		return 0, fmt.Errorf("no location %q", name)
	}
	return id, nil
}
