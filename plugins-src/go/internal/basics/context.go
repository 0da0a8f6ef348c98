package basics

import (
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/abi"
)

// RequireReason is the obligation require-reason: it is fulfilled only when
// access.reason is a non-empty string.
func RequireReason(req abi.ObligeRequest) (abi.ObligeReply, error) {
	v, ok := req.Context.Access["reason"]
	if !ok {
		return abi.ObligeReply{Reason: "access.reason is missing"}, nil
	}
	s, ok := v.(string)
	if !ok {
		return abi.ObligeReply{Reason: "access.reason is not a string"}, nil
	}
	if s == "" {
		return abi.ObligeReply{Reason: "access.reason is empty"}, nil
	}
	return abi.ObligeReply{Fulfilled: true}, nil
}

// Weekday is the environment setter weekday: the English name of the
// weekday of environment.time, an RFC 3339 timestamp, in the timestamp's
// own offset. Without environment.time the value is unknown (nil).
func Weekday(req abi.EnvironmentRequest) (any, error) {
	if req.Key != "weekday" {
		return nil, abi.Errorf(abi.CodeNotFound, "weekday provides the key weekday, not %q", req.Key)
	}
	v, ok := req.Context.Environment["time"]
	if !ok {
		return nil, nil
	}
	s, _ := v.(string)
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "environment.time %v is not an RFC 3339 timestamp", v)
	}
	return t.Weekday().String(), nil
}

// EchoEnvironment is the environment setter echo: it returns the key asked
// for and subject.id, the same in both bindings, for benchmarks.
func EchoEnvironment(req abi.EnvironmentRequest) (any, error) {
	return map[string]any{"key": req.Key, "subject": req.Context.Subject["id"]}, nil
}

// PathSegments is the object setter path-segments: it sets segments to the
// non-empty segments of the request path and, when there is one, resource
// to the first.
func PathSegments(req abi.ObjectRequest) (map[string]any, error) {
	segments := strings.FieldsFunc(req.Path, func(r rune) bool { return r == '/' })
	attrs := map[string]any{"segments": segments}
	if len(segments) > 0 {
		attrs["resource"] = segments[0]
	}
	return attrs, nil
}
