package openc2

import (
	"encoding/json"
	"maps"
)

// ResponseType is the response_requested argument (LS v1.0 section 3.4.2, Response-Type).
type ResponseType string

// The response types of LS v1.0 section 3.4.2.
const (
	ResponseNone     ResponseType = "none"
	ResponseAck      ResponseType = "ack"
	ResponseStatus   ResponseType = "status"
	ResponseComplete ResponseType = "complete"
)

// Args are the command arguments (LS v1.0 section 3.3.1.4). Times are Date-Time,
// milliseconds since the epoch; Duration is milliseconds. At most two of
// StartTime, StopTime and Duration may be given. Args must not be empty.
type Args struct {
	StartTime         *int64
	StopTime          *int64
	Duration          *int64
	ResponseRequested ResponseType
	// SLPF holds the "slpf" arguments (SLPF v1.0 section 2.1.3.1).
	SLPF *SLPFArgs
	// Extensions holds "x-" arguments by namespace identifier, each a JSON object.
	Extensions map[string]json.RawMessage
}

// MarshalJSON encodes a with its profile arguments inlined.
func (a Args) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, 5+len(a.Extensions))
	for k, v := range a.Extensions {
		m[k] = v
	}
	if a.StartTime != nil {
		m["start_time"] = *a.StartTime
	}
	if a.StopTime != nil {
		m["stop_time"] = *a.StopTime
	}
	if a.Duration != nil {
		m["duration"] = *a.Duration
	}
	if a.ResponseRequested != "" {
		m["response_requested"] = a.ResponseRequested
	}
	if a.SLPF != nil {
		m["slpf"] = a.SLPF
	}
	return json.Marshal(m)
}

func decodeArgs(raw json.RawMessage, path string) (*Args, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return nil, err
	}
	if len(o.m) == 0 {
		return nil, errorf(path, "must hold at least one argument")
	}
	a := &Args{}
	for _, step := range []error{optInt(o, "start_time", &a.StartTime), optInt(o, "stop_time", &a.StopTime), optInt(o, "duration", &a.Duration)} {
		if step != nil {
			return nil, step
		}
	}
	var rt string
	if err := optString(o, "response_requested", &rt); err != nil {
		return nil, err
	}
	a.ResponseRequested = ResponseType(rt)
	if v, p, ok := o.take("slpf"); ok {
		if a.SLPF, err = decodeSLPFArgs(v, p); err != nil {
			return nil, err
		}
	}
	for _, k := range o.keys() {
		v, p, _ := o.take(k)
		if msg := checkNsid(k); msg != "" {
			return nil, errorf(p, "unknown argument: %s", msg)
		}
		ext, err := readOpaque(v, p)
		if err != nil {
			return nil, err
		}
		if a.Extensions == nil {
			a.Extensions = make(map[string]json.RawMessage)
		}
		a.Extensions[k] = ext
	}
	return a, nil
}

func (a *Args) validate(path string) error {
	if a.StartTime == nil && a.StopTime == nil && a.Duration == nil && a.ResponseRequested == "" && a.SLPF == nil && len(a.Extensions) == 0 {
		return errorf(path, "must hold at least one argument")
	}
	for _, f := range []struct {
		name string
		v    *int64
	}{{"start_time", a.StartTime}, {"stop_time", a.StopTime}, {"duration", a.Duration}} {
		if f.v != nil && *f.v < 0 {
			return errorf(join(path, f.name), "must not be negative, got %d", *f.v)
		}
	}
	if a.StartTime != nil && a.StopTime != nil && a.Duration != nil {
		return errorf(path, "at most two of start_time, stop_time and duration may be given")
	}
	if a.StartTime != nil && a.StopTime != nil && *a.StopTime < *a.StartTime {
		return errorf(join(path, "stop_time"), "is before start_time")
	}
	switch a.ResponseRequested {
	case "", ResponseNone, ResponseAck, ResponseStatus, ResponseComplete:
	default:
		return errorf(join(path, "response_requested"), "%q: must be none, ack, status or complete", a.ResponseRequested)
	}
	if a.SLPF != nil {
		if err := a.SLPF.validate(join(path, "slpf")); err != nil {
			return err
		}
	}
	for _, k := range slicesSorted(maps.Keys(a.Extensions)) {
		if msg := checkNsid(k); msg != "" || profiles[k] {
			return errorf(join(path, k), "unknown argument")
		}
	}
	return nil
}
