package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/app"
	"github.com/gatehouse/gatehouse/host/hosttest"
)

func newPluginTestCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "test FILE --cases CASES.yaml",
		Short: "Run a plugin against test cases written in YAML",
		Long: `Test loads one plugin file as call does, with a throw-away store for the kv
capability, sends each case of the cases file to its component and checks the
reply (whole, partial, or matched against patterns) or the error. It prints PASS or FAIL and the name of
each case, the differences of each failure, and "N passed, M failed".

A cases file is a map with a list of cases:

  cases:
    - name: weekday of a Sunday
      component: environment:weekday
      request: {key: weekday, context: {environment: {time: "2026-11-22T23:30:00-01:00"}}}
      reply: {value: Sunday}
    - name: greedy takes the goal
      component: greedy
      reset: {actor: red, goals: [vault]}
      request: {actor: red, observation: {choices: [{kind: move, target: vault}]}}
      partial: {action: {target: vault}}
    - name: the hour is an hour
      component: time_hour
      request: {key: time_hour}
      matches: {value: '1?[0-9]|2[0-3]'}    # regular expressions, matched whole
    - name: unknown attribute
      component: weekday
      request: {key: month}
      error: {code: not_found, message_contains: month}

See the documentation of package host/hosttest for every key.

A suite shared by plugins that each provide some of its components runs
with --skip-missing: a case whose component the plugin does not provide is
reported as SKIP rather than FAIL, and "K skipped" is added to the summary.

Exit status 1 when a case fails, when every case is skipped or when the
plugin does not load, 2 when the cases file is not valid.`,
		Example: `  gatehouse plugin test plugins/basics.wasm --cases plugins-src/go/basics/cases.yaml
  gatehouse plugin test plugins/c-basics.wasm --cases plugins-src/cases/basics.yaml --output json
  gatehouse plugin test plugins/c-echo-extism.wasm --cases plugins-src/cases/basics.yaml --skip-missing`,
		Args: cobra.ExactArgs(1),
		RunE: runPluginTest,
	}
	cmd.Flags().String("cases", "", "the cases file (YAML)")
	cmd.Flags().Bool("skip-missing", false, "skip the cases whose component the plugin does not provide")
	_ = cmd.MarkFlagRequired("cases")
	addOutputFlag(cmd)
	return cmd
}

// testReport is the JSON output of plugin test.
type testReport struct {
	Results []hosttest.Result `json:"results"`
	Passed  int               `json:"passed"`
	Failed  int               `json:"failed"`
	Skipped int               `json:"skipped"`
}

func runPluginTest(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	casesFile, _ := cmd.Flags().GetString("cases")
	var opts []hosttest.Option
	if skip, _ := cmd.Flags().GetBool("skip-missing"); skip {
		opts = append(opts, hosttest.SkipMissing)
	}
	cases, err := hosttest.Load(casesFile)
	if err != nil {
		return usage("%v", err)
	}
	f, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	if _, err := os.Stat(args[0]); err != nil {
		return usage("read plugin: %v", err)
	}
	dir, err := os.MkdirTemp("", "gatehouse-test-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := cmd.Context()
	h, err := app.Open(ctx, f, app.Once{Store: filepath.Join(dir, "store.db"), Start: true, Logger: quietLogger(cmd.ErrOrStderr())})
	if err != nil {
		return usage("%v", err)
	}
	defer h.Close(context.WithoutCancel(ctx))
	if err := h.LoadFile(ctx, args[0]); err != nil {
		return finding("%v", err)
	}

	rep := testReport{Results: hosttest.Run(ctx, h, cases, opts...)}
	if err := ctx.Err(); err != nil {
		return finding("plugin test: %v", err)
	}
	w := cmd.OutOrStdout()
	for _, r := range rep.Results {
		switch {
		case r.Skipped:
			rep.Skipped++
		case r.Passed:
			rep.Passed++
		default:
			rep.Failed++
		}
		if asJSON {
			continue
		}
		switch {
		case r.Skipped:
			fmt.Fprintf(w, "SKIP %s: %s\n", r.Name, r.Diff)
		case r.Passed:
			fmt.Fprintf(w, "PASS %s\n", r.Name)
		default:
			fmt.Fprintf(w, "FAIL %s\n", r.Name)
			fmt.Fprintln(w, indent(r.Diff, "    "))
		}
	}
	if asJSON {
		if err := printJSON(w, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "%d passed, %d failed", rep.Passed, rep.Failed)
		if rep.Skipped > 0 {
			fmt.Fprintf(w, ", %d skipped", rep.Skipped)
		}
		fmt.Fprintln(w)
	}
	switch {
	case rep.Failed > 0:
		return finding("%d of %d cases failed", rep.Failed, len(rep.Results))
	case rep.Skipped == len(rep.Results):
		return finding("every case was skipped: the plugin provides none of their components")
	}
	return nil
}

// indent prefixes each line of s with prefix.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
