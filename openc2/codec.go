package openc2

import (
	"bytes"
	"encoding/json"
)

// DecodeCommand decodes and validates one Command (LS v1.0 section 3.3.1) from
// JSON. Unknown fields, duplicate keys and trailing data are errors; every error
// is an *Error naming the JSON path.
func DecodeCommand(data []byte) (*Command, error) {
	if err := checkDocument(data); err != nil {
		return nil, err
	}
	o, err := readObject(bytes.TrimSpace(data), "")
	if err != nil {
		return nil, err
	}
	c := &Command{}
	v, p, ok := o.take("action")
	if !ok {
		return nil, errorf("action", "missing required field")
	}
	a, err := readString(v, p)
	if err != nil {
		return nil, err
	}
	c.Action = Action(a)
	if v, p, ok = o.take("target"); !ok {
		return nil, errorf("target", "missing required field")
	}
	if c.Target, err = decodeTarget(v, p); err != nil {
		return nil, err
	}
	if v, p, ok := o.take("args"); ok {
		if c.Args, err = decodeArgs(v, p); err != nil {
			return nil, err
		}
	}
	if v, p, ok := o.take("actuator"); ok {
		if c.Actuator, err = decodeActuator(v, p); err != nil {
			return nil, err
		}
	}
	if err := optString(o, "command_id", &c.CommandID); err != nil {
		return nil, err
	}
	if err := o.done(); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeActuator(raw json.RawMessage, path string) (*Actuator, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return nil, err
	}
	if n := len(o.m); n != 1 {
		return nil, errorf(path, "must hold exactly one actuator profile, got %d", n)
	}
	name := o.keys()[0]
	v, p, _ := o.take(name)
	if name == "slpf" {
		s, err := decodeSLPFActuator(v, p)
		if err != nil {
			return nil, err
		}
		return &Actuator{Profile: name, Value: s}, nil
	}
	if msg := checkNsid(name); msg != "" {
		return nil, errorf(p, "%s", msg)
	}
	ext, err := readOpaque(v, p)
	if err != nil {
		return nil, err
	}
	return &Actuator{Profile: name, Value: ext}, nil
}

// DecodeResponse decodes and validates one Response (LS v1.0 section 3.3.2) from
// JSON, as strictly as DecodeCommand.
func DecodeResponse(data []byte) (*Response, error) {
	if err := checkDocument(data); err != nil {
		return nil, err
	}
	r, err := decodeResponseValue(bytes.TrimSpace(data))
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// EncodeCommand validates c and encodes it as compact JSON.
func EncodeCommand(c *Command) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// EncodeResponse validates r and encodes it as compact JSON.
func EncodeResponse(r *Response) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return json.Marshal(r)
}
