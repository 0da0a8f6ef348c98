// Package deps checks in tests which packages others depend on, so that
// the layers of the tree stay apart.
package deps

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Of returns each package that the packages pattern matches depend on,
// themselves included, with the packages it imports. With tests, the
// packages their tests need count too, a package as a test compiles it
// under its plain path.
func Of(t testing.TB, pattern string, tests bool) map[string][]string {
	t.Helper()
	args := []string{"list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}"}
	if tests {
		args = append(args, "-test")
	}
	out, err := exec.Command("go", append(args, pattern)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pattern, err, out)
	}
	imports := make(map[string][]string)
	for line := range strings.Lines(string(out)) {
		// A package as a test compiles it is "path [path.test]".
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		rest := f[1:]
		if len(rest) > 0 && strings.HasPrefix(rest[0], "[") {
			rest = rest[1:]
		}
		imports[f[0]] = append(imports[f[0]], rest...)
	}
	return imports
}

// Forbid fails t for each package that the packages pattern matches
// depend on and that imports the package forbidden, naming it. Test
// files do not count.
func Forbid(t testing.TB, pattern, forbidden string) {
	t.Helper()
	for pkg, imports := range Of(t, pattern, false) {
		if slices.Contains(imports, forbidden) {
			t.Errorf("%s imports %s, so %s depends on it", pkg, forbidden, pattern)
		}
	}
}
