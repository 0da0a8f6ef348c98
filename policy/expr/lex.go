package expr

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/abi/jsonnum"
)

// tokenKind is the kind of a token.
type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokLParen
	tokRParen
	tokLBrack
	tokRBrack
	tokComma
	tokOp     // == != < <= > >=
	tokNumber // val holds int64, *big.Int (beyond int64) or float64
	tokString // val holds the decoded string
	tokWord   // a keyword or an unknown word
	tokAttr   // an attribute; attr is set
)

// token is one token of an expression.
type token struct {
	kind tokenKind
	off  int    // byte offset of the token in the source
	col  int    // its column, in characters from 1
	text string // the source text of the token
	val  any
	attr *Attribute
}

// lexer splits an expression into tokens.
type lexer struct {
	src string
	off int
	// col is the column of byte offset colOff (1 at first), which only
	// moves forward, so that the columns of all tokens cost one pass over
	// the source.
	colOff, col int
}

// column returns the column of byte offset off, which is not before the
// last offset asked for: it counts from there.
func (l *lexer) column(off int) int {
	l.col += utf8.RuneCountInString(l.src[l.colOff:off])
	l.colOff = off
	return l.col
}

// isWordChar reports whether r belongs to a word: a letter, a digit or an
// underscore, in any script (Python's \w, which ARPOC's grammar uses).
func isWordChar(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r)
}

// isSpace reports whether c separates tokens. ARPOC ignores only spaces;
// tabs and line breaks are accepted as well.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// next returns the next token.
func (l *lexer) next() (token, *Error) {
	for l.off < len(l.src) && isSpace(l.src[l.off]) {
		l.off++
	}
	t, err := l.scan(l.off)
	if err != nil {
		return token{}, err
	}
	t.col = l.column(t.off)
	return t, nil
}

// scan reads the token that starts at byte offset start.
func (l *lexer) scan(start int) (token, *Error) {
	if start == len(l.src) {
		return token{kind: tokEOF, off: start}, nil
	}
	c := l.src[start]
	single := func(k tokenKind) (token, *Error) {
		l.off++
		return token{kind: k, off: start, text: l.src[start:l.off]}, nil
	}
	switch {
	case c == '(':
		return single(tokLParen)
	case c == ')':
		return single(tokRParen)
	case c == '[':
		return single(tokLBrack)
	case c == ']':
		return single(tokRBrack)
	case c == ',':
		return single(tokComma)
	case c == '=' || c == '!' || c == '<' || c == '>':
		l.off++
		if l.off < len(l.src) && l.src[l.off] == '=' {
			l.off++
		} else if c == '=' || c == '!' {
			return token{}, errorAt(l.src, start, "%q is not an operator; did you mean %q?", string(c), string(c)+"=")
		}
		return token{kind: tokOp, off: start, text: l.src[start:l.off]}, nil
	case c == '\'' || c == '"':
		return l.quoted(start, start, false)
	case c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return l.number(start)
	}
	r, _ := utf8.DecodeRuneInString(l.src[start:])
	if !isWordChar(r) {
		return token{}, errorAt(l.src, start, "unexpected character %q", r)
	}
	for l.off < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.off:])
		if !isWordChar(r) {
			break
		}
		l.off += n
	}
	word := l.src[start:l.off]
	if (word == "r" || word == "R") && l.off < len(l.src) && (l.src[l.off] == '\'' || l.src[l.off] == '"') {
		return l.quoted(start, l.off, true)
	}
	if cat, ok := categories[word]; ok && l.off < len(l.src) && l.src[l.off] == '.' {
		return l.attribute(start, cat)
	}
	return token{kind: tokWord, off: start, text: word}, nil
}

// quoted reads a string literal whose opening quote is at q; the token
// starts at start (before an r prefix). In a raw string a backslash keeps
// the quote after it from ending the string, and stays in it, as in
// Python.
func (l *lexer) quoted(start, q int, raw bool) (token, *Error) {
	quote := l.src[q]
	i := q + 1
	for i < len(l.src) && l.src[i] != quote {
		if l.src[i] == '\\' && i+1 < len(l.src) {
			i++
		}
		i++
	}
	if i >= len(l.src) {
		return token{}, errorAt(l.src, start, "string is not closed; it needs a %c at its end", quote)
	}
	body := l.src[q+1 : i]
	l.off = i + 1
	tok := token{kind: tokString, off: start, text: l.src[start:l.off]}
	if raw {
		tok.val = body
		return tok, nil
	}
	s, at, err := unescape(body)
	if err != nil {
		return token{}, errorAt(l.src, q+1+at, "%v", err)
	}
	tok.val = s
	return tok, nil
}

// number reads an integer or a floating-point number, with an optional
// minus sign right before its digits.
func (l *lexer) number(start int) (token, *Error) {
	i := start
	if l.src[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(l.src) && l.src[i] >= '0' && l.src[i] <= '9' {
			i++
			n++
		}
		return n
	}
	intDigits := digits()
	isFloat := false
	if i < len(l.src) && l.src[i] == '.' {
		isFloat = true
		i++
		if digits() == 0 {
			if intDigits == 0 {
				return token{}, errorAt(l.src, start, "unexpected %q", l.src[start:i])
			}
			return token{}, errorAt(l.src, start, "a number needs digits after its decimal point")
		}
	}
	if intDigits == 0 && !isFloat {
		return token{}, errorAt(l.src, start, "a minus sign must be followed by a number")
	}
	if i < len(l.src) && (l.src[i] == 'e' || l.src[i] == 'E') {
		isFloat = true
		i++
		if i < len(l.src) && (l.src[i] == '+' || l.src[i] == '-') {
			i++
		}
		if digits() == 0 {
			return token{}, errorAt(l.src, start, "a number needs digits in its exponent")
		}
	}
	l.off = i
	text := l.src[start:i]
	tok := token{kind: tokNumber, off: start, text: text}
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return token{}, errorAt(l.src, start, "number %s is out of range", text)
		}
		tok.val = f
		return tok, nil
	}
	n, err := jsonnum.ParseInteger(text)
	if err != nil {
		return token{}, errorAt(l.src, start, "%v", err)
	}
	tok.val = n
	return tok, nil
}

// attribute reads the path of an attribute after its category word and
// the dot: word characters and dots, as in ARPOC (which also allows spaces
// between the dot and the path).
func (l *lexer) attribute(start int, cat Category) (token, *Error) {
	l.off++ // the dot
	for l.off < len(l.src) && l.src[l.off] == ' ' {
		l.off++
	}
	pathStart := l.off
	for l.off < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.off:])
		if r != '.' && !isWordChar(r) {
			break
		}
		l.off += n
	}
	if l.off == pathStart {
		return token{}, errorAt(l.src, start, "%s. must be followed by an attribute name", cat)
	}
	path := l.src[pathStart:l.off]
	a := &Attribute{Category: cat, Path: path, Segments: strings.Split(path, "."), Column: l.column(start), name: cat.String() + "." + path}
	a.missing = &MissingError{Attribute: a}
	return token{kind: tokAttr, off: start, text: l.src[start:l.off], attr: a}, nil
}
