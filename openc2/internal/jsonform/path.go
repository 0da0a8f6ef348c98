package openc2

import "strconv"

// path is the JSON path of the value being read or written: a chain of
// frames on the stack, made into a string only when an error names it.
type path struct {
	up   *path
	key  []byte // a member name read from the input
	name string // a member name, or a whole path prefix, known to the codec
	elem int    // the index of an array element, when key and name are unset
}

// String returns the path as errors show it: "target.features[1]".
func (p *path) String() string { return string(p.appendTo(nil)) }

// appendTo appends the path to b.
func (p *path) appendTo(b []byte) []byte {
	if p == nil {
		return b
	}
	b = p.up.appendTo(b)
	switch {
	case p.key == nil && p.name == "":
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(p.elem), 10)
		return append(b, ']')
	case len(b) > 0:
		b = append(b, '.')
	}
	if p.key != nil {
		return append(b, p.key...)
	}
	return append(b, p.name...)
}

// fail returns an *Error at p.
func fail(p *path, format string, args ...any) error {
	return errorf(p.String(), format, args...)
}

// failAt returns an *Error at the member name of p.
func failAt(p *path, name, format string, args ...any) error {
	return fail(&path{up: p, name: name}, format, args...)
}

// within returns err with its path placed under p.
func within(p *path, err error) error {
	e, ok := err.(*Error)
	if !ok || p == nil {
		return err
	}
	b := p.appendTo(nil)
	switch {
	case e.Path == "":
	case len(b) == 0 || e.Path[0] == '[':
		b = append(b, e.Path...)
	default:
		b = append(append(b, '.'), e.Path...)
	}
	e.Path = string(b)
	return e
}
