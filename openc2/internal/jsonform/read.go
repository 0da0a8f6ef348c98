package openc2

import (
	"encoding/json"
	"strconv"
)

// The typed readers below read one value at pos and report a value of
// another JSON type as "expected …, got …" at p.

// str reads a string. When the string is one of known, the entry of known is
// returned, so that enumerated values cost no allocation.
func (d *decoder) str(p *path, known ...string) (string, error) {
	if d.peek() != '"' {
		return "", fail(p, "expected a string, got %s", d.kind())
	}
	raw, plain, err := d.stringToken(p)
	if err != nil {
		return "", err
	}
	if plain {
		return intern(raw, known), nil
	}
	return unquote(raw), nil
}

// strs reads an array of strings, interned in known as str does.
func (d *decoder) strs(p *path, known ...string) ([]string, error) {
	a := d.array(p)
	out := make([]string, 0, 4)
	for a.next() {
		ep := a.path(p)
		var s string
		s, a.err = d.str(&ep, known...)
		out = append(out, s)
	}
	return out, a.err
}

// int reads an integer literal; 200.0 and 2e2 are numbers, not integers.
func (d *decoder) int(p *path) (int64, error) {
	if c := d.peek(); c != '-' && (c < '0' || c > '9') {
		return 0, fail(p, "expected an integer, got %s", d.kind())
	}
	tok, err := d.numberToken()
	if err != nil {
		return 0, err
	}
	n, ok := parseInt(tok)
	if !ok {
		return 0, fail(p, "expected an integer, got %s", tok)
	}
	return n, nil
}

// intPtr reads an integer into a new variable.
func (d *decoder) intPtr(p *path) (*int64, error) {
	n, err := d.int(p)
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

// number reads any number that fits a float64.
func (d *decoder) number(p *path) (float64, error) {
	if c := d.peek(); c != '-' && (c < '0' || c > '9') {
		return 0, fail(p, "expected a number, got %s", d.kind())
	}
	tok, err := d.numberToken()
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return 0, fail(p, "invalid number %s", tok)
	}
	return f, nil
}

// boolean reads true or false.
func (d *decoder) boolean(p *path) (bool, error) {
	switch d.peek() {
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	}
	return false, fail(p, "expected a boolean, got %s", d.kind())
}

// opaque reads an object that the codec keeps as it is, compacted: the
// value of an "x-" extension.
func (d *decoder) opaque(p *path) (json.RawMessage, error) {
	if d.peek() != '{' {
		return nil, fail(p, "expected an object, got %s", d.kind())
	}
	return d.raw(p)
}

// raw reads a value of any shape and returns it compacted.
func (d *decoder) raw(p *path) (json.RawMessage, error) {
	d.peek()
	start := d.pos
	if err := d.skip(p); err != nil {
		return nil, err
	}
	return appendCompact(make([]byte, 0, d.pos-start), d.data[start:d.pos]), nil
}
