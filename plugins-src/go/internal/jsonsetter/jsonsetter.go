// Package jsonsetter holds the component of the reference plugin
// acl-jsonsetter: ARPOC's object setter jsonsetter, which asks a web service
// for attributes of the object being accessed (docs/access-control-plugins.md).
//
// It sends GET to the URL of its config key url, with the object's
// attributes as query parameters (Query), through the host's http
// capability, and merges the members of the JSON object it answers over the
// object's attributes. The host allows only the hosts of the plugin's http
// grant.
package jsonsetter

import (
	"errors"
	"fmt"
	"math/big"
	"net/url"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/http"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

// Name, Version and Description are the plugin's.
const (
	Name        = "acl-jsonsetter"
	Version     = "1.0.0"
	Description = "ARPOC's jsonsetter object setter, through the http capability"
)

// priority is the object setter's priority, ARPOC's default.
const priority = 100

// Register declares the plugin and registers the object setter, which
// sends its requests through the host's http capability.
func Register(r *registry.Registry) {
	r.Plugin(Name, Version, Description)
	r.Require(abi.CapHTTP)
	r.Object(abi.Component{
		Name:        "jsonsetter",
		Description: "merges the attributes a JSON web service answers for the object",
		Priority:    priority,
	}, func(req abi.ObjectRequest) (map[string]any, error) { return set(req, http.Do) })
}

// set asks the configured web service for the object's attributes.
func set(req abi.ObjectRequest, do func(abi.HTTPRequest) (abi.HTTPResponse, error)) (map[string]any, error) {
	base, err := configURL(req.Config)
	if err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "jsonsetter: %v", err)
	}
	u := *base
	u.Fragment, u.RawFragment = "", ""
	if q := Query(req.Object); q != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += q
	}
	resp, err := do(abi.HTTPRequest{Method: "GET", URL: u.String(), Headers: map[string]string{"Accept": "application/json"}})
	if err != nil {
		return nil, hostError(base, err)
	}
	if resp.Status < 200 || resp.Status > 299 {
		return nil, abi.Errorf(abi.CodeUnavailable, "jsonsetter: GET %s: status %d", base.Redacted(), resp.Status)
	}
	attrs, err := abi.DecodeJSONObject(resp.Body)
	if err != nil {
		return nil, abi.Errorf(abi.CodeUnavailable, "jsonsetter: GET %s: the reply is %v", base.Redacted(), err)
	}
	floatBig(attrs)
	return attrs, nil
}

// floatBig replaces, in place, each integer beyond the int64 range in v
// (maps and lists included) by the nearest float64, as the jsonsetters in C
// and Rust read such integers, so that the three give the same attributes.
func floatBig(v any) any {
	switch x := v.(type) {
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = floatBig(e)
		}
	case []any:
		for i, e := range x {
			x[i] = floatBig(e)
		}
	}
	return v
}

// configURL returns the config key url, an absolute http or https URL.
func configURL(config map[string]any) (*url.URL, error) {
	v, ok := config["url"]
	if !ok || v == nil {
		return nil, errors.New("config url is missing; give the URL of the web service")
	}
	s, ok := v.(string)
	if !ok {
		return nil, errors.New("config url: want a string")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("config url %q: want an absolute http or https URL", s)
	}
	return u, nil
}

// hostError passes on the error the http capability answered for a
// request to base: a host the grant does not allow stays a refusal
// (denied), a request the host finds malformed stays invalid_request, and
// the rest (the service down, slow or too verbose) is unavailable.
func hostError(base *url.URL, err error) error {
	e, ok := errors.AsType[*abi.Error](err)
	if !ok {
		e = &abi.Error{Code: abi.CodeInternal, Message: err.Error()}
	}
	code := abi.CodeUnavailable
	switch e.Code {
	case abi.CodeCapabilityDenied:
		code = abi.CodeDenied
	case abi.CodeInvalidRequest:
		code = abi.CodeInvalidRequest
	}
	return abi.Errorf(code, "jsonsetter: GET %s: %s: %s", base.Redacted(), e.Code, e.Message)
}
