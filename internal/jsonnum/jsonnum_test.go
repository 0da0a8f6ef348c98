package jsonnum

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(`{"a": 1, "b": [2.5, {"c": -3}], "d": 1e3, "e": 99999999999999999999, "f": "4"}`))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": int64(1), "b": []any{2.5, map[string]any{"c": int64(-3)}}, "d": float64(1000), "e": 1e20, "f": "4"}
	if got := Normalize(v); !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize = %#v, want %#v", got, want)
	}
}
