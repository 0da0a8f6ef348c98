package consumer

import (
	"encoding/json"
	"fmt"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/openc2"
)

// abiCommand returns cmd in the shape the ABI carries it (abi/README.md,
// section 6.2): the values abi.DecodeJSONObject gives for cmd's LS v1.0
// JSON. The common target, argument and specifier types are converted
// directly; the others go through their JSON.
func abiCommand(cmd *openc2.Command) (abi.Command, error) {
	ac := abi.Command{Action: string(cmd.Action), CommandID: cmd.CommandID}
	v, err := abiValue(cmd.Target.Value)
	if err != nil {
		return ac, fmt.Errorf("target: %v", err)
	}
	ac.Target = map[string]any{cmd.Target.Name: v}
	if a := cmd.Args; a != nil {
		ac.Args = map[string]any{}
		for _, t := range []struct {
			name string
			v    *int64
		}{{"start_time", a.StartTime}, {"stop_time", a.StopTime}, {"duration", a.Duration}} {
			if t.v != nil {
				ac.Args[t.name] = *t.v
			}
		}
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
