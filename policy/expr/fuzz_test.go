package expr

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// conformanceDir holds ARPOC's entity files (see conformance/README.md).
const conformanceDir = "../../conformance/arpoc"

// expressionField finds the Target and Condition strings of entity files,
// also in files that are not valid JSON.
var expressionField = regexp.MustCompile(`"(?:Target|Condition)"\s*:\s*("(?:[^"\\]|\\.)*")`)

// conformanceExpressions returns every Target and Condition in ARPOC's
// entity files.
func conformanceExpressions(t testing.TB) []string {
	var files []string
	for _, dir := range []string{"config", "tests"} {
		m, _ := filepath.Glob(filepath.Join(conformanceDir, dir, "*"))
		files = append(files, m...)
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range expressionField.FindAllSubmatch(b, -1) {
			var s string
			if err := json.Unmarshal(m[1], &s); err != nil {
				t.Fatalf("%s: %s: %v", f, m[1], err)
			}
			out = append(out, s)
		}
	}
	if len(out) < 50 {
		t.Fatalf("found %d expressions in %s, want 50 or more", len(out), conformanceDir)
	}
	return out
}

// fuzzEnv has attributes of every type, under names the fuzzer finds in
// the seeds.
var fuzzEnv = env(
	map[string]any{"email": "admin@example.com", "groups": []any{"/test1", 2}, "age": 10.0, "missing": nil, "x": map[string]any{"y": true}},
	map[string]any{"path": "admin", "url": "admin/x", "n": int64(-3)},
	map[string]any{"time": "10:25"},
	map[string]any{"method": "GET"},
)

// FuzzParse checks that no input makes the parser or the evaluator panic,
// and that printing a parsed expression gives text that parses to an
// expression that prints the same and evaluates the same.
func FuzzParse(f *testing.F) {
	for _, s := range conformanceExpressions(f) {
		f.Add(s)
	}
	for _, s := range []string{"not (subject.a or -1.5e3 >= object.n)", `r'\d+' matches "\\d+"`, "[[1], [], ['a']] == [[1], [], ['a']]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Parse(%q) error %T, want *Error", src, err)
			}
			return
		}
		printed := e.String()
		again, err := Parse(printed)
		if err != nil {
			t.Fatalf("Parse(%q) = %s, which does not parse: %v", src, printed, err)
		}
		if again.String() != printed {
			t.Fatalf("Parse(%q) prints %s, which prints %s", src, printed, again.String())
		}
		if len(again.Warnings) > 0 {
			t.Fatalf("canonical form %s has warnings: %v", printed, again.Warnings)
		}
		b1, err1 := e.Eval(fuzzEnv)
		b2, err2 := again.Eval(fuzzEnv)
		if o1, o2 := outcome(b1, err1), outcome(b2, err2); o1 != o2 {
			t.Fatalf("%q evaluates to %s, its canonical form %s to %s", src, o1, printed, o2)
		}
	})
}

func TestConformanceExpressions(t *testing.T) {
	// Every expression in ARPOC's files parses, except the one its tests
	// call broken.
	for _, s := range conformanceExpressions(t) {
		_, err := Parse(s)
		if (err != nil) != (s == "something") {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
}
