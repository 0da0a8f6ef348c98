package acl

import (
	"maps"
	"math"
	"slices"
	"strconv"
)

// maxJSONDepth is the deepest a value is written: values nested deeper
// are written as null.
const maxJSONDepth = 100

// appendJSON appends v, a value decoded from msgpack, as JSON: map keys
// sorted, bin as a string of its bytes, floats that JSON cannot hold
// (NaN, infinities) and values nested deeper than maxJSONDepth as null.
func appendJSON(b []byte, v any) []byte { return appendJSONAt(b, v, 0) }

// appendJSONAt appends v, nested depth levels deep, as JSON.
func appendJSONAt(b []byte, v any, depth int) []byte {
	if depth > maxJSONDepth {
		return append(b, "null"...)
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case string:
		return appendJSONString(b, x)
	case []byte:
		return appendJSONString(b, string(x))
	case float64:
		return appendFloat(b, x)
	case float32:
		return appendFloat(b, float64(x))
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONAt(b, e, depth+1)
		}
		return append(b, ']')
	case map[string]any:
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(x)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONAt(b, x[k], depth+1)
		}
		return append(b, '}')
	}
	if i, ok := asInt(v); ok {
		return strconv.AppendInt(b, i, 10)
	}
	if u, ok := v.(uint64); ok {
		return strconv.AppendUint(b, u, 10)
	}
	return append(b, "null"...) // msgpack decodes to none of the other types
}

// asInt returns an integer of any Go integer type but uint64 above
// math.MaxInt64 as an int64.
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint64:
		return int64(x), x <= math.MaxInt64
	}
	return 0, false
}

// appendFloat appends f in the shortest form that reads back as the same
// float64.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, every other byte as it is.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
