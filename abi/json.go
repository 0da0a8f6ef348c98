package abi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DecodeJSONObject decodes one JSON object into the values a message carries
// (abi/README.md, section 3.1): integral numbers become int64 and other
// numbers float64, so a plugin that decodes an integer field gets an
// integer. Anything after the object is an error.
func DecodeJSONObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	if v == nil {
		return nil, errors.New("not a JSON object: null")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	return JSONNumbers(v).(map[string]any), nil
}

// JSONNumbers replaces, in place, each json.Number in v (a value decoded
// with UseNumber into an any, with its maps and lists) by an int64 when it
// is an integer that fits, else by a float64, and returns v with the
// replacement made (a json.Number v is returned as its number).
func JSONNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = JSONNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = JSONNumbers(e)
		}
	}
	return v
}
