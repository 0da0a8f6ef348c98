// Package jsonnum turns the json.Number values of JSON decoded with
// UseNumber into Go numbers, so that attributes decoded from JSON reach
// the policy engine and, through msgpack, plugins as numbers.
package jsonnum

import "encoding/json"

// Normalize replaces, in place, each json.Number in v (a value decoded
// into an any, with its maps and lists) by an int64 when it is an integer
// that fits, else by a float64, and returns v with the replacement made
// (a json.Number v is returned as its number).
func Normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = Normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = Normalize(e)
		}
	}
	return v
}
