package decisionapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/abi/jsonnum"
	"github.com/gatehouse/gatehouse/internal/jsonio"
	"github.com/gatehouse/gatehouse/policy"
)

// Request is the body of POST /v1/decide. Only PolicySet is required.
type Request struct {
	// PolicySet is the id of the policy set to evaluate.
	PolicySet   string         `json:"policy_set"`
	Subject     map[string]any `json:"subject"`
	Object      map[string]any `json:"object"`
	Environment map[string]any `json:"environment"`
	Access      map[string]any `json:"access"`
	// Path is the path of the request below its service, which object
	// setters receive.
	Path string `json:"path"`
}

// readRequest reads the body of POST /v1/decide from r, whose size is
// bounded by max, with ReadRequest; policy_set is required.
func readRequest(r io.Reader, max int64) (*Request, error) {
	// The request keeps none of data's bytes: the buffer is reused.
	buf := jsonio.GetBuffer()
	defer jsonio.PutBuffer(buf)
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, decodeError(err, "body", max)
	}
	req, err := ReadRequest(buf.Bytes(), "body")
	if err != nil {
		return nil, err
	}
	if req.PolicySet == "" {
		return nil, errors.New("policy_set: required, the id of the policy set to evaluate")
	}
	return req, nil
}

// ReadRequest decodes a Request from the JSON text data, the one reader
// of decision requests: of POST /v1/decide and of gatehouse policy eval's
// context. Its errors name the field at fault ("subject: want an object,
// got a string"), or the document, called name ("body"), and the byte.
// A lone surrogate escape (\ud800) is refused, where encoding/json would
// read it as U+FFFD.
func ReadRequest(data []byte, name string) (*Request, error) {
	if req, ok := scanRequest(data); ok {
		return req, nil
	}
	return decodeRequest(data, name)
}

// scanRequest reads the usual request, valid and with each field at most
// once under its own name, with a jsonio.Scanner, which is several times
// faster than encoding/json. It reports false for anything else, and
// decodeRequest then reads the text and says what is wrong.
func scanRequest(data []byte) (*Request, bool) {
	s := jsonio.NewScanner(data)
	if !s.Byte('{') {
		return nil, false
	}
	req := &Request{}
	var seen uint8
	ok := s.Members(func(key string) bool {
		var (
			bit  uint8
			str  *string
			attr *map[string]any
		)
		switch key {
		case "policy_set":
			bit, str = 1, &req.PolicySet
		case "path":
			bit, str = 2, &req.Path
		case "subject":
			bit, attr = 4, &req.Subject
		case "object":
			bit, attr = 8, &req.Object
		case "environment":
			bit, attr = 16, &req.Environment
		case "access":
			bit, attr = 32, &req.Access
		default:
			return false // unknown, or a field's name in other letters
		}
		if seen&bit != 0 {
			return false // encoding/json merges a repeated object
		}
		seen |= bit
		if s.Null() {
			return true // a string keeps its value, an object is nil
		}
		var ok bool
		if str != nil {
			*str, ok = s.String()
		} else {
			*attr, ok = s.Object()
		}
		return ok
	})
	return req, ok && s.End()
}

// decodeRequest is ReadRequest with encoding/json, for the text that
// scanRequest does not read.
func decodeRequest(data []byte, name string) (*Request, error) {
	var req Request
	if err := jsonio.Decode(data, &req); err != nil {
		return nil, decodeError(err, name, 0)
	}
	for _, f := range []struct {
		name string
		m    map[string]any
	}{{"subject", req.Subject}, {"object", req.Object}, {"environment", req.Environment}, {"access", req.Access}} {
		if _, err := jsonnum.Convert(f.m); err != nil {
			return nil, fmt.Errorf("%s: %v", f.name, err)
		}
	}
	return &req, nil
}

// serverOnly names the fields that the server's configuration holds and a
// client may not send, with the key that holds them: they are the plugins'
// configuration.
var serverOnly = map[string]string{
	`"object_setters"`: "policy.decision_api.object_setters",
	`"obligations"`:    "policy.decision_api.obligations",
}

// decodeError returns err of reading the document name (of at most max
// bytes) as a message that names the field or the offset at fault.
func decodeError(err error, name string, max int64) error {
	var (
		syntax    *json.SyntaxError
		typ       *json.UnmarshalTypeError
		tooBig    *http.MaxBytesError
		surrogate *jsonio.SurrogateError
		unknown   = "json: unknown field "
	)
	switch {
	case errors.As(err, &tooBig):
		return fmt.Errorf("%s: larger than %d bytes", name, max)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%s: empty; send a JSON object with policy_set", name)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: the JSON ends early", name)
	case errors.Is(err, jsonio.ErrTrailing):
		return fmt.Errorf("%s: %w", name, err)
	case errors.As(err, &surrogate):
		return fmt.Errorf("%s: invalid JSON at byte %d: %s", name, surrogate.Offset+1, surrogate.Message())
	case errors.As(err, &syntax):
		return fmt.Errorf("%s: invalid JSON at byte %d: %s", name, syntax.Offset, strings.TrimPrefix(syntax.Error(), "invalid character "))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Errorf("%s: want a JSON object, got %s", name, article(typ.Value))
		}
		return fmt.Errorf("%s: want %s, got %s", typ.Field, want(typ.Type.Kind().String()), article(typ.Value))
	case strings.HasPrefix(err.Error(), unknown):
		field := strings.TrimPrefix(err.Error(), unknown)
		if key, ok := serverOnly[field]; ok {
			return fmt.Errorf("%s: a client cannot configure plugins; the server's configuration does, in %s", strings.Trim(field, `"`), key)
		}
		return fmt.Errorf("%s: unknown field %s; the fields are policy_set, subject, object, environment, access, path", name, field)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// want names what a field of Go kind k takes.
func want(k string) string {
	switch k {
	case "map":
		return "an object"
	case "string":
		return "a string"
	}
	return k
}

// article puts "a" or "an" before the JSON type name v.
func article(v string) string {
	switch v {
	case "object", "array":
		return "an " + v
	case "number", "string", "bool":
		return "a " + v
	}
	return v
}

// PolicyRequest returns the engine's request for r, decided with the
// object setters and the configuration of obligations given: the server's,
// never the client's.
func (r *Request) PolicyRequest(setters []policy.ObjectSetter, obligations map[string]map[string]any) policy.Request {
	return policy.Request{
		PolicySet: r.PolicySet,
		Attributes: policy.Attributes{
			Subject:     r.Subject,
			Object:      r.Object,
			Environment: r.Environment,
			Access:      r.Access,
		},
		Path:             r.Path,
		ObjectSetters:    setters,
		ObligationConfig: obligations,
	}
}
