package openc2

import (
	"encoding/json"

	"github.com/gatehouse/gatehouse/openc2/internal/jsonform"
)

// GenericCommand is a Command in its generic form: the members of its LS
// v1.0 JSON object, each object value holding what that JSON decodes to
// (see the Notes). It is the shape in which a command crosses the plugin
// ABI (abi/README.md, section 6.2); abi.Command has the same fields, so
// either converts to the other.
//
// # Notes
//
// In the generic form an object is a map[string]any, an array an []any, a
// string a string, true and false a bool and null nil. A whole number is
// an int64, a uint64 above the int64 range and the nearest float64 beyond,
// as the ABI carries it (section 3.1); any other number is a float64.
// Reading a generic form accepts as well what a MessagePack decoder gives:
// integers of every Go integer type, a float32, a []byte for a string and a
// []string for an array of strings.
type GenericCommand struct {
	Action    string
	Target    map[string]any
	Args      map[string]any // nil when the command has no arguments
	Actuator  map[string]any // nil when the command names no actuator
	CommandID string
}

// GenericResponse is a Response in its generic form, as GenericCommand is
// a Command's. abi.ActuateReply has the same fields.
type GenericResponse struct {
	Status     int
	StatusText string
	Results    map[string]any // nil when the response has no results
}

// CommandToGeneric returns c in its generic form: what CommandFromGeneric
// reads back as c. Like MarshalJSON it does not validate c; it fails only
// on a target or actuator value of a type the Target* constants and
// Actuator do not list, or on extension JSON that DecodeCommand would
// refuse, with an *Error naming the path of the value.
func CommandToGeneric(c *Command) (GenericCommand, error) {
	v, err := commandToGeneric(c)
	return v, public(err)
}

// commandToGeneric is CommandToGeneric, with faults of the JSON machinery
// left as they are.
func commandToGeneric(c *Command) (GenericCommand, error) {
	g := GenericCommand{Action: string(c.Action), CommandID: c.CommandID}
	var err error
	tp := &path{Name: "target"}
	if g.Target, err = choiceToGeneric(&path{Up: tp, Name: c.Target.Name}, c.Target.Name, c.Target.Value); err != nil {
		return g, err
	}
	if c.Args != nil {
		if g.Args, err = argsToGeneric(c.Args); err != nil {
			return g, err
		}
	}
	if a := c.Actuator; a != nil {
		ap := &path{Up: &path{Name: "actuator"}, Name: a.Profile}
		if g.Actuator, err = choiceToGeneric(ap, a.Profile, a.Value); err != nil {
			return g, err
		}
	}
	return g, nil
}

// ResponseToGeneric returns r in its generic form: what ResponseFromGeneric
// reads back as r. Like CommandToGeneric it does not validate r and fails
// only on extension JSON that DecodeResponse would refuse.
func ResponseToGeneric(r *Response) (GenericResponse, error) {
	v, err := responseToGeneric(r)
	return v, public(err)
}

// responseToGeneric is ResponseToGeneric, with faults of the JSON
// machinery left as they are.
func responseToGeneric(r *Response) (GenericResponse, error) {
	g := GenericResponse{Status: r.Status, StatusText: r.StatusText}
	if r.Results == nil {
		return g, nil
	}
	res := r.Results
	m := make(map[string]any, 2)
	if res.Versions != nil {
		m["versions"] = stringsToGeneric(res.Versions)
	}
	if res.Profiles != nil {
		m["profiles"] = stringsToGeneric(res.Profiles)
	}
	if res.Pairs != nil {
		pairs := make(map[string]any, len(res.Pairs))
		for a, targets := range res.Pairs {
			pairs[string(a)] = stringsToGeneric(targets)
		}
		m["pairs"] = pairs
	}
	if res.RateLimit != nil {
		m["rate_limit"] = *res.RateLimit
	}
	if res.SLPF != nil {
		s := map[string]any{}
		setInt(s, "rule_number", res.SLPF.RuleNumber)
		m["slpf"] = s
	}
	if err := extensionsToGeneric(&path{Name: "results"}, m, res.Extensions); err != nil {
		return g, err
	}
	g.Results = m
	return g, nil
}

// choiceToGeneric returns the target or actuator name: v as a one-member
// object; p is the path of v.
func choiceToGeneric(p *path, name string, v any) (map[string]any, error) {
	gv, err := valueToGeneric(p, v, 3)
	if err != nil {
		return nil, err
	}
	return map[string]any{name: gv}, nil
}

// valueToGeneric returns a target value or actuator specifiers at p, depth
// objects below the top of the command, in generic form.
func valueToGeneric(p *path, v any, depth int) (any, error) {
	switch x := v.(type) {
	case string, int64:
		return x, nil
	case []string:
		return stringsToGeneric(x), nil
	case []Feature:
		out := make([]any, len(x))
		for i, f := range x {
			out[i] = string(f)
		}
		return out, nil
	case *Connection:
		m := make(map[string]any, 5)
		setString(m, "src_addr", x.SrcAddr)
		setInt(m, "src_port", x.SrcPort)
		setString(m, "dst_addr", x.DstAddr)
		setInt(m, "dst_port", x.DstPort)
		setString(m, "protocol", string(x.Protocol))
		return m, nil
	case *Artifact:
		m := map[string]any{}
		setString(m, "mime_type", x.MimeType)
		if x.Payload != nil {
			pl := map[string]any{}
			setString(pl, "bin", x.Payload.Bin)
			setString(pl, "url", x.Payload.URL)
			m["payload"] = pl
		}
		setHashes(m, x.Hashes)
		return m, nil
	case *Device:
		m := map[string]any{}
		setString(m, "hostname", x.Hostname)
		setString(m, "idn_hostname", x.IDNHostname)
		setString(m, "device_id", x.DeviceID)
		return m, nil
	case *File:
		return fileToGeneric(x), nil
	case *Process:
		return processToGeneric(p, x, depth)
	case *SLPFActuator:
		m := map[string]any{}
		setString(m, "hostname", x.Hostname)
		setString(m, "named_group", x.NamedGroup)
		setString(m, "asset_id", x.AssetID)
		if x.AssetTuple != nil {
			m["asset_tuple"] = stringsToGeneric(x.AssetTuple)
		}
		return m, nil
	case json.RawMessage:
		return jsonform.ToGeneric(p, x)
	}
	return nil, fail(p, "unsupported value of type %T", v)
}

// argsToGeneric returns a in generic form.
func argsToGeneric(a *Args) (map[string]any, error) {
	m := make(map[string]any, 2)
	setInt(m, "start_time", a.StartTime)
	setInt(m, "stop_time", a.StopTime)
	setInt(m, "duration", a.Duration)
	setString(m, "response_requested", string(a.ResponseRequested))
	if s := a.SLPF; s != nil {
		sm := make(map[string]any, 4)
		setString(sm, "drop_process", s.DropProcess)
		if s.Persistent != nil {
			sm["persistent"] = *s.Persistent
		}
		setString(sm, "direction", s.Direction)
		setInt(sm, "insert_rule", s.InsertRule)
		m["slpf"] = sm
	}
	return m, extensionsToGeneric(&path{Name: "args"}, m, a.Extensions)
}

// extensionsToGeneric adds the "x-" extensions ext of the args or results
// at p to m.
func extensionsToGeneric(p *path, m map[string]any, ext map[string]json.RawMessage) error {
	for k, raw := range ext {
		v, err := jsonform.ToGeneric(&path{Up: p, Name: k}, raw)
		if err != nil {
			return err
		}
		m[k] = v
	}
	return nil
}

// fileToGeneric returns f in generic form.
func fileToGeneric(f *File) map[string]any {
	m := map[string]any{}
	setString(m, "name", f.Name)
	setString(m, "path", f.Path)
	setHashes(m, f.Hashes)
	return m
}

// processToGeneric returns pr at p, depth objects below the top of the
// command, in generic form; a parent chain deeper than JSON may nest fails
// as EncodeCommand fails it.
func processToGeneric(p *path, pr *Process, depth int) (map[string]any, error) {
	if depth > jsonform.MaxDepth {
		return nil, fail(p, "parent chain too deep")
	}
	m := map[string]any{}
	setInt(m, "pid", pr.PID)
	setString(m, "name", pr.Name)
	setString(m, "cwd", pr.Cwd)
	if pr.Executable != nil {
		m["executable"] = fileToGeneric(pr.Executable)
	}
	if pr.Parent != nil {
		parent, err := processToGeneric(nil, pr.Parent, depth+1)
		if err != nil {
			return nil, within(&path{Up: p, Name: "parent"}, err)
		}
		m["parent"] = parent
	}
	setString(m, "command_line", pr.CommandLine)
	return m, nil
}

// setHashes sets the member "hashes" of m to h, unless h is nil.
func setHashes(m map[string]any, h *Hashes) {
	if h == nil {
		return
	}
	hm := map[string]any{}
	setString(hm, "md5", h.MD5)
	setString(hm, "sha1", h.SHA1)
	setString(hm, "sha256", h.SHA256)
	m["hashes"] = hm
}

// stringsToGeneric returns ss as an []any.
func stringsToGeneric(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// setString sets m[k] to v unless v is empty.
func setString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// setInt sets m[k] to *v unless v is nil.
func setInt(m map[string]any, k string, v *int64) {
	if v != nil {
		m[k] = *v
	}
}
