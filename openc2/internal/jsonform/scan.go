package jsonform

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of objects and arrays in a message, so that
// hostile input cannot make the decoder recurse without limit.
const MaxDepth = 64

// Decoder reads one JSON document in a single pass over its bytes. Besides
// RFC 8259 syntax it enforces the I-JSON rules that LS v1.0 section 3.1.5
// requires (RFC 7493): no duplicate member names, and strings that are UTF-8
// text without surrogates or noncharacters. It also refuses nesting deeper
// than MaxDepth.
//
// The typed readers (read.go) build Go values as they go; Skip checks a
// value of any shape without keeping it.
type Decoder struct {
	Data  []byte // the document
	pos   int
	depth int // objects and arrays open at pos
}

// syntax returns a syntax error at pos. Decoding reports syntax errors as
// firstFault words them, so these messages show only where encoding/json
// would accept what the decoder refuses.
func (d *Decoder) syntax(what string) error {
	return Errorf("", "invalid JSON at offset %d: %s", d.pos, what)
}

// Peek skips whitespace and returns the next byte, or 0 at the end (which
// a NUL byte in the input also returns; see atEnd).
func (d *Decoder) Peek() byte {
	for ; d.pos < len(d.Data); d.pos++ {
		switch c := d.Data[d.pos]; c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// atEnd skips whitespace and reports whether the input is used up.
func (d *Decoder) atEnd() bool {
	d.Peek()
	return d.pos >= len(d.Data)
}

// kind names the JSON type of the value at pos for error messages.
func (d *Decoder) kind() string {
	switch d.Peek() {
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
func (d *Decoder) stringToken(p *Path) (raw []byte, plain bool, err error) {
	start := d.pos + 1
	plain = true
	for i := start; i < len(d.Data); {
		c := d.Data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return d.Data[start:i], plain, nil
		case c == '\\':
			plain = false
			n, msg := escape(d.Data[i:])
			if msg != "" {
				d.pos = i
				if n < 0 {
					return nil, false, d.syntax(msg)
				}
				return nil, false, Fail(p, "%s in string (RFC 7493 section 2.1)", msg)
			}
			i += n
		case c < 0x20:
			d.pos = i
			return nil, false, d.syntax("control character in string")
		case c < utf8.RuneSelf:
			i++
		default:
			plain = false
			r, n := utf8.DecodeRune(d.Data[i:])
			if r == utf8.RuneError && n == 1 {
				return nil, false, Fail(p, "invalid UTF-8 in string (RFC 7493 section 2.1)")
			}
			if noncharacter(r) {
				return nil, false, Fail(p, "noncharacter %U in string (RFC 7493 section 2.1)", r)
			}
			i += n
		}
	}
	d.pos = len(d.Data)
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
func (d *Decoder) numberToken() ([]byte, error) {
	b, start := d.Data, d.pos
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
func (d *Decoder) literal(word string) error {
	if len(d.Data)-d.pos < len(word) || string(d.Data[d.pos:d.pos+len(word)]) != word {
		return d.syntax("invalid literal")
	}
	d.pos += len(word)
	return nil
}

// Object reads a JSON object member by member:
//
//	o := d.Object(p)
//	for o.Next(p) {
//		fp := o.Path(p)
//		switch string(o.Key) { ... o.Err = ... }
//	}
//	if o.Err != nil { ... }
//
// next reports false at the closing brace or once err is set. Duplicate
// member names are errors. p, the path of the object, is passed to each
// method rather than kept: escape analysis does not tell the fields of a
// struct apart, so a path kept beside err would let every error carry the
// address of a path out of its frame and move the paths to the heap.
type Object struct {
	d     *Decoder
	start int                 // offset of the opening brace
	n     int                 // members read
	Key   []byte              // name of the current member
	Err   error               // the first fault; Next reports false once it is set
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

// Object starts reading the object at pos; it sets o.Err if there is none.
func (d *Decoder) Object(p *Path) Object {
	o := Object{d: d, start: d.pos}
	switch {
	case d.Peek() != '{':
		o.Err = Fail(p, "expected an object, got %s", d.kind())
	case d.depth >= MaxDepth:
		o.Err = Fail(p, "nesting deeper than %d levels", MaxDepth)
	default:
		o.start = d.pos
		d.pos++
		d.depth++
	}
	return o
}

// Next reads the name of the next member and the colon after it.
func (o *Object) Next(p *Path) bool {
	if o.Err != nil {
		return false
	}
	d := o.d
	c := d.Peek()
	switch {
	case o.n > 0 && c == ',':
		d.pos++
		if c = d.Peek(); c != '"' {
			o.Err = d.syntax("expected a member name after ','")
			return false
		}
	case c == '}':
		d.pos++
		d.depth--
		return false
	case o.n > 0:
		o.Err = d.syntax("expected ',' or '}' after an object member")
		return false
	case c != '"':
		o.Err = d.syntax("expected a member name")
		return false
	}
	raw, plain, err := d.stringToken(p)
	if err != nil {
		o.Err = err
		return false
	}
	name := span{d.pos - 1 - len(raw), d.pos - 1, plain}
	o.Key = o.name(name)
	if d.Peek() != ':' {
		o.Err = d.syntax("expected ':' after a member name")
		return false
	}
	d.pos++
	if o.seen(name) {
		o.Err = Fail(&Path{Up: p, Key: o.Key}, "duplicate key")
		return false
	}
	o.n++
	return true
}

// name returns the member name whose token lies at s.
func (o *Object) name(s span) []byte {
	raw := o.d.Data[s.start:s.end]
	if s.plain {
		return raw
	}
	return []byte(unquote(raw))
}

// seen records the current member name, whose token lies at s, and reports
// whether the object already had it.
func (o *Object) seen(s span) bool {
	if o.more != nil {
		if _, ok := o.more[string(o.Key)]; ok {
			return true
		}
		o.more[string(o.Key)] = struct{}{}
		return false
	}
	for _, prev := range o.names[:min(o.n, len(o.names))] {
		if bytes.Equal(o.name(prev), o.Key) {
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
	o.more[string(o.Key)] = struct{}{}
	return false
}

// Path returns the path of the current member.
func (o *Object) Path(p *Path) Path { return Path{Up: p, Key: o.Key} }

// One reads the member of a Choice (LS v1.0 section 3.1.5), an object with
// exactly one member; what names the kind of member in errors. The caller
// reads the value and then calls end.
func (o *Object) One(p *Path, what string) bool {
	if o.Next(p) {
		return true
	}
	if o.Err == nil {
		o.Err = o.d.choiceError(p, o, what)
	}
	return false
}

// End reads the closing brace of a Choice.
func (o *Object) End(p *Path, what string) {
	if o.Next(p) {
		o.Err = o.d.choiceError(p, o, what)
	}
}

// choiceError reports a Choice at p that does not hold exactly one member,
// with the names of all its members.
func (d *Decoder) choiceError(p *Path, o *Object, what string) error {
	r := Decoder{Data: d.Data, pos: o.start}
	var names []string
	ro := r.Object(nil)
	for ro.Next(nil) {
		names = append(names, string(ro.Key))
		ro.Err = r.skipValue()
	}
	slices.Sort(names)
	return ChoiceFailure(p, names, what)
}

// ChoiceFailure fails at p for a Choice (LS v1.0 section 3.1.5) holding the
// members names, sorted, that are not exactly one; what names the kind of
// member.
func ChoiceFailure(p *Path, names []string, what string) error {
	if len(names) == 0 {
		return Fail(p, "must hold exactly one %s, got none", what)
	}
	return Fail(p, "must hold exactly one %s, got %d (%s)", what, len(names), strings.Join(names, ", "))
}

// Array reads a JSON array element by element, like object.
type Array struct {
	d   *Decoder
	n   int   // elements read
	Err error // the first fault; Next reports false once it is set
}

// Array starts reading the array at pos; it sets a.Err if there is none.
func (d *Decoder) Array(p *Path) Array {
	a := Array{d: d}
	switch {
	case d.Peek() != '[':
		a.Err = Fail(p, "expected an array, got %s", d.kind())
	case d.depth >= MaxDepth:
		a.Err = Fail(p, "nesting deeper than %d levels", MaxDepth)
	default:
		d.pos++
		d.depth++
	}
	return a
}

// Next moves to the next element.
func (a *Array) Next() bool {
	if a.Err != nil {
		return false
	}
	d := a.d
	switch c := d.Peek(); {
	case a.n > 0 && c == ',':
		d.pos++
		if d.Peek() == ']' {
			a.Err = d.syntax("expected a value after ','")
			return false
		}
	case c == ']':
		d.pos++
		d.depth--
		return false
	case a.n > 0:
		a.Err = d.syntax("expected ',' or ']' after an array element")
		return false
	}
	a.n++
	return true
}

// Path returns the path of the current element of the array at p.
func (a *Array) Path(p *Path) Path { return Path{Up: p, Elem: a.n - 1} }

// Skip reads the value at pos, whatever its shape, checking it as strictly
// as the typed readers do; p is its path.
func (d *Decoder) Skip(p *Path) error {
	return Within(p, d.skipValue())
}

// skipValue is skip without a path: an error names the path from the value
// down, and each level of the recursion puts it under its own member name or
// index as the error returns. A chain of paths on the stack, as the typed
// readers keep, would be moved to the heap by escape analysis here, because
// the recursion passes the address of one frame's path to the next.
func (d *Decoder) skipValue() error {
	switch d.Peek() {
	case '{':
		o := d.Object(nil)
		for o.Next(nil) {
			if err := d.skipValue(); err != nil {
				o.Err = Within(&Path{Key: o.Key}, err)
			}
		}
		return o.Err
	case '[':
		a := d.Array(nil)
		for a.Next() {
			if err := d.skipValue(); err != nil {
				a.Err = Within(&Path{Elem: a.n - 1}, err)
			}
		}
		return a.Err
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

// Finish ends reading a document whose root value was read with err (nil
// when it was read without fault): nothing but whitespace may follow the
// value. A fault is worded by firstFault, with p the path of the root.
func (d *Decoder) Finish(p *Path, err error) error {
	if err == nil && !d.atEnd() {
		err = d.syntax("data after the top-level value")
	}
	if err != nil {
		return firstFault(d.Data, p, err)
	}
	return nil
}

// firstFault returns the error to report for a document whose decoding
// failed with err. Faults come in a fixed order, whichever is found first:
// a syntax error anywhere in the document (as encoding/json words it), then
// the first duplicate key, over-deep nesting or text that I-JSON forbids,
// in document order; only then err itself.
func firstFault(data []byte, p *Path, err error) error {
	if e := checkDocument(data, p); e != nil {
		return e
	}
	return err
}

// checkDocument checks that data is exactly one JSON value, with no
// duplicate keys, no text that I-JSON forbids and no nesting deeper than
// MaxDepth; p is the path of the value, nil for a whole message.
func checkDocument(data []byte, p *Path) error {
	d := Decoder{Data: data}
	if d.atEnd() {
		if p == nil {
			return Errorf("", "empty document")
		}
		return Fail(p, "empty JSON value")
	}
	if !json.Valid(data) {
		var v any
		var se *json.SyntaxError
		if errors.As(json.Unmarshal(data, &v), &se) {
			return Fail(p, "invalid JSON at offset %d: %s", se.Offset, se.Error())
		}
		return Fail(p, "invalid JSON")
	}
	if err := d.Skip(p); err != nil {
		return err
	}
	if !d.atEnd() {
		return d.syntax("data after the top-level value")
	}
	return nil
}
