package openc2_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/deps"
)

// TestOpenC2NeedsNoABI checks that the codec, the consumer and the
// transfers work with OpenC2's own types: only the adapter to actuator
// plugins (package app/actuators) converts them to the ABI's.
func TestOpenC2NeedsNoABI(t *testing.T) {
	deps.Forbid(t, "github.com/gatehouse/gatehouse/openc2/...", "github.com/gatehouse/gatehouse/abi")
}
