package openc2

import "encoding/json"

// DecodeCommand decodes and validates one Command (LS v1.0 section 3.3.1) from
// JSON. Unknown fields, duplicate keys and trailing data are errors; every
// error is an *Error naming the JSON path.
func DecodeCommand(data []byte) (*Command, error) {
	d := decoder{data: data}
	c, err := d.command(nil)
	if err := d.finish(nil, err); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// DecodeResponse decodes and validates one Response (LS v1.0 section 3.3.2) from
// JSON, as strictly as DecodeCommand.
func DecodeResponse(data []byte) (*Response, error) {
	d := decoder{data: data}
	r, err := d.response(nil)
	if err := d.finish(nil, err); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// EncodeCommand validates c and encodes it as compact JSON. Extension values
// (json.RawMessage) are checked as strictly as DecodeCommand reads them, and
// strings must be UTF-8 text that I-JSON allows; a failure is an *Error
// naming the path of the value.
func EncodeCommand(c *Command) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	e := encoder{b: make([]byte, 0, 512)}
	e.command(nil, c)
	return e.result()
}

// EncodeResponse validates r and encodes it as compact JSON, as strictly as
// EncodeCommand.
func EncodeResponse(r *Response) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	e := encoder{b: make([]byte, 0, 512)}
	e.response(nil, r)
	return e.result()
}

// command reads a Command at p.
func (d *decoder) command(p *path) (*Command, error) {
	c := &Command{}
	var action, target bool
	o := d.object(p)
	for o.next(p) {
		fp := o.path(p)
		switch string(o.key) {
		case "action":
			var a string
			a, o.err = d.str(&fp, actionNames...)
			c.Action, action = Action(a), true
		case "target":
			c.Target, o.err = d.target(&fp)
			target = true
		case "args":
			c.Args, o.err = d.args(&fp)
		case "actuator":
			c.Actuator, o.err = d.actuator(&fp)
		case "command_id":
			c.CommandID, o.err = d.str(&fp)
		default:
			o.err = fail(&fp, "unknown field")
		}
	}
	switch {
	case o.err != nil:
		return nil, o.err
	case !action:
		return nil, failAt(p, "action", "missing required field")
	case !target:
		return nil, failAt(p, "target", "missing required field")
	}
	return c, nil
}

// command writes c at p.
func (e *encoder) command(p *path, c *Command) {
	start := e.begin()
	e.key("action")
	e.str(&path{up: p, name: "action"}, string(c.Action))
	e.key("target")
	e.target(&path{up: p, name: "target"}, c.Target)
	if c.Args != nil {
		e.key("args")
		e.args(&path{up: p, name: "args"}, c.Args)
	}
	if c.Actuator != nil {
		e.key("actuator")
		e.actuator(&path{up: p, name: "actuator"}, c.Actuator)
	}
	e.strField(p, "command_id", c.CommandID)
	e.end(start)
}

// actuator reads the Actuator choice at p.
func (d *decoder) actuator(p *path) (*Actuator, error) {
	a := &Actuator{}
	o := d.object(p)
	if o.one(p, "actuator profile") {
		fp := o.path(p)
		if string(o.key) == "slpf" {
			a.Profile = "slpf"
			a.Value, o.err = d.slpfActuator(&fp)
		} else if a.Profile = string(o.key); checkNsid(a.Profile) != "" {
			o.err = fail(&fp, "%s", checkNsid(a.Profile))
		} else {
			a.Value, o.err = d.opaque(&fp)
		}
		o.end(p, "actuator profile")
	}
	return a, o.err
}

// actuator writes a at p.
func (e *encoder) actuator(p *path, a *Actuator) {
	start := e.begin()
	e.member(p, a.Profile)
	fp := &path{up: p, name: a.Profile}
	switch v := a.Value.(type) {
	case *SLPFActuator:
		e.slpfActuator(fp, v)
	case json.RawMessage:
		e.raw(fp, v)
	default:
		e.setErr(fail(fp, "unsupported specifiers type %T", a.Value))
	}
	e.end(start)
}
