package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/policy/policytest"
)

func newPolicyTestCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "test FILE...",
		Short: "Run policy test cases written in YAML",
		Long: `Test reads each file of cases, loads the entities it names, decides each case's
request and checks the decision. It prints PASS or FAIL and the name of each
case, what differed for each failure, and "N passed, M failed".

A file of cases:

  entities: [../acl]                 # folders and files, relative to this file
  cases:
    - name: logged-in users may read
      policy_set: com.example.policysets.loggedIn
      context:                       # the request's attributes
        subject: {email: ann@example.com}
        object: {path: docs/a}
      path: /docs/a                  # for object setters; optional
      obligations: {obl_log: false}  # stand-ins: fulfilled or not; optional
      want:
        decision: DENY               # GRANT, DENY or NOT_APPLICABLE
        effect: GRANT                # optional, as every key below
        obligations: [obl_log_successful, obl_log]
        missing: []
        error: ""                    # part of the evaluation error; "" for none

Obligations a case does not stand in for are fulfilled, or, with --plugins, run
by the plugins of the folder, which also supply environment attributes and set
object attributes. With --compat arpoc-code, or policy.compat: arpoc-code in the
--config file, a DENY rule whose condition is false denies, as ARPOC's code
decides, instead of granting as documented (docs/policy-language.md,
difference 1). Exit status 1 when a case fails or the entities of a file
have problems, 2 when a file of cases is not valid.`,
		Example: `  gatehouse policy test policy/testdata/arpoc-config.yaml
  gatehouse policy test cases/*.yaml --plugins plugins/ --output json`,
		Args: cobra.MinimumNArgs(1),
		RunE: runPolicyTest,
	}
	cmd.Flags().String("plugins", "", "a folder of plugins that supply attributes and carry out obligations")
	addCompatFlag(cmd)
	addOutputFlag(cmd)
	return cmd
}

// policyTestReport is the JSON output of policy test.
type policyTestReport struct {
	Results []policytest.Result `json:"results"`
	Passed  int                 `json:"passed"`
	Failed  int                 `json:"failed"`
}

func runPolicyTest(cmd *cobra.Command, args []string) error {
	asJSON, err := jsonOutput(cmd)
	if err != nil {
		return err
	}
	suites := make([]*policytest.Suite, len(args))
	for i, file := range args {
		if suites[i], err = policytest.Load(file); err != nil {
			return usage("%v", err)
		}
	}
	compat, err := policyCompat(cmd)
	if err != nil {
		return err
	}
	dir, _ := cmd.Flags().GetString("plugins")
	plugins, err := loadPolicyPlugins(cmd, dir)
	if err != nil {
		return err
	}
	defer plugins.close()
	opts := policytest.Options{Environment: plugins.environment, ObjectSetters: plugins.setters, Obligations: plugins.obligations, Compat: compat}

	rep := policyTestReport{Results: []policytest.Result{}}
	var broken []error
	for _, s := range suites {
		results, err := policytest.Run(cmd.Context(), s, opts)
		if err != nil {
			broken = append(broken, err)
			continue
		}
		rep.Results = append(rep.Results, results...)
	}
	w := cmd.OutOrStdout()
	for _, r := range rep.Results {
		if r.Passed {
			rep.Passed++
		} else {
			rep.Failed++
		}
		if asJSON {
			continue
		}
		if r.Passed {
			fmt.Fprintf(w, "PASS %s\n", r.Name)
			continue
		}
		fmt.Fprintf(w, "FAIL %s (%s:%d)\n", r.Name, r.File, r.Line)
		fmt.Fprintln(w, indent(r.Diff, "    "))
	}
	if asJSON {
		if err := printJSON(w, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(w, "%d passed, %d failed\n", rep.Passed, rep.Failed)
	}
	for _, err := range broken {
		fmt.Fprintf(cmd.ErrOrStderr(), "gatehouse: %v\n", err)
	}
	switch {
	case len(broken) > 0:
		return finding("the entities of %d of %d files have problems", len(broken), len(suites))
	case rep.Failed > 0:
		return finding("%d of %d cases failed", rep.Failed, len(rep.Results))
	}
	return nil
}
