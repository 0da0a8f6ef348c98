package expr

import (
	"strings"
	"testing"
)

// TestHostileRegexpAnchors checks that a pattern cannot escape the anchors
// that make it match the whole string: an unbalanced parenthesis is a bad
// pattern, whether written in the expression or read from an attribute,
// and the error shows the pattern as written, never the anchored form.
func TestHostileRegexpAnchors(t *testing.T) {
	for _, src := range []string{
		`subject.name matches 'admin)|(x'`,
		`subject.name matches r'a)|(?:.*'`,
		`subject.name matches 'admin)$|^(.*'`,
	} {
		_, err := Parse(src)
		pe, ok := err.(*Error)
		if !ok || pe.Column != 14 || !strings.HasPrefix(pe.Msg, "bad regular expression") {
			t.Errorf("%s: Parse gave %v, want a bad regular expression at column 14", src, err)
			continue
		}
		if wrapped(pe.Msg) {
			t.Errorf("%s: error shows the anchored form: %s", src, pe.Msg)
		}
	}

	e, err := Parse("subject.name matches subject.pattern")
	if err != nil {
		t.Fatal(err)
	}
	for _, pattern := range []string{"admin)|(x", "a)|(?:.*", strings.Repeat("(", 999) + "a" + strings.Repeat(")", 999)} {
		ok, err := e.Eval(env(map[string]any{"name": "adminXYZ", "pattern": pattern}, nil, nil, nil))
		pe, isErr := err.(*Error)
		if !isErr || pe.Column != 14 || !strings.HasPrefix(pe.Msg, "bad regular expression") {
			t.Errorf("pattern %.20q: Eval gave %v, %v, want a bad regular expression at column 14", pattern, ok, err)
			continue
		}
		if wrapped(pe.Msg) {
			t.Errorf("pattern %.20q: error shows the anchored form: %.200s", pattern, pe.Msg)
		}
	}
}

// wrapped reports whether msg shows a pattern wrapped in anchors.
func wrapped(msg string) bool {
	return strings.Contains(msg, "^(?:") || strings.Contains(msg, `\A`) || strings.Contains(msg, `\z`)
}

// TestRegexpWhole checks patterns valid in RE2 that only parse on their
// own, and that every pattern must match the whole string.
func TestRegexpWhole(t *testing.T) {
	for _, tt := range []struct {
		s, pattern string
		want       bool
	}{
		{"a.b", `\Qa.b`, true},
		{"axb", `\Qa.b`, false},
		{"a.b)", `\Qa.b)`, true},
		{"a.bc", `\Qa.b\Ec`, true},
		{"ab", "a|ab", true},
		{"xab", "a|ab", false},
		{"ab", "(?i)A|AB", true},
		{"ab\n", "ab$", false},
		{"x\nab", "(?m)^ab$", false},
		{"adminXYZ", "admin|x", false},
	} {
		e, err := Parse("subject.s matches subject.p")
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Eval(env(map[string]any{"s": tt.s, "p": tt.pattern}, nil, nil, nil))
		if err != nil || got != tt.want {
			t.Errorf("%q matches %q: %v, %v, want %v", tt.s, tt.pattern, got, err, tt.want)
		}
		lit, err := Parse("subject.s matches " + quote(tt.pattern))
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		if got, err := lit.Eval(env(map[string]any{"s": tt.s}, nil, nil, nil)); err != nil || got != tt.want {
			t.Errorf("%q matches literal %q: %v, %v, want %v", tt.s, tt.pattern, got, err, tt.want)
		}
	}
}

// TestPythonReadingsWarn checks that a literal pattern that Python's re
// reads otherwise than RE2 loads with a warning at the operator, and that
// the same text quoted, escaped or read as Python does warns of nothing.
func TestPythonReadingsWarn(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want string // the start of the warning, "" for none
	}{
		{`subject.name matches 'a{,2}'`, "{,2} in pattern 'a{,2}' is literal text in RE2 but the repetition {0,2}"},
		{`subject.name matches 'x{,}'`, "{,} in pattern 'x{,}' is literal text in RE2 but the repetition {0,}"},
		{`subject.name matches '[[:alpha:]]+'`, "[:alpha:] in pattern '[[:alpha:]]+' is a POSIX class in RE2"},
		{`subject.name matches '[^[:^digit:]x]'`, "[:^digit:] in pattern"},
		{`subject.name matches 'a{0,2}'`, ""},
		{`subject.name matches r'a\{,2}'`, ""},
		{`subject.name matches r'\Qa{,2}\E'`, ""},
		{`subject.name matches r'\Q[[:alpha:]]'`, ""},
		{`subject.name matches '[{,2}]'`, ""},
		{`subject.name matches '[]x[:alpha:]]'`, "[:alpha:] in pattern"},
		{`subject.name matches r'[\[:alpha:]'`, ""},
		{`subject.name matches '[:alpha:]'`, ""},
	} {
		t.Run(tt.src, func(t *testing.T) {
			e, err := Parse(tt.src)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == "" && len(e.Warnings) > 0:
				t.Errorf("warnings %v, want none", e.Warnings)
			case tt.want != "" && (len(e.Warnings) != 1 || e.Warnings[0].Column != 14 || !strings.HasPrefix(e.Warnings[0].Msg, tt.want)):
				t.Errorf("warnings %v, want one at column 14 starting %q", e.Warnings, tt.want)
			}
		})
	}
}
