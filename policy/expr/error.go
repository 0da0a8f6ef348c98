package expr

import (
	"fmt"
	"unicode/utf8"
)

// Error is a parse error, a type error or a warning about an expression. It
// names the column, counted in characters from 1, where the problem is.
type Error struct {
	// Column is where the problem is, in characters from 1.
	Column int
	// Msg says what is wrong, lower case, without a trailing period.
	Msg string
}

// Error returns "column N: message".
func (e *Error) Error() string { return fmt.Sprintf("column %d: %s", e.Column, e.Msg) }

// MissingError reports that the value of an attribute an expression needs is
// absent: not in the request and not supplied by any source. Access
// attributes are never missing; an absent one reads as null.
type MissingError struct {
	Attribute *Attribute
}

// Error returns "missing subject.email".
func (e *MissingError) Error() string { return "missing " + e.Attribute.String() }

// column returns the 1-based character column of byte offset off in src.
func column(src string, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return utf8.RuneCountInString(src[:off]) + 1
}

// errorAt returns an *Error at byte offset off of src.
func errorAt(src string, off int, format string, args ...any) *Error {
	return errorCol(column(src, off), format, args...)
}

// errorCol returns an *Error at column col.
func errorCol(col int, format string, args ...any) *Error {
	return &Error{Column: col, Msg: fmt.Sprintf(format, args...)}
}
