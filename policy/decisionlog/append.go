package decisionlog

import (
	"math"
	"slices"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/jsonio"
	"github.com/gatehouse/gatehouse/policy"
)

// appendEntry appends e as one line of JSON to b: the text encode writes
// for it (a test holds it to that), without reflection or copies of the
// attributes. With c set, the attributes are c's, masked by m, in place of
// e.Attributes: the text encode writes for m.Apply(*c). It reports false
// for a value it does not write (a type other than JSON's own, a number
// JSON cannot hold), for encode to write instead.
func appendEntry(b []byte, e *Entry, c *policy.Attributes, m *Mask) ([]byte, bool) {
	b = append(b, `{"time":"`...)
	b, err := e.Time.AppendText(b)
	if err != nil {
		return b, false
	}
	b = append(b, `","source":`...)
	b = jsonio.AppendStringRaw(b, e.Source)
	b = append(b, `,"policy_set":`...)
	b = jsonio.AppendStringRaw(b, e.PolicySet)
	b = appendField(b, "result", e.Result)
	b = appendField(b, "effect", e.Effect)
	if len(e.Obligations) > 0 {
		b = append(b, `,"obligations":[`...)
		for i, o := range e.Obligations {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = jsonio.AppendStringRaw(b, o.Name)
			if o.Fulfilled {
				b = append(b, `,"fulfilled":true`...)
			} else {
				b = append(b, `,"fulfilled":false`...)
			}
			b = appendField(b, "reason", o.Reason)
			b = append(b, `,"entities":`...)
			b = append(jsonio.AppendStringsRaw(b, o.Entities), '}')
		}
		b = append(b, ']')
	}
	if len(e.Missing) > 0 {
		b = append(b, `,"missing":`...)
		b = jsonio.AppendStringsRaw(b, e.Missing)
	}
	b = appendField(b, "error", e.Error)
	b = appendField(b, "path", e.Path)
	ok := true
	switch {
	case c != nil:
		b, ok = appendCategories(b, c, m)
	case len(e.Attributes) > 0:
		b = append(b, `,"attributes":`...)
		b, ok = appendValue(b, e.Attributes, nil)
	}
	return append(b, '}', '\n'), ok
}

// appendField appends the string field name with the value v, unless v is
// empty (omitempty).
func appendField(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return jsonio.AppendStringRaw(b, v)
}

// appendCategories appends the attributes field of c's categories that are
// not nil, in the order of their names, masked by m; nothing when there is
// none.
func appendCategories(b []byte, c *policy.Attributes, m *Mask) ([]byte, bool) {
	cats := [...]struct {
		name string
		v    map[string]any
	}{{"access", c.Access}, {"environment", c.Environment}, {"object", c.Object}, {"subject", c.Subject}}
	n := 0
	for _, cat := range cats {
		if cat.v == nil {
			continue
		}
		if n == 0 {
			b = append(b, `,"attributes":{`...)
		} else {
			b = append(b, ',')
		}
		n++
		b = jsonio.AppendStringRaw(b, cat.name)
		b = append(b, ':')
		var ok bool
		if b, ok = appendValue(b, cat.v, m.root.child(cat.name)); !ok {
			return b, false
		}
	}
	if n > 0 {
		b = append(b, '}')
	}
	return b, true
}

// appendValue appends v with the values at n's paths (none for a nil n)
// as Masked, as Mask.Apply masks them.
func appendValue(b []byte, v any, n *maskNode) ([]byte, bool) {
	if n != nil && n.leaf {
		return jsonio.AppendStringRaw(b, Masked), true
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), true
	case string:
		return jsonio.AppendStringRaw(b, x), true
	case bool:
		return strconv.AppendBool(b, x), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case float64:
		return appendFloat(b, x)
	case []string:
		return jsonio.AppendStringsRaw(b, x), true
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendValue(b, e, n); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		if x == nil {
			return append(b, "null"...), true
		}
		var keys [16]string
		sorted := keys[:0]
		for k := range x {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted)
		b = append(b, '{')
		for i, k := range sorted {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonio.AppendStringRaw(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = appendValue(b, x[k], n.child(k)); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

// appendFloat appends f as encoding/json writes a float64; it reports
// false for NaN and the infinities, which JSON cannot hold.
func appendFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 as e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}
