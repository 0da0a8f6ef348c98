package hostcall

import (
	"bytes"
	"errors"
	"testing"
	"unsafe"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// fakeHost is a result host function with bytes pending.
type fakeHost struct {
	pending []byte
	calls   int
}

func (h *fakeHost) fetch(buf unsafe.Pointer, size uint32) int32 {
	h.calls++
	n := int32(len(h.pending))
	if uint32(n) <= size {
		copy(unsafe.Slice((*byte)(buf), size), h.pending)
	}
	return n
}

func TestCollect(t *testing.T) {
	hostErr, _ := msgpack.Marshal(abi.Errorf(abi.CodeDenied, "nope"))
	tests := []struct {
		name      string
		pending   []byte
		n         int32 // what the data-producing function returned
		want      []byte
		wantErr   *abi.Error
		wantCalls int
	}{
		{"empty result", nil, 0, nil, nil, 0},
		{"result", []byte("value"), 5, []byte("value"), nil, 1},
		{"result larger than announced", []byte("longer value"), 3, []byte("longer value"), nil, 2},
		{"host error", hostErr, -int32(len(hostErr)), nil, &abi.Error{Code: abi.CodeDenied, Message: "nope"}, 1},
		{"undecodable host error", []byte{0xc1}, -1, nil, &abi.Error{Code: abi.CodeInternal}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &fakeHost{pending: tt.pending}
			got, err := collect(tt.n, h.fetch)
			if !bytes.Equal(got, tt.want) {
				t.Errorf("result = %q, want %q", got, tt.want)
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("error = %v, want none", err)
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Errorf("error = %v, want code %s", err, tt.wantErr.Code)
			case tt.wantErr != nil && tt.wantErr.Message != "" && err.Error() != tt.wantErr.Error():
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			if h.calls != tt.wantCalls {
				t.Errorf("result called %d times, want %d", h.calls, tt.wantCalls)
			}
		})
	}
}

func TestCollectGivesUp(t *testing.T) {
	grow := int32(1)
	fetch := func(unsafe.Pointer, uint32) int32 { grow *= 2; return grow }
	if _, err := collect(1, fetch); !errors.Is(err, &abi.Error{Code: abi.CodeInternal}) {
		t.Errorf("collect from an ever-growing result: error %v, want internal", err)
	}
}
