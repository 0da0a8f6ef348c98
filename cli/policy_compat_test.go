package cli_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
)

// TestPolicyEvalCompat decides a DENY rule whose condition is false with
// policy eval: it grants as documented, and denies with --compat
// arpoc-code or with policy.compat of the --config file.
func TestPolicyEvalCompat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	entities := writeFile(t, dir, "acl.json", `{
"set": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "subject.blocked", "Effect": "DENY"}}`)
	config := writeFile(t, dir, "gatehouse.yaml", "policy: {compat: arpoc-code}\n")
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"documented", nil, cli.ExitOK, "GRANT\n"},
		{"flag", []string{"--compat", "arpoc-code"}, cli.ExitFinding, "DENY\n"},
		{"configured", []string{"--config", config}, cli.ExitFinding, "DENY\n"},
		{"flag over configuration", []string{"--config", config, "--compat", ""}, cli.ExitOK, "GRANT\n"},
		{"unknown", []string{"--compat", "arpoc"}, cli.ExitUsage, ""},
	} {
		args := append([]string{"policy", "eval", "--entities", entities, "--policy-set", "set", "--context", "-"}, tt.args...)
		r := run(t, `{"subject": {"blocked": false}}`, args...)
		r.check(t, tt.code)
		if !strings.HasPrefix(r.stdout, tt.want) {
			t.Errorf("%s: stdout %q, want it to start with %q", tt.name, r.stdout, tt.want)
		}
	}
}
