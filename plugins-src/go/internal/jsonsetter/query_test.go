package jsonsetter

import (
	"math"
	"net/url"
	"reflect"
	"testing"
)

func TestQuery(t *testing.T) {
	for _, tt := range []struct {
		name   string
		object map[string]any
		want   string
	}{
		{"empty", nil, ""},
		{"sorted names", map[string]any{"b": "2", "a": "1", "B": "0"}, "B=0&a=1&b=2"},
		{"escaped", map[string]any{"a b&c": "x/y z+é"}, "a+b%26c=x%2Fy+z%2B%C3%A9"},
		{"scalars", map[string]any{"i": int64(-3), "u": uint64(math.MaxUint64), "s8": int8(5), "u16": uint16(7),
			"f": 0.1, "big": 1e21, "tiny": 1e-7, "f32": float32(0.5), "t": true, "no": false, "bin": []byte("raw")},
			"big=1000000000000000000000&bin=raw&f=0.1&f32=0.5&i=-3&no=false&s8=5&t=true&tiny=0.0000001&u=18446744073709551615&u16=7"},
		{"left out", map[string]any{"nil": nil, "map": map[string]any{"a": "b"}, "nan": math.NaN(), "inf": math.Inf(-1), "kept": "k"}, "kept=k"},
		{"lists", map[string]any{"g": []any{"ops", int64(2), nil, []any{"nested"}, map[string]any{}, true}, "z": []any{}},
			"g=ops&g=2&g=true"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Query(tt.object)
			if got != tt.want {
				t.Errorf("Query = %q\nwant    %q", got, tt.want)
			}
			if _, err := url.ParseQuery(got); err != nil {
				t.Errorf("not a query: %v", err)
			}
		})
	}
}

func TestQueryReadsBack(t *testing.T) {
	object := map[string]any{"path": "Rise Against/Appeal to Reason", "level": int64(5), "groups": []any{"a", "b"}}
	got, err := url.ParseQuery(Query(object))
	want := url.Values{"path": {"Rise Against/Appeal to Reason"}, "level": {"5"}, "groups": {"a", "b"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("read back %v, %v; want %v", got, err, want)
	}
}
