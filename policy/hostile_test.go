package policy

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

// TestHostileRegexpEscape checks that a pattern whose unbalanced
// parenthesis would reach past the anchors refuses its rule when the
// entities load, naming the line and the column, and fails the decision
// when it comes from an attribute, so that neither grants "adminXYZ".
func TestHostileRegexpEscape(t *testing.T) {
	s, problems := loadText(t, map[string]string{"e.json": `{
"set": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["dynamic"]},
"literal": {"Type": "Rule", "Effect": "GRANT",
            "Condition": "subject.name matches 'admin)|(x'"},
"dynamic": {"Type": "Rule", "Effect": "GRANT", "Condition": "subject.name matches subject.pattern"}
}`})
	want := "e.json:5: rule \"literal\": Condition, column 14: bad regular expression 'admin)|(x': unexpected ): `admin)|(x`"
	if !slices.Contains(problems, want) {
		t.Errorf("problems %q, want %q", problems, want)
	}
	if _, ok := s.Entity(KindRule, "literal"); ok {
		t.Error("the rule with the bad pattern loaded")
	}
	e := NewEngine(s, Config{})
	d := decide(t, e, Request{PolicySet: "set", Attributes: abi.Context{Subject: map[string]any{"name": "adminXYZ", "pattern": "admin)|(x"}}})
	if d.Result != Deny || !strings.Contains(d.Error, "bad regular expression 'admin)|(x': unexpected ): `admin)|(x`") {
		t.Errorf("decision %s, error %q, want a deny for the bad pattern", d.Result, d.Error)
	}
}
