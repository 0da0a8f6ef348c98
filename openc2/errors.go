package openc2

import (
	"errors"
	"fmt"
)

// ErrInvalid is the sentinel every *Error matches with errors.Is: the message is
// not a valid LS v1.0 Command or Response. A Consumer answers it with status 400
// (LS v1.0 section 3.3.2.1).
var ErrInvalid = errors.New("invalid openc2 message")

// Error is a decoding or validation failure at one place in a message.
type Error struct {
	// Path is the JSON path of the offending value, such as "target.ipv4_net" or
	// "target.features[1]"; it is empty for the document as a whole.
	Path string
	// Message says what is wrong, lower case, without the path.
	Message string
}

// Error returns "path: message", or the message alone when Path is empty.
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

func errorf(path, format string, args ...any) *Error {
	return &Error{Path: path, Message: fmt.Sprintf(format, args...)}
}
