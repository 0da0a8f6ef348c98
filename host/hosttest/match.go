package hosttest

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// normalize returns v with the differences the ABI ignores removed:
// integers become int64 (uint64 above math.MaxInt64 stays uint64), float32
// stays float32 so that it compares at its own precision, bin becomes str,
// and map keys whose value is nil are dropped. It does not modify v.
func normalize(v any) any {
	switch x := v.(type) {
	case int:
		return int64(x)
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint:
		return normalize(uint64(x))
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x)
		}
		return x
	case []byte:
		return string(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				out[k] = normalize(e)
			}
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				out[fmt.Sprint(k)] = normalize(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	}
	return v
}

// diff returns the differences of got from want, both normalized, one line
// each: every key and element when exact, the keys of want's maps only when
// partial (lists are always compared exactly). With patterns, the strings
// of want are the keys of patterns, which got's values must match. It
// returns nil when they match.
func diff(got, want any, partial bool, patterns map[string]*regexp.Regexp) []string {
	d := differ{patterns: patterns}
	d.walk("", got, want, partial)
	return d.lines
}

type differ struct {
	lines    []string
	patterns map[string]*regexp.Regexp
}

func (d *differ) add(path, format string, args ...any) {
	if path == "" {
		path = "reply"
	}
	d.lines = append(d.lines, path+": "+fmt.Sprintf(format, args...))
}

func (d *differ) walk(path string, got, want any, partial bool) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			d.add(path, "got %s, want %s", format(got), format(want))
			return
		}
		for _, k := range sortedKeys(w) {
			p := join(path, k)
			if gv, ok := g[k]; ok {
				d.walk(p, gv, w[k], partial)
			} else {
				d.add(p, "missing, want %s", format(w[k]))
			}
		}
		if !partial {
			for _, k := range sortedKeys(g) {
				if _, ok := w[k]; !ok {
					d.add(join(path, k), "not expected, got %s", format(g[k]))
				}
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			d.add(path, "got %s, want %s", format(got), format(want))
			return
		}
		if len(g) != len(w) {
			d.add(path, "got %d elements %s, want %d %s", len(g), format(g), len(w), format(w))
			return
		}
		for i := range w {
			d.walk(path+"["+strconv.Itoa(i)+"]", g[i], w[i], false)
		}
	default:
		if w, ok := want.(string); ok && d.patterns[w] != nil {
			if text, ok := scalarText(got); !ok || !d.patterns[w].MatchString(text) {
				d.add(path, "got %s, want a match of %s", format(got), format(want))
			}
			return
		}
		if !scalarEqual(got, want) {
			d.add(path, "got %s, want %s", format(got), format(want))
		}
	}
}

// scalarText is the text a pattern matches of a normalized scalar: a
// string itself, a number in decimal, a boolean as true or false.
func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// scalarEqual compares normalized scalars; numbers compare by value.
func scalarEqual(got, want any) bool {
	gf, gNum := number(got)
	wf, wNum := number(want)
	if gNum || wNum {
		if !gNum || !wNum {
			return false
		}
		if gi, ok := got.(int64); ok {
			if wi, ok := want.(int64); ok {
				return gi == wi
			}
		}
		_, g32 := got.(float32)
		_, w32 := want.(float32)
		if g32 || w32 {
			return float32(gf) == float32(wf)
		}
		return gf == wf
	}
	return got == want
}

// number returns a normalized number as a float64.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	}
	return 0, false
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// format writes a normalized value compactly, as JSON where it can.
func format(v any) string {
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	s := string(b)
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}
