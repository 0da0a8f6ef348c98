package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/policy/expr"
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
	d := decide(t, e, Request{PolicySet: "set", Attributes: Attributes{Subject: map[string]any{"name": "adminXYZ", "pattern": "admin)|(x"}}})
	if d.Result != Deny || !strings.Contains(d.Error, "bad regular expression 'admin)|(x': unexpected ): `admin)|(x`") {
		t.Errorf("decision %s, error %q, want a deny for the bad pattern", d.Result, d.Error)
	}
}

// finishes runs f and fails the test if it has not returned within a bound
// far beyond its expected time, a few hundred milliseconds: the bound only
// stops a test whose work grows with the square of its input.
func finishes(t *testing.T, what string, f func()) {
	t.Helper()
	const bound = 25 * time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(bound):
		t.Fatalf("%s has not finished in %s", what, bound)
	}
}

// TestHostileLoadOneLine loads a file of 10,000 rules on one line, the last
// of them broken at a column far along the line: every position is found
// without reading the file again for it.
func TestHostileLoadOneLine(t *testing.T) {
	const n = 10_000
	data := oneLineRules(n, "subject.a%[1]d == %[1]d")
	data = append(data[:len(data)-1], `, "bad": {"Type": "Rule", "Condition": "subject.é == 'é' and subject.x ==", "Effect": "GRANT"}}`...)
	file := filepath.Join(t.TempDir(), "e.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var s *Snapshot
	finishes(t, "loading", func() { s = Load(file) })
	want := file + `:1: rule "bad": Condition, column 34: unexpected end of expression; expected an attribute, a literal, exists, not or (`
	if p := s.Problems(); len(p) != 1 || p[0].Error() != want {
		t.Errorf("problems %v, want %s", p, want)
	}
	if got := len(s.Entities()); got != n+2 {
		t.Errorf("%d entities loaded, want %d", got, n+2)
	}
}

// TestHostileLongCondition parses a condition of 100,000 comparisons whose
// last one is broken: the columns of its tokens are counted once.
func TestHostileLongCondition(t *testing.T) {
	const n = 100_000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "subject.é%d == 'é' and ", i)
	}
	src := b.String() + "subject.x =="
	var err error
	finishes(t, "parsing", func() { _, err = expr.Parse(src) })
	pe, ok := err.(*expr.Error)
	if want := utf8.RuneCountInString(src) + 1; !ok || pe.Column != want {
		t.Errorf("error %v, want one at column %d", err, want)
	}
}
