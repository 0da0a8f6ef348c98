package policytest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestARPOCConfig runs the project's cases over ARPOC's sample entities.
func TestARPOCConfig(t *testing.T) {
	s, err := Load("../testdata/arpoc-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	results, err := Run(t.Context(), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(s.Cases) || len(results) < 10 {
		t.Fatalf("%d results for %d cases", len(results), len(s.Cases))
	}
	for _, r := range results {
		if !r.Passed {
			t.Errorf("%s:%d: %s:\n%s\n%s", r.File, r.Line, r.Name, r.Diff, r.Decision.Explain())
		}
	}
}

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const entities = `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"], "Obligations": ["log"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "subject.age > 18", "Effect": "GRANT"}
}`

func TestFailures(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "e.json", entities)
	file := write(t, dir, "cases.yaml", `
entities: [e.json]
cases:
  - name: right
    policy_set: s
    context: {subject: {age: 20}}
    want: {decision: GRANT, effect: GRANT, obligations: [log], missing: [], error: ""}
  - name: wrong in every way
    policy_set: s
    context: {subject: {}}
    obligations: {log: false}
    want: {decision: GRANT, effect: GRANT, obligations: [], missing: [subject.name], error: "boom"}
  - name: unknown policy set
    policy_set: nope
    want: {decision: DENY}
  - name: a type error
    policy_set: s
    context: {subject: {age: old}}
    want: {decision: DENY, error: ""}
`)
	s, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	results, err := Run(t.Context(), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line int
		diff string
	}{
		{4, ""},
		{8, `decision: got DENY, want GRANT
effect: got DENY, want GRANT
obligations: got [log], want []
missing: got [subject.age], want [subject.name]
error: got "", want one containing "boom"`},
		{13, `policy set "nope": no such policy set is loaded`},
		{16, `error: got "rule \"r\": Condition, column 13: > needs two numbers or booleans, two strings or two lists, not string 'old' and integer 18", want none`},
	}
	for i, r := range results {
		if r.Line != want[i].line || r.Diff != want[i].diff || r.Passed != (want[i].diff == "") {
			t.Errorf("case %d at line %d, passed %v:\n%s\nwant line %d:\n%s", i, r.Line, r.Passed, r.Diff, want[i].line, want[i].diff)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "e.json", entities)
	write(t, dir, "broken.json", `{"x": {"Type": "Rule"}}`)
	for _, tt := range []struct{ name, text, want string }{
		{"unknown key", "entities: [e.json]\ncases:\n  - name: a\n    policy_set: s\n    want: {decision: GRANT, result: GRANT}\n", "line 5: field result not found"},
		{"bad decision", "entities: [e.json]\ncases:\n  - name: a\n    policy_set: s\n    want: {decision: PERMIT}\n", `"PERMIT" is not GRANT, DENY or NOT_APPLICABLE`},
		{"no decision", "entities: [e.json]\ncases:\n  - name: a\n    policy_set: s\n", `:3: case "a" has no want.decision`},
		{"no name", "entities: [e.json]\ncases:\n  - policy_set: s\n", `:3: case 1 has no name`},
		{"no policy set", "entities: [e.json]\ncases:\n  - name: a\n", `:3: case "a" has no policy_set`},
		{"no cases", "entities: [e.json]\n", "no cases"},
		{"empty", "", "no cases"},
		{"no entities", "cases:\n  - {name: a, policy_set: s, want: {decision: GRANT}}\n", "no entities"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(write(t, dir, "cases.yaml", tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	s, err := Load(write(t, dir, "cases.yaml", "entities: [e.json, broken.json]\ncases:\n  - {name: a, policy_set: s, want: {decision: GRANT}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(t.Context(), s, Options{}); err == nil || !strings.Contains(err.Error(), `rule "x": Condition: missing`) {
		t.Errorf("broken entities: error %v", err)
	}
}
