package abi

import "github.com/gatehouse/gatehouse/abi/jsonnum"

// DecodeJSONObject decodes one JSON object into the values a message carries
// (abi/README.md, section 3.1): numbers as JSONNumbers converts them, so a
// plugin that decodes an integer field gets an integer. Anything after the
// object is an error.
func DecodeJSONObject(data []byte) (map[string]any, error) { return jsonnum.DecodeObject(data) }

// JSONNumbers replaces, in place, each json.Number in v (a value decoded
// with UseNumber into an any, with its maps and lists) by an int64, a
// *big.Int beyond int64's range, or a float64 when it is not an integer,
// and returns v with the replacement made (a json.Number v is returned as
// its number). An integer of more than 4,300 digits is an error; v may
// then be partly replaced.
func JSONNumbers(v any) (any, error) { return jsonnum.Convert(v) }
