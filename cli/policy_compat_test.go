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

// TestPolicyTestCompat runs a case that wants a DENY rule whose condition
// is false to deny with policy test: it fails as documented, and passes
// with --compat arpoc-code or with policy.compat of the --config file.
func TestPolicyTestCompat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "acl.json", `{
"set": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "subject.blocked", "Effect": "DENY"}}`)
	cases := writeFile(t, dir, "cases.yaml", `entities: [acl.json]
cases:
  - name: unblocked
    policy_set: set
    context: {subject: {blocked: false}}
    want: {decision: DENY}
`)
	config := writeFile(t, dir, "gatehouse.yaml", "policy: {compat: arpoc-code}\n")
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"documented", nil, cli.ExitFinding, "FAIL unblocked"},
		{"flag", []string{"--compat", "arpoc-code"}, cli.ExitOK, "PASS unblocked"},
		{"configured", []string{"--config", config}, cli.ExitOK, "PASS unblocked"},
		{"flag over configuration", []string{"--config", config, "--compat", ""}, cli.ExitFinding, "FAIL unblocked"},
		{"unknown", []string{"--compat", "arpoc"}, cli.ExitUsage, ""},
	} {
		r := run(t, "", append([]string{"policy", "test", cases}, tt.args...)...)
		r.check(t, tt.code)
		if !strings.HasPrefix(r.stdout, tt.want) {
			t.Errorf("%s: stdout %q, want it to start with %q", tt.name, r.stdout, tt.want)
		}
	}
}
