package cli

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/sim/dot"
	"github.com/gatehouse/gatehouse/sim/draw"
	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/simulate"
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
		Short: "Write a model as a Graphviz graph",
		Long: `Dot writes a model as a Graphviz digraph: locations with what lies there and who
starts there, connections labelled with their clauses, dashed where nobody may pass
without a credential or role, blue where a clause is logged. --svg renders it with
Graphviz's dot program, which must be installed; sim draw draws without Graphviz.`,
		Example: `  gatehouse sim dot examples/office.model -o office.dot
  gatehouse sim dot examples/office.model --svg > office.svg`,
		Args: cobra.ExactArgs(1),
		RunE: runSimDot,
	}
	cmd.Flags().Bool("svg", false, "render SVG with Graphviz dot")
	addOutFlag(cmd)
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
	return writeOut(cmd, func(w io.Writer) error {
		if svg, _ := cmd.Flags().GetBool("svg"); !svg {
			_, err := w.Write(src.Bytes())
			return err
		}
		err := dot.SVG(cmd.Context(), w, src.Bytes())
		if errors.Is(err, dot.ErrNoGraphviz) {
			return usage("--svg: %v, or draw with gatehouse sim draw", err)
		}
		return err
	})
}

func newSimDrawCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "draw FILE",
		Short: "Draw a model as an SVG picture",
		Long: `Draw writes a picture of a model as SVG, laid out without Graphviz. Locations
are grouped into zones, the sets of locations anyone can walk between freely (no
credential, role or risk); zones are laid out in rows by their distance from where
most actors start. Each location shows what lies there, who is there and whose goal
it is; each connection is styled by who may pass and labelled with its clauses'
requirements, two-way connections with the same clauses drawn once. A legend, and
tables of the actors and of the possessibles with their policies, come with it.

--trace and --tick show a moment of a run: where the actors are and what they hold
after tick N of a trace written by sim run --trace, played over the model as sim
replay --model does; a trace the model's run could not have written is refused.

--plan highlights a plan: a JSON array of location names, in the order the plan
visits them, each reachable from the one before by a connection (["street",
"lobby", "office"]); or a witness plan of sim/plan, or the output of sim paths
--actor X --goal G --output json, whose shortest plan is drawn with a table of its
steps.`,
		Example: `  gatehouse sim draw examples/office.model -o office.svg
  gatehouse sim run examples/datacentre.model --ticks 20 --trace trace.jsonl > /dev/null
  gatehouse sim draw examples/datacentre.model --trace trace.jsonl --tick 10 -o datacentre.svg
  echo '["street", "reception", "open plan", "manager office"]' | gatehouse sim draw examples/office.model --plan - -o plan.svg
  gatehouse sim paths examples/office.model --actor mallory --goal payroll --output json > plans.json
  gatehouse sim draw examples/office.model --plan plans.json -o mallory.svg`,
		Args: cobra.ExactArgs(1),
		RunE: runSimDraw,
	}
	f := cmd.Flags()
	f.String("trace", "", "show the run of this trace (JSON lines from sim run --trace) at --tick")
	f.Int64("tick", 0, "the tick of --trace to show: its state after that tick's steps")
	f.String("plan", "", "highlight the plan in this file (- for standard input): a JSON array of location names, or witnesses of sim paths --goal")
	f.String("title", "", "a title above the picture (default: the model file's name, none for standard input)")
	addOutFlag(cmd)
	return cmd
}

func runSimDraw(cmd *cobra.Command, args []string) error {
	f := cmd.Flags()
	if f.Changed("tick") && !f.Changed("trace") {
		return usage("--tick needs --trace")
	}
	if plan, _ := f.GetString("plan"); plan == "-" && args[0] == "-" {
		return usage("--plan -: standard input holds the model already")
	}
	m, err := loadModel(cmd, args[0])
	if err != nil {
		return err
	}
	o := draw.Options{Title: args[0]}
	if args[0] == "-" {
		o.Title = ""
	}
	if f.Changed("title") {
		o.Title, _ = f.GetString("title")
	}
	if path, _ := f.GetString("trace"); path != "" {
		tick, _ := f.GetInt64("tick")
		if tick < 0 {
			return usage("--tick %d: ticks count from 0", tick)
		}
		file, err := os.Open(path)
		if err != nil {
			return usage("--trace: %v", err)
		}
		defer file.Close()
		_, steps, err := simulate.ReadTrace(file)
		if err != nil {
			return usage("--trace %s: %v", path, err)
		}
		if o.State, err = draw.At(cmd.Context(), m, steps, tick); err != nil {
			return usage("--trace %s: %v", path, err)
		}
		o.Title += " at tick " + strconv.FormatInt(tick, 10)
	}
	if path, _ := f.GetString("plan"); path != "" {
		var r io.Reader = cmd.InOrStdin()
		if path != "-" {
			file, err := os.Open(path)
			if err != nil {
				return usage("--plan: %v", err)
			}
			defer file.Close()
			r = file
		}
		if o.Plan, err = draw.ReadPlan(m, r); err != nil {
			return usage("--plan %s: %v", path, err)
		}
	}
	return writeOut(cmd, func(w io.Writer) error {
		if err := draw.SVG(w, m, o); err != nil {
			return usage("%v", err)
		}
		return nil
	})
}

// addOutFlag adds -o/--out, the file to write instead of standard output.
func addOutFlag(cmd *cobra.Command) {
	cmd.Flags().StringP("out", "o", "", "write to this file instead of standard output")
}

// writeOut calls write with the file of --out, or standard output. A file
// is only created once write succeeds, so a failure leaves no half file.
func writeOut(cmd *cobra.Command, write func(io.Writer) error) error {
	path, _ := cmd.Flags().GetString("out")
	if path == "" {
		return write(cmd.OutOrStdout())
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return usage("--out: %v", err)
	}
	return nil
}
