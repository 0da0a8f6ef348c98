package jsonio

import "unicode/utf8"

// AppendString appends s to b as a JSON string exactly as encoding/json
// writes it: with <, > and & escaped for HTML, bytes that are not UTF-8
// as \ufffd, and U+2028 and U+2029 escaped.
func AppendString(b []byte, s string) []byte { return appendString(b, s, true) }

// AppendStringRaw is AppendString with <, > and & as they are, as an
// encoding/json Encoder writes s after SetEscapeHTML(false).
func AppendStringRaw(b []byte, s string) []byte { return appendString(b, s, false) }

// AppendStrings appends the list l as AppendString writes each string,
// and null when l is nil, as encoding/json writes a []string.
func AppendStrings(b []byte, l []string) []byte { return appendStrings(b, l, true) }

// AppendStringsRaw is AppendStrings with AppendStringRaw's strings.
func AppendStringsRaw(b []byte, l []string) []byte { return appendStrings(b, l, false) }

// appendStrings is AppendStrings, with <, > and & escaped when html is set.
func appendStrings(b []byte, l []string, html bool) []byte {
	if l == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s, html)
	}
	return append(b, ']')
}

// appendString is AppendString, with <, > and & escaped when html is set.
func appendString(b []byte, s string, html bool) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' && (!html || c != '<' && c != '>' && c != '&') {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
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
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += n
			continue
		}
		i += n
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
