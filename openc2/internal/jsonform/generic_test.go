package jsonform

import (
	"math"
	"reflect"
	"testing"
)

// TestGeneric checks the generic form of JSON values: numbers by kind and
// size, and the JSON written back with the members of objects in order.
func TestGeneric(t *testing.T) {
	v, err := ToGeneric(nil, []byte(` {"b": [1, -2, 1.5, 18446744073709551615, 1e2, null, true], "a": "x\u00e9"} `))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": "xé", "b": []any{int64(1), int64(-2), 1.5, uint64(math.MaxUint64), 100.0, nil, true}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("ToGeneric = %#v, want %#v", v, want)
	}
	b, err := FromGeneric(nil, v, 0)
	if got := `{"a":"xé","b":[1,-2,1.5,18446744073709551615,100,null,true]}`; err != nil || string(b) != got {
		t.Fatalf("FromGeneric = %s, %v; want %s", b, err, got)
	}
	for _, tt := range []struct {
		name string
		v    any
		err  string
	}{
		{"beyond float64", map[string]any{"n": math.Inf(-1)}, "x.n: -Inf is not a JSON number"},
		{"not text", []any{"ok", "\xff"}, `x[1]: "\xff" is not Unicode text that I-JSON allows (RFC 7493 section 2.1)`},
		{"Go type", map[string]any{"c": make(chan int)}, "x.c: unsupported value of type chan int"},
		{"narrow integers", []any{int8(-1), uint16(2), float32(0.5), []byte("b"), []string{"s"}}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromGeneric(&Path{Name: "x"}, tt.v, 0)
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || err.Error() != tt.err) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
		})
	}
	if _, err := ToGeneric(&Path{Name: "x"}, []byte(`{"a":1,"a":2}`)); err == nil || err.Error() != "x.a: duplicate key" {
		t.Fatalf("duplicate key: %v", err)
	}
	if _, err := ToGeneric(&Path{Name: "x"}, []byte(`{"a":[-1e400]}`)); err == nil || err.Error() != "x.a[0]: -1e400 is beyond the range of a 64-bit float" {
		t.Fatalf("number beyond float64: %v", err)
	}
}
