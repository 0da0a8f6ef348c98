// Package cli holds the gatehouse commands: their flags, their printing
// and their exit statuses. Package app builds what they run from the
// configuration.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/internal/jsonio"
)

// Exit statuses of every command.
const (
	ExitOK      = 0 // done, nothing to report
	ExitFinding = 1 // done, with a finding: a check failed, access denied, a plugin call failed
	ExitUsage   = 2 // bad usage or bad input
)

// exitError carries an exit status through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// finding returns an error that exits with ExitFinding.
func finding(format string, args ...any) error {
	return &exitError{ExitFinding, fmt.Errorf(format, args...)}
}

// usage returns an error that exits with ExitUsage.
func usage(format string, args ...any) error {
	return &exitError{ExitUsage, fmt.Errorf(format, args...)}
}

// Main runs the gatehouse command with args (without the program name) and
// returns its exit status: ExitOK, ExitFinding or ExitUsage. Commands read
// stdin (plugin call --input -) and write to stdout and stderr only; serve
// runs until ctx is done or the process gets SIGINT or SIGTERM.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := NewRootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "gatehouse:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitUsage // cobra's own errors: unknown flags, wrong arguments
}

// NewRootCommand returns the gatehouse command tree.
func NewRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "gatehouse",
		Short: "Run sandboxed WebAssembly plugins for security automation",
		Long: `Gatehouse hosts sandboxed WebAssembly plugins (actuators, obligations,
environment setters, object setters and simulation agents) through a versioned
ABI, and serves them over HTTP.`,
		Example: `  gatehouse serve --plugins plugins
  gatehouse plugin list plugins --output json`,
		Annotations:   map[string]string{"doctest": "skip gatehouse serve (it serves until stopped)"},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("config", "", "configuration file, laid over the embedded configuration (gatehouse config --help)")
	// --version prints what the version command prints.
	b := versionInfo(debug.ReadBuildInfo)
	var text strings.Builder
	b.write(&text)
	root.Version = b.Version
	root.SetVersionTemplate(text.String())
	root.AddCommand(newServeCommand(), newSendCommand(), newBrokerCommand(), newPluginCommand(), newOpenC2Command(), newPolicyCommand(), newSimCommand(), newConfigCommand(), newVersionCommand())
	return root
}

// loadConfig reads the --config file, or the embedded default.
func loadConfig(cmd *cobra.Command) (*config.File, error) {
	path, _ := cmd.Flags().GetString("config")
	f, err := config.Load(path)
	if err != nil {
		return nil, usage("%v", err)
	}
	return f, nil
}

// addOutputFlag adds --output text|json to cmd.
func addOutputFlag(cmd *cobra.Command) {
	cmd.Flags().StringP("output", "o", "text", "output format: text or json")
}

// jsonOutput reports whether --output asks for JSON, or an error for an
// unknown format.
func jsonOutput(cmd *cobra.Command) (bool, error) {
	switch o, _ := cmd.Flags().GetString("output"); o {
	case "text":
		return false, nil
	case "json":
		return true, nil
	default:
		return false, usage("--output %q is not text or json", o)
	}
}

// printJSON writes v as indented JSON, as jsonio.Write does for every
// answer of the commands and the HTTP routes.
func printJSON(w io.Writer, v any) error {
	return jsonio.Write(w, v, "  ")
}

// quietLogger writes only errors to w, for commands whose output is the
// result.
func quietLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelError}))
}

// readInput reads the file name, or stdin when name is "-".
func readInput(stdin io.Reader, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(name)
}
