// Package jsonform reads and writes the JSON of OpenC2 messages for package
// openc2: a single-pass scanner that enforces the I-JSON rules of LS v1.0
// section 3.1.5 (RFC 7493) and reports every fault at a JSON path, typed
// readers and a writer that build on it, and the conversion of arbitrary
// JSON values to and from the generic form in which openc2 values cross the
// plugin ABI. Package openc2 keeps the types, their validation and the
// walk of each type over these readers and writers.
package jsonform

import (
	"fmt"
	"strconv"
)

// Error is a fault at one place in a document; package openc2 turns it
// into an *openc2.Error with the same path and message.
type Error struct {
	Path    string // the JSON path of the offending value; "" for the document
	Message string
}

// Error returns "path: message", or the message alone when Path is empty.
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// Errorf returns an *Error at path.
func Errorf(path, format string, args ...any) *Error {
	return &Error{Path: path, Message: fmt.Sprintf(format, args...)}
}

// Path is the JSON path of the value being read or written: a chain of
// frames on the stack, made into a string only when an error names it.
type Path struct {
	Up   *Path
	Key  []byte // a member name read from the input
	Name string // a member name, or a whole path prefix, known to the codec
	Elem int    // the index of an array element, when Key and Name are unset
}

// String returns the path as errors show it: "target.features[1]".
func (p *Path) String() string { return string(p.AppendTo(nil)) }

// AppendTo appends the path to b.
func (p *Path) AppendTo(b []byte) []byte {
	if p == nil {
		return b
	}
	b = p.Up.AppendTo(b)
	switch {
	case p.Key == nil && p.Name == "":
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(p.Elem), 10)
		return append(b, ']')
	case len(b) > 0:
		b = append(b, '.')
	}
	if p.Key != nil {
		return append(b, p.Key...)
	}
	return append(b, p.Name...)
}

// Fail returns an *Error at p.
func Fail(p *Path, format string, args ...any) error {
	return Errorf(p.String(), format, args...)
}

// FailAt returns an *Error at the member name of p.
func FailAt(p *Path, name, format string, args ...any) error {
	return Fail(&Path{Up: p, Name: name}, format, args...)
}

// Within returns err with its path placed under p.
func Within(p *Path, err error) error {
	if e, ok := err.(*Error); ok && p != nil {
		e.Path = p.Under(e.Path)
	}
	return err
}

// Under returns rel, a path from the value at p down, as a path from the
// top of the document.
func (p *Path) Under(rel string) string {
	b := p.AppendTo(nil)
	switch {
	case rel == "":
	case len(b) == 0 || rel[0] == '[':
		b = append(b, rel...)
	default:
		b = append(append(b, '.'), rel...)
	}
	return string(b)
}
