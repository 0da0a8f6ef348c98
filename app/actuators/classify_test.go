package actuators

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
)

// TestClassify checks that an actuator's ABI error code becomes the
// consumer's status, and that the error's text stays the host's.
func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want int
	}{
		{abi.Errorf(abi.CodeInvalidRequest, "bad"), openc2.StatusBadRequest},
		{abi.Errorf(abi.CodeDenied, "no"), openc2.StatusForbidden},
		{abi.Errorf(abi.CodeNotFound, "gone"), openc2.StatusNotFound},
		{abi.Errorf(abi.CodeUnsupported, "never"), openc2.StatusNotImplemented},
		{abi.Errorf(abi.CodeUnavailable, "busy"), openc2.StatusUnavailable},
		{abi.Errorf(abi.CodeInternal, "oops"), openc2.StatusInternalError},
		{abi.Errorf(abi.CodeTrap, "unreachable"), openc2.StatusInternalError},
		{abi.Errorf(abi.CodeTimeout, "slow"), openc2.StatusInternalError},
		{errors.New("boom"), openc2.StatusInternalError},
	} {
		err := fmt.Errorf("plugin fw/filter: %w", tt.err)
		got := classify(err)
		if s := consumer.StatusOf(got); s != tt.want {
			t.Errorf("%v: status %d, want %d", err, s, tt.want)
		}
		if got.Error() != err.Error() {
			t.Errorf("text %q, want %q", got, err)
		}
		if !errors.Is(got, tt.err) {
			t.Errorf("%v no longer wraps %v", got, tt.err)
		}
	}
	if classify(nil) != nil {
		t.Error("classify(nil) is not nil")
	}
}
