package acl

import (
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

// TimeAttribute is one of ARPOC's time environment setters: one
// environment attribute, of the same name, computed from the current time
// in UTC.
type TimeAttribute struct {
	Key         string
	Description string
	// Value is the attribute's value at t, a time in UTC.
	Value func(t time.Time) any
}

// TimeAttributes are the time environment setters, with ARPOC's keys and
// value formats.
var TimeAttributes = []TimeAttribute{
	{"time", `the time of day in UTC, "HH:MM:SS"`, func(t time.Time) any { return t.Format("15:04:05") }},
	{"datetime", `the date and time in UTC, "YYYY-MM-DD HH:MM:SS"`,
		func(t time.Time) any { return t.Format("2006-01-02 15:04:05") }},
	{"time_hour", "the hour in UTC, an integer from 0 to 23", func(t time.Time) any { return int64(t.Hour()) }},
	{"time_minute", "the minute in UTC, an integer from 0 to 59", func(t time.Time) any { return int64(t.Minute()) }},
	{"time_second", "the second in UTC, an integer from 0 to 59", func(t time.Time) any { return int64(t.Second()) }},
}

// handler returns the setter's handler, which reads the time from now.
func (a TimeAttribute) handler(now func() time.Time) registry.EnvironmentFunc {
	return func(req abi.EnvironmentRequest) (any, error) {
		if req.Key != a.Key {
			return nil, abi.Errorf(abi.CodeNotFound, "%s provides the attribute %s, not %q", a.Key, a.Key, req.Key)
		}
		return a.Value(now().UTC()), nil
	}
}
