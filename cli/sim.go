package cli

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gatehouse/gatehouse/cli/internal/progress"
	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
)

func newSimCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Check, analyse, simulate and draw socio-technical security models",
		Long: `The sim commands read models written in the model language (docs/model-language.md):
locations joined by guarded connections, credentials and documents, and actors
with roles, holdings and goals. FILE may be - for standard input.

Long work (sim run, sim analyze, sim paths --all) shows a progress bar on stderr
after a second when stderr is a terminal, unless --no-progress or --output json
is given.`,
		Example: `  gatehouse sim check examples/office.model
  gatehouse sim paths examples/office.model --from street --to "manager office" --actor mallory
  gatehouse sim run examples/office.model --seed 7 --log log.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.PersistentFlags().Bool("no-progress", false, "show no progress bar")
	cmd.AddCommand(newSimCheckCommand(), newSimPathsCommand(), newSimAnalyzeCommand(), newSimRunCommand(),
		newSimFuzzCommand(), newSimDotCommand(), newSimDrawCommand(), newSimReplayCommand())
	return cmd
}

// loadModel reads and parses the model file path ("-" for stdin). Errors
// name the file, line and column, and exit with ExitUsage; those of a
// model that does not parse or resolve are a *modelError.
func loadModel(cmd *cobra.Command, path string) (*model.Model, error) {
	m, _, err := loadModelSum(cmd, path)
	return m, err
}

// loadModelSum is loadModel that also returns the model source's digest,
// "sha256:" and its hex SHA-256, as trace headers give it.
func loadModelSum(cmd *cobra.Command, path string) (*model.Model, string, error) {
	var src []byte
	var err error
	if path == "-" {
		src, err = io.ReadAll(cmd.InOrStdin())
		path = "<stdin>"
	} else {
		src, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, "", usage("%v", err)
	}
	m, err := lang.Parse(src)
	var list lang.ErrorList
	if errors.As(err, &list) {
		return nil, "", &exitError{ExitUsage, &modelError{path, list}}
	}
	return m, fmt.Sprintf("sha256:%x", sha256.Sum256(src)), err
}

// modelError is the errors of a model file that does not parse or
// resolve: bad input to the sim commands that use the model, the finding
// of sim check.
type modelError struct {
	path string
	list lang.ErrorList
}

// Error returns each error on a line, after the file's name.
func (e *modelError) Error() string {
	lines := make([]string, len(e.list))
	for i, le := range e.list {
		lines[i] = e.path + ":" + le.Error()
	}
	return strings.Join(lines, "\n")
}

func newSimCheckCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check FILE",
		Short: "Check a model file and count what it declares",
		Long: `Check parses a model and resolves its names. Errors name the file, line and
column; exit status 1 when there is any, 2 when the file cannot be read.`,
		Example: `  gatehouse sim check examples/office.model
  gatehouse sim fuzz --locations 50 | gatehouse sim check - --output json`,
		Args: cobra.ExactArgs(1),
		RunE: runSimCheck,
	}
	addOutputFlag(cmd)
	return cmd
}

// modelCounts is the size of a model, as check reports it.
type modelCounts struct {
	File         string `json:"file"`
	Locations    int    `json:"locations"`
	Roles        int    `json:"roles"`
	Possessibles int    `json:"possessibles"`
	Actors       int    `json:"actors"`
	Connections  int    `json:"connections"`
}

func runSimCheck(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	m, err := loadModel(cmd, args[0])
	if me := (*modelError)(nil); errors.As(err, &me) {
		return &exitError{ExitFinding, me}
	}
	if err != nil {
		return err
	}
	c := modelCounts{File: args[0], Locations: len(m.Locations()), Roles: len(m.Roles()),
		Possessibles: len(m.Possessibles()), Actors: len(m.Actors()), Connections: len(m.Connections())}
	if asJSON {
		return printJSON(cmd.OutOrStdout(), c)
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s: ok: %d locations, %d roles, %d possessibles, %d actors, %d connections\n",
		c.File, c.Locations, c.Roles, c.Possessibles, c.Actors, c.Connections)
	return err
}

// dashJoin joins names with ", ", or returns "-" for none.
func dashJoin(names []string) string { return dash(strings.Join(names, ", ")) }

// progressBar returns the progress bar of a long sim command, drawn on
// stderr, or nil (which draws nothing) unless stderr is a terminal and
// neither --output json nor --no-progress is given. A command whose
// results go to stdout as they come (sim paths --all) passes
// quietOnTerminal, for a bar drawn between them would garble them.
func progressBar(cmd *cobra.Command, asJSON, quietOnTerminal bool, label string, total int64, unit string) *progress.Bar {
	if off, _ := cmd.Flags().GetBool("no-progress"); off || asJSON {
		return nil
	}
	if quietOnTerminal && isTerminal(cmd.OutOrStdout()) {
		return nil
	}
	if w := cmd.ErrOrStderr(); isTerminal(w) {
		return progress.New(w, label, total, unit)
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
