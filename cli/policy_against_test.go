package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
)

// TestPolicyCheckAgainst runs policy check --against arpoc on ARPOC's
// sample files, on its test files (with broken entities) and on files
// that decide as ARPOC's code does.
func TestPolicyCheckAgainst(t *testing.T) {
	t.Parallel()
	config := filepath.Join(arpoc, "config")
	r := run(t, "", "policy", "check", "--against", "arpoc", config)
	r.check(t, cli.ExitFinding, "2 places where a decision can differ from ARPOC's code")
	for _, want := range []string{
		filepath.Join(config, "rules.json") + `:46: rule "com.example.rules.is_admin": Condition, column 13: difference 5: `,
		filepath.Join(config, "rules.json") + `:62: rule "com.example.rules.check_mail": Condition, column 15: difference 11: `,
		`  rewrite: the pattern r'[\p{L}\p{N}_]+@(student\.|partner\.)?kit.edu', which reads as Python does`,
		"2 places where a decision can differ from ARPOC's code; 0 errors\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}

	r = run(t, "", "policy", "check", "--against", "arpoc", config, "--output", "json")
	r.check(t, cli.ExitFinding)
	var rep struct {
		Against  string
		Findings []struct {
			File       string
			Line       int
			Difference int
			Rewrite    string
		}
		Errors []any
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if rep.Against != "arpoc" || len(rep.Findings) != 2 || rep.Findings[0].Line != 46 || rep.Findings[0].Difference != 5 ||
		rep.Findings[1].Line != 62 || rep.Findings[1].Difference != 11 || rep.Findings[1].Rewrite == "" || rep.Errors == nil || len(rep.Errors) != 0 {
		t.Errorf("JSON report: %s", r.stdout)
	}

	r = run(t, "", "policy", "check", "--against", "arpoc", filepath.Join(arpoc, "tests"))
	r.check(t, cli.ExitUsage, "7 problems in the entity files")
	if !strings.Contains(r.stdout, "entities.json:206: policy \"policy_target_missing_subject_attr\": Rules: difference 6: ") ||
		!strings.Contains(r.stdout, `error: `+filepath.Join(arpoc, "tests", "missing_entity.json")+`:6: policy "policy_with_missing_rule": Rules: no rule "not-existing" is loaded`) {
		t.Errorf("stdout:\n%s", r.stdout)
	}

	same := writeFile(t, t.TempDir(), "acl.json", `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["grant", "deny"]},
"grant": {"Type": "Rule", "Condition": "'/staff' in subject.groups and ((exists subject.a and exists subject.b) or exists subject.c)", "Effect": "GRANT"},
"deny": {"Type": "Rule", "Condition": "True", "Effect": "DENY"}}`)
	run(t, "", "policy", "check", "--against", "arpoc", same).check(t, cli.ExitOK)
	run(t, "", "policy", "check", "--against", "xacml", same).check(t, cli.ExitUsage, `--against "xacml": the one engine to check against is arpoc`)
}
