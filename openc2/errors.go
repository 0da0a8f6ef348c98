package openc2

import (
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/openc2/internal/jsonform"
)

// ErrInvalid is the sentinel every *Error matches with errors.Is, unless it
// matches ErrUnsupported: the message is not a valid LS v1.0 Command or
// Response. A Consumer answers it with status 400 (LS v1.0 section 3.3.2.1).
var ErrInvalid = errors.New("invalid openc2 message")

// ErrUnsupported is the sentinel that an *Error from a profile check such as
// ValidateSLPF matches instead of ErrInvalid: the Command is valid LS v1.0 but
// the profile does not define it, an action/target pair or an argument it
// does not list. A Consumer answers it with status 501 (SLPF v1.0 sections
// 2.3.1 and 2.3.2).
var ErrUnsupported = errors.New("openc2 command not defined by the profile")

// Error is a decoding or validation failure at one place in a message.
type Error struct {
	// Path is the JSON path of the offending value, such as "target.ipv4_net" or
	// "target.features[1]"; it is empty for the document as a whole.
	Path string
	// Message says what is wrong, lower case, without the path.
	Message string
	// unsupported makes the error match ErrUnsupported instead of ErrInvalid.
	unsupported bool
}

// Error returns "path: message", or the message alone when Path is empty.
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// Is reports whether target is ErrInvalid, or ErrUnsupported for an error
// about what a profile does not define.
func (e *Error) Is(target error) bool {
	if e.unsupported {
		return target == ErrUnsupported
	}
	return target == ErrInvalid
}

// errorf returns an *Error at path.
func errorf(path, format string, args ...any) *Error {
	return &Error{Path: path, Message: fmt.Sprintf(format, args...)}
}

// path is the JSON path of a value, as errors name it.
type path = jsonform.Path

// fail returns an *Error at p.
func fail(p *path, format string, args ...any) error {
	return errorf(p.String(), format, args...)
}

// failAt returns an *Error at the member name of p.
func failAt(p *path, name, format string, args ...any) error {
	return fail(&path{Up: p, Name: name}, format, args...)
}

// within returns err with its path placed under p.
func within(p *path, err error) error {
	err = public(err)
	if e, ok := err.(*Error); ok && p != nil {
		e.Path = p.Under(e.Path)
	}
	return err
}

// public returns err, a fault of the JSON machinery turned into the *Error
// it stands for.
func public(err error) error {
	if e, ok := err.(*jsonform.Error); ok {
		return &Error{Path: e.Path, Message: e.Message}
	}
	return err
}
