package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/sim/analysis"
)

func newSimAnalyzeCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "analyze FILE",
		Short: "Analyse what each actor can reach and obtain, and where possessibles can end up",
		Long: `Analyze runs the fixpoint analyses of a model: for each actor on its own, the
locations it can reach and the possessibles it can obtain or read, taking on the
way whatever it may take (unless --fixed); which actors can meet each goal; and
where each possessible can end up and who can come to hold it. Actors are
analysed as if the others did nothing.`,
		Example: `  gatehouse sim analyze examples/office.model
  gatehouse sim analyze examples/social.model --output json`,
		Args: cobra.ExactArgs(1),
		RunE: runSimAnalyze,
	}
	cmd.Flags().Bool("fixed", false, "keep each actor's holdings as they are at the start")
	addOutputFlag(cmd)
	return cmd
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
	fixed, _ := cmd.Flags().GetBool("fixed")
	rep := analysis.Analyze(m, analysis.Options{Fixed: fixed})
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
	fmt.Fprintln(tw, "\nGOAL\tMET BY")
	for _, g := range rep.Goals {
		fmt.Fprintf(tw, "%s\t%s\n", g.Goal, dashJoin(g.Actors))
	}
	fmt.Fprintln(tw, "\nPOSSESSIBLE\tCAN LIE AT\tCAN BE HELD BY")
	for _, s := range rep.Possessibles {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Possessible, dashJoin(s.Locations), dashJoin(s.Holders))
	}
	return tw.Flush()
}
