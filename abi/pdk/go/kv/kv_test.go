//go:build !wasip1

package kv

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

// Outside wasip1 every function fails with unavailable, through the same
// encoding and result protocol as under a host.
func TestUnavailableOutsideWasip1(t *testing.T) {
	unavailable := &abi.Error{Code: abi.CodeUnavailable}
	_, getErr := Get("k")
	_, listErr := List("")
	for name, err := range map[string]error{
		"Get": getErr, "Set": Set("k", []byte("v")), "Delete": Delete("k"), "List": listErr,
	} {
		if !errors.Is(err, unavailable) {
			t.Errorf("%s: error %v, want unavailable", name, err)
		}
		if errors.Is(err, ErrNotFound) {
			t.Errorf("%s: error %v matches ErrNotFound", name, err)
		}
	}
}
