package openc2

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"unicode/utf8"
)

// maxDepth bounds the nesting of objects and arrays in a message, so that
// hostile input cannot make the decoder recurse without limit.
const maxDepth = 64

// decoder reads one JSON document in a single pass over its bytes. Besides
// RFC 8259 syntax it enforces the I-JSON rules that LS v1.0 section 3.1.5
// requires (RFC 7493): no duplicate member names, and strings that are UTF-8
// text without surrogates or noncharacters. It also refuses nesting deeper
// than maxDepth.
//
// The typed readers (jsonread.go) build Go values as they go; skip checks a
// value of any shape without keeping it.
type decoder struct {
	data  []byte
	pos   int
	depth int // objects and arrays open at pos
}

// syntax returns a syntax error at pos. Decoding reports syntax errors as
// firstFault words them, so these messages show only where encoding/json
// would accept what the decoder refuses.
func (d *decoder) syntax(what string) error {
	return errorf("", "invalid JSON at offset %d: %s", d.pos, what)
}

// peek skips whitespace and returns the next byte, or 0 at the end (which
// a NUL byte in the input also returns; see atEnd).
func (d *decoder) peek() byte {
	for ; d.pos < len(d.data); d.pos++ {
		switch c := d.data[d.pos]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// atEnd skips whitespace and reports whether the input is used up.
func (d *decoder) atEnd() bool {
	d.peek()
	return d.pos >= len(d.data)
}

// kind names the JSON type of the value at pos for error messages.
func (d *decoder) kind() string {
	switch d.peek() {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "number"
	case 0:
		return "nothing"
	}
	return "an invalid value"
}

// stringToken reads the string at pos (a '"') and returns its raw contents
// between the quotes. plain reports that the contents are ASCII without
// escapes, so that they are the string's value as they stand. Escapes,
// UTF-8 and the I-JSON limits on code points are checked here; unquote
// decodes what passed.
func (d *decoder) stringToken(p *path) (raw []byte, plain bool, err error) {
	start := d.pos + 1
	plain = true
	for i := start; i < len(d.data); {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return d.data[start:i], plain, nil
		case c == '\\':
			plain = false
			n, msg := escape(d.data[i:])
			if msg != "" {
				d.pos = i
				if n < 0 {
					return nil, false, d.syntax(msg)
				}
				return nil, false, fail(p, "%s in string (RFC 7493 section 2.1)", msg)
			}
			i += n
		case c < 0x20:
			d.pos = i
			return nil, false, d.syntax("control character in string")
		case c < utf8.RuneSelf:
			i++
		default:
			plain = false
			r, n := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && n == 1 {
				return nil, false, fail(p, "invalid UTF-8 in string (RFC 7493 section 2.1)")
			}
			if noncharacter(r) {
				return nil, false, fail(p, "noncharacter %U in string (RFC 7493 section 2.1)", r)
			}
			i += n
		}
	}
	d.pos = len(d.data)
	return nil, false, d.syntax("unexpected end of input in string")
}

// escape checks the escape sequence at the start of b (b[0] == '\\') and
// returns its length. A syntax fault returns n < 0; a well-formed escape of
// a code point that I-JSON forbids returns n >= 0; both with a message.
func escape(b []byte) (n int, msg string) {
	if len(b) < 2 {
		return -1, "unexpected end of input in string"
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, ""
	case 'u':
	default:
		return -1, "invalid escape in string"
	}
	r, ok := hex4(b[2:])
	if !ok {
		return -1, "invalid \\u escape in string"
	}
	switch {
	case 0xDC00 <= r && r <= 0xDFFF:
		return 6, "lone low surrogate " + string(b[:6])
	case 0xD800 <= r && r <= 0xDBFF:
		lo, ok := rune(0), len(b) >= 8 && b[6] == '\\' && b[7] == 'u'
		if ok {
			lo, ok = hex4(b[8:])
		}
		if !ok || lo < 0xDC00 || lo > 0xDFFF {
			return 6, "lone high surrogate " + string(b[:6])
		}
		r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
		n = 12
	default:
		n = 6
	}
	if noncharacter(r) {
		return n, "noncharacter " + string(b[:n])
	}
	return n, ""
}

// hex4 decodes four hex digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// noncharacter reports whether r is a Unicode noncharacter, which I-JSON
// forbids (RFC 7493 section 2.1).
func noncharacter(r rune) bool {
	return 0xFDD0 <= r && r <= 0xFDEF || r&0xFFFE == 0xFFFE
}

// unquote returns the value of the contents raw of a string token that
// stringToken accepted.
func unquote(raw []byte) string {
	i := bytes.IndexByte(raw, '\\')
	if i < 0 {
		return string(raw)
	}
	b := make([]byte, i, len(raw))
	copy(b, raw)
	for i < len(raw) {
		c := raw[i]
		if c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, _ := hex4(raw[i+2:])
			i += 6
			if 0xD800 <= r && r <= 0xDBFF {
				lo, _ := hex4(raw[i+2:])
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
				i += 6
			}
			b = utf8.AppendRune(b, r)
			continue
		default: // '"', '\\', '/'
			b = append(b, raw[i+1])
		}
		i += 2
	}
	return string(b)
}

// numberToken reads the number at pos and returns its text.
func (d *decoder) numberToken() ([]byte, error) {
	b, start := d.data, d.pos
	i := start
	digits := func() bool {
		j := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		d.pos = i
		return nil, d.syntax("invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			d.pos = i
			return nil, d.syntax("invalid number")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			d.pos = i
			return nil, d.syntax("invalid number")
		}
	}
	d.pos = i
	return b[start:i], nil
}

// literal reads the literal word at pos.
func (d *decoder) literal(word string) error {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return d.syntax("invalid literal")
	}
	d.pos += len(word)
	return nil
}

// object reads a JSON object member by member:
//
//	o := d.object(p)
//	for o.next(p) {
//		fp := o.path(p)
//		switch string(o.key) { ... o.err = ... }
//	}
//	if o.err != nil { ... }
//
// next reports false at the closing brace or once err is set. Duplicate
// member names are errors. p, the path of the object, is passed to each
// method rather than kept: escape analysis does not tell the fields of a
// struct apart, so a path kept beside err would let every error carry the
// address of a path out of its frame and move the paths to the heap.
type object struct {
	d     *decoder
	start int    // offset of the opening brace
	n     int    // members read
	key   []byte // name of the current member
	err   error
	names [8]span             // the first names, for finding duplicates
	more  map[string]struct{} // all names, once there are more than len(names)
}

// span is where a member name's string token lies in the input, without its
// quotes. Spans rather than slices keep the object's names free of pointers,
// so that escape analysis can keep objects and paths on the stack.
type span struct {
	start, end int
	plain      bool // see stringToken
}

// object starts reading the object at pos; it sets o.err if there is none.
func (d *decoder) object(p *path) object {
	o := object{d: d, start: d.pos}
	switch {
	case d.peek() != '{':
		o.err = fail(p, "expected an object, got %s", d.kind())
	case d.depth >= maxDepth:
		o.err = fail(p, "nesting deeper than %d levels", maxDepth)
	default:
		o.start = d.pos
		d.pos++
		d.depth++
	}
	return o
}

// next reads the name of the next member and the colon after it.
func (o *object) next(p *path) bool {
	if o.err != nil {
		return false
	}
	d := o.d
	c := d.peek()
	switch {
	case o.n > 0 && c == ',':
		d.pos++
		if c = d.peek(); c != '"' {
			o.err = d.syntax("expected a member name after ','")
			return false
		}
	case c == '}':
		d.pos++
		d.depth--
		return false
	case o.n > 0:
		o.err = d.syntax("expected ',' or '}' after an object member")
		return false
	case c != '"':
		o.err = d.syntax("expected a member name")
		return false
	}
	raw, plain, err := d.stringToken(p)
	if err != nil {
		o.err = err
		return false
	}
	name := span{d.pos - 1 - len(raw), d.pos - 1, plain}
	o.key = o.name(name)
	if d.peek() != ':' {
		o.err = d.syntax("expected ':' after a member name")
		return false
	}
	d.pos++
	if o.seen(name) {
		o.err = fail(&path{up: p, key: o.key}, "duplicate key")
		return false
	}
	o.n++
	return true
}

// name returns the member name whose token lies at s.
func (o *object) name(s span) []byte {
	raw := o.d.data[s.start:s.end]
	if s.plain {
		return raw
	}
	return []byte(unquote(raw))
}

// seen records the current member name, whose token lies at s, and reports
// whether the object already had it.
func (o *object) seen(s span) bool {
	if o.more != nil {
		if _, ok := o.more[string(o.key)]; ok {
			return true
		}
		o.more[string(o.key)] = struct{}{}
		return false
	}
	for _, prev := range o.names[:min(o.n, len(o.names))] {
		if bytes.Equal(o.name(prev), o.key) {
			return true
		}
	}
	if o.n < len(o.names) {
		o.names[o.n] = s
		return false
	}
	o.more = make(map[string]struct{}, 2*len(o.names))
	for _, prev := range o.names {
		o.more[string(o.name(prev))] = struct{}{}
	}
	o.more[string(o.key)] = struct{}{}
	return false
}

// path returns the path of the current member.
func (o *object) path(p *path) path { return path{up: p, key: o.key} }

// one reads the member of a Choice (LS v1.0 section 3.1.5), an object with
// exactly one member; what names the kind of member in errors. The caller
// reads the value and then calls end.
func (o *object) one(p *path, what string) bool {
	if o.next(p) {
		return true
	}
	if o.err == nil {
		o.err = o.d.choiceError(p, o, what)
	}
	return false
}

// end reads the closing brace of a Choice.
func (o *object) end(p *path, what string) {
	if o.next(p) {
		o.err = o.d.choiceError(p, o, what)
	}
}

// choiceError reports a Choice at p that does not hold exactly one member,
// with the names of all its members.
func (d *decoder) choiceError(p *path, o *object, what string) error {
	r := decoder{data: d.data, pos: o.start}
	var names []string
	ro := r.object(nil)
	for ro.next(nil) {
		names = append(names, string(ro.key))
		ro.err = r.skipValue()
	}
	slices.Sort(names)
	return choiceFailure(p, names, what)
}

// array reads a JSON array element by element, like object.
type array struct {
	d   *decoder
	n   int // elements read
	err error
}

// array starts reading the array at pos; it sets a.err if there is none.
func (d *decoder) array(p *path) array {
	a := array{d: d}
	switch {
	case d.peek() != '[':
		a.err = fail(p, "expected an array, got %s", d.kind())
	case d.depth >= maxDepth:
		a.err = fail(p, "nesting deeper than %d levels", maxDepth)
	default:
		d.pos++
		d.depth++
	}
	return a
}

// next moves to the next element.
func (a *array) next() bool {
	if a.err != nil {
		return false
	}
	d := a.d
	switch c := d.peek(); {
	case a.n > 0 && c == ',':
		d.pos++
		if d.peek() == ']' {
			a.err = d.syntax("expected a value after ','")
			return false
		}
	case c == ']':
		d.pos++
		d.depth--
		return false
	case a.n > 0:
		a.err = d.syntax("expected ',' or ']' after an array element")
		return false
	}
	a.n++
	return true
}

// path returns the path of the current element of the array at p.
func (a *array) path(p *path) path { return path{up: p, elem: a.n - 1} }

// skip reads the value at pos, whatever its shape, checking it as strictly
// as the typed readers do; p is its path.
func (d *decoder) skip(p *path) error {
	return within(p, d.skipValue())
}

// skipValue is skip without a path: an error names the path from the value
// down, and each level of the recursion puts it under its own member name or
// index as the error returns. A chain of paths on the stack, as the typed
// readers keep, would be moved to the heap by escape analysis here, because
// the recursion passes the address of one frame's path to the next.
func (d *decoder) skipValue() error {
	switch d.peek() {
	case '{':
		o := d.object(nil)
		for o.next(nil) {
			if err := d.skipValue(); err != nil {
				o.err = within(&path{key: o.key}, err)
			}
		}
		return o.err
	case '[':
		a := d.array(nil)
		for a.next() {
			if err := d.skipValue(); err != nil {
				a.err = within(&path{elem: a.n - 1}, err)
			}
		}
		return a.err
	case '"':
		_, _, err := d.stringToken(nil)
		return err
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	case 0:
		return d.syntax("unexpected end of input")
	}
	_, err := d.numberToken()
	return err
}

// finish ends reading a document whose root value was read with err (nil
// when it was read without fault): nothing but whitespace may follow the
// value. A fault is worded by firstFault, with p the path of the root.
func (d *decoder) finish(p *path, err error) error {
	if err == nil && !d.atEnd() {
		err = d.syntax("data after the top-level value")
	}
	if err != nil {
		return firstFault(d.data, p, err)
	}
	return nil
}

// firstFault returns the error to report for a document whose decoding
// failed with err. Faults come in a fixed order, whichever is found first:
// a syntax error anywhere in the document (as encoding/json words it), then
// the first duplicate key, over-deep nesting or text that I-JSON forbids,
// in document order; only then err itself.
func firstFault(data []byte, p *path, err error) error {
	if e := checkDocument(data, p); e != nil {
		return e
	}
	return err
}

// checkDocument checks that data is exactly one JSON value, with no
// duplicate keys, no text that I-JSON forbids and no nesting deeper than
// maxDepth; p is the path of the value, nil for a whole message.
func checkDocument(data []byte, p *path) error {
	d := decoder{data: data}
	if d.atEnd() {
		if p == nil {
			return errorf("", "empty document")
		}
		return fail(p, "empty JSON value")
	}
	if !json.Valid(data) {
		var v any
		var se *json.SyntaxError
		if errors.As(json.Unmarshal(data, &v), &se) {
			return fail(p, "invalid JSON at offset %d: %s", se.Offset, se.Error())
		}
		return fail(p, "invalid JSON")
	}
	if err := d.skip(p); err != nil {
		return err
	}
	if !d.atEnd() {
		return d.syntax("data after the top-level value")
	}
	return nil
}
