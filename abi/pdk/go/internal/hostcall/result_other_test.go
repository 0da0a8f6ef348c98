//go:build !wasip1

package hostcall

import (
	"errors"
	"testing"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

func TestRoundTripUnavailable(t *testing.T) {
	fn := func(unsafe.Pointer, uint32) int32 { return Unavailable("probe") }
	_, err := RoundTrip[abi.ExecRequest, abi.ExecResult](fn, &abi.ExecRequest{Program: "true"})
	if !errors.Is(err, &abi.Error{Code: abi.CodeUnavailable}) {
		t.Errorf("RoundTrip outside wasip1: error %v, want unavailable", err)
	}
}

func TestRoundTrip(t *testing.T) {
	fn := func(p unsafe.Pointer, n uint32) int32 {
		var req abi.ExecRequest
		if err := msgpack.Unmarshal(unsafe.Slice((*byte)(p), n), &req); err != nil {
			t.Fatal(err)
		}
		pending, _ = msgpack.Marshal(abi.ExecResult{ExitCode: len(req.Args), Stdout: []byte(req.Program)})
		return int32(len(pending))
	}
	got, err := RoundTrip[abi.ExecRequest, abi.ExecResult](fn, &abi.ExecRequest{Program: "ls", Args: []string{"-l", "/"}})
	if err != nil || got.ExitCode != 2 || string(got.Stdout) != "ls" {
		t.Errorf("RoundTrip = %+v, %v; want exit 2, stdout ls", got, err)
	}
}
