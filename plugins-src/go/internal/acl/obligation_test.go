package acl

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

// obligation returns the handler of the obligation name and the lines it
// logs, each after the sink it names and a space when it names one.
func obligation(t *testing.T, name string) (func(abi.ObligeRequest) (abi.ObligeReply, error), *[]string) {
	t.Helper()
	var lines []string
	for _, o := range Obligations {
		if o.Name == name {
			return o.handler(func(to, l string) error {
				if to == "down" {
					return abi.Errorf(abi.CodeTimeout, "sink_write: smtp 10.0.0.1:25: no answer")
				}
				if to != "" {
					l = to + " " + l
				}
				lines = append(lines, l)
				return nil
			}), &lines
		}
	}
	t.Fatalf("no obligation %s", name)
	return nil, nil
}

func TestObligationsLogTheirDecisions(t *testing.T) {
	logs := map[string][]abi.Decision{
		"obl_log":            {abi.DecisionGrant, abi.DecisionDeny, abi.DecisionNotApplicable},
		"obl_log_successful": {abi.DecisionGrant},
		"obl_log_failed":     {abi.DecisionDeny, abi.DecisionNotApplicable},
	}
	ctx := abi.Context{Subject: map[string]any{"email": "ada@example.com"}, Access: map[string]any{"method": "GET"}}
	for name, logged := range logs {
		for _, d := range []abi.Decision{abi.DecisionGrant, abi.DecisionDeny, abi.DecisionNotApplicable} {
			t.Run(name+"/"+string(d), func(t *testing.T) {
				h, lines := obligation(t, name)
				rep, err := h(abi.ObligeRequest{Component: name, Decision: d, Context: ctx})
				if err != nil || rep != (abi.ObligeReply{Fulfilled: true}) {
					t.Fatalf("reply = %+v, %v; want fulfilled", rep, err)
				}
				var want []string
				for _, l := range logged {
					if l == d {
						want = []string{name + ": " + string(d) + ` {"subject":{"email":"ada@example.com"},"access":{"method":"GET"}}`}
					}
				}
				if !reflect.DeepEqual(*lines, want) {
					t.Errorf("logged %q, want %q", *lines, want)
				}
			})
		}
	}
}

func TestObligationRefusals(t *testing.T) {
	for _, tt := range []struct {
		name string
		req  abi.ObligeRequest
		want string
	}{
		{"unknown decision", abi.ObligeRequest{Decision: "MAYBE"}, `obl_log: decision "MAYBE" is not GRANT, DENY or NOT_APPLICABLE`},
		{"no decision", abi.ObligeRequest{}, `obl_log: decision "" is not GRANT, DENY or NOT_APPLICABLE`},
		{"log_format not a string", abi.ObligeRequest{Decision: abi.DecisionDeny, Config: map[string]any{"log_format": 7}},
			"obl_log: config log_format: want a string"},
		{"sink not a string", abi.ObligeRequest{Decision: abi.DecisionDeny, Config: map[string]any{"sink": []any{"a"}}},
			"obl_log: config sink: want the name of a sink, a string"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h, lines := obligation(t, "obl_log")
			_, err := h(tt.req)
			if e, ok := errors.AsType[*abi.Error](err); !ok || e.Code != abi.CodeInvalidRequest || e.Message != tt.want {
				t.Errorf("error = %v, want invalid_request: %s", err, tt.want)
			}
			if len(*lines) > 0 {
				t.Errorf("logged %q after an error", *lines)
			}
		})
	}
}

func TestObligationSink(t *testing.T) {
	h, lines := obligation(t, "obl_log_failed")
	rep, err := h(abi.ObligeRequest{Decision: abi.DecisionDeny, Config: map[string]any{"sink": "audit", "log_format": "{} subject.id"},
		Context: abi.Context{Subject: map[string]any{"id": "ada"}}})
	if err != nil || !rep.Fulfilled || !reflect.DeepEqual(*lines, []string{"audit DENY ada"}) {
		t.Errorf("reply %+v, %v, lines %q; want fulfilled after writing to audit", rep, err, *lines)
	}
	rep, err = h(abi.ObligeRequest{Decision: abi.DecisionGrant, Config: map[string]any{"sink": "down"}})
	if err != nil || !rep.Fulfilled {
		t.Errorf("a decision it does not log: %+v, %v; want fulfilled without writing", rep, err)
	}
	rep, err = h(abi.ObligeRequest{Decision: abi.DecisionDeny, Config: map[string]any{"sink": "down"}})
	want := "obl_log_failed: sink down: timeout: sink_write: smtp 10.0.0.1:25: no answer"
	if err != nil || rep.Fulfilled || rep.Reason != want {
		t.Errorf("a sink that fails: %+v, %v; want unfulfilled with reason %q", rep, err, want)
	}
}

func TestLogLineFormat(t *testing.T) {
	ctx := abi.Context{
		Subject:     map[string]any{"email": "ada@example.com", "groups": []any{"ops", int64(7)}, "my_id": int8(3)},
		Object:      map[string]any{"service": "docs", "path": "a/b", "owner": map[string]any{"id": "u1", "age": 1.5}},
		Environment: map[string]any{"time_hour": uint16(9), "nil": nil},
		Access:      map[string]any{"method": "GET"},
	}
	for _, tt := range []struct{ format, want string }{
		{"{} subject.email accessed object.service [object.path] -- object.target_url",
			"GRANT ada@example.com accessed docs [a/b] -- "},
		{"owner object.owner.id, age object.owner.age.", "owner u1, age 1.5."},
		{"object.owner", `{"age":1.5,"id":"u1"}`},
		{"subject.groups subject.my_id environment.time_hour", `["ops",7] 3 9`},
		{"environment.nil|access.method|access.", "|GET|access."},
		{"mysubject.email subject..email {}{}", "mysubject.email subject..email GRANTGRANT"},
		{"object.owner.id.missing object.path.deeper", " "},
		{"subject.email_address", ""},
		{"{ } {x}", "{ } {x}"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			if got := LogLine("obl_log", tt.format, abi.DecisionGrant, ctx); got != tt.want {
				t.Errorf("LogLine = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLogLineContext(t *testing.T) {
	ctx := abi.Context{
		Subject: map[string]any{"name": "a \"quoted\"\n\\ name", "raw": []byte("é"), "big": uint64(1 << 63), "f": 1e21, "t": true},
		Object:  map[string]any{},
		Access:  map[string]any{"list": []any{nil, float32(0.5), map[string]any{"b": 1, "a": 2}}},
	}
	line := LogLine("obl_log_failed", "", abi.DecisionDeny, ctx)
	prefix := "obl_log_failed: DENY "
	if !strings.HasPrefix(line, prefix) {
		t.Fatalf("line %q does not start with %q", line, prefix)
	}
	want := `{"subject":{"big":9223372036854775808,"f":1e+21,"name":"a \"quoted\"\u000a\\ name","raw":"é","t":true},"access":{"list":[null,0.5,{"a":2,"b":1}]}}`
	if got := strings.TrimPrefix(line, prefix); got != want {
		t.Errorf("context = %s\nwant      %s", got, want)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(want), &v); err != nil {
		t.Errorf("the context is not JSON: %v", err)
	}
	if got := LogLine("obl_log", "", abi.DecisionNotApplicable, abi.Context{}); got != "obl_log: NOT_APPLICABLE {}" {
		t.Errorf("empty context: %q", got)
	}
}
