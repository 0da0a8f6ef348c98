// Package deps checks in tests which packages others depend on, so that
// the layers of the tree stay apart.
package deps

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Forbid fails t for each package that the packages pattern matches
// depend on and that imports the package forbidden, naming it; the
// packages of pattern are their own dependencies. It asks `go list
// -deps`, so test files do not count.
func Forbid(t testing.TB, pattern, forbidden string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", pattern).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pattern, err, out)
	}
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) > 0 && slices.Contains(f[1:], forbidden) {
			t.Errorf("%s imports %s, so %s depends on it", f[0], forbidden, pattern)
		}
	}
}
