package app_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/deps"
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
		forbidden := []string{"app", "cli"}
		for _, other := range peers {
			if other != peer {
				forbidden = append(forbidden, other)
			}
		}
		for dep := range deps.Of(t, module+peer+"/...", true) {
			top, _, _ := strings.Cut(strings.TrimPrefix(dep, module), "/")
			if strings.HasPrefix(dep, module) && slices.Contains(forbidden, top) {
				t.Errorf("%s depends on %s, which it must not import (docs/architecture.md)", peer, dep)
			}
		}
	}
}
