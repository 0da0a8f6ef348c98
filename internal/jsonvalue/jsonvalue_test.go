package jsonvalue

import (
	"reflect"
	"strings"
	"testing"
)

func TestDecodeObject(t *testing.T) {
	got, err := DecodeObject(`{"port": 80, "ratio": 0.5, "big": 1e3, "list": [1, -2, "x"], "map": {"n": 9007199254740993}, "none": null}`)
	want := map[string]any{
		"port": int64(80), "ratio": 0.5, "big": float64(1000), "list": []any{int64(1), int64(-2), "x"},
		"map": map[string]any{"n": int64(9007199254740993)}, "none": nil,
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("DecodeObject = %#v, %v; want %#v", got, err, want)
	}
}

func TestDecodeObjectErrors(t *testing.T) {
	tests := []struct{ in, err string }{
		{`[1]`, "not a JSON object"},
		{`null`, "not a JSON object: null"},
		{`{"a": 1} {"b": 2}`, "more than one JSON value"},
		{`{"a": }`, "not a JSON object"},
	}
	for _, tt := range tests {
		if _, err := DecodeObject(tt.in); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("DecodeObject(%s) error = %v, want one with %q", tt.in, err, tt.err)
		}
	}
}
