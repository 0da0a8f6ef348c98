package openc2

import (
	"encoding/json"
	"iter"
	"maps"
	"slices"
)

// The status codes of LS v1.0 section 3.3.2.1.
const (
	StatusProcessing     = 102
	StatusOK             = 200
	StatusBadRequest     = 400
	StatusUnauthorized   = 401
	StatusForbidden      = 403
	StatusNotFound       = 404
	StatusInternalError  = 500
	StatusNotImplemented = 501
	StatusUnavailable    = 503
)

var statuses = map[int]bool{102: true, 200: true, 400: true, 401: true, 403: true, 404: true, 500: true, 501: true, 503: true}

// Response is an OpenC2 Response (LS v1.0 section 3.3.2). Status is required.
type Response struct {
	Status     int      `json:"status"`
	StatusText string   `json:"status_text,omitempty"`
	Results    *Results `json:"results,omitempty"`
}

// Results are the results of a Response (LS v1.0 section 3.3.2.2). An empty
// Results is valid.
//
// # Notes
//
// LS v1.0 section 3.4.2 describes Version as "Major.Minor" in prose only; the
// conformance vectors use "1.0-draft-2019-02", so any non-empty string is
// accepted.
type Results struct {
	Versions  []string            // LS versions; only non-empty is checked (see Notes)
	Profiles  []string            // namespace identifiers of supported profiles
	Pairs     map[Action][]string // target names supported per action (3.4.2.1)
	RateLimit *float64            // commands per minute, not negative
	// SLPF holds the "slpf" results (SLPF v1.0 section 2.2.1).
	SLPF *SLPFResults
	// Extensions holds "x-" results by namespace identifier, each a JSON object.
	Extensions map[string]json.RawMessage
}

// MarshalJSON encodes r with its profile results inlined.
func (r Results) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, 5+len(r.Extensions))
	for k, v := range r.Extensions {
		m[k] = v
	}
	if r.Versions != nil {
		m["versions"] = r.Versions
	}
	if r.Profiles != nil {
		m["profiles"] = r.Profiles
	}
	if r.Pairs != nil {
		m["pairs"] = r.Pairs
	}
	if r.RateLimit != nil {
		m["rate_limit"] = *r.RateLimit
	}
	if r.SLPF != nil {
		m["slpf"] = r.SLPF
	}
	return json.Marshal(m)
}

func decodeResponseValue(raw json.RawMessage) (*Response, error) {
	o, err := readObject(raw, "")
	if err != nil {
		return nil, err
	}
	r := &Response{}
	v, p, ok := o.take("status")
	if !ok {
		return nil, errorf("status", "missing required field")
	}
	n, err := readInt(v, p)
	if err != nil {
		return nil, err
	}
	if n < 100 || n > 599 {
		return nil, errorf(p, "%d: not a status code", n)
	}
	r.Status = int(n)
	if err := optString(o, "status_text", &r.StatusText); err != nil {
		return nil, err
	}
	if v, p, ok := o.take("results"); ok {
		if r.Results, err = decodeResults(v, p); err != nil {
			return nil, err
		}
	}
	return r, o.done()
}

func decodeResults(raw json.RawMessage, path string) (*Results, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return nil, err
	}
	r := &Results{}
	if v, p, ok := o.take("versions"); ok {
		if r.Versions, err = readStrings(v, p); err != nil {
			return nil, err
		}
	}
	if v, p, ok := o.take("profiles"); ok {
		if r.Profiles, err = readStrings(v, p); err != nil {
			return nil, err
		}
	}
	if v, p, ok := o.take("rate_limit"); ok {
		f, err := readNumber(v, p)
		if err != nil {
			return nil, err
		}
		r.RateLimit = &f
	}
	if v, p, ok := o.take("pairs"); ok {
		po, err := readObject(v, p)
		if err != nil {
			return nil, err
		}
		r.Pairs = make(map[Action][]string, len(po.m))
		for _, k := range po.keys() {
			pv, pp, _ := po.take(k)
			if r.Pairs[Action(k)], err = readStrings(pv, pp); err != nil {
				return nil, err
			}
		}
	}
	if v, p, ok := o.take("slpf"); ok {
		if r.SLPF, err = decodeSLPFResults(v, p); err != nil {
			return nil, err
		}
	}
	for _, k := range o.keys() {
		v, p, _ := o.take(k)
		if msg := checkNsid(k); msg != "" {
			return nil, errorf(p, "unknown result: %s", msg)
		}
		ext, err := readOpaque(v, p)
		if err != nil {
			return nil, err
		}
		if r.Extensions == nil {
			r.Extensions = make(map[string]json.RawMessage)
		}
		r.Extensions[k] = ext
	}
	return r, nil
}

func (r *Results) validate(path string) error {
	for i, v := range r.Versions {
		if v == "" {
			return errorf(index(join(path, "versions"), i), "empty version")
		}
	}
	for i, p := range r.Profiles {
		if msg := checkNsid(p); msg != "" {
			return errorf(index(join(path, "profiles"), i), "%s", msg)
		}
	}
	if r.RateLimit != nil && *r.RateLimit < 0 {
		return errorf(join(path, "rate_limit"), "must not be negative")
	}
	for _, a := range slicesSorted(maps.Keys(r.Pairs)) {
		pp := join(join(path, "pairs"), string(a))
		if !a.Valid() {
			return errorf(pp, "unknown action %q", a)
		}
		for i, t := range r.Pairs[a] {
			if !knownTargetName(t) {
				return errorf(index(pp, i), "unknown target type %q", t)
			}
		}
	}
	for _, k := range slicesSorted(maps.Keys(r.Extensions)) {
		if msg := checkNsid(k); msg != "" || profiles[k] {
			return errorf(join(path, k), "unknown result")
		}
	}
	return nil
}

// Validate checks r against LS v1.0 section 3.3.2.
func (r *Response) Validate() error {
	if !statuses[r.Status] {
		return errorf("status", "%d: not a status code of LS v1.0 (102, 200, 400, 401, 403, 404, 500, 501, 503)", r.Status)
	}
	if r.Results != nil {
		return r.Results.validate("results")
	}
	return nil
}

func slicesSorted[K ~string](seq iter.Seq[K]) []K { return slices.Sorted(seq) }
