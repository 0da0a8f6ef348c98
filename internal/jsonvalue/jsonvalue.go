// Package jsonvalue decodes JSON objects into the Go values a plugin
// request is made of, keeping integers as int64: the ABI accepts an integer
// where a float is expected but not the other way round, so a number written
// 80 must reach a plugin as an integer.
package jsonvalue

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// DecodeObject decodes the JSON object s: integral numbers become int64,
// other numbers float64, and the rest as encoding/json decodes into any.
// Anything but exactly one object is an error.
func DecodeObject(s string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if v == nil {
		return nil, fmt.Errorf("not a JSON object: null")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return numbers(v).(map[string]any), nil
}

// numbers replaces the json.Number values in v, in place.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}
