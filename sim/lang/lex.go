package lang

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is the kind of a lexical token.
type token uint8

const (
	tEOF     token = iota
	tIdent         // a bare name or keyword: hallway, credential
	tString        // a quoted name: "server room"
	tNumber        // 10, 2.5
	tPercent       // %
	tLBrace        // {
	tRBrace        // }
	tLParen        // (
	tRParen        // )
	tLBrack        // [
	tRBrack        // ]
	tColon         // :
	tSemi          // ;
	tComma         // ,
	tStar          // *
	tArrow         // ->
	tBiArrow       // <->
)

var tokenNames = [...]string{
	tEOF: "end of file", tIdent: "name", tString: "quoted name", tNumber: "number", tPercent: `"%"`,
	tLBrace: `"{"`, tRBrace: `"}"`, tLParen: `"("`, tRParen: `")"`, tLBrack: `"["`, tRBrack: `"]"`,
	tColon: `":"`, tSemi: `";"`, tComma: `","`, tStar: `"*"`, tArrow: `"->"`, tBiArrow: `"<->"`,
}

func (t token) String() string { return tokenNames[t] }

// punctuation maps the one-character tokens to their kinds.
var punctuation = map[rune]token{'%': tPercent, '{': tLBrace, '}': tRBrace, '(': tLParen, ')': tRParen,
	'[': tLBrack, ']': tRBrack, ':': tColon, ';': tSemi, ',': tComma, '*': tStar}

// keywords are the reserved words: a name spelled like one must be quoted.
var keywords = map[string]bool{
	"locations": true, "roles": true, "possessibles": true, "actors": true, "connections": true,
	"policies": true, "credential": true, "document": true, "at": true, "holds": true, "goals": true,
	"log": true,
}

// lexer splits a model file into tokens.
type lexer struct {
	src  []byte
	off  int // offset of the next character
	line int
	col  int // column of the next character

	// The current token.
	tok  token
	pos  Pos
	text string // the name of tIdent and tString, the digits of tNumber
	err  *Error // set by next on a lexical error, with tok tEOF

	names map[string]string // every identifier read, so that each is one string
}

func newLexer(src []byte) *lexer {
	l := &lexer{src: src, line: 1, col: 1}
	l.next()
	return l
}

// intern returns b as a string, the same string for the same bytes: a
// name mentioned many times is kept once.
func (l *lexer) intern(b []byte) string {
	if s, ok := l.names[string(b)]; ok {
		return s
	}
	if l.names == nil {
		l.names = map[string]string{}
	}
	s := string(b)
	l.names[s] = s
	return s
}

// peek returns the next character and its size, or -1 at the end. An
// invalid UTF-8 byte is utf8.RuneError with size 1.
func (l *lexer) peek(skip int) (rune, int) {
	if l.off+skip >= len(l.src) {
		return -1, 0
	}
	return utf8.DecodeRune(l.src[l.off+skip:])
}

// advance moves past the next character.
func (l *lexer) advance() {
	r, n := l.peek(0)
	l.off += n
	if r == '\n' {
		l.line, l.col = l.line+1, 1
	} else {
		l.col++
	}
}

func (l *lexer) fail(pos Pos, msg string) {
	if l.err == nil {
		l.err = &Error{Pos: pos, Msg: msg}
	}
	l.tok, l.pos = tEOF, pos
}

// next reads the next token into tok, pos and text.
func (l *lexer) next() {
	if l.err != nil {
		return
	}
	if !l.skipSpace() {
		return
	}
	l.pos, l.text = Pos{l.line, l.col}, ""
	r, n := l.peek(0)
	switch {
	case r == -1:
		l.tok = tEOF
		return
	case r == utf8.RuneError && n == 1:
		l.fail(l.pos, "invalid UTF-8")
		return
	case isIdentStart(r):
		start := l.off
		l.advance()
		for l.identContinues() {
			l.advance()
		}
		l.tok, l.text = tIdent, l.intern(l.src[start:l.off])
		return
	case r >= '0' && r <= '9':
		l.number()
		return
	case r == '"':
		l.quoted()
		return
	}
	if t, ok := punctuation[r]; ok {
		l.advance()
		l.tok = t
		return
	}
	if r == '-' && l.at(1, '>') {
		l.advance()
		l.advance()
		l.tok = tArrow
		return
	}
	if r == '<' && l.at(1, '-') && l.at(2, '>') {
		l.advance()
		l.advance()
		l.advance()
		l.tok = tBiArrow
		return
	}
	l.fail(l.pos, "unexpected character "+quoteRune(r))
}

// at reports whether the byte skip bytes ahead is c.
func (l *lexer) at(skip int, c byte) bool {
	return l.off+skip < len(l.src) && l.src[l.off+skip] == c
}

// skipSpace skips white space and comments; it reports false after an
// unterminated comment.
func (l *lexer) skipSpace() bool {
	for {
		r, _ := l.peek(0)
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			l.advance()
		case r == '/' && l.at(1, '/'):
			for r != -1 && r != '\n' {
				l.advance()
				r, _ = l.peek(0)
			}
		case r == '/' && l.at(1, '*'):
			start := Pos{l.line, l.col}
			l.advance()
			l.advance()
			for !(l.at(0, '*') && l.at(1, '/')) {
				if r, _ := l.peek(0); r == -1 {
					l.fail(start, "comment not terminated")
					return false
				}
				l.advance()
			}
			l.advance()
			l.advance()
		default:
			return true
		}
	}
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

// identContinues reports whether the next character continues a bare
// name: a letter, digit, "_", "." or a "-" that does not start "->".
func (l *lexer) identContinues() bool {
	r, _ := l.peek(0)
	switch {
	case r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r):
		return true
	case r == '-':
		return !l.at(1, '>')
	}
	return false
}

// number reads digits with an optional fraction.
func (l *lexer) number() {
	start := l.off
	digits := func() {
		for l.off < len(l.src) && l.src[l.off] >= '0' && l.src[l.off] <= '9' {
			l.advance()
		}
	}
	digits()
	if l.at(0, '.') && l.off+1 < len(l.src) && l.src[l.off+1] >= '0' && l.src[l.off+1] <= '9' {
		l.advance()
		digits()
	}
	l.tok, l.text = tNumber, string(l.src[start:l.off])
}

// quoted reads a quoted name: any characters but a line break, with \" and
// \\ for a quote and a backslash.
func (l *lexer) quoted() {
	l.advance()
	var b strings.Builder
	for {
		r, n := l.peek(0)
		switch {
		case r == -1 || r == '\n':
			l.fail(l.pos, "quoted name not terminated")
			return
		case r == utf8.RuneError && n == 1:
			l.fail(Pos{l.line, l.col}, "invalid UTF-8")
			return
		case r == '"':
			l.advance()
			l.tok, l.text = tString, b.String()
			return
		case r == '\\':
			esc := Pos{l.line, l.col}
			l.advance()
			r, _ = l.peek(0)
			if r != '"' && r != '\\' {
				l.fail(esc, `unknown escape in quoted name: only \" and \\ are escapes`)
				return
			}
		}
		b.WriteRune(r)
		l.advance()
	}
}

func quoteRune(r rune) string {
	if unicode.IsPrint(r) {
		return fmt.Sprintf("%q", r)
	}
	return fmt.Sprintf("U+%04X", r)
}

// isIdent reports whether s can be written as a bare name: it lexes as one
// name token and is not a keyword.
func isIdent(s string) bool {
	if keywords[s] {
		return false
	}
	l := &lexer{src: []byte(s), line: 1, col: 1}
	r, _ := l.peek(0)
	if !isIdentStart(r) {
		return false
	}
	l.advance()
	for l.identContinues() {
		l.advance()
	}
	return l.off == len(l.src)
}
