package simulate_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/deps"
)

// TestSimNeedsNoABI checks that the simulator, its agents and everything
// around them work with the simulator's own types: only the adapter to
// agent plugins (package app/agents) converts them to the ABI's.
func TestSimNeedsNoABI(t *testing.T) {
	deps.Forbid(t, "github.com/gatehouse/gatehouse/sim/...", "github.com/gatehouse/gatehouse/abi")
}
