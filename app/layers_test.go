package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayers checks the layers of docs/architecture.md: the plugin host
// and the domains (openc2, policy, sim) are peers that import none of one
// another, nor the application layer or the commands above them, in
// their code or their tests: a test of how the application joins them
// belongs to the application's packages.
func TestLayers(t *testing.T) {
	const module = "github.com/gatehouse/gatehouse/"
	peers := []string{"host", "openc2", "policy", "sim"}
	for _, peer := range peers {
		out, err := exec.Command("go", "list", "-test", "-deps", "-f", "{{.ImportPath}}", module+peer+"/...").CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", peer, err, out)
		}
		forbidden := []string{"app", "cli"}
		for _, other := range peers {
			if other != peer {
				forbidden = append(forbidden, other)
			}
		}
		for line := range strings.Lines(string(out)) {
			// A package as a test compiles it is "path [path.test]".
			dep, _, _ := strings.Cut(strings.TrimSpace(line), " ")
			top, _, _ := strings.Cut(strings.TrimPrefix(dep, module), "/")
			for _, f := range forbidden {
				if strings.HasPrefix(dep, module) && top == f {
					t.Errorf("%s depends on %s, which it must not import (docs/architecture.md)", peer, dep)
				}
			}
		}
	}
}
