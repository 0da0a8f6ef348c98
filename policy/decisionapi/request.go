package decisionapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
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
	// ObjectSetters names the object setters to run ("name" or
	// "plugin/name"), each with its configuration (an object), as the
	// objectsetters of an ARPOC service.
	ObjectSetters map[string]any `json:"object_setters"`
	// Obligations holds the configuration (an object) of obligations, by
	// name, as the obligations of an ARPOC service.
	Obligations map[string]any `json:"obligations"`
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
	}{{"subject", req.Subject}, {"object", req.Object}, {"environment", req.Environment},
		{"access", req.Access}, {"object_setters", req.ObjectSetters}, {"obligations", req.Obligations}} {
		if _, err := abi.JSONNumbers(f.m); err != nil {
			return nil, fmt.Errorf("%s: %v", f.name, err)
		}
	}
	for field, m := range map[string]map[string]any{"object_setters": req.ObjectSetters, "obligations": req.Obligations} {
		for _, name := range slices.Sorted(maps.Keys(m)) {
			if _, ok := m[name].(map[string]any); !ok && m[name] != nil {
				return nil, fmt.Errorf("%s.%s: want an object, got %s", field, name, jsonType(m[name]))
			}
		}
	}
	return &req, nil
}

// jsonType returns the JSON type of a decoded value, with its article.
func jsonType(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a bool"
	}
	return "a number"
}

// configs returns m, whose values are objects or null, as configurations
// by name.
func configs(m map[string]any) map[string]map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]map[string]any, len(m))
	for name, v := range m {
		out[name], _ = v.(map[string]any)
	}
	return out
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
		return fmt.Errorf("body: unknown field %s; the fields are policy_set, subject, object, environment, access, path, object_setters, obligations",
			strings.TrimPrefix(err.Error(), unknown))
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
// setters.
func (r *Request) policyRequest() policy.Request {
	return policy.Request{
		PolicySet: r.PolicySet,
		Attributes: abi.Context{
			Subject:     r.Subject,
			Object:      r.Object,
			Environment: r.Environment,
			Access:      r.Access,
		},
		Path:             r.Path,
		ObligationConfig: configs(r.Obligations),
	}
}
