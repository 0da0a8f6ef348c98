package expr

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// unescape decodes the body of a quoted string (without its quotes) as
// Python decodes a string literal, which is what ARPOC does with its
// literals: \\ \' \" \a \b \f \n \r \t \v, \ooo (octal), \xhh, \uhhhh,
// \Uhhhhhhhh, a backslash before a newline joins lines, and any other
// backslash is kept with the character after it ('\w' is a backslash and
// a w). It returns the decoded string, or the offset of a bad escape in
// body and what is wrong with it.
func unescape(body string) (string, int, error) {
	i := strings.IndexByte(body, '\\')
	if i < 0 {
		return body, 0, nil
	}
	var b strings.Builder
	b.Grow(len(body))
	b.WriteString(body[:i])
	for i < len(body) {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 == len(body) {
			return "", i, fmt.Errorf("a string cannot end with a lone backslash")
		}
		start := i
		e := body[i+1]
		i += 2
		switch e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n := int(e - '0')
			for k := 0; k < 2 && i < len(body) && body[i] >= '0' && body[i] <= '7'; k++ {
				n = n*8 + int(body[i]-'0')
				i++
			}
			b.WriteRune(rune(n))
		case 'x', 'u', 'U':
			width := 2
			if e == 'u' {
				width = 4
			} else if e == 'U' {
				width = 8
			}
			if i+width > len(body) {
				return "", start, fmt.Errorf("\\%c needs %d hexadecimal digits", e, width)
			}
			n, err := strconv.ParseUint(body[i:i+width], 16, 32)
			if err != nil || strings.ContainsAny(body[i:i+width], "+-_") {
				return "", start, fmt.Errorf("\\%c needs %d hexadecimal digits", e, width)
			}
			r := rune(n)
			if r > unicode.MaxRune || (r >= 0xD800 && r <= 0xDFFF) {
				return "", start, fmt.Errorf("\\%c%s is not a Unicode character", e, body[i:i+width])
			}
			b.WriteRune(r)
			i += width
		case 'N':
			return "", start, fmt.Errorf("named escapes (\\N{...}) are not supported; write the character or \\u")
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), 0, nil
}

// quote returns s as a literal of the language that reads back as s: a
// raw string when that is exact and s has backslashes (regular
// expressions read better so), else a single-quoted string with escapes.
func quote(s string) string {
	if strings.Contains(s, `\`) && !strings.HasSuffix(s, `\`) && !strings.ContainsRune(s, '\'') && printable(s) {
		return "r'" + s + "'"
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		switch {
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		case r < 0x100 && !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000 && !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		case !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// printable reports whether every character of s is valid UTF-8 and
// printable.
func printable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
