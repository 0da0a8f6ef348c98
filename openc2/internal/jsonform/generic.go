package jsonform

import (
	"math"
	"slices"
	"strconv"
)

// ToGeneric returns the JSON document raw, the value at p, in the generic
// form (see package openc2's GenericCommand), checking it as strictly as
// Skip checks a value.
func ToGeneric(p *Path, raw []byte) (any, error) {
	d := Decoder{Data: raw}
	v, err := d.genericValue()
	if err := d.Finish(p, Within(p, err)); err != nil {
		return nil, err
	}
	return v, nil
}

// FromGeneric returns the generic value v at p, depth containers below the
// top of the document, as JSON: members of an object in the order of their
// names. A string that is not I-JSON text, a number that is not finite, a
// value of a type the generic form does not hold and nesting deeper than
// MaxDepth are errors.
func FromGeneric(p *Path, v any, depth int) ([]byte, error) {
	var e Encoder
	if err := e.generic(v, depth); err != nil {
		return nil, Within(p, err)
	}
	return e.B, nil
}

// genericValue reads the value at pos, whatever its shape, in generic
// form, checking it as skipValue does; errors name the path from the value
// down, as skipValue's do.
func (d *Decoder) genericValue() (any, error) {
	switch d.Peek() {
	case '{':
		m := map[string]any{}
		o := d.Object(nil)
		for o.Next(nil) {
			k := string(o.Key)
			v, err := d.genericValue()
			if err != nil {
				o.Err = Within(&Path{Name: k}, err)
			}
			m[k] = v
		}
		return m, o.Err
	case '[':
		l := []any{}
		a := d.Array(nil)
		for a.Next() {
			v, err := d.genericValue()
			if err != nil {
				a.Err = Within(&Path{Elem: a.n - 1}, err)
			}
			l = append(l, v)
		}
		return l, a.Err
	case '"':
		raw, plain, err := d.stringToken(nil)
		if err != nil || plain {
			return string(raw), err
		}
		return unquote(raw), nil
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	case 0:
		return nil, d.syntax("unexpected end of input")
	}
	tok, err := d.numberToken()
	if err != nil {
		return nil, err
	}
	return genericNumber(tok)
}

// genericNumber returns the number token tok in generic form: an int64, a
// uint64 above the int64 range, else the nearest float64. A number beyond
// the float64 range is an error: the generic form could carry it only as
// an infinity, which is no JSON number.
func genericNumber(tok []byte) (any, error) {
	if n, ok := parseInt(tok); ok {
		return n, nil
	}
	if tok[0] != '-' {
		if u, err := strconv.ParseUint(string(tok), 10, 64); err == nil {
			return u, nil
		}
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return nil, Errorf("", "%s is beyond the range of a 64-bit float", tok)
	}
	return f, nil
}

// generic appends the generic value v as FromGeneric does; errors name
// the path from v down, as skipValue's do.
func (e *Encoder) generic(v any, depth int) error {
	switch x := v.(type) {
	case nil:
		e.B = append(e.B, "null"...)
	case bool:
		e.Bool(x)
	case string:
		return e.text(x)
	case []byte:
		return e.text(string(x))
	case float64:
		return e.finite(x)
	case float32:
		return e.finite(float64(x))
	case map[string]any:
		if depth >= MaxDepth {
			return Errorf("", "nesting deeper than %d levels", MaxDepth)
		}
		var buf [8]string
		start := e.Begin()
		for _, k := range SortedKeys(x, buf[:0]) {
			e.B = append(e.B, ',')
			if err := e.text(k); err != nil {
				return Within(&Path{Name: k}, err)
			}
			e.B = append(e.B, ':')
			if err := e.generic(x[k], depth+1); err != nil {
				return Within(&Path{Name: k}, err)
			}
		}
		e.End(start)
	case []any:
		return e.genericArray(len(x), func(i int) any { return x[i] }, depth)
	case []string:
		return e.genericArray(len(x), func(i int) any { return x[i] }, depth)
	default:
		if n, ok := GenericInt(v); ok {
			e.Int(n)
		} else if u, ok := v.(uint64); ok {
			e.B = strconv.AppendUint(e.B, u, 10)
		} else {
			return Errorf("", "unsupported value of type %T", v)
		}
	}
	return nil
}

// genericArray appends the array of n elements that at gives as JSON; see
// generic.
func (e *Encoder) genericArray(n int, at func(int) any, depth int) error {
	if depth >= MaxDepth {
		return Errorf("", "nesting deeper than %d levels", MaxDepth)
	}
	e.B = append(e.B, '[')
	for i := range n {
		if i > 0 {
			e.B = append(e.B, ',')
		}
		if err := e.generic(at(i), depth+1); err != nil {
			return Within(&Path{Elem: i}, err)
		}
	}
	e.B = append(e.B, ']')
	return nil
}

// text appends s as a JSON string, or fails as Str does, without a path.
func (e *Encoder) text(s string) error {
	var ok bool
	if e.B, ok = appendString(e.B, s); !ok {
		return Errorf("", "%q is not Unicode text that I-JSON allows (RFC 7493 section 2.1)", s)
	}
	return nil
}

// finite appends f as Float does, or fails without a path.
func (e *Encoder) finite(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Errorf("", "%v is not a JSON number", f)
	}
	e.Float(nil, f)
	return nil
}

// GenericInt returns v as an int64 when it is an integer of a Go integer
// type that fits one, as a MessagePack decoder gives integers of every
// width.
func GenericInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case uint:
		return int64(n), uint64(n) <= math.MaxInt64
	}
	return 0, false
}

// SortedKeys appends the keys of m to buf and sorts them.
func SortedKeys[K ~string, V any](m map[K]V, buf []K) []K {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}
