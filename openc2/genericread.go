package openc2

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/openc2/internal/jsonform"
)

// CommandFromGeneric reads and validates a Command from its generic form,
// as strictly as DecodeCommand reads its JSON: unknown fields, values of
// the wrong type and strings that are not I-JSON text are errors, and
// every error is an *Error naming the JSON path, worded as DecodeCommand
// words it. The members of an object are checked in a fixed order, so
// that a command with several faults is always reported by the same one.
// The command may share strings and nothing else with g.
func CommandFromGeneric(g GenericCommand) (*Command, error) {
	v, err := commandFromGeneric(g)
	return v, public(err)
}

// commandFromGeneric is CommandFromGeneric, with faults of the JSON
// machinery left as they are. An empty action and a nil target are
// missing, as the ABI leaves out a member without a value.
func commandFromGeneric(g GenericCommand) (*Command, error) {
	c := &Command{Action: Action(g.Action), CommandID: g.CommandID}
	switch {
	case g.Action == "":
		return nil, errorf("action", "missing required field")
	case g.Target == nil:
		return nil, errorf("target", "missing required field")
	}
	if err := checkText(&path{Name: "action"}, g.Action); err != nil {
		return nil, err
	}
	var err error
	if c.Target.Name, c.Target.Value, err = targetFromGeneric(g.Target); err != nil {
		return nil, err
	}
	if g.Args != nil {
		if c.Args, err = argsFromGeneric(&path{Name: "args"}, g.Args); err != nil {
			return nil, err
		}
	}
	if g.Actuator != nil {
		if c.Actuator, err = actuatorFromGeneric(&path{Name: "actuator"}, g.Actuator); err != nil {
			return nil, err
		}
	}
	if err := checkText(&path{Name: "command_id"}, g.CommandID); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// ResponseFromGeneric reads and validates a Response from its generic
// form, as strictly as CommandFromGeneric reads a command.
func ResponseFromGeneric(g GenericResponse) (*Response, error) {
	v, err := responseFromGeneric(g)
	return v, public(err)
}

// responseFromGeneric is ResponseFromGeneric, with faults of the JSON
// machinery left as they are.
func responseFromGeneric(g GenericResponse) (*Response, error) {
	if g.Status < 100 || g.Status > 599 {
		return nil, errorf("status", "%d: not a status code", g.Status)
	}
	if err := checkText(&path{Name: "status_text"}, g.StatusText); err != nil {
		return nil, err
	}
	var r *Response
	if g.Results == nil {
		r = &Response{Status: g.Status, StatusText: g.StatusText}
	} else {
		// One allocation for the response and the results it points to.
		block := &struct {
			resp    Response
			results Results
		}{resp: Response{Status: g.Status, StatusText: g.StatusText}}
		if err := block.results.fromGeneric(&path{Name: "results"}, g.Results); err != nil {
			return nil, err
		}
		r = &block.resp
		r.Results = &block.results
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// fields reads the members of an object in generic form by name, counting
// those it found, so that the ones left are found to be unknown.
type fields struct {
	m     map[string]any
	found int
}

// get returns the member k, if any.
func (f *fields) get(k string) (any, bool) {
	v, ok := f.m[k]
	if ok {
		f.found++
	}
	return v, ok
}

// unknown fails at the first member of the object at p, in the order of
// their names, that is not one of known, once fewer members were found
// than the object holds.
func (f *fields) unknown(p *path, known ...string) error {
	if f.found == len(f.m) {
		return nil
	}
	var buf [8]string
	for _, k := range jsonform.SortedKeys(f.m, buf[:0]) {
		if !slices.Contains(known, k) {
			return failAt(p, k, "unknown field")
		}
	}
	return nil
}

// objectFromGeneric returns v, the value at p, as an object; depth is the
// number of objects and arrays around it.
func objectFromGeneric(p *path, v any, depth int) (fields, error) {
	m, ok := v.(map[string]any)
	switch {
	case !ok:
		return fields{}, fail(p, "expected an object, got %s", genericKind(v))
	case depth >= jsonform.MaxDepth:
		return fields{}, fail(p, "nesting deeper than %d levels", jsonform.MaxDepth)
	}
	return fields{m: m}, nil
}

// genericKind names the JSON type of the generic value v for error
// messages, as the JSON readers name it.
func genericKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any, []string:
		return "array"
	case string, []byte:
		return "string"
	case bool:
		return "boolean"
	case nil:
		return "null"
	case float64, float32, uint64, uint:
		return "number"
	}
	if _, ok := jsonform.GenericInt(v); ok {
		return "number"
	}
	return fmt.Sprintf("a value of type %T", v)
}

// checkText fails at p when s is not UTF-8 text that I-JSON allows, worded
// as the decoder words it.
func checkText(p *path, s string) error {
	if msg := jsonform.TextFault(s); msg != "" {
		return fail(p, "%s", msg)
	}
	return nil
}

// strFromGeneric reads a string at p.
func strFromGeneric(p *path, v any) (string, error) {
	switch s := v.(type) {
	case string:
		return s, checkText(p, s)
	case []byte:
		return string(s), checkText(p, string(s))
	}
	return "", fail(p, "expected a string, got %s", genericKind(v))
}

// strsFromGeneric reads an array of strings at p.
func strsFromGeneric(p *path, v any) ([]string, error) {
	switch l := v.(type) {
	case []string:
		for i, s := range l {
			if err := checkText(&path{Up: p, Elem: i}, s); err != nil {
				return nil, err
			}
		}
		return slices.Clone(l), nil
	case []any:
		out := make([]string, len(l))
		for i, e := range l {
			var err error
			if out[i], err = strFromGeneric(&path{Up: p, Elem: i}, e); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fail(p, "expected an array, got %s", genericKind(v))
}

// intFromGeneric reads an integer at p; a float is not one, even when it
// is whole.
func intFromGeneric(p *path, v any) (int64, error) {
	if n, ok := jsonform.GenericInt(v); ok {
		return n, nil
	}
	switch x := v.(type) {
	case uint64:
		return 0, fail(p, "expected an integer, got %d", x)
	case uint:
		return 0, fail(p, "expected an integer, got %d", x)
	case float64:
		return 0, fail(p, "expected an integer, got %s", strconv.FormatFloat(x, 'g', -1, 64))
	case float32:
		return 0, fail(p, "expected an integer, got %s", strconv.FormatFloat(float64(x), 'g', -1, 32))
	}
	return 0, fail(p, "expected an integer, got %s", genericKind(v))
}

// intPtrFromGeneric reads an integer at p into a new variable.
func intPtrFromGeneric(p *path, v any) (*int64, error) {
	n, err := intFromGeneric(p, v)
	return &n, err
}

// numberFromGeneric reads any number at p.
func numberFromGeneric(p *path, v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case uint:
		return float64(x), nil
	}
	if n, ok := jsonform.GenericInt(v); ok {
		return float64(n), nil
	}
	return 0, fail(p, "expected a number, got %s", genericKind(v))
}

// opaqueFromGeneric returns the object at p, depth containers below the top
// of the message, as JSON: the value of an "x-" extension.
func opaqueFromGeneric(p *path, v any, depth int) (json.RawMessage, error) {
	if _, ok := v.(map[string]any); !ok {
		return nil, fail(p, "expected an object, got %s", genericKind(v))
	}
	return rawFromGeneric(p, v, depth)
}

// rawFromGeneric returns the value at p, of any shape, as JSON.
func rawFromGeneric(p *path, v any, depth int) (json.RawMessage, error) {
	b, err := jsonform.FromGeneric(p, v, depth)
	return b, public(err)
}

// targetFromGeneric reads the Target choice of a command.
func targetFromGeneric(m map[string]any) (string, any, error) {
	p := &path{Name: "target"}
	if len(m) != 1 {
		return "", nil, choiceFromGeneric(p, m, "target type")
	}
	for name, v := range m {
		val, err := targetValueFromGeneric(&path{Up: p, Name: name}, name, v)
		return name, val, err
	}
	panic("unreachable")
}

// choiceFromGeneric fails at p for the Choice m that does not hold exactly
// one member, as the JSON reader does.
func choiceFromGeneric(p *path, m map[string]any, what string) error {
	var buf [8]string
	return jsonform.ChoiceFailure(p, jsonform.SortedKeys(m, buf[:0]), what)
}

// targetValueFromGeneric reads the value of the target type name at p, as
// targetValue reads its JSON.
func targetValueFromGeneric(p *path, name string, v any) (any, error) {
	switch name {
	case TargetCommand, TargetDomainName, TargetEmailAddr, TargetIDNDomainName, TargetIDNEmailAddr,
		TargetIPv4Net, TargetIPv6Net, TargetIRI, TargetMACAddr, TargetURI:
		return strFromGeneric(p, v)
	case TargetFeatures:
		ss, err := strsFromGeneric(p, v)
		if err != nil {
			return nil, err
		}
		fs := make([]Feature, len(ss))
		for i, s := range ss {
			fs[i] = Feature(s)
		}
		return fs, nil
	case TargetProperties:
		return strsFromGeneric(p, v)
	case TargetArtifact:
		return artifactFromGeneric(p, v)
	case TargetDevice:
		return deviceFromGeneric(p, v)
	case TargetFile:
		return fileFromGeneric(p, v, 2)
	case TargetIPv4Connection, TargetIPv6Connection:
		return connectionFromGeneric(p, v)
	case TargetProcess:
		return processFromGeneric(p, v, 2)
	case TargetSLPFRuleNumber:
		return intFromGeneric(p, v)
	}
	switch {
	case !strings.Contains(name, ":"):
		return nil, fail(p, "unknown target type %q", name)
	case strings.HasPrefix(name, "slpf:"):
		return nil, fail(p, "unknown slpf target %q", name)
	case v == nil:
		return nil, fail(p, "extension target value must not be null")
	}
	if err := checkText(p, name); err != nil {
		return nil, err
	}
	return rawFromGeneric(p, v, 2)
}

// str reads the member name, if any, of the object at p into *dst.
func (f *fields) str(p *path, name string, dst *string) error {
	v, ok := f.get(name)
	if !ok {
		return nil
	}
	var err error
	*dst, err = strFromGeneric(&path{Up: p, Name: name}, v)
	return err
}

// intPtr reads the member name, if any, of the object at p into a new
// variable *dst.
func (f *fields) intPtr(p *path, name string, dst **int64) error {
	v, ok := f.get(name)
	if !ok {
		return nil
	}
	var err error
	*dst, err = intPtrFromGeneric(&path{Up: p, Name: name}, v)
	return err
}

// firstError returns the first error of errs that is not nil.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// artifactFromGeneric reads an Artifact at p.
func artifactFromGeneric(p *path, v any) (*Artifact, error) {
	f, err := objectFromGeneric(p, v, 2)
	if err != nil {
		return nil, err
	}
	a := &Artifact{}
	if err := f.str(p, "mime_type", &a.MimeType); err != nil {
		return nil, err
	}
	if v, ok := f.get("payload"); ok {
		pp := &path{Up: p, Name: "payload"}
		pf, err := objectFromGeneric(pp, v, 3)
		if err != nil {
			return nil, err
		}
		a.Payload = &Payload{}
		if err := firstError(pf.str(pp, "bin", &a.Payload.Bin), pf.str(pp, "url", &a.Payload.URL), pf.unknown(pp, "bin", "url")); err != nil {
			return nil, err
		}
	}
	if v, ok := f.get("hashes"); ok {
		if a.Hashes, err = hashesFromGeneric(&path{Up: p, Name: "hashes"}, v, 3); err != nil {
			return nil, err
		}
	}
	return a, f.unknown(p, "mime_type", "payload", "hashes")
}

// deviceFromGeneric reads a Device at p.
func deviceFromGeneric(p *path, v any) (*Device, error) {
	f, err := objectFromGeneric(p, v, 2)
	if err != nil {
		return nil, err
	}
	dv := &Device{}
	return dv, firstError(f.str(p, "hostname", &dv.Hostname), f.str(p, "idn_hostname", &dv.IDNHostname),
		f.str(p, "device_id", &dv.DeviceID), f.unknown(p, "hostname", "idn_hostname", "device_id"))
}

// hashesFromGeneric reads Hashes at p, depth containers deep.
func hashesFromGeneric(p *path, v any, depth int) (*Hashes, error) {
	f, err := objectFromGeneric(p, v, depth)
	if err != nil {
		return nil, err
	}
	h := &Hashes{}
	return h, firstError(f.str(p, "md5", &h.MD5), f.str(p, "sha1", &h.SHA1), f.str(p, "sha256", &h.SHA256),
		f.unknown(p, "md5", "sha1", "sha256"))
}

// fileFromGeneric reads a File at p, depth containers deep.
func fileFromGeneric(p *path, v any, depth int) (*File, error) {
	f, err := objectFromGeneric(p, v, depth)
	if err != nil {
		return nil, err
	}
	file := &File{}
	if err := firstError(f.str(p, "name", &file.Name), f.str(p, "path", &file.Path)); err != nil {
		return nil, err
	}
	if v, ok := f.get("hashes"); ok {
		if file.Hashes, err = hashesFromGeneric(&path{Up: p, Name: "hashes"}, v, depth+1); err != nil {
			return nil, err
		}
	}
	return file, f.unknown(p, "name", "path", "hashes")
}

// connectionFromGeneric reads an IPv4-Connection or IPv6-Connection at p.
func connectionFromGeneric(p *path, v any) (*Connection, error) {
	f, err := objectFromGeneric(p, v, 2)
	if err != nil {
		return nil, err
	}
	c := &Connection{}
	var protocol string
	err = firstError(f.str(p, "src_addr", &c.SrcAddr), f.intPtr(p, "src_port", &c.SrcPort),
		f.str(p, "dst_addr", &c.DstAddr), f.intPtr(p, "dst_port", &c.DstPort), f.str(p, "protocol", &protocol),
		f.unknown(p, "src_addr", "src_port", "dst_addr", "dst_port", "protocol"))
	c.Protocol = L4Protocol(protocol)
	return c, err
}

// processFromGeneric reads a Process at p, depth containers deep.
func processFromGeneric(p *path, v any, depth int) (*Process, error) {
	f, err := objectFromGeneric(p, v, depth)
	if err != nil {
		return nil, err
	}
	pr := &Process{}
	err = firstError(f.intPtr(p, "pid", &pr.PID), f.str(p, "name", &pr.Name), f.str(p, "cwd", &pr.Cwd))
	if err != nil {
		return nil, err
	}
	if v, ok := f.get("executable"); ok {
		if pr.Executable, err = fileFromGeneric(&path{Up: p, Name: "executable"}, v, depth+1); err != nil {
			return nil, err
		}
	}
	if v, ok := f.get("parent"); ok {
		if pr.Parent, err = processFromGeneric(&path{Up: p, Name: "parent"}, v, depth+1); err != nil {
			return nil, err
		}
	}
	return pr, firstError(f.str(p, "command_line", &pr.CommandLine),
		f.unknown(p, "pid", "name", "cwd", "executable", "parent", "command_line"))
}

// argsFromGeneric reads Args at p.
func argsFromGeneric(p *path, m map[string]any) (*Args, error) {
	a := &Args{}
	f := fields{m: m}
	var rr string
	err := firstError(f.intPtr(p, "start_time", &a.StartTime), f.intPtr(p, "stop_time", &a.StopTime),
		f.intPtr(p, "duration", &a.Duration), f.str(p, "response_requested", &rr))
	if err != nil {
		return nil, err
	}
	a.ResponseRequested = ResponseType(rr)
	if v, ok := f.get("slpf"); ok {
		if a.SLPF, err = slpfArgsFromGeneric(&path{Up: p, Name: "slpf"}, v); err != nil {
			return nil, err
		}
	}
	if f.found < len(m) {
		a.Extensions, err = extensionsFromGeneric(p, m, "argument", "start_time", "stop_time", "duration", "response_requested", "slpf")
	}
	return a, err
}

// extensionsFromGeneric reads the "x-" extensions of the args or results m
// at p, its members other than known; what names the kind of member in
// errors.
func extensionsFromGeneric(p *path, m map[string]any, what string, known ...string) (map[string]json.RawMessage, error) {
	var buf [8]string
	out := map[string]json.RawMessage{}
	for _, k := range jsonform.SortedKeys(m, buf[:0]) {
		if slices.Contains(known, k) {
			continue
		}
		kp := &path{Up: p, Name: k}
		if msg := checkNsid(k); msg != "" {
			return nil, fail(kp, "unknown %s: %s", what, msg)
		}
		v, err := opaqueFromGeneric(kp, m[k], 2)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// slpfArgsFromGeneric reads SLPF arguments at p.
func slpfArgsFromGeneric(p *path, v any) (*SLPFArgs, error) {
	f, err := objectFromGeneric(p, v, 2)
	if err != nil {
		return nil, err
	}
	a := &SLPFArgs{}
	if err := f.str(p, "drop_process", &a.DropProcess); err != nil {
		return nil, err
	}
	if v, ok := f.get("persistent"); ok {
		b, ok := v.(bool)
		if !ok {
			return nil, failAt(p, "persistent", "expected a boolean, got %s", genericKind(v))
		}
		a.Persistent = &b
	}
	return a, firstError(f.str(p, "direction", &a.Direction), f.intPtr(p, "insert_rule", &a.InsertRule),
		f.unknown(p, "drop_process", "persistent", "direction", "insert_rule"))
}

// actuatorFromGeneric reads the Actuator choice at p.
func actuatorFromGeneric(p *path, m map[string]any) (*Actuator, error) {
	if len(m) != 1 {
		return nil, choiceFromGeneric(p, m, "actuator profile")
	}
	a := &Actuator{}
	for profile, v := range m {
		a.Profile = profile
		fp := &path{Up: p, Name: profile}
		if profile == "slpf" {
			s, err := slpfActuatorFromGeneric(fp, v)
			a.Value = s
			return a, err
		}
		if msg := checkNsid(profile); msg != "" {
			return nil, fail(fp, "%s", msg)
		}
		raw, err := opaqueFromGeneric(fp, v, 2)
		a.Value = raw
		return a, err
	}
	panic("unreachable")
}

// slpfActuatorFromGeneric reads SLPF actuator specifiers at p.
func slpfActuatorFromGeneric(p *path, v any) (*SLPFActuator, error) {
	f, err := objectFromGeneric(p, v, 2)
	if err != nil {
		return nil, err
	}
	a := &SLPFActuator{}
	err = firstError(f.str(p, "hostname", &a.Hostname), f.str(p, "named_group", &a.NamedGroup), f.str(p, "asset_id", &a.AssetID))
	if err != nil {
		return nil, err
	}
	if v, ok := f.get("asset_tuple"); ok {
		if a.AssetTuple, err = strsFromGeneric(&path{Up: p, Name: "asset_tuple"}, v); err != nil {
			return nil, err
		}
	}
	return a, f.unknown(p, "hostname", "named_group", "asset_id", "asset_tuple")
}

// fromGeneric reads r from the results m at p.
func (r *Results) fromGeneric(p *path, m map[string]any) error {
	f := fields{m: m}
	var err error
	if v, ok := f.get("versions"); ok {
		if r.Versions, err = strsFromGeneric(&path{Up: p, Name: "versions"}, v); err != nil {
			return err
		}
	}
	if v, ok := f.get("profiles"); ok {
		if r.Profiles, err = strsFromGeneric(&path{Up: p, Name: "profiles"}, v); err != nil {
			return err
		}
	}
	if v, ok := f.get("pairs"); ok {
		if r.Pairs, err = pairsFromGeneric(&path{Up: p, Name: "pairs"}, v); err != nil {
			return err
		}
	}
	if v, ok := f.get("rate_limit"); ok {
		n, err := numberFromGeneric(&path{Up: p, Name: "rate_limit"}, v)
		if err != nil {
			return err
		}
		r.RateLimit = &n
	}
	if v, ok := f.get("slpf"); ok {
		if r.SLPF, err = slpfResultsFromGeneric(&path{Up: p, Name: "slpf"}, v); err != nil {
			return err
		}
	}
	if f.found < len(m) {
		r.Extensions, err = extensionsFromGeneric(p, m, "result", "versions", "profiles", "pairs", "rate_limit", "slpf")
	}
	return err
}

// pairsFromGeneric reads Action-Targets (LS v1.0 section 3.4.2.1) at p.
func pairsFromGeneric(p *path, v any) (map[Action][]string, error) {
	f, err := objectFromGeneric(p, v, 2)
	if err != nil {
		return nil, err
	}
	out := make(map[Action][]string, len(f.m))
	var buf [20]string
	for _, a := range jsonform.SortedKeys(f.m, buf[:0]) {
		ap := &path{Up: p, Name: a}
		if err := checkText(ap, a); err != nil {
			return nil, err
		}
		if out[Action(a)], err = strsFromGeneric(ap, f.m[a]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// slpfResultsFromGeneric reads SLPF results at p.
func slpfResultsFromGeneric(p *path, v any) (*SLPFResults, error) {
	f, err := objectFromGeneric(p, v, 2)
	if err != nil {
		return nil, err
	}
	// One allocation for the results and the rule number they point to.
	block := &struct {
		r SLPFResults
		n int64
	}{}
	if n, ok := f.get("rule_number"); ok {
		if block.n, err = intFromGeneric(&path{Up: p, Name: "rule_number"}, n); err != nil {
			return nil, err
		}
		block.r.RuleNumber = &block.n
	}
	return &block.r, f.unknown(p, "rule_number")
}
