package jsonnum

import (
	"math/big"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeObject(t *testing.T) {
	got, err := DecodeObject([]byte(`{"port": 80, "rate": 1.5, "big": 1e3, "list": [1, {"n": -2}], "s": "x", "huge": -18446744073709551617}`))
	if err != nil {
		t.Fatal(err)
	}
	huge, _ := new(big.Int).SetString("-18446744073709551617", 10)
	want := map[string]any{"port": int64(80), "rate": 1.5, "big": 1000.0, "list": []any{int64(1), map[string]any{"n": int64(-2)}}, "s": "x", "huge": huge}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
	for in, msg := range map[string]string{
		`[1]`:    "not a JSON object: json: cannot unmarshal array into Go value of type map[string]interface {}",
		`null`:   "not a JSON object: null",
		`{} {}`:  "more than one JSON value",
		`{"a":1`: "not a JSON object: unexpected EOF",
		``:       "not a JSON object: EOF",
		`{"a": [` + strings.Repeat("1", MaxIntegerDigits+1) + `]}`: "integer of 4301 digits: at most 4300 are allowed",
	} {
		if _, err := DecodeObject([]byte(in)); err == nil || err.Error() != msg {
			t.Errorf("%q: error %v, want %s", in, err, msg)
		}
	}
}
