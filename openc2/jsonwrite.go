package openc2

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// encoder appends compact JSON to b. Objects are written as
//
//	start := e.begin()
//	e.key("name"); e.str(...)
//	e.end(start)
//
// The first error sticks: values that the codec decoded never fail, but
// raw extension values and strings from callers may not be I-JSON.
type encoder struct {
	b   []byte
	err error
}

// result returns what was written, or the error.
func (e *encoder) result() ([]byte, error) {
	if e.err != nil {
		return nil, e.err
	}
	return e.b, nil
}

// begin starts an object. Every member is written with a leading comma,
// which end turns into the opening brace.
func (e *encoder) begin() int { return len(e.b) }

// end closes the object begun at start.
func (e *encoder) end(start int) {
	if len(e.b) == start {
		e.b = append(e.b, "{}"...)
		return
	}
	e.b[start] = '{'
	e.b = append(e.b, '}')
}

// key writes the name of a member, which needs no escaping.
func (e *encoder) key(name string) {
	e.b = append(e.b, ',', '"')
	e.b = append(e.b, name...)
	e.b = append(e.b, '"', ':')
}

// member writes the name of a member that came from a caller's map.
func (e *encoder) member(p *path, name string) {
	e.b = append(e.b, ',')
	e.str(p, name)
	e.b = append(e.b, ':')
}

// setErr keeps the first error.
func (e *encoder) setErr(err error) {
	if e.err == nil {
		e.err = err
	}
}

// str writes s as a JSON string at p.
func (e *encoder) str(p *path, s string) {
	var ok bool
	if e.b, ok = appendString(e.b, s); !ok {
		e.setErr(fail(p, "%q is not Unicode text that I-JSON allows (RFC 7493 section 2.1)", s))
	}
}

// strField writes the member name: s, unless s is empty.
func (e *encoder) strField(p *path, name, s string) {
	if s != "" {
		e.key(name)
		e.str(&path{up: p, name: name}, s)
	}
}

// strs writes an array of strings; nil is written as [].
func (e *encoder) strs(p *path, ss []string) {
	e.b = append(e.b, '[')
	for i, s := range ss {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.str(&path{up: p, elem: i}, s)
	}
	e.b = append(e.b, ']')
}

// int writes an integer.
func (e *encoder) int(n int64) { e.b = strconv.AppendInt(e.b, n, 10) }

// intField writes the member name: *n, unless n is nil.
func (e *encoder) intField(name string, n *int64) {
	if n != nil {
		e.key(name)
		e.int(*n)
	}
}

// float writes a finite number the way encoding/json and ECMAScript do:
// without an exponent from 1e-6 up to 1e21, and with the shortest exponent
// outside.
func (e *encoder) float(p *path, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.setErr(fail(p, "%v is not a JSON number", f))
		e.b = append(e.b, '0')
		return
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	e.b = strconv.AppendFloat(e.b, f, format, -1, 64)
	if n := len(e.b); format == 'e' && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
		e.b[n-2] = e.b[n-1] // 1e-07 → 1e-7
		e.b = e.b[:n-1]
	}
}

// bool writes true or false.
func (e *encoder) bool(v bool) { e.b = strconv.AppendBool(e.b, v) }

// raw writes a JSON value that a caller supplied, compacted, after checking
// it as strictly as the decoder would.
func (e *encoder) raw(p *path, raw json.RawMessage) {
	d := decoder{data: raw}
	if err := d.finish(p, d.skip(p)); err != nil {
		e.setErr(err)
		return
	}
	e.b = appendCompact(e.b, raw)
}

// ValidString reports whether s is UTF-8 text that I-JSON allows (RFC 7493
// section 2.1): the strings the codec reads and writes. A value from
// outside a message, such as an HTTP header, must pass it before it goes
// into one.
func ValidString(s string) bool { return textFault(s) == "" }

// textFault returns what makes s other than UTF-8 text that I-JSON allows,
// worded as the decoder words it, or "" when nothing does.
func textFault(s string) string {
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
