// Package jsonnum holds the one reading of JSON numbers that messages,
// decision requests and policy expressions share (abi/README.md, section
// 3.1): an integer is an int64, or a *big.Int beyond its range, and any
// other number a float64. It is a package of the module abi, so that
// plugins (through abi.DecodeJSONObject) read numbers as the host does,
// and the domains read them so without importing package abi.
package jsonnum

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
)

// DecodeObject decodes one JSON object with its numbers as Convert
// converts them, so that an integer field decodes to an integer. Anything
// after the object is an error.
func DecodeObject(data []byte) (map[string]any, error) {
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
	if _, err := Convert(v); err != nil {
		return nil, err
	}
	return v, nil
}

// Convert replaces, in place, each json.Number in v (a value decoded with
// UseNumber into an any, with its maps and lists) by the integer
// ParseInteger gives for it, or by a float64 when it is not an integer,
// and returns v with the replacement made (a json.Number v is returned as
// its number). An integer of more than MaxIntegerDigits digits is an
// error; v may then be partly replaced.
func Convert(v any) (any, error) {
	var err error
	switch x := v.(type) {
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			f, _ := x.Float64()
			return f, nil
		}
		return ParseInteger(string(x))
	case map[string]any:
		for k, e := range x {
			if x[k], err = Convert(e); err != nil {
				return v, err
			}
		}
	case []any:
		for i, e := range x {
			if x[i], err = Convert(e); err != nil {
				return v, err
			}
		}
	}
	return v, nil
}

// MaxIntegerDigits bounds the digits of an integer beyond the 64-bit range:
// converting decimal digits to a big integer takes time that grows with
// the square of their number. It is Python's bound on converting strings
// to integers (sys.int_info.default_max_str_digits).
const MaxIntegerDigits = 4300

// ParseInteger returns the decimal integer s, an optional minus sign and
// digits, as an int64 when it fits and as a *big.Int when it does not. An
// integer of more than MaxIntegerDigits digits is an error, as is anything
// that is not an integer.
//
// # Notes
//
// A *big.Int goes to plugins as an unsigned integer up to 2^64-1, and as
// the nearest float64 beyond (abi/README.md, section 3.1).
func ParseInteger(s string) (any, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	} else if !errors.Is(err, strconv.ErrRange) {
		return nil, fmt.Errorf("%q is not an integer", s)
	}
	if digits := len(strings.TrimPrefix(s, "-")); digits > MaxIntegerDigits {
		return nil, fmt.Errorf("integer of %d digits: at most %d are allowed", digits, MaxIntegerDigits)
	}
	n, _ := new(big.Int).SetString(s, 10)
	return n, nil
}
