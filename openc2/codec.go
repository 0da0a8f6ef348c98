package openc2

import (
	"encoding/json"

	"github.com/gatehouse/gatehouse/openc2/internal/jsonform"
)

// decoder reads the JSON of this package's types, each with a method of
// its own over the readers of jsonform.
type decoder struct{ jsonform.Decoder }

// finish ends reading a document as jsonform's Finish does, with a fault
// turned into an *Error.
func (d *decoder) finish(p *path, err error) error { return public(d.Finish(p, err)) }

// encoder writes the JSON of this package's types, each with a method of
// its own over the writer of jsonform.
type encoder struct{ jsonform.Encoder }

// result returns what was written, or the first fault as an *Error.
func (e *encoder) result() ([]byte, error) {
	b, err := e.Result()
	return b, public(err)
}

// ValidString reports whether s is UTF-8 text that I-JSON allows (RFC 7493
// section 2.1): the strings the codec reads and writes. A value from
// outside a message, such as an HTTP header, must pass it before it goes
// into one.
func ValidString(s string) bool { return jsonform.TextFault(s) == "" }

// DecodeCommand decodes and validates one Command (LS v1.0 section 3.3.1) from
// JSON. Unknown fields, duplicate keys and trailing data are errors; every
// error is an *Error naming the JSON path.
func DecodeCommand(data []byte) (*Command, error) {
	d := decoder{jsonform.Decoder{Data: data}}
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
	d := decoder{jsonform.Decoder{Data: data}}
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
	e := encoder{jsonform.Encoder{B: make([]byte, 0, 512)}}
	e.command(nil, c)
	return e.result()
}

// EncodeResponse validates r and encodes it as compact JSON, as strictly as
// EncodeCommand.
func EncodeResponse(r *Response) ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	e := encoder{jsonform.Encoder{B: make([]byte, 0, 512)}}
	e.response(nil, r)
	return e.result()
}

// command reads a Command at p.
func (d *decoder) command(p *path) (*Command, error) {
	// One allocation holds the command and the actuator it may name.
	ca := &struct {
		c Command
		a Actuator
	}{}
	c := &ca.c
	var action, target bool
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "action":
			var a string
			a, o.Err = d.Str(&fp, actionNames...)
			c.Action, action = Action(a), true
		case "target":
			c.Target, o.Err = d.target(&fp)
			target = true
		case "args":
			c.Args, o.Err = d.args(&fp)
		case "actuator":
			c.Actuator, o.Err = &ca.a, d.actuator(&fp, &ca.a)
		case "command_id":
			c.CommandID, o.Err = d.Str(&fp)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	switch {
	case o.Err != nil:
		return nil, o.Err
	case !action:
		return nil, failAt(p, "action", "missing required field")
	case !target:
		return nil, failAt(p, "target", "missing required field")
	}
	return c, nil
}

// command writes c at p.
func (e *encoder) command(p *path, c *Command) {
	start := e.Begin()
	e.Key("action")
	e.Str(&path{Up: p, Name: "action"}, string(c.Action))
	e.Key("target")
	e.target(&path{Up: p, Name: "target"}, c.Target)
	if c.Args != nil {
		e.Key("args")
		e.args(&path{Up: p, Name: "args"}, c.Args)
	}
	if c.Actuator != nil {
		e.Key("actuator")
		e.actuator(&path{Up: p, Name: "actuator"}, c.Actuator)
	}
	e.StrField(p, "command_id", c.CommandID)
	e.End(start)
}

// actuator reads the Actuator choice at p into a.
func (d *decoder) actuator(p *path, a *Actuator) error {
	o := d.Object(p)
	if o.One(p, "actuator profile") {
		fp := o.Path(p)
		if string(o.Key) == "slpf" {
			a.Profile = "slpf"
			a.Value, o.Err = d.slpfActuator(&fp)
		} else if a.Profile = string(o.Key); checkNsid(a.Profile) != "" {
			o.Err = fail(&fp, "%s", checkNsid(a.Profile))
		} else {
			a.Value, o.Err = d.Opaque(&fp)
		}
		o.End(p, "actuator profile")
	}
	return o.Err
}

// actuator writes a at p.
func (e *encoder) actuator(p *path, a *Actuator) {
	start := e.Begin()
	e.Member(p, a.Profile)
	fp := &path{Up: p, Name: a.Profile}
	switch v := a.Value.(type) {
	case *SLPFActuator:
		e.slpfActuator(fp, v)
	case json.RawMessage:
		e.Raw(fp, v)
	default:
		e.SetErr(fail(fp, "unsupported specifiers type %T", a.Value))
	}
	e.End(start)
}
