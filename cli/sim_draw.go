package cli

import (
	"bytes"
	"errors"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/sim/dot"
	"github.com/gatehouse/gatehouse/sim/fuzz"
)

func newSimFuzzCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "fuzz",
		Short: "Write a random model",
		Long: `Fuzz writes a random, valid model in the model language: every location reachable
from the first when nothing is locked, more connections up to --density, clauses
with random restrictions, risks, times and log rules, possessibles placed at random
and actors with random roles and goals. The same flags give the same model.`,
		Example: `  gatehouse sim fuzz --locations 20 --actors 3 --seed 7 > random.model
  gatehouse sim fuzz --locations 200 --density 3 | gatehouse sim analyze -`,
		Args: cobra.NoArgs,
		RunE: runSimFuzz,
	}
	f := cmd.Flags()
	f.Int("locations", 10, "number of locations")
	f.Float64("density", 2, "average connections leaving a location (at least 1)")
	f.Int("credentials", 3, "number of credentials")
	f.Int("documents", 2, "number of documents")
	f.Int("roles", 2, "number of roles")
	f.Int("actors", 3, "number of actors")
	f.Uint64("seed", 1, "the seed of the generator")
	f.Bool("exotic", false, "give some names spaces, quotes, backslashes and keyword spellings")
	f.Bool("reachable", false, "join every location to the one it is entered from both ways, open to all, so that every actor can reach every location")
	return cmd
}

func runSimFuzz(cmd *cobra.Command, _ []string) error {
	f := cmd.Flags()
	var o fuzz.Options
	o.Locations, _ = f.GetInt("locations")
	o.Density, _ = f.GetFloat64("density")
	o.Credentials, _ = f.GetInt("credentials")
	o.Documents, _ = f.GetInt("documents")
	o.Roles, _ = f.GetInt("roles")
	o.Actors, _ = f.GetInt("actors")
	o.Seed, _ = f.GetUint64("seed")
	o.Exotic, _ = f.GetBool("exotic")
	o.Reachable, _ = f.GetBool("reachable")
	if err := o.Check(); err != nil {
		return usage("%v", err)
	}
	return fuzz.Write(cmd.OutOrStdout(), o)
}

func newSimDotCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dot FILE",
		Short: "Draw a model as a Graphviz graph",
		Long: `Dot writes a model as a Graphviz digraph: locations with what lies there and who
starts there, connections labelled with their clauses, dashed where nobody may pass
without a credential or role, blue where a clause is logged. --svg renders it with
Graphviz's dot program, which must be installed.`,
		Example: `  gatehouse sim dot examples/office.model > office.dot
  gatehouse sim dot examples/office.model --svg > office.svg`,
		Args: cobra.ExactArgs(1),
		RunE: runSimDot,
	}
	cmd.Flags().Bool("svg", false, "render SVG with Graphviz dot")
	return cmd
}

func runSimDot(cmd *cobra.Command, args []string) error {
	m, err := loadModel(cmd, args[0])
	if err != nil {
		return err
	}
	var src bytes.Buffer
	if err := dot.Write(&src, m); err != nil {
		return err
	}
	if svg, _ := cmd.Flags().GetBool("svg"); !svg {
		_, err := cmd.OutOrStdout().Write(src.Bytes())
		return err
	}
	err = dot.SVG(cmd.Context(), cmd.OutOrStdout(), src.Bytes())
	if errors.Is(err, dot.ErrNoGraphviz) {
		return usage("--svg: %v", err)
	}
	return err
}
