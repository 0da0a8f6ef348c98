package arpoccompat_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/arpoccompat"
)

// check loads the entity files (name → content) and returns the findings
// and the errors.
func check(t *testing.T, files map[string]string) ([]arpoccompat.Finding, []policy.Problem) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return arpoccompat.Check(policy.Load(dir))
}

// rule returns the entity file of a policy set "s" whose policy "p" holds
// the rule "r" with condition and effect.
func rule(condition, effect string) string {
	return fmt.Sprintf(`{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Target": "True",
      "Condition": %q, "Effect": %q}
}`, condition, effect)
}

// of returns the findings of difference d.
func of(fs []arpoccompat.Finding, d int) []arpoccompat.Finding {
	var out []arpoccompat.Finding
	for _, f := range fs {
		if f.Difference == d {
			out = append(out, f)
		}
	}
	return out
}

// TestDifferences checks each difference on a place it must report, with
// its line, column and rewrite, and on places it must not.
func TestDifferences(t *testing.T) {
	for _, tt := range []struct {
		name       string
		files      map[string]string
		difference int
		// want holds, for each finding expected, "line:column" and a part
		// of its rewrite; none means no finding of the difference.
		want [][2]string
	}{
		{"DENY rule that can be false", map[string]string{"a.json": rule("subject.blocked", "DENY")}, arpoccompat.DenyRuleFalse,
			[][2]string{{"5:0", `"subject.blocked or True"`}}},
		{"DENY rule with and", map[string]string{"a.json": rule("subject.a and subject.b", "DENY")}, arpoccompat.DenyRuleFalse,
			[][2]string{{"5:0", `"(subject.a and subject.b) or True"`}}},
		{"DENY rule that is always false", map[string]string{"a.json": rule("False or not True", "DENY")}, arpoccompat.DenyRuleFalse,
			[][2]string{{"5:0", `"Condition": "True"`}}},
		{"DENY rule whose condition is True", map[string]string{"a.json": rule("True", "DENY")}, arpoccompat.DenyRuleFalse, nil},
		{"DENY rule whose condition is always true", map[string]string{"a.json": rule("1 < 2 or subject.x", "DENY")}, arpoccompat.DenyRuleFalse, nil},
		{"GRANT rule that can be false", map[string]string{"a.json": rule("subject.ok", "GRANT")}, arpoccompat.DenyRuleFalse, nil},

		{"and and or mixed", map[string]string{"a.json": rule("subject.a and subject.b or subject.c", "GRANT")}, arpoccompat.AndOrMixed,
			[][2]string{{"5:25", `"subject.a and (subject.b or subject.c)"`}}},
		{"and and or in parentheses", map[string]string{"a.json": rule("(subject.a and subject.b) or subject.c", "GRANT")}, arpoccompat.AndOrMixed, nil},
		{"and alone", map[string]string{"a.json": rule("subject.a and subject.b and subject.c", "GRANT")}, arpoccompat.AndOrMixed, nil},

		{"guard", map[string]string{"a.json": rule("exists subject.age and subject.age > 17", "GRANT")}, arpoccompat.ShortCircuit,
			[][2]string{{"5:24", `"(subject.age or True) and (exists subject.age and subject.age > 17)"`}}},
		{"or", map[string]string{"a.json": rule("subject.admin or object.public or subject.admin", "GRANT")}, arpoccompat.ShortCircuit,
			[][2]string{{"5:18", `"(object.public or True) and (subject.admin or object.public or subject.admin)"`}}},
		{"attribute read first", map[string]string{"a.json": rule("subject.age > 17 and subject.age < 99", "GRANT")}, arpoccompat.ShortCircuit, nil},
		{"access attributes are never missing", map[string]string{"a.json": rule("True or access.method == 'GET'", "GRANT")}, arpoccompat.ShortCircuit, nil},
		{"comparison", map[string]string{"a.json": rule("subject.a == object.b", "GRANT")}, arpoccompat.ShortCircuit, nil},

		{"exists access", map[string]string{"a.json": rule("exists access.headers.x", "GRANT")}, arpoccompat.ExistsAccess,
			[][2]string{{"5:8", "write True for exists access.headers.x"}}},
		{"exists subject", map[string]string{"a.json": rule("exists subject.x", "GRANT")}, arpoccompat.ExistsAccess, nil},

		{"float literal", map[string]string{"a.json": rule("subject.score >= 0.5", "GRANT")}, arpoccompat.IntFloat,
			[][2]string{{"5:15", "write the literal as an integer"}}},
		{"integer literal", map[string]string{"a.json": rule("9 < subject.age", "GRANT")}, arpoccompat.IntFloat,
			[][2]string{{"5:3", "make its source give integers"}}},
		{"two attributes", map[string]string{"a.json": rule("subject.level > object.level", "GRANT")}, arpoccompat.IntFloat,
			[][2]string{{"5:15", "make their sources agree"}}},
		{"equality", map[string]string{"a.json": rule("subject.age == 5.0", "GRANT")}, arpoccompat.IntFloat, nil},
		{"strings", map[string]string{"a.json": rule("environment.time < '10:30'", "GRANT")}, arpoccompat.IntFloat, nil},

		{"entity contained twice", map[string]string{"a.json": `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p1", "p2"]},
"p1": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"p2": {"Type": "Policy", "Resolver": "ANY",
       "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}
}`}, arpoccompat.ContainedTwice, [][2]string{{"5:0", `remove "r" from the Rules`}}},
		{"entity contained by containers no decision reaches together", map[string]string{"a.json": `{
"s1": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p1"]},
"s2": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p2"]},
"p1": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"p2": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}
}`}, arpoccompat.ContainedTwice, nil},

		{"one id for a policy and a rule", map[string]string{"a.json": `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["x"]},
"x": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]}
}`, "b.json": `{
"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"},
"x": {"Type": "Rule", "Condition": "True", "Effect": "DENY"}
}`}, arpoccompat.ContainedTwice, nil},
		{"one id for a policy and a rule it contains", map[string]string{"a.json": `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["x"]},
"x": {"Type": "Policy", "Resolver": "ANY", "Rules": ["x"]}
}`, "b.json": `{
"x": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}
}`}, arpoccompat.ContainedTwice, [][2]string{{"2:0", "give one of them an id of its own"}}},
		{"settled resolver", map[string]string{"a.json": `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "PolicySets": ["inner"],
      "Policies": ["p"]},
"inner": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["q"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"q": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r2"]},
"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT", "Obligations": ["obl_log"]},
"r2": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}
}`}, arpoccompat.SettledResolver, [][2]string{{"3:0", `name them on the policy set "s"`}}},
		{"settled resolver without obligations", map[string]string{"a.json": `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "PolicySets": ["inner"], "Policies": ["p"]},
"inner": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}
}`}, arpoccompat.SettledResolver, nil},

		{"obligation named twice", map[string]string{"a.json": `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"], "Obligations": ["obl_log"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT",
      "Obligations": ["obl_log"]}
}`}, arpoccompat.ObligationRepeated, [][2]string{{"5:0", "Gatehouse runs it once"}}},
		{"obligations named once each", map[string]string{"a.json": `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"], "Obligations": ["obl_log"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT", "Obligations": ["obl_log_successful"]}
}`}, arpoccompat.ObligationRepeated, nil},

		{"Unicode classes", map[string]string{"a.json": rule(`subject.name matches r'\w+ \d[\s\w]'`, "GRANT")}, arpoccompat.Regexp,
			[][2]string{{"5:14", `r'[\p{L}\p{N}_]+ \p{Nd}[\t\n\v\f\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\p{L}\p{N}_]', which reads as Python does`}}},
		{"word boundary", map[string]string{"a.json": rule(`subject.name matches r'.*\bx'`, "GRANT")}, arpoccompat.Regexp,
			[][2]string{{"5:14", `but for \b`}}},
		{"{,n}", map[string]string{"a.json": rule(`subject.name matches 'a{,2}'`, "GRANT")}, arpoccompat.Regexp,
			[][2]string{{"5:14", `r'a{0,2}'`}}},
		{"POSIX class", map[string]string{"a.json": rule(`subject.name matches '[[:alpha:]]+'`, "GRANT")}, arpoccompat.Regexp,
			[][2]string{{"5:14", `r'[\[:alpha:]]+'`}}},
		{"look-ahead", map[string]string{"a.json": rule(`subject.name matches '(?=a)a'`, "GRANT")}, arpoccompat.Regexp,
			[][2]string{{"5:14", "without back-references or look-arounds"}}},
		{"back-reference", map[string]string{"a.json": rule(`subject.name matches r'(a)\1'`, "GRANT")}, arpoccompat.Regexp,
			[][2]string{{"5:14", "without back-references"}}},
		{`\Z`, map[string]string{"a.json": rule(`subject.name matches r'a\Z'`, "GRANT")}, arpoccompat.Regexp,
			[][2]string{{"5:14", `write \z`}}},
		{"refused by Python", map[string]string{"a.json": rule(`subject.name matches r'\p{L}+'`, "GRANT")}, arpoccompat.Regexp,
			[][2]string{{"5:14", "no pattern reproduces ARPOC's failure"}}},
		{"ASCII pattern", map[string]string{"a.json": rule(`subject.name matches r'[a-z0-9_.]+@example\.com|a{2,}|\[x\]'`, "GRANT")}, arpoccompat.Regexp, nil},

		{"duplicate id", map[string]string{"a.json": rule("True", "GRANT"), "b.json": `{
"r": {"Type": "Rule", "Condition": "False", "Effect": "GRANT"}
}`}, arpoccompat.DuplicateID, [][2]string{{"2:0", "delete the one at "}}},
		{"duplicate id in one file", map[string]string{"a.json": `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": []},
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": []}
}`}, arpoccompat.DuplicateID, [][2]string{{"3:0", "a.json:2"}}},
		{"one id for a rule and a policy", map[string]string{"a.json": `{
"x": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["x"]},
"x": {"Type": "Policy", "Resolver": "ANY", "Rules": []}
}`}, arpoccompat.DuplicateID, [][2]string{{"3:0", "a.json:2"}}},

		{"nested object attribute", map[string]string{"a.json": rule("object.owner.id == subject.sub", "GRANT")}, arpoccompat.NestedObject,
			[][2]string{{"5:1", "no expression stops the setters"}}},
		{"object attribute", map[string]string{"a.json": rule("object.owner == subject.sub", "GRANT")}, arpoccompat.NestedObject, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs, errs := check(t, tt.files)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			got := of(fs, tt.difference)
			if len(got) != len(tt.want) {
				t.Fatalf("%d findings of difference %d, want %d: %v", len(got), tt.difference, len(tt.want), fs)
			}
			for i, f := range got {
				if at := fmt.Sprintf("%d:%d", f.Line, f.Column); at != tt.want[i][0] || !strings.Contains(f.Rewrite, tt.want[i][1]) {
					t.Errorf("finding %s\n  rewrite %s\nwant at %s a rewrite with %s", f, f.Rewrite, tt.want[i][0], tt.want[i][1])
				}
				if f.Message == "" || f.File == "" || f.Entity == "" {
					t.Errorf("finding without a message, file or entity: %+v", f)
				}
			}
		})
	}
}

// TestErrors checks that refused entities other than duplicates and
// patterns that Python reads are errors, not findings.
func TestErrors(t *testing.T) {
	fs, errs := check(t, map[string]string{"a.json": `{
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["missing"]},
"r": {"Type": "Rule", "Condition": "subject.x ==", "Effect": "GRANT"},
"bad": {"Type": "Rule", "Condition": "subject.x matches 'a)|(b'", "Effect": "GRANT"}
}`})
	if len(fs) != 0 || len(errs) != 3 {
		t.Errorf("findings %v, errors %v; want none and three", fs, errs)
	}
}
