package openc2

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"

	"github.com/gatehouse/gatehouse/openc2/internal/jsonform"
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

// statusCodes are the status codes of LS v1.0 section 3.3.2.1.
var statusCodes = []int{102, 200, 400, 401, 403, 404, 500, 501, 503}

// Response is an OpenC2 Response (LS v1.0 section 3.3.2). Status is required.
type Response struct {
	Status     int      `json:"status"`
	StatusText string   `json:"status_text,omitempty"`
	Results    *Results `json:"results,omitempty"`
}

// Results are the results of a Response (LS v1.0 section 3.3.2.2). They hold
// at least one result: Results is Map{1..*} as Args is (section 3.3.1.4),
// so "results": {} is refused on both ways, as "args": {} is; a response
// without results leaves the field out.
//
// # Notes
//
// LS v1.0 section 3.4.2.17 defines Version as "Major.Minor"; a version may
// also carry a pre-release label after a hyphen ("1.0-draft-2019-02"), as
// drafts of the specification and the conformance vectors do. Anything else
// ("1", "v1.0", "1.0.0") is refused.
type Results struct {
	Versions  []string            // LS versions, "Major.Minor" (see Notes)
	Profiles  []string            // namespace identifiers of supported profiles
	Pairs     map[Action][]string // target names supported per action (3.4.2.1)
	RateLimit *float64            // commands per minute, not negative
	// SLPF holds the "slpf" results (SLPF v1.0 section 2.2.1).
	SLPF *SLPFResults
	// Extensions holds "x-" results by namespace identifier, each a JSON object.
	Extensions map[string]json.RawMessage
}

// MarshalJSON encodes r with its profile results inlined, as EncodeResponse
// does but without validating it.
func (r Results) MarshalJSON() ([]byte, error) {
	var e encoder
	e.results(&path{Name: "results"}, &r)
	return e.result()
}

// response reads a Response at p.
func (d *decoder) response(p *path) (*Response, error) {
	// One allocation holds the response and the results it may have.
	rr := &struct {
		r   Response
		res Results
	}{}
	r := &rr.r
	var status bool
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "status":
			var n int64
			if n, o.Err = d.Int(&fp); o.Err == nil && (n < 100 || n > 599) {
				o.Err = fail(&fp, "%d: not a status code", n)
			}
			r.Status, status = int(n), true
		case "status_text":
			r.StatusText, o.Err = d.Str(&fp)
		case "results":
			r.Results, o.Err = &rr.res, d.results(&fp, &rr.res)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	switch {
	case o.Err != nil:
		return nil, o.Err
	case !status:
		return nil, failAt(p, "status", "missing required field")
	}
	return r, nil
}

// response writes r at p.
func (e *encoder) response(p *path, r *Response) {
	start := e.Begin()
	e.Key("status")
	e.Int(int64(r.Status))
	e.StrField(p, "status_text", r.StatusText)
	if r.Results != nil {
		e.Key("results")
		e.results(&path{Up: p, Name: "results"}, r.Results)
	}
	e.End(start)
}

// results reads Results at p into r.
func (d *decoder) results(p *path, r *Results) error {
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "versions":
			r.Versions, o.Err = d.Strs(&fp)
		case "profiles":
			r.Profiles, o.Err = d.Strs(&fp)
		case "rate_limit":
			var f float64
			f, o.Err = d.Number(&fp)
			r.RateLimit = &f
		case "pairs":
			r.Pairs, o.Err = d.pairs(&fp)
		case "slpf":
			r.SLPF, o.Err = d.slpfResults(&fp)
		default:
			o.Err = d.extension(&fp, &r.Extensions, "result")
		}
	}
	return o.Err
}

// pairs reads Action-Targets (LS v1.0 section 3.4.2.1) at p.
func (d *decoder) pairs(p *path) (map[Action][]string, error) {
	m := make(map[Action][]string)
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		a := Action(jsonform.Intern(o.Key, actionNames))
		m[a], o.Err = d.Strs(&fp, targetNames...)
	}
	return m, o.Err
}

// results writes r at p. Its members come in the order of their names, as
// encoding/json writes a map; every extension name starts with "x-" and so
// comes last.
func (e *encoder) results(p *path, r *Results) {
	start := e.Begin()
	if r.Pairs != nil {
		e.Key("pairs")
		fp := &path{Up: p, Name: "pairs"}
		ps := e.Begin()
		var buf [20]Action
		for _, a := range jsonform.SortedKeys(r.Pairs, buf[:0]) {
			e.Member(fp, string(a))
			e.Strs(&path{Up: fp, Name: string(a)}, r.Pairs[a])
		}
		e.End(ps)
	}
	if r.Profiles != nil {
		e.Key("profiles")
		e.Strs(&path{Up: p, Name: "profiles"}, r.Profiles)
	}
	if r.RateLimit != nil {
		e.Key("rate_limit")
		e.Float(&path{Up: p, Name: "rate_limit"}, *r.RateLimit)
	}
	if r.SLPF != nil {
		e.Key("slpf")
		e.slpfResults(r.SLPF)
	}
	if r.Versions != nil {
		e.Key("versions")
		e.Strs(&path{Up: p, Name: "versions"}, r.Versions)
	}
	e.extensions(p, r.Extensions)
	e.End(start)
}

// validate checks r against LS v1.0 section 3.3.2.2 and SLPF v1.0 section
// 2.2.2; p is its path.
func (r *Results) validate(p *path) error {
	if r.Versions == nil && r.Profiles == nil && r.Pairs == nil && r.RateLimit == nil && r.SLPF == nil && len(r.Extensions) == 0 {
		return fail(p, "must hold at least one result (LS v1.0 section 3.3.2.2)")
	}
	for i, v := range r.Versions {
		vp := &path{Up: &path{Up: p, Name: "versions"}, Elem: i}
		if !versionPattern.MatchString(v) {
			return fail(vp, "%q is not a version Major.Minor (LS v1.0 section 3.4.2.17)", v)
		}
		for j := range i {
			if r.Versions[j] == v {
				return fail(vp, "%q repeats item %d", v, j)
			}
		}
	}
	for i, nsid := range r.Profiles {
		if msg := checkNsid(nsid); msg != "" {
			return fail(&path{Up: &path{Up: p, Name: "profiles"}, Elem: i}, "%s", msg)
		}
	}
	if r.RateLimit != nil {
		switch f := *r.RateLimit; {
		case math.IsNaN(f) || math.IsInf(f, 0):
			return failAt(p, "rate_limit", "%v is not a JSON number", f)
		case f < 0:
			return failAt(p, "rate_limit", "must not be negative")
		}
	}
	if r.Pairs != nil {
		if err := validatePairs(&path{Up: p, Name: "pairs"}, r.Pairs); err != nil {
			return err
		}
	}
	if r.SLPF != nil && r.SLPF.RuleNumber != nil && *r.SLPF.RuleNumber < 0 {
		return fail(&path{Up: &path{Up: p, Name: "slpf"}, Name: "rule_number"}, "must not be negative")
	}
	return validateExtensions(p, r.Extensions, "result")
}

// versionPattern is a Version (LS v1.0 section 3.4.2.17): Major.Minor, with
// an optional pre-release label (see the Notes of Results).
var versionPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})(-[0-9A-Za-z][0-9A-Za-z.-]*)?$`)

// validatePairs checks Action-Targets (LS v1.0 section 3.4.2.1): at least
// one action, each with at least one target type and none twice.
func validatePairs(p *path, pairs map[Action][]string) error {
	if len(pairs) == 0 {
		return fail(p, "must hold at least one action")
	}
	var buf [20]Action
	for _, a := range jsonform.SortedKeys(pairs, buf[:0]) {
		ap := &path{Up: p, Name: string(a)}
		if !a.Valid() {
			return fail(ap, "unknown action %q", a)
		}
		err := checkList(ap, pairs[a], func(t string) string {
			if !knownTargetName(t) {
				return "unknown target type " + strconv.Quote(t)
			}
			return ""
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Validate checks r against LS v1.0 section 3.3.2.
func (r *Response) Validate() error {
	if !slices.Contains(statusCodes, r.Status) {
		return errorf("status", "%d: not a status code of LS v1.0 (102, 200, 400, 401, 403, 404, 500, 501, 503)", r.Status)
	}
	if r.Results != nil {
		return r.Results.validate(&path{Name: "results"})
	}
	return nil
}
