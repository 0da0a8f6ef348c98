// Package jsonio is the reading and writing of JSON documents that the
// commands and the HTTP routes share, so that both take and give the same
// text: the decision requests and answers, and the entity files.
package jsonio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// SurrogateError reports a \u escape of half of a UTF-16 surrogate pair
// that is not part of a pair. encoding/json reads it as U+FFFD, which
// would change the text silently; Python reads it as a lone code point
// that no UTF-8 text can hold.
type SurrogateError struct {
	// Offset is the byte offset of the escape's backslash.
	Offset int
	// Escape is the escape as written, such as \ud800.
	Escape string
}

// Error returns "byte N: lone surrogate \ud800, ...".
func (e *SurrogateError) Error() string {
	return fmt.Sprintf("byte %d: %s", e.Offset, e.Message())
}

// Message says what is wrong without the place.
func (e *SurrogateError) Message() string {
	return fmt.Sprintf("lone surrogate %s, which is no character: escape a character beyond U+FFFF as a pair, such as \\ud835\\udd18", e.Escape)
}

// CheckSurrogates returns a *SurrogateError for the first \u escape in a
// string of the JSON text data that is half of a surrogate pair without
// its other half, or nil. It only looks at escapes: data need not be
// valid JSON otherwise.
func CheckSurrogates(data []byte) error {
	inString := false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			inString = !inString
		case c != '\\' || !inString:
		case i+1 < len(data) && data[i+1] == 'u':
			r, ok := hex4(data, i)
			switch {
			case !ok:
				i++
			case r >= 0xd800 && r < 0xdc00:
				if lo, ok := hex4(data, i+6); ok && lo >= 0xdc00 && lo < 0xe000 {
					i += 11
					continue
				}
				return &SurrogateError{Offset: i, Escape: string(data[i : i+6])}
			case r >= 0xdc00 && r < 0xe000:
				return &SurrogateError{Offset: i, Escape: string(data[i : i+6])}
			default:
				i += 5
			}
		default:
			i++ // the escaped character, a quote among them
		}
	}
	return nil
}

// hex4 returns the code unit of the \uXXXX escape at data[i:], if there
// is one.
func hex4(data []byte, i int) (rune, bool) {
	if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 16)
	return rune(n), err == nil
}

// ErrTrailing is the error of Decode when the text holds more than one
// JSON value.
var ErrTrailing = fmt.Errorf("more than one JSON value")

// Decode reads the one JSON value of data into v, with unknown fields of
// a struct an error and numbers as json.Number. A lone surrogate is a
// *SurrogateError; other errors are encoding/json's (io.EOF for empty
// text), or ErrTrailing.
func Decode(data []byte, v any) error {
	if err := CheckSurrogates(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return ErrTrailing
	}
	return nil
}

// MaxIndentDepth is the depth of nesting up to which Write indents:
// deeper values are written compact, each on one line, so that the text
// grows with the value, not with its square.
const MaxIndentDepth = 100

// Write writes v to w as JSON and a newline, indented by indent per level
// unless indent is empty. Unlike json.Indent, it takes values nested at
// any depth (an explanation is as deep as the entities it explains):
// beyond MaxIndentDepth it writes them compact.
func Write(w io.Writer, v any, indent string) error {
	buf := GetBuffer()
	defer PutBuffer(buf)
	// An Encoder writes what Marshal returns, and a newline, into buf,
	// without a slice of its own for the text.
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		return err
	}
	b := buf.Bytes()
	if indent != "" {
		b = append(indentJSON(b[:len(b)-1], indent), '\n')
	}
	_, err := w.Write(b)
	return err
}

// buffers holds the buffers of GetBuffer.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxKeptBuffer is the largest buffer PutBuffer keeps for reuse: a rare
// large document does not hold its memory for good.
const maxKeptBuffer = 64 << 10

// GetBuffer returns an empty buffer for a document being read or written;
// PutBuffer gives it back once nothing refers to its bytes.
func GetBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

// PutBuffer empties buf and keeps it for GetBuffer, unless it has grown
// larger than 64 KiB.
func PutBuffer(buf *bytes.Buffer) {
	if buf.Cap() > maxKeptBuffer {
		return
	}
	buf.Reset()
	buffers.Put(buf)
}

// indentJSON returns the compact JSON text src with each element of an
// object or a list on a line of its own, indented by its depth, as
// json.Indent does.
func indentJSON(src []byte, indent string) []byte {
	out := make([]byte, 0, len(src)*2)
	depth := 0
	newline := func() {
		if depth > MaxIndentDepth {
			return
		}
		out = append(out, '\n')
		for range depth {
			out = append(out, indent...)
		}
	}
	inString := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inString {
			out = append(out, c)
			switch c {
			case '\\':
				i++
				out = append(out, src[i])
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			out = append(out, c)
		case '{', '[':
			out = append(out, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				i++
				out = append(out, src[i])
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			out = append(out, c)
		case ',':
			out = append(out, c)
			newline()
		case ':':
			out = append(out, ':')
			if depth <= MaxIndentDepth {
				out = append(out, ' ')
			}
		default:
			out = append(out, c)
		}
	}
	return out
}
