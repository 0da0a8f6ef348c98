package consumer

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/openc2"
)

// responseOf returns the LS v1.0 response an actuator's reply stands for,
// checked as openc2.DecodeResponse checks the reply's JSON. The usual
// replies, a status with a plain text and either no results or only an
// SLPF rule number, are converted directly; the others go through their
// JSON.
func responseOf(reply abi.ActuateReply) (*openc2.Response, error) {
	if r, ok := directResponse(reply); ok {
		return r, r.Validate()
	}
	b, err := json.Marshal(reply)
	if err != nil {
		return nil, err
	}
	return openc2.DecodeResponse(b)
}

// directResponse converts reply without JSON when its JSON would decode to
// the same response: a status the codec reads as one, a text of printable
// ASCII (which JSON carries unchanged) and no results but an SLPF rule
// number.
func directResponse(reply abi.ActuateReply) (*openc2.Response, bool) {
	if reply.Status < 100 || reply.Status > 599 || !printableASCII(reply.StatusText) {
		return nil, false
	}
	if len(reply.Results) == 0 {
		return &openc2.Response{Status: reply.Status, StatusText: reply.StatusText}, true
	}
	slpf, ok := reply.Results["slpf"].(map[string]any)
	if len(reply.Results) != 1 || !ok || len(slpf) != 1 {
		return nil, false
	}
	n, ok := integer(slpf["rule_number"])
	if !ok {
		return nil, false
	}
	// One allocation for the response and the results it points to.
	r := &struct {
		resp    openc2.Response
		results openc2.Results
		slpf    openc2.SLPFResults
		rule    int64
	}{resp: openc2.Response{Status: reply.Status, StatusText: reply.StatusText}, rule: n}
	r.slpf.RuleNumber = &r.rule
	r.results.SLPF = &r.slpf
	r.resp.Results = &r.results
	return &r.resp, true
}

// printableASCII reports whether s holds only printable ASCII characters.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// integer returns v as an int64 when it is an integer that fits one, as
// msgpack decodes integers of every width.
func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int8:
		return int64(n), true
	case int16:
		return int64(n), true
	case int32:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), n <= math.MaxInt64
	case uint:
		return int64(n), uint64(n) <= math.MaxInt64
	}
	return 0, false
}

// abiCommand returns cmd in the shape the ABI carries it (abi/README.md,
// section 6.2): the values abi.DecodeJSONObject gives for cmd's LS v1.0
// JSON, without start_time, stop_time and duration. The common target, argument and specifier types are converted
// directly; the others go through their JSON.
func abiCommand(cmd *openc2.Command) (abi.Command, error) {
	ac := abi.Command{Action: string(cmd.Action), CommandID: cmd.CommandID}
	v, err := abiValue(cmd.Target.Value)
	if err != nil {
		return ac, fmt.Errorf("target: %v", err)
	}
	ac.Target = map[string]any{cmd.Target.Name: v}
	if a := cmd.Args; a != nil {
		// start_time, stop_time and duration are the consumer's: an
		// actuator gets the command when it starts, and a delete of its
		// rule when it stops.
		ac.Args = map[string]any{}
		if a.ResponseRequested != "" {
			ac.Args["response_requested"] = string(a.ResponseRequested)
		}
		if a.SLPF != nil {
			ac.Args["slpf"], _ = abiValue(a.SLPF)
		}
		for k, raw := range a.Extensions {
			if ac.Args[k], err = jsonValue(raw); err != nil {
				return ac, fmt.Errorf("args.%s: %v", k, err)
			}
		}
		if len(ac.Args) == 0 {
			ac.Args = nil
		}
	}
	if cmd.Actuator != nil {
		if v, err = abiValue(cmd.Actuator.Value); err != nil {
			return ac, fmt.Errorf("actuator: %v", err)
		}
		ac.Actuator = map[string]any{cmd.Actuator.Profile: v}
	}
	return ac, nil
}

// abiValue converts one value of a command.
func abiValue(v any) (any, error) {
	switch x := v.(type) {
	case string, int64:
		return x, nil
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out, nil
	case []openc2.Feature:
		out := make([]any, len(x))
		for i, f := range x {
			out[i] = string(f)
		}
		return out, nil
	case *openc2.Connection:
		m := map[string]any{}
		setString(m, "src_addr", x.SrcAddr)
		setInt(m, "src_port", x.SrcPort)
		setString(m, "dst_addr", x.DstAddr)
		setInt(m, "dst_port", x.DstPort)
		setString(m, "protocol", string(x.Protocol))
		return m, nil
	case *openc2.SLPFActuator:
		m := map[string]any{}
		setString(m, "hostname", x.Hostname)
		setString(m, "named_group", x.NamedGroup)
		setString(m, "asset_id", x.AssetID)
		if len(x.AssetTuple) > 0 {
			m["asset_tuple"], _ = abiValue(x.AssetTuple)
		}
		return m, nil
	case *openc2.SLPFArgs:
		m := map[string]any{}
		setString(m, "drop_process", x.DropProcess)
		if x.Persistent != nil {
			m["persistent"] = *x.Persistent
		}
		setString(m, "direction", x.Direction)
		setInt(m, "insert_rule", x.InsertRule)
		return m, nil
	case json.RawMessage:
		return jsonValue(x)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return jsonValue(b)
}

// jsonValue decodes one JSON value as abi.DecodeJSONObject decodes the
// values of an object.
func jsonValue(raw []byte) (any, error) {
	m, err := abi.DecodeJSONObject(append(append([]byte(`{"v":`), raw...), '}'))
	if err != nil {
		return nil, err
	}
	return m["v"], nil
}

func setString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func setInt(m map[string]any, k string, v *int64) {
	if v != nil {
		m[k] = *v
	}
}
