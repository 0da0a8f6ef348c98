package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/sim/analysis"
	"github.com/gatehouse/gatehouse/sim/plan"
)

func newSimAnalyzeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "analyze FILE",
		Short: "Analyse what each actor can reach and obtain, and where possessibles can end up",
		Long: `Analyze runs the fixpoint analyses of a model: for each actor on its own, the
locations it can reach and the possessibles it can obtain or read, taking on the
way whatever it may take (unless --fixed); which actors can meet each goal; and
where each possessible can end up and who can come to hold it. Actors are
analysed as if the others did nothing. The analysis tells apart up to --max-sets
sets of holdings at each location, exactly; past that it merges them, which is
faster on large models but may overstate, and says so.

For every goal an actor can meet (its own or another's), analyze gives a witness: the plan with the fewest
steps (as sim paths --actor --goal finds it) by which the actor meets it. The plan
counts only the clause the simulator would use, the first the actor meets, so a goal
the analysis calls met may lack one; the witness then says why. --max-states bounds
each plan's search; --no-witnesses leaves the plans out.`,
		Example: `  gatehouse sim analyze examples/office.model
  gatehouse sim analyze examples/social.model --output json`,
		Args: cobra.ExactArgs(1),
		RunE: runSimAnalyze,
	}
	cmd.Flags().Bool("fixed", false, "keep each actor's holdings as they are at the start")
	cmd.Flags().Int("max-sets", analysis.DefaultMaxSets, "the most sets of holdings told apart at a location before they are merged (the result may then overstate)")
	cmd.Flags().Bool("no-witnesses", false, "find no plans for the goals that can be met")
	cmd.Flags().Int("max-states", plan.DefaultMaxStates, "the most states each witness's search tells apart")
	addOutputFlag(cmd)
	return cmd
}

// analyzeReport is the output of sim analyze: the analyses' report and the
// witnesses of the goals that can be met.
type analyzeReport struct {
	*analysis.Report
	Witnesses []plan.Witness `json:"witnesses,omitempty"`
}

func runSimAnalyze(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	m, err := loadModel(cmd, args[0])
	if err != nil {
		return err
	}
	var o analysis.Options
	o.Fixed, _ = cmd.Flags().GetBool("fixed")
	o.MaxSets, _ = cmd.Flags().GetInt("max-sets")
	if o.MaxSets < 1 {
		return usage("--max-sets %d: want at least 1", o.MaxSets)
	}
	bar := progressBar(cmd, asJSON, false, "analyze", int64(len(m.Actors())+len(m.Possessibles())), "actors and possessibles")
	if bar != nil {
		o.Progress = func(done, _ int) { bar.Set(int64(done)) }
	}
	rep := analyzeReport{Report: analysis.Analyze(m, o)}
	bar.Done()
	if off, _ := cmd.Flags().GetBool("no-witnesses"); !off {
		maxStates, _ := cmd.Flags().GetInt("max-states")
		if maxStates < 1 {
			return usage("--max-states %d: want at least 1", maxStates)
		}
		rep.Witnesses = plan.Witnesses(m, rep.Report, plan.Options{MaxStates: maxStates})
	}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), rep)
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTOR\tREACHES\tOBTAINS\tREADS\tGOALS")
	for _, r := range rep.Actors {
		var goals []string
		for _, g := range r.Goals {
			mark := "no"
			if g.Met {
				mark = "yes"
			}
			goals = append(goals, g.Name+": "+mark)
		}
		fmt.Fprintf(tw, "%s\t%d of %d\t%s\t%s\t%s\n", r.Actor, len(r.Locations), len(m.Locations()), dashJoin(r.Obtains), dashJoin(r.Reads), dashJoin(goals))
	}
	for _, r := range rep.Actors {
		if !r.Exact {
			fmt.Fprintf(tw, "(%s: holdings merged past --max-sets; this may overstate)\n", r.Actor)
		}
	}
	fmt.Fprintln(tw, "\nGOAL\tMET BY")
	for _, g := range rep.Goals {
		fmt.Fprintf(tw, "%s\t%s\n", g.Goal, dashJoin(g.Actors))
	}
	fmt.Fprintln(tw, "\nPOSSESSIBLE\tCAN LIE AT\tCAN BE HELD BY")
	for _, s := range rep.Possessibles {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Possessible, dashJoin(s.Locations), dashJoin(s.Holders))
	}
	if len(rep.Witnesses) > 0 {
		fmt.Fprintln(tw, "\nGOAL\tACTOR\tWITNESS (fewest steps)")
		for _, w := range rep.Witnesses {
			how := "none: " + w.Why
			if w.Plan != nil {
				how = fmt.Sprintf("%s  (%d steps)", w.Plan.Route(), len(w.Plan.Steps))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", w.Goal, w.Actor, how)
		}
	}
	return tw.Flush()
}
