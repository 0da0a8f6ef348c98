package expr

import (
	"reflect"
	"regexp"
	"testing"
)

// TestScanPython checks the parts of a pattern ScanPython finds read
// otherwise by Python's re, and the rewrite that RE2 reads as Python does.
func TestScanPython(t *testing.T) {
	type f = PythonFinding
	for _, tt := range []struct {
		pattern string
		want    []PythonFinding
		rewrite string
		exact   bool
	}{
		{`abc`, nil, `abc`, true},
		{`a{,2}`, []f{{PythonReading, 1, "{,2}", "{0,2}"}}, `a{0,2}`, true},
		{`x{,}`, []f{{PythonReading, 1, "{,}", "{0,}"}}, `x{0,}`, true},
		{`a{0,2}`, nil, `a{0,2}`, true},
		{`a\{,2}`, nil, `a\{,2}`, true},
		{`[{,2}]`, nil, `[{,2}]`, true},
		{`a{,x}`, nil, `a{,x}`, true},
		{`[[:alpha:]]{,8}`, []f{{PythonReading, 1, "[:alpha:]", `\[:alpha:]`}, {PythonReading, 11, "{,8}", "{0,8}"}}, `[\[:alpha:]]{0,8}`, true},
		{`[^[:^digit:]x]`, []f{{PythonReading, 2, "[:^digit:]", `\[:^digit:]`}}, `[^\[:^digit:]x]`, true},
		{`[]x[:alpha:]]`, []f{{PythonReading, 3, "[:alpha:]", `\[:alpha:]`}}, `[]x\[:alpha:]]`, true},
		{`[[:alpha:]\W]`, []f{{PythonReading, 1, "[:alpha:]", `\[:alpha:]`}, {PythonUnicodeClass, 10, `\W`, "[^" + pythonWord + "]"}}, `[\[:alpha:][^` + pythonWord + `]]`, true},
		{`[[:alpha:]{,2}]`, []f{{PythonReading, 1, "[:alpha:]", `\[:alpha:]`}, {PythonReading, 10, "{,2}", "{0,2}"}}, `[\[:alpha:]{0,2}]`, true},
		{`[:alpha:]`, nil, `[:alpha:]`, true},
		{`[\[:alpha:]`, nil, `[\[:alpha:]`, true},
		{`\d+`, []f{{PythonUnicodeClass, 0, `\d`, `\p{Nd}`}}, `\p{Nd}+`, true},
		{`[\w-]`, []f{{PythonUnicodeClass, 1, `\w`, pythonWord}}, `[` + pythonWord + `-]`, true},
		{`\S[\W]`, []f{{PythonUnicodeClass, 0, `\S`, "[^" + pythonSpace + "]"}, {PythonUnicodeClass, 3, `\W`, `\W`}}, `[^` + pythonSpace + `][\W]`, false},
		{`\bx\B`, []f{{PythonBoundary, 0, `\b`, `\b`}, {PythonBoundary, 3, `\B`, `\B`}}, `\bx\B`, false},
		{`\pL\z`, []f{{PythonRefused, 0, `\p`, `\p`}, {PythonRefused, 3, `\z`, `\z`}}, `\pL\z`, false},
		{`\Qa{,2}[[:alpha:]]\E\d`, []f{{PythonRefused, 0, `\Q`, `\Q`}, {PythonRefused, 18, `\E`, `\E`}, {PythonUnicodeClass, 20, `\d`, `\p{Nd}`}}, `\Qa{,2}[[:alpha:]]\E\p{Nd}`, false},
		{`\Q\d`, []f{{PythonRefused, 0, `\Q`, `\Q`}}, `\Q\d`, false},
	} {
		t.Run(tt.pattern, func(t *testing.T) {
			got := ScanPython(tt.pattern)
			if !reflect.DeepEqual(got.Findings, tt.want) || got.Rewrite != tt.rewrite || got.Exact != tt.exact {
				t.Errorf("ScanPython(%q) = %+v, want %+v, rewrite %q, exact %v", tt.pattern, got, tt.want, tt.rewrite, tt.exact)
			}
			if _, err := regexp.Compile(got.Rewrite); err != nil {
				t.Errorf("rewrite %q: %v", got.Rewrite, err)
			}
		})
	}
}
