package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/sim/simulate"
)

func newSimReplayCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "replay TRACE",
		Short: "Print a run's trace, or check it against its model and step through it",
		Long: `Replay reads a trace that sim run --trace wrote (docs/simulation.md, "Trace and
log"; TRACE may be - for standard input) and prints its steps, tick by tick. With
--model it also plays the trace over the model, without agents or chance, checking
that the run could have played every step (the actor free and where the step says,
the action among its choices with the step's risk and time), and prints where each
actor ends up, as sim run does. --step, with --model, prints the actors after each
tick and waits for a line on standard input before the next (q stops), prompting
on stderr.

A trace without a header line, as written before traces had versions, reads as
version 1; a newer version, or a log, is refused. Exit status 1 when the trace does
not fit the model.`,
		Example: `  gatehouse sim run examples/office.model --seed 7 --trace trace.jsonl
  gatehouse sim replay trace.jsonl
  gatehouse sim replay trace.jsonl --model examples/office.model --output json`,
		Args: cobra.ExactArgs(1),
		RunE: runSimReplay,
	}
	cmd.Flags().String("model", "", "the model the trace is of: check the trace against it")
	cmd.Flags().Bool("step", false, "with --model, pause after each tick until a line is read from standard input")
	addOutputFlag(cmd)
	return cmd
}

// replayOutput is sim replay's JSON output.
type replayOutput struct {
	Header simulate.Header  `json:"header"`
	Steps  []simulate.Step  `json:"steps"`
	Result *simulate.Result `json:"result,omitempty"`
}

func runSimReplay(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	path := args[0]
	var in io.Reader = cmd.InOrStdin()
	if path == "-" {
		path = "<stdin>"
	} else {
		file, err := os.Open(path)
		if err != nil {
			return usage("%v", err)
		}
		defer file.Close()
		in = file
	}
	h, steps, err := simulate.ReadTrace(in)
	if err != nil {
		return usage("%s: %v", path, err)
	}
	f := cmd.Flags()
	modelPath, _ := f.GetString("model")
	step, _ := f.GetBool("step")
	if step && (modelPath == "" || asJSON || args[0] == "-") {
		return usage("--step needs --model, text output and a trace file (it reads standard input)")
	}
	w := cmd.OutOrStdout()
	if modelPath == "" {
		if asJSON {
			return printJSON(w, replayOutput{Header: h, Steps: steps})
		}
		return printSteps(w, steps)
	}
	m, sum, err := loadModelSum(cmd, modelPath)
	if err != nil {
		return err
	}
	if h.Model != "" && h.Model != sum {
		fmt.Fprintf(cmd.ErrOrStderr(), "gatehouse: %s was written for another model than %s (its digest differs)\n", path, modelPath)
	}
	var visit func(*simulate.Result) error
	if step {
		lines, next := bufio.NewScanner(cmd.InOrStdin()), 0
		visit = func(res *simulate.Result) error {
			first := next
			for next < len(steps) && steps[next].Tick == steps[first].Tick {
				next++
			}
			printSteps(w, steps[first:next])
			printActors(w, res, h.Agents)
			fmt.Fprint(cmd.ErrOrStderr(), "-- Enter for the next tick, q to stop: ")
			if !lines.Scan() || strings.TrimSpace(lines.Text()) == "q" {
				return errStopReplay
			}
			return nil
		}
	}
	res, err := simulate.Replay(cmd.Context(), m, steps, visit)
	if errors.Is(err, errStopReplay) {
		return nil
	}
	if err != nil {
		return finding("%s: %v", path, err)
	}
	if asJSON {
		return printJSON(w, replayOutput{Header: h, Steps: steps, Result: res})
	}
	if !step {
		printSteps(w, steps)
	}
	fmt.Fprintf(w, "replay ended after %d ticks (%s) with %d steps\n", res.Ticks, res.Reason, res.Steps)
	return printActors(w, res, h.Agents)
}

// errStopReplay stops a replay stepped through when the reader says q.
var errStopReplay = errors.New("replay stopped")

// printSteps writes steps as a table: tick, actor, action and outcome.
func printSteps(w io.Writer, steps []simulate.Step) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TICK\tACTOR\tACTION\tOUTCOME")
	for _, s := range steps {
		what := s.Action + " "
		switch {
		case s.Target != "":
			what += s.Source + " -> " + s.Target
		case s.Possessible != "":
			what += s.Possessible + " at " + s.Source
		default:
			what = s.Action + " at " + s.Source
		}
		if len(s.Credentials) > 0 {
			what += ", with " + strings.Join(s.Credentials, ", ")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Tick, s.Actor, what, s.Outcome)
	}
	return tw.Flush()
}

// printActors writes each actor's state, as sim run does.
func printActors(w io.Writer, res *simulate.Result, agents map[string]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACTOR\tAGENT\tLOCATION\tHOLDS\tREAD\tGOALS")
	for _, a := range res.Actors {
		goals := "-"
		switch {
		case !a.HasGoals:
		case a.GoalsMet == simulate.NotMet:
			goals = "not met"
		default:
			goals = fmt.Sprintf("met at tick %d", a.GoalsMet)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Name, dash(agents[a.Name]), a.Location, dashJoin(a.Holds), dashJoin(a.Read), goals)
	}
	return tw.Flush()
}
