package msgcheck

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

func TestCheck(t *testing.T) {
	valid := []struct {
		name string
		v    any
	}{
		{"exec request", abi.ExecRequest{Program: "nft", Args: []string{"list", "ruleset"}, Stdin: []byte{0, 1}}},
		{"http request", abi.HTTPRequest{Method: "POST", URL: "https://x/", Headers: map[string]string{"a": "b"}, Body: make([]byte, 70000)}},
		{"scalars", []any{nil, true, false, 1, -1, 200, -200, 70000, -70000, 1 << 40, -(1 << 40), uint64(1 << 63), 1.5, float32(2.5)}},
		{"strings", []string{"", "short", strings.Repeat("s", 40), strings.Repeat("s", 300), strings.Repeat("s", 70000)}},
		{"binary", [][]byte{{}, make([]byte, 300), make([]byte, 70000)}},
		{"big containers", map[string][]int{"a": make([]int, 20), "b": make([]int, 70000)}},
		{"nested", []any{[]any{map[string]any{"x": []any{1}}}}},
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			b, err := msgpack.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if err := Check(b); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
	ext := []byte{0xd4, 1, 0, 0xd5, 1, 0, 0, 0xd6, 1, 0, 0, 0, 0, 0xc7, 1, 1, 0, 0xc8, 0, 1, 1, 0, 0xc9, 0, 0, 0, 1, 1, 0}
	if err := Check(append([]byte{0x96}, ext...)); err != nil {
		t.Errorf("Check of extensions: %v", err)
	}

	invalid := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"never used code", []byte{0xc1}},
		{"trailing byte", []byte{0x01, 0x02}},
		{"bin32 longer than the input", []byte{0xc6, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3}},
		{"str8 longer than the input", []byte{0xd9, 5, 'a'}},
		{"ext32 longer than the input", []byte{0xc9, 0, 0, 1, 0, 1}},
		{"array32 longer than the input", []byte{0xdd, 0x7f, 0xff, 0xff, 0xff, 1}},
		{"map32 longer than the input", []byte{0xdf, 0x00, 0x00, 0x00, 0x02, 1, 1, 1}},
		{"fixmap missing a value", []byte{0x81, 0xa1, 'k'}},
		{"truncated header", []byte{0xcd, 1}},
		{"truncated length", []byte{0xdb, 0, 0}},
		{"too deep", append(bytes.Repeat([]byte{0x91}, MaxDepth+1), 0)},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check(tt.b); err == nil {
				t.Errorf("Check(% x) succeeded, want an error", tt.b)
			}
		})
	}
}

func FuzzCheck(f *testing.F) {
	for _, v := range []any{
		abi.ExecRequest{Program: "nft", Args: []string{"-j", "list"}, Stdin: []byte("x")},
		abi.HTTPRequest{URL: "https://a/", Headers: map[string]string{"k": "v"}},
		map[string]any{"a": []any{1, "x", nil, 2.5, map[string]any{}}},
	} {
		b, err := msgpack.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if Check(b) != nil {
			return
		}
		// Whatever passes the check decodes without allocating far beyond
		// its size (the fuzzer would run out of memory) and, as one
		// value, re-encodes to something that passes too.
		var v any
		if err := msgpack.Unmarshal(b, &v); err != nil {
			return
		}
		var req abi.HTTPRequest
		_ = msgpack.Unmarshal(b, &req)
		again, err := msgpack.Marshal(v)
		if err != nil {
			return
		}
		if err := Check(again); err != nil {
			t.Errorf("Check of re-encoded % x: %v", again, err)
		}
	})
}
