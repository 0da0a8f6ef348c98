package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/arpoccompat"
)

// againstReport is the JSON output of policy check --against.
type againstReport struct {
	Against  string                `json:"against"`
	Findings []arpoccompat.Finding `json:"findings"`
	Errors   []policy.Problem      `json:"errors"`
}

// checkAgainst lists the places of s where a decision can differ from
// the engine named by against: "arpoc", ARPOC's code.
func checkAgainst(cmd *cobra.Command, s *policy.Snapshot, against string, asJSON bool) error {
	if against != "arpoc" {
		return usage("--against %q: the one engine to check against is arpoc", against)
	}
	rep := againstReport{Against: against, Findings: []arpoccompat.Finding{}, Errors: []policy.Problem{}}
	findings, errs := arpoccompat.Check(s)
	rep.Findings = append(rep.Findings, findings...)
	rep.Errors = append(rep.Errors, errs...)
	w := cmd.OutOrStdout()
	if asJSON {
		if err := printJSON(w, rep); err != nil {
			return err
		}
	} else {
		for _, f := range rep.Findings {
			fmt.Fprintf(w, "%s\n  rewrite: %s\n", f, f.Rewrite)
		}
		printProblems(w, rep.Errors)
		fmt.Fprintf(w, "%s; %d errors\n", places(len(rep.Findings)), len(rep.Errors))
	}
	switch {
	case len(rep.Errors) > 0:
		return &exitError{ExitUsage, fmt.Errorf("%d problems in the entity files", len(rep.Errors))}
	case len(rep.Findings) > 0:
		return finding("%s", places(len(rep.Findings)))
	}
	return nil
}

// places says how many places can decide otherwise than ARPOC's code.
func places(n int) string {
	if n == 1 {
		return "1 place where a decision can differ from ARPOC's code"
	}
	return fmt.Sprintf("%d places where a decision can differ from ARPOC's code", n)
}
