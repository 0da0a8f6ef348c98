package abi_test

import (
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// TestCodecGenericValues checks that generic values decode to the Go
// types msgpack's DecodeInterface gives, and encode as its Encode does.
func TestCodecGenericValues(t *testing.T) {
	values := []any{
		nil, true, false, int8(5), int8(-3), uint8(200), uint16(60000), uint32(1 << 20), uint64(1 << 40),
		int8(-100), int16(-30000), int32(-1 << 20), int64(-1 << 40), float32(1.5), 2.25,
		"", "x", strings.Repeat("s", 40), strings.Repeat("t", 300), strings.Repeat("u", 70000), []byte{1, 2},
		[]any{"a", int8(1), []any{}}, map[string]any{"k": map[string]any{"n": nil}},
		map[string]any{}, make([]any, 20),
	}
	var c abi.Codec
	for _, v := range values {
		mine, err := c.Append(nil, map[string]any{"v": v})
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		theirs, _ := msgpack.Marshal(map[string]any{"v": v})
		if !reflect.DeepEqual(mine, theirs) {
			t.Errorf("%T %.40v encodes as %x, msgpack as %x", v, v, mine, theirs)
		}
		var got any
		if err := c.Unmarshal(theirs, &got); err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		var want any
		_ = msgpack.Unmarshal(theirs, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%T decodes as %#.60v, msgpack gives %#.60v", v, got, want)
		}
	}
}

// TestCodecHostileInput checks that lengths beyond the input, deep nesting,
// trailing bytes and wrong types are refused with an error.
func TestCodecHostileInput(t *testing.T) {
	for name, b := range map[string][]byte{
		"map of 2^32-1 pairs":  {0xdf, 0xff, 0xff, 0xff, 0xff},
		"str of 2^32-1 bytes":  {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'},
		"array of 65535":       {0xdc, 0xff, 0xff, 0xc0},
		"nested 300 deep":      []byte(strings.Repeat("\x91", 300) + "\xc0"),
		"maps nested 300 deep": []byte(strings.Repeat("\x81\xa1a", 300) + "\xc0"),
		"trailing bytes":       {0x80, 0xc0},
		"truncated key":        {0x81, 0xa5, 'a'},
		"unused code":          {0xc1},
		"extension":            {0xd6, 0xff, 0, 0, 0, 1},
		"empty":                {},
		"map key not a string": {0x81, 0x01, 0xc0},
	} {
		var v any
		if err := abi.UnmarshalMsgpack(b, &v); err == nil {
			t.Errorf("%s: decoded as %#v, want an error", name, v)
		}
		var c abi.Codec // with an interner and an arena
		if err := c.DecodeReusing(b, &v); err == nil {
			t.Errorf("%s: decoded reusing as %#v, want an error", name, v)
		}
	}
	for status, want := range map[any]string{
		"fine": "ok: status: want a number, got a string",
		200.0:  "ok: status: want an integer, got a float",
	} {
		b, _ := msgpack.Marshal(map[string]any{"ok": map[string]any{"status": status}})
		var rep abi.Reply[abi.ActuateReply]
		if err := abi.UnmarshalMsgpack(b, &rep); err == nil || err.Error() != want {
			t.Errorf("status %v: error %v, want %q", status, err, want)
		}
	}
}

// FuzzUnmarshal checks that no input makes decoding panic, and that what
// decodes encodes and decodes again to the same value.
func FuzzUnmarshal(f *testing.F) {
	for _, tt := range wireValues {
		b, _ := msgpack.Marshal(tt.wire)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c abi.Codec
		for _, v := range []any{&abi.Reply[abi.ActuateReply]{}, &abi.ActuateRequest{}, &abi.AgentActRequest{}, &abi.ObligeRequest{}, &abi.Reply[abi.EnvironmentReply]{}} {
			_ = c.Unmarshal(b, v)
		}
		var v any
		if c.Unmarshal(b, &v) != nil {
			return
		}
		again, err := c.Append(nil, v)
		if err != nil {
			t.Fatalf("%#v decoded but does not encode: %v", v, err)
		}
		var w any
		if err := c.Unmarshal(again, &w); err != nil {
			t.Fatalf("%x decoded as %#v, encoded as %x, which does not decode: %v", b, v, again, err)
		}
		if !reflect.DeepEqual(v, w) && !hasNaN(v) {
			t.Fatalf("%#v encoded and decoded again as %#v", v, w)
		}
	})
}

// hasNaN reports whether v holds a NaN, which is not equal to itself.
func hasNaN(v any) bool {
	switch v := v.(type) {
	case float32:
		return v != v
	case float64:
		return v != v
	case []any:
		for _, e := range v {
			if hasNaN(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if hasNaN(e) {
				return true
			}
		}
	}
	return false
}

// TestCodecBigIntegers checks that an integer beyond 64 bits goes to
// plugins exactly while msgpack can carry it, as the nearest float beyond.
func TestCodecBigIntegers(t *testing.T) {
	var c abi.Codec
	for in, want := range map[string]any{
		"18446744073709551615":  uint64(18446744073709551615),
		"9223372036854775808":   uint64(9223372036854775808),
		"18446744073709551617":  float64(18446744073709551616),
		"-9223372036854775809":  float64(-9223372036854775808),
		"-9223372036854775808":  int64(-9223372036854775808),
		"-18446744073709551617": float64(-18446744073709551616),
	} {
		n, _ := new(big.Int).SetString(in, 10)
		b, err := c.Append(nil, map[string]any{"v": n})
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := c.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if got["v"] != want {
			t.Errorf("%s reaches a plugin as %T %v, want %T %v", in, got["v"], got["v"], want, want)
		}
	}
}
