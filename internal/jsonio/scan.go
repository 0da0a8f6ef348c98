package jsonio

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/abi/jsonnum"
)

// Scanner reads the values of a JSON text by hand, without reflection or
// a decoder, for the usual case of a valid document: it gives up (its
// methods return false) on anything it does not read exactly as Decode
// and jsonnum.Convert would, errors and rare forms alike, and the caller
// then reads the text with Decode, which says what is wrong. It gives up
// on invalid JSON, a lone surrogate escape, bytes that are not UTF-8
// (which encoding/json would read as U+FFFD), an integer that ParseInteger
// refuses, and nesting deeper than MaxScanDepth. Values come as Decode and
// jsonnum.Convert give them: map[string]any, []any, string, bool, nil, and
// for numbers int64, *big.Int or float64; a repeated key of an object
// keeps its last value. The values keep no reference to the text.
type Scanner struct {
	data  []byte
	pos   int
	depth int
}

// MaxScanDepth is the deepest nesting of objects and lists the Scanner
// reads; deeper text is left to Decode.
const MaxScanDepth = 1000

// NewScanner returns a Scanner at the start of data.
func NewScanner(data []byte) *Scanner { return &Scanner{data: data} }

// Space skips whitespace.
func (s *Scanner) Space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// Peek returns the next byte after whitespace, or 0 at the end.
func (s *Scanner) Peek() byte {
	s.Space()
	if s.pos == len(s.data) {
		return 0
	}
	return s.data[s.pos]
}

// Byte consumes c, the next byte after whitespace, and reports whether
// it was there.
func (s *Scanner) Byte(c byte) bool {
	if s.Peek() != c {
		return false
	}
	s.pos++
	return true
}

// End reports whether only whitespace is left.
func (s *Scanner) End() bool { return s.Peek() == 0 && s.pos == len(s.data) }

// Null consumes the literal null if it comes next.
func (s *Scanner) Null() bool { return s.Peek() == 'n' && s.literal("null") }

// Members reads the members of an object, after its '{' (consumed with
// Byte), up to and with its '}': for each, the key and then member,
// which reads the value. It reports false if the text is not an object
// or member does.
func (s *Scanner) Members(member func(key string) bool) bool {
	if s.Byte('}') {
		return true
	}
	for {
		if s.Peek() != '"' {
			return false
		}
		key, ok := s.String()
		if !ok || !s.Byte(':') || !member(key) {
			return false
		}
		if s.Byte('}') {
			return true
		}
		if !s.Byte(',') {
			return false
		}
	}
}

// Object reads an object, the next value, into a new map.
func (s *Scanner) Object() (map[string]any, bool) {
	if !s.Byte('{') || !s.enter() {
		return nil, false
	}
	m := make(map[string]any)
	ok := s.Members(func(key string) bool {
		v, ok := s.Value()
		m[key] = v
		return ok
	})
	s.depth--
	return m, ok
}

// enter counts one level of nesting more, unless it would be deeper than
// MaxScanDepth.
func (s *Scanner) enter() bool {
	s.depth++
	return s.depth <= MaxScanDepth
}

// list reads a list after its '['.
func (s *Scanner) list() ([]any, bool) {
	if !s.enter() {
		return nil, false
	}
	defer func() { s.depth-- }()
	l := []any{}
	if s.Byte(']') {
		return l, true
	}
	for {
		v, ok := s.Value()
		if !ok {
			return nil, false
		}
		l = append(l, v)
		if s.Byte(']') {
			return l, true
		}
		if !s.Byte(',') {
			return nil, false
		}
	}
}

// Value reads the next value.
func (s *Scanner) Value() (any, bool) {
	switch c := s.Peek(); {
	case c == '{':
		return s.Object()
	case c == '[':
		s.pos++
		return s.list()
	case c == '"':
		return s.String()
	case c == 't':
		return true, s.literal("true")
	case c == 'f':
		return false, s.literal("false")
	case c == 'n':
		return nil, s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return nil, false
}

// literal consumes the word w (true, false, null); what follows it is the
// caller's to check.
func (s *Scanner) literal(w string) bool {
	end := s.pos + len(w)
	if end > len(s.data) || string(s.data[s.pos:end]) != w {
		return false
	}
	s.pos = end
	return true
}

// String reads a string, the next value.
func (s *Scanner) String() (string, bool) {
	if s.Peek() != '"' {
		return "", false
	}
	start := s.pos + 1
	for i := start; i < len(s.data); {
		switch c := s.data[i]; {
		case c == '"':
			s.pos = i + 1
			return string(s.data[start:i]), true
		case c == '\\':
			return s.escaped(start, i)
		case c < ' ':
			return "", false
		case c < utf8.RuneSelf:
			i++
		default:
			r, n := utf8.DecodeRune(s.data[i:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			i += n
		}
	}
	return "", false
}

// escaped reads the rest of the string that starts at data[start], whose
// first escape is at data[i].
func (s *Scanner) escaped(start, i int) (string, bool) {
	out := make([]byte, 0, len(s.data[start:i])+16)
	out = append(out, s.data[start:i]...)
	for i < len(s.data) {
		c := s.data[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return string(out), true
		case c < ' ':
			return "", false
		case c == '\\':
			if i+1 >= len(s.data) {
				return "", false
			}
			switch e := s.data[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := u4(s.data, i)
				if !ok {
					return "", false
				}
				if utf16.IsSurrogate(r) {
					lo, ok := u4(s.data, i+6)
					if r = utf16.DecodeRune(r, lo); !ok || r == utf8.RuneError {
						return "", false
					}
					i += 6
				}
				out = utf8.AppendRune(out, r)
				i += 6
				continue
			default:
				return "", false
			}
			i += 2
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(s.data[i:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			out = append(out, s.data[i:i+n]...)
			i += n
		}
	}
	return "", false
}

// u4 returns the code unit of the \uXXXX escape at data[i:], if there is
// one.
func u4(data []byte, i int) (rune, bool) {
	if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range data[i+2 : i+6] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a number as jsonnum.Convert converts it.
func (s *Scanner) number() (any, bool) {
	start, i := s.pos, s.pos
	digits := func() int {
		n := 0
		for i < len(s.data) && s.data[i] >= '0' && s.data[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if s.data[i] == '-' {
		i++
	}
	switch n := digits(); {
	case n == 0:
		return nil, false
	case n > 1 && s.data[i-n] == '0':
		return nil, false // a leading zero
	}
	integer := true
	if i < len(s.data) && s.data[i] == '.' {
		i++
		if digits() == 0 {
			return nil, false
		}
		integer = false
	}
	if i < len(s.data) && (s.data[i] == 'e' || s.data[i] == 'E') {
		i++
		if i < len(s.data) && (s.data[i] == '+' || s.data[i] == '-') {
			i++
		}
		if digits() == 0 {
			return nil, false
		}
		integer = false
	}
	s.pos = i
	text := s.data[start:i]
	if !integer {
		f, _ := strconv.ParseFloat(string(text), 64)
		return f, true
	}
	if n, ok := smallInt(text); ok {
		return n, true
	}
	v, err := jsonnum.ParseInteger(string(text))
	return v, err == nil
}

// smallInt returns the integer text of at most 18 digits, which an int64
// holds, without a string of it.
func smallInt(text []byte) (int64, bool) {
	neg := text[0] == '-'
	if neg {
		text = text[1:]
	}
	if len(text) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range text {
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
