package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/app"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/policy"
)

func newPolicyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Check, evaluate, test and apply access-control policies",
		Long: `Access-control policies are ARPOC-compatible entity files: policy sets,
policies and rules whose Target and Condition expressions test attributes of
the subject, the object, the environment and the access. docs/policy-language.md
describes them.`,
		Example: `  gatehouse policy check conformance/arpoc/config
  gatehouse policy eval --entities conformance/arpoc/config --policy-set com.example.policysets.loggedIn --context examples/access-control/ann.json --plugins plugins/
  gatehouse policy test policy/testdata/arpoc-config.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newPolicyCheckCommand(), newPolicyEvalCommand(), newPolicyTestCommand(), newPolicyApplyCommand())
	return cmd
}

func newPolicyCheckCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check [DIR|FILE]...",
		Short: "Load entity files and list every problem",
		Long: `Check loads the entity files of each folder (its *.json files) and each file
given (whatever its name), as serve would, and lists every problem: files that
are not valid JSON, refused entities with the key and, in an expression, the
column at fault, references to entities that are not loaded, and warnings.
Without arguments it checks the configured policy.entities. Exit status 1 when
there is any problem other than a warning.

With --against arpoc it lists instead every place where Gatehouse's decision can
differ from the one ARPOC's running code makes (docs/policy-language.md,
"Differences from ARPOC"): file and line, the number of the difference, what
differs, and the rewrite that keeps ARPOC's meaning. Definitions refused for an
id defined before, or for a pattern RE2 cannot read, are such places. Exit
status 0 when no decision can differ, 1 when there are places, 2 when the files
have other problems (listed as errors).`,
		Example: `  gatehouse policy check conformance/arpoc/config
  gatehouse policy check conformance/arpoc/config conformance/arpoc/tests/broken_definitions --output json
  gatehouse policy check --against arpoc conformance/arpoc/config
  gatehouse policy check --against arpoc conformance/arpoc/config --output json`,
		Annotations: map[string]string{"doctest": "finding broken_definitions (it shows the problems of broken entities)\nfinding --against arpoc (ARPOC's samples have places that decide otherwise)"},
		RunE:        runPolicyCheck,
	}
	addOutputFlag(cmd)
	cmd.Flags().String("against", "", "arpoc: list the places where a decision can differ from ARPOC's code, with their rewrites")
	return cmd
}

// checkReport is the JSON output of policy check.
type checkReport struct {
	PolicySets int              `json:"policy_sets"`
	Policies   int              `json:"policies"`
	Rules      int              `json:"rules"`
	Errors     int              `json:"errors"`
	Warnings   int              `json:"warnings"`
	Problems   []policy.Problem `json:"problems"`
}

func runPolicyCheck(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	paths, err := entityPaths(cmd, args)
	if err != nil {
		return err
	}
	s := policy.Load(paths...)
	if against, _ := cmd.Flags().GetString("against"); cmd.Flags().Changed("against") {
		return checkAgainst(cmd, s, against, asJSON)
	}
	rep := checkReport{Problems: s.Problems()}
	for _, e := range s.Entities() {
		switch e.Kind {
		case policy.KindPolicySet:
			rep.PolicySets++
		case policy.KindPolicy:
			rep.Policies++
		default:
			rep.Rules++
		}
	}
	rep.Errors = len(s.Errors())
	rep.Warnings = len(rep.Problems) - rep.Errors
	w := cmd.OutOrStdout()
	if asJSON {
		if rep.Problems == nil {
			rep.Problems = []policy.Problem{}
		}
		if err := printJSON(w, rep); err != nil {
			return err
		}
	} else {
		printProblems(w, rep.Problems)
		fmt.Fprintf(w, "%d policy sets, %d policies, %d rules; %d errors, %d warnings\n",
			rep.PolicySets, rep.Policies, rep.Rules, rep.Errors, rep.Warnings)
	}
	if rep.Errors > 0 {
		return finding("%d problems in the entity files", rep.Errors)
	}
	return nil
}

// entityPaths returns args, or the configured policy.entities when there
// are none.
func entityPaths(cmd *cobra.Command, args []string) ([]string, error) {
	if len(args) > 0 {
		return args, nil
	}
	f, err := loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	if len(f.Policy.Entities) == 0 {
		return nil, usage("no entity files: give folders or files, or set policy.entities in the configuration")
	}
	return f.Policy.Entities, nil
}

// printProblems writes one problem a line, "error: " or "warning: " first.
func printProblems(w io.Writer, problems []policy.Problem) {
	for _, p := range problems {
		severity := "error"
		if p.Warning {
			severity = "warning"
		}
		fmt.Fprintf(w, "%s: %s\n", severity, p.Error())
	}
}

// policyPlugins are the plugins that take part in the decisions of policy
// eval and policy test.
type policyPlugins struct {
	environment policy.EnvironmentSource
	setters     []policy.ObjectSetter
	obligations policy.ObligationRunner
	// obligationConfig is the configuration of obligations, by name.
	obligationConfig map[string]map[string]any
	close            func()
}

// loadPolicyPlugins loads the plugins of dir, with the configured grants
// and limits, as environment sources, object setters (all of them, in
// their priority order) and obligations, named through the configured
// policy.obligations. Plugins that fail to load are reported on stderr.
// Without dir there are none.
func loadPolicyPlugins(cmd *cobra.Command, dir string) (policyPlugins, error) {
	if dir == "" {
		return policyPlugins{close: func() {}}, nil
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return policyPlugins{}, usage("--plugins %s is not a folder", dir)
	}
	f, err := loadConfig(cmd)
	if err != nil {
		return policyPlugins{}, err
	}
	ctx := cmd.Context()
	h, err := app.Open(ctx, f, offline(cmd, dir))
	if err != nil {
		return policyPlugins{}, usage("%v", err)
	}
	closeHost := func() { h.Close(context.WithoutCancel(ctx)) }
	for _, st := range h.Plugins() {
		if st.Status == host.StatusError {
			fmt.Fprintf(cmd.ErrOrStderr(), "gatehouse: plugin %s: %s\n", st.File, st.Message)
		}
	}
	dp, err := app.PolicyPlugins(f, h)
	if err != nil {
		closeHost()
		return policyPlugins{}, usage("%v", err)
	}
	return policyPlugins{
		environment:      dp.Engine.Environment,
		setters:          dp.ObjectSetters,
		obligations:      dp.Engine.Obligations,
		obligationConfig: dp.Obligations,
		close:            closeHost,
	}, nil
}
