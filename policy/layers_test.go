package policy_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/deps"
)

// TestPolicyNeedsNoABI checks that the rule engine and everything around
// it decide over the policy's own types: only the adapter to the plugin
// host (package app/attrs) converts them to the ABI's.
func TestPolicyNeedsNoABI(t *testing.T) {
	deps.Forbid(t, "github.com/gatehouse/gatehouse/policy/...", "github.com/gatehouse/gatehouse/abi")
}
