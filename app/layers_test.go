package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayers checks the layers of docs/architecture.md: the plugin host
// and the domains (openc2, policy, sim) are peers that import none of one
// another, nor the application layer or the commands above them. Their
// tests may.
func TestLayers(t *testing.T) {
	const module = "github.com/gatehouse/gatehouse/"
	peers := []string{"host", "openc2", "policy", "sim"}
	for _, peer := range peers {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", module+peer+"/...").CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", peer, err, out)
		}
		forbidden := []string{"app", "cli"}
		for _, other := range peers {
			if other != peer {
				forbidden = append(forbidden, other)
			}
		}
		for dep := range strings.FieldsSeq(string(out)) {
			top, _, _ := strings.Cut(strings.TrimPrefix(dep, module), "/")
			for _, f := range forbidden {
				if strings.HasPrefix(dep, module) && top == f {
					t.Errorf("%s depends on %s, which it must not import (docs/architecture.md)", peer, dep)
				}
			}
		}
	}
}
