package decisionapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/abi/jsonnum"
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

// readRequest decodes a Request from r, whose size is bounded by max. Its
// errors name the field at fault: "subject: want an object, got a string".
func readRequest(r io.Reader, max int64) (*Request, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var req Request
	if err := dec.Decode(&req); err != nil {
		return nil, decodeError(err, max)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("body: more than one JSON value")
	}
	if req.PolicySet == "" {
		return nil, errors.New("policy_set: required, the id of the policy set to evaluate")
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

// decodeError returns err of the JSON decoder as a message that names the
// field or the offset at fault.
func decodeError(err error, max int64) error {
	var (
		syntax  *json.SyntaxError
		typ     *json.UnmarshalTypeError
		tooBig  *http.MaxBytesError
		unknown = "json: unknown field "
	)
	switch {
	case errors.As(err, &tooBig):
		return fmt.Errorf("body: larger than %d bytes", max)
	case errors.Is(err, io.EOF):
		return errors.New("body: empty; send a JSON object with policy_set")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("body: the JSON ends early")
	case errors.As(err, &syntax):
		return fmt.Errorf("body: invalid JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "invalid character "))
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Errorf("body: want a JSON object, got %s", article(typ.Value))
		}
		return fmt.Errorf("%s: want %s, got %s", typ.Field, want(typ.Type.Kind().String()), article(typ.Value))
	case strings.HasPrefix(err.Error(), unknown):
		field := strings.TrimPrefix(err.Error(), unknown)
		if key, ok := serverOnly[field]; ok {
			return fmt.Errorf("%s: a client cannot configure plugins; the server's configuration does, in %s", strings.Trim(field, `"`), key)
		}
		return fmt.Errorf("body: unknown field %s; the fields are policy_set, subject, object, environment, access, path", field)
	}
	return fmt.Errorf("body: %w", err)
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

// policyRequest returns the engine's request for r, without object
// setters nor the configuration of obligations.
func (r *Request) policyRequest() policy.Request {
	return policy.Request{
		PolicySet: r.PolicySet,
		Attributes: policy.Attributes{
			Subject:     r.Subject,
			Object:      r.Object,
			Environment: r.Environment,
			Access:      r.Access,
		},
		Path: r.Path,
	}
}
