package jsonform

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Encoder appends compact JSON to b. Objects are written as
//
//	start := e.Begin()
//	e.Key("name"); e.Str(...)
//	e.End(start)
//
// The first error sticks: values that the codec decoded never fail, but
// raw extension values and strings from callers may not be I-JSON.
type Encoder struct {
	B   []byte // what was written
	Err error  // the first fault
}

// Result returns what was written, or the error.
func (e *Encoder) Result() ([]byte, error) {
	if e.Err != nil {
		return nil, e.Err
	}
	return e.B, nil
}

// Begin starts an object. Every member is written with a leading comma,
// which end turns into the opening brace.
func (e *Encoder) Begin() int { return len(e.B) }

// End closes the object begun at start.
func (e *Encoder) End(start int) {
	if len(e.B) == start {
		e.B = append(e.B, "{}"...)
		return
	}
	e.B[start] = '{'
	e.B = append(e.B, '}')
}

// Key writes the name of a member, which needs no escaping.
func (e *Encoder) Key(name string) {
	e.B = append(e.B, ',', '"')
	e.B = append(e.B, name...)
	e.B = append(e.B, '"', ':')
}

// Member writes the name of a member that came from a caller's map.
func (e *Encoder) Member(p *Path, name string) {
	e.B = append(e.B, ',')
	e.Str(p, name)
	e.B = append(e.B, ':')
}

// SetErr keeps the first error.
func (e *Encoder) SetErr(err error) {
	if e.Err == nil {
		e.Err = err
	}
}

// Str writes s as a JSON string at p.
func (e *Encoder) Str(p *Path, s string) {
	var ok bool
	if e.B, ok = appendString(e.B, s); !ok {
		e.SetErr(Fail(p, "%q is not Unicode text that I-JSON allows (RFC 7493 section 2.1)", s))
	}
}

// StrField writes the member name: s, unless s is empty.
func (e *Encoder) StrField(p *Path, name, s string) {
	if s != "" {
		e.Key(name)
		e.Str(&Path{Up: p, Name: name}, s)
	}
}

// Strs writes an array of strings; nil is written as [].
func (e *Encoder) Strs(p *Path, ss []string) {
	e.B = append(e.B, '[')
	for i, s := range ss {
		if i > 0 {
			e.B = append(e.B, ',')
		}
		e.Str(&Path{Up: p, Elem: i}, s)
	}
	e.B = append(e.B, ']')
}

// Int writes an integer.
func (e *Encoder) Int(n int64) { e.B = strconv.AppendInt(e.B, n, 10) }

// IntField writes the member name: *n, unless n is nil.
func (e *Encoder) IntField(name string, n *int64) {
	if n != nil {
		e.Key(name)
		e.Int(*n)
	}
}

// Float writes a finite number the way encoding/json and ECMAScript do:
// without an exponent from 1e-6 up to 1e21, and with the shortest exponent
// outside.
func (e *Encoder) Float(p *Path, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.SetErr(Fail(p, "%v is not a JSON number", f))
		e.B = append(e.B, '0')
		return
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	e.B = strconv.AppendFloat(e.B, f, format, -1, 64)
	if n := len(e.B); format == 'e' && e.B[n-4] == 'e' && e.B[n-3] == '-' && e.B[n-2] == '0' {
		e.B[n-2] = e.B[n-1] // 1e-07 → 1e-7
		e.B = e.B[:n-1]
	}
}

// Bool writes true or false.
func (e *Encoder) Bool(v bool) { e.B = strconv.AppendBool(e.B, v) }

// Raw writes a JSON value that a caller supplied, compacted, after checking
// it as strictly as the decoder would.
func (e *Encoder) Raw(p *Path, raw json.RawMessage) {
	d := Decoder{Data: raw}
	if err := d.Finish(p, d.Skip(p)); err != nil {
		e.SetErr(err)
		return
	}
	e.B = appendCompact(e.B, raw)
}

// TextFault returns what makes s other than UTF-8 text that I-JSON allows,
// worded as the decoder words it, or "" when nothing does.
func TextFault(s string) string {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return "invalid UTF-8 in string (RFC 7493 section 2.1)"
		}
		if noncharacter(r) {
			return fmt.Sprintf("noncharacter %U in string (RFC 7493 section 2.1)", r)
		}
		i += n
	}
	return ""
}

// appendString appends s as a JSON string, escaping only what JSON requires.
// It reports false if s is not UTF-8 text that I-JSON allows.
func appendString(b []byte, s string) ([]byte, bool) {
	const hex = "0123456789abcdef"
	ok := true
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 || noncharacter(r) {
				ok = false
			}
			i += n
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' {
			i++
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"'), ok
}

// appendCompact appends the valid JSON value raw without the whitespace
// between its tokens.
func appendCompact(b, raw []byte) []byte {
	start := 0
	inString := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			b = append(b, raw[start:i]...)
			start = i + 1
		}
	}
	return append(b, raw[start:]...)
}
