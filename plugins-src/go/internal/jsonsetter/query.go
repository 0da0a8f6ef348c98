package jsonsetter

import (
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Query encodes an object's attributes as URL query parameters, as ARPOC
// sends them: one parameter per attribute, in the byte order of the names,
// and for a list one parameter per item, in order. Strings (and binary
// data) are sent as they are, integers in decimal, other numbers in the
// shortest decimal that reads back as the same float64, without an exponent, booleans
// as true and false. Nil values, maps, lists inside lists and numbers that
// are not finite are left out. Names and values are escaped as in HTML
// forms (a space is "+").
func Query(object map[string]any) string {
	var b strings.Builder
	add := func(name string, v any) {
		text, ok := paramText(v)
		if !ok {
			return
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(text))
	}
	for _, name := range slices.Sorted(maps.Keys(object)) {
		if items, ok := object[name].([]any); ok {
			for _, item := range items {
				add(name, item)
			}
			continue
		}
		add(name, object[name])
	}
	return b.String()
}

// paramText is the text of a scalar value as a query parameter; false for
// a value that is not sent.
func paramText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return floatText(x)
	case float32:
		return floatText(float64(x))
	case int:
		return strconv.FormatInt(int64(x), 10), true
	case int8:
		return strconv.FormatInt(int64(x), 10), true
	case int16:
		return strconv.FormatInt(int64(x), 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint8:
		return strconv.FormatUint(uint64(x), 10), true
	case uint16:
		return strconv.FormatUint(uint64(x), 10), true
	case uint32:
		return strconv.FormatUint(uint64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	}
	return "", false
}

func floatText(f float64) (string, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", false
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}
