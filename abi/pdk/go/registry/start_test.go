package registry

import (
	"errors"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

func TestStart(t *testing.T) {
	start := marshal(t, abi.StartRequest{})
	tests := []struct {
		name    string
		start   StartFunc // nil: none registered
		req     []byte
		runs    int      // how often start must have run
		code    abi.Code // the error reply's code; empty for ok
		message string
	}{
		{name: "none registered", req: start},
		{name: "ok", start: func() error { return nil }, req: start, runs: 1},
		{name: "unknown keys", start: func() error { return nil }, req: marshal(t, map[string]any{"later": 1}), runs: 1},
		{name: "abi error", start: func() error { return fmt.Errorf("restore: %w", abi.Errorf(abi.CodeUnavailable, "nft missing")) },
			req: start, runs: 1, code: abi.CodeUnavailable, message: "nft missing"},
		{name: "plain error", start: func() error { return errors.New("disk on fire") },
			req: start, runs: 1, code: abi.CodeInternal, message: "disk on fire"},
		{name: "panic", start: func() error { panic("boom") }, req: start, runs: 1, code: abi.CodeInternal, message: "panic: boom"},
		{name: "malformed request", start: func() error { return nil }, req: []byte{0xc1}, code: abi.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, runs := testRegistry(), 0
			if tt.start != nil {
				r.OnStart(func() error { runs++; return tt.start() })
			}
			rep := decodeReply[abi.StartReply](t, r.Call(abi.ExportStart, tt.req))
			if runs != tt.runs {
				t.Errorf("start ran %d times, want %d", runs, tt.runs)
			}
			switch {
			case tt.code == "" && rep.Error != nil:
				t.Errorf("error reply %v, want ok", rep.Error)
			case tt.code != "" && (rep.Error == nil || rep.Error.Code != tt.code):
				t.Errorf("reply %+v, want error %s", rep, tt.code)
			case tt.message != "" && rep.Error.Message != tt.message:
				t.Errorf("message %q, want %q", rep.Error.Message, tt.message)
			}
		})
	}
}

func TestOnStartPanics(t *testing.T) {
	tests := []struct {
		name     string
		register func(r *Registry)
	}{
		{"nil", func(r *Registry) { r.OnStart(nil) }},
		{"twice", func(r *Registry) {
			r.OnStart(func() error { return nil })
			r.OnStart(func() error { return nil })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("OnStart did not panic")
				}
			}()
			tt.register(testRegistry())
		})
	}
}
