package jsonform

import (
	"encoding/json"
	"strconv"
)

// The typed readers below read one value at pos and report a value of
// another JSON type as "expected …, got …" at p.

// Str reads a string. When the string is one of known, the entry of known is
// returned, so that enumerated values cost no allocation.
func (d *Decoder) Str(p *Path, known ...string) (string, error) {
	if d.Peek() != '"' {
		return "", Fail(p, "expected a string, got %s", d.kind())
	}
	raw, plain, err := d.stringToken(p)
	if err != nil {
		return "", err
	}
	if plain {
		return Intern(raw, known), nil
	}
	return unquote(raw), nil
}

// Strs reads an array of strings, interned in known as str does.
func (d *Decoder) Strs(p *Path, known ...string) ([]string, error) {
	a := d.Array(p)
	out := make([]string, 0, 4)
	for a.Next() {
		ep := a.Path(p)
		var s string
		s, a.Err = d.Str(&ep, known...)
		out = append(out, s)
	}
	return out, a.Err
}

// Int reads an integer literal; 200.0 and 2e2 are numbers, not integers.
func (d *Decoder) Int(p *Path) (int64, error) {
	if c := d.Peek(); c != '-' && (c < '0' || c > '9') {
		return 0, Fail(p, "expected an integer, got %s", d.kind())
	}
	tok, err := d.numberToken()
	if err != nil {
		return 0, err
	}
	n, ok := parseInt(tok)
	if !ok {
		return 0, Fail(p, "expected an integer, got %s", tok)
	}
	return n, nil
}

// IntPtr reads an integer into a new variable.
func (d *Decoder) IntPtr(p *Path) (*int64, error) {
	n, err := d.Int(p)
	return &n, err
}

// parseInt parses a number token that is an integer in the int64 range.
func parseInt(tok []byte) (int64, bool) {
	digits := tok
	if tok[0] == '-' {
		digits = tok[1:]
	}
	var u uint64
	for _, c := range digits {
		if c < '0' || c > '9' || u > (1<<63)/10 {
			return 0, false
		}
		if u = u*10 + uint64(c-'0'); u > 1<<63 {
			return 0, false
		}
	}
	switch {
	case tok[0] == '-':
		return int64(-u), true // -u wraps to math.MinInt64 for u == 1<<63
	case u == 1<<63:
		return 0, false
	}
	return int64(u), true
}

// Number reads any number that fits a float64.
func (d *Decoder) Number(p *Path) (float64, error) {
	if c := d.Peek(); c != '-' && (c < '0' || c > '9') {
		return 0, Fail(p, "expected a number, got %s", d.kind())
	}
	tok, err := d.numberToken()
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return 0, Fail(p, "invalid number %s", tok)
	}
	return f, nil
}

// Boolean reads true or false.
func (d *Decoder) Boolean(p *Path) (bool, error) {
	switch d.Peek() {
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	}
	return false, Fail(p, "expected a boolean, got %s", d.kind())
}

// Opaque reads an object that the codec keeps as it is, compacted: the
// value of an "x-" extension.
func (d *Decoder) Opaque(p *Path) (json.RawMessage, error) {
	if d.Peek() != '{' {
		return nil, Fail(p, "expected an object, got %s", d.kind())
	}
	return d.Raw(p)
}

// Raw reads a value of any shape and returns it compacted.
func (d *Decoder) Raw(p *Path) (json.RawMessage, error) {
	d.Peek()
	start := d.pos
	if err := d.Skip(p); err != nil {
		return nil, err
	}
	return appendCompact(make([]byte, 0, d.pos-start), d.Data[start:d.pos]), nil
}

// Intern returns the entry of names that equals b, or b as a new string.
func Intern(b []byte, names []string) string {
	for _, n := range names {
		if string(b) == n {
			return n
		}
	}
	return string(b)
}
