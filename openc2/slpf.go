package openc2

import "encoding/json"

// SLPFArgs are the command arguments of the SLPF profile (SLPF v1.0 section 2.1.3.1).
type SLPFArgs struct {
	DropProcess string `json:"drop_process,omitempty"` // none, reject or false_ack
	Persistent  *bool  `json:"persistent,omitempty"`
	Direction   string `json:"direction,omitempty"` // both, ingress or egress
	InsertRule  *int64 `json:"insert_rule,omitempty"`
}

// SLPFActuator holds the actuator specifiers of the SLPF profile (SLPF v1.0
// section 2.1.4); all are optional.
type SLPFActuator struct {
	Hostname   string   `json:"hostname,omitempty"`
	NamedGroup string   `json:"named_group,omitempty"`
	AssetID    string   `json:"asset_id,omitempty"`
	AssetTuple []string `json:"asset_tuple,omitempty"`
}

// SLPFResults are the response results of the SLPF profile (SLPF v1.0 section 2.2.1).
type SLPFResults struct {
	RuleNumber *int64 `json:"rule_number,omitempty"`
}

func decodeSLPFArgs(raw json.RawMessage, path string) (*SLPFArgs, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return nil, err
	}
	a := &SLPFArgs{}
	if err := optString(o, "drop_process", &a.DropProcess); err != nil {
		return nil, err
	}
	if err := optString(o, "direction", &a.Direction); err != nil {
		return nil, err
	}
	if err := optInt(o, "insert_rule", &a.InsertRule); err != nil {
		return nil, err
	}
	if v, p, ok := o.take("persistent"); ok {
		b, err := readBool(v, p)
		if err != nil {
			return nil, err
		}
		a.Persistent = &b
	}
	return a, o.done()
}

func (a *SLPFArgs) validate(path string) error {
	switch a.DropProcess {
	case "", "none", "reject", "false_ack":
	default:
		return errorf(join(path, "drop_process"), "%q: must be none, reject or false_ack", a.DropProcess)
	}
	switch a.Direction {
	case "", "both", "ingress", "egress":
	default:
		return errorf(join(path, "direction"), "%q: must be both, ingress or egress", a.Direction)
	}
	if a.InsertRule != nil && *a.InsertRule < 0 {
		return errorf(join(path, "insert_rule"), "must not be negative")
	}
	return nil
}

func decodeSLPFActuator(raw json.RawMessage, path string) (*SLPFActuator, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return nil, err
	}
	a := &SLPFActuator{}
	for _, step := range []error{optString(o, "hostname", &a.Hostname), optString(o, "named_group", &a.NamedGroup), optString(o, "asset_id", &a.AssetID)} {
		if step != nil {
			return nil, step
		}
	}
	if v, p, ok := o.take("asset_tuple"); ok {
		if a.AssetTuple, err = readStrings(v, p); err != nil {
			return nil, err
		}
		if n := len(a.AssetTuple); n < 1 || n > 10 {
			return nil, errorf(p, "must hold 1 to 10 items, got %d", n)
		}
	}
	return a, o.done()
}

func decodeSLPFResults(raw json.RawMessage, path string) (*SLPFResults, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return nil, err
	}
	r := &SLPFResults{}
	if err := optInt(o, "rule_number", &r.RuleNumber); err != nil {
		return nil, err
	}
	if r.RuleNumber != nil && *r.RuleNumber < 0 {
		return nil, errorf(join(path, "rule_number"), "must not be negative")
	}
	return r, o.done()
}
