package openc2

import (
	"encoding/json"

	"github.com/gatehouse/gatehouse/openc2/internal/jsonform"
)

// ResponseType is the response_requested argument (LS v1.0 section 3.4.2.15).
type ResponseType string

// The response types of LS v1.0 section 3.4.2.15.
const (
	ResponseNone     ResponseType = "none"
	ResponseAck      ResponseType = "ack"
	ResponseStatus   ResponseType = "status"
	ResponseComplete ResponseType = "complete"
)

// responseTypes are the response types of LS v1.0 section 3.4.2.15, as strings.
var responseTypes = []string{"none", "ack", "status", "complete"}

// Args are the command arguments (LS v1.0 section 3.3.1.4). Times are Date-Time,
// milliseconds since the epoch; Duration is milliseconds (LS v1.0 sections
// 3.4.2.2 and 3.4.2.3). At most two of StartTime, StopTime and Duration may be
// given. Args must not be empty.
type Args struct {
	StartTime         *int64
	StopTime          *int64
	Duration          *int64
	ResponseRequested ResponseType
	// SLPF holds the "slpf" arguments (SLPF v1.0 section 2.1.3.2).
	SLPF *SLPFArgs
	// Extensions holds "x-" arguments by namespace identifier, each a JSON object.
	Extensions map[string]json.RawMessage
}

// MarshalJSON encodes a with its profile arguments inlined, as EncodeCommand
// does but without validating it.
func (a Args) MarshalJSON() ([]byte, error) {
	var e encoder
	e.args(&path{Name: "args"}, &a)
	return e.result()
}

// args reads Args at p.
func (d *decoder) args(p *path) (*Args, error) {
	a := &Args{}
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "start_time":
			a.StartTime, o.Err = d.IntPtr(&fp)
		case "stop_time":
			a.StopTime, o.Err = d.IntPtr(&fp)
		case "duration":
			a.Duration, o.Err = d.IntPtr(&fp)
		case "response_requested":
			var s string
			s, o.Err = d.Str(&fp, responseTypes...)
			a.ResponseRequested = ResponseType(s)
		case "slpf":
			a.SLPF, o.Err = d.slpfArgs(&fp)
		default:
			o.Err = d.extension(&fp, &a.Extensions, "argument")
		}
	}
	return a, o.Err
}

// extension reads the "x-" extension at p, a member of args or results
// named by p's last member name, into *m; what names the kind of member in
// errors.
func (d *decoder) extension(p *path, m *map[string]json.RawMessage, what string) error {
	nsid := string(p.Key)
	if msg := checkNsid(nsid); msg != "" {
		return fail(p, "unknown %s: %s", what, msg)
	}
	v, err := d.Opaque(p)
	if err != nil {
		return err
	}
	if *m == nil {
		*m = make(map[string]json.RawMessage)
	}
	(*m)[nsid] = v
	return nil
}

// args writes a at p. Its members come in the order of their names, as
// encoding/json writes a map; every extension name starts with "x-" and so
// comes last.
func (e *encoder) args(p *path, a *Args) {
	start := e.Begin()
	e.IntField("duration", a.Duration)
	e.StrField(p, "response_requested", string(a.ResponseRequested))
	if a.SLPF != nil {
		e.Key("slpf")
		e.slpfArgs(&path{Up: p, Name: "slpf"}, a.SLPF)
	}
	e.IntField("start_time", a.StartTime)
	e.IntField("stop_time", a.StopTime)
	e.extensions(p, a.Extensions)
	e.End(start)
}

// extensions writes the members of m in the order of their names.
func (e *encoder) extensions(p *path, m map[string]json.RawMessage) {
	var buf [8]string
	for _, k := range jsonform.SortedKeys(m, buf[:0]) {
		e.Member(p, k)
		e.Raw(&path{Up: p, Name: k}, m[k])
	}
}

// validate checks a against LS v1.0 section 3.3.1.4; p is its path.
func (a *Args) validate(p *path) error {
	if a.StartTime == nil && a.StopTime == nil && a.Duration == nil && a.ResponseRequested == "" && a.SLPF == nil && len(a.Extensions) == 0 {
		return fail(p, "must hold at least one argument")
	}
	for _, f := range []struct {
		name string
		v    *int64
	}{{"start_time", a.StartTime}, {"stop_time", a.StopTime}, {"duration", a.Duration}} {
		if f.v != nil && *f.v < 0 {
			return failAt(p, f.name, "must not be negative, got %d", *f.v)
		}
	}
	if a.StartTime != nil && a.StopTime != nil && a.Duration != nil {
		return fail(p, "at most two of start_time, stop_time and duration may be given")
	}
	if a.StartTime != nil && a.StopTime != nil && *a.StopTime < *a.StartTime {
		return failAt(p, "stop_time", "is before start_time")
	}
	if a.ResponseRequested != "" && !known(string(a.ResponseRequested), responseTypes) {
		return failAt(p, "response_requested", "%q: must be none, ack, status or complete", a.ResponseRequested)
	}
	if a.SLPF != nil {
		if err := a.SLPF.validate(&path{Up: p, Name: "slpf"}); err != nil {
			return err
		}
	}
	return validateExtensions(p, a.Extensions, "argument")
}

// validateExtensions checks the names of the "x-" extensions m of the args
// or results at p; what names the kind of member in errors.
func validateExtensions(p *path, m map[string]json.RawMessage, what string) error {
	var buf [8]string
	for _, k := range jsonform.SortedKeys(m, buf[:0]) {
		kp := &path{Up: p, Name: k}
		if msg := checkNsid(k); msg != "" || known(k, profiles) {
			return fail(kp, "unknown %s", what)
		}
		if firstByte(m[k]) != '{' {
			return fail(kp, "must be an object")
		}
	}
	return nil
}
