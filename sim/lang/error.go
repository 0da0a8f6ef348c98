package lang

import (
	"fmt"
	"strings"
)

// Pos is a place in a model file: a line and a column, both counted from
// 1. Columns count characters (Unicode code points), not bytes.
type Pos struct {
	Line, Col int
}

// String writes the place as LINE:COLUMN.
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Error is a syntax or semantic error at a place in a model file.
type Error struct {
	Pos Pos
	Msg string
}

// Error writes the error as LINE:COLUMN: MESSAGE.
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is the errors of one file, in the order of their places. Parse
// stops at the first syntax error but reports every semantic error.
type ErrorList []*Error

// maxErrors bounds how many errors ErrorList.Error writes.
const maxErrors = 10

// Error writes the first errors, one a line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i == maxErrors {
			fmt.Fprintf(&b, "\n(and %d more errors)", len(l)-maxErrors)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}
