package openc2

import (
	"encoding/json"
	"strings"

	"github.com/gatehouse/gatehouse/openc2/internal/jsonform"
)

// knownTargetName reports whether s names a target type of LS v1.0 section
// 3.3.1.2, of SLPF v1.0 section 2.1.2.2, or of an "x-" extension.
func knownTargetName(s string) bool {
	return known(s, targetNames) || (!strings.HasPrefix(s, "slpf:") && checkExtName(s) == "")
}

// Validate checks c against LS v1.0 section 3.3.1 and the SLPF v1.0 fields.
func (c *Command) Validate() error {
	if !c.Action.Valid() {
		return errorf("action", "unknown action %q", c.Action)
	}
	if err := c.Target.validate(&path{Name: "target"}); err != nil {
		return err
	}
	if c.Args != nil {
		if err := c.Args.validate(&path{Name: "args"}); err != nil {
			return err
		}
	}
	if c.Actuator != nil {
		if err := c.Actuator.validate(&path{Name: "actuator"}); err != nil {
			return err
		}
	}
	if msg := checkCommandID(c.CommandID); msg != "" {
		return errorf("command_id", "%s", msg)
	}
	return nil
}

// failIf returns an *Error at p with msg, or nil when msg is empty.
func failIf(p *path, msg string) error {
	if msg == "" {
		return nil
	}
	return fail(p, "%s", msg)
}

// validate checks a against LS v1.0 section 3.3.1.3; p is the path of the
// actuator.
func (a *Actuator) validate(p *path) error {
	ap := &path{Up: p, Name: a.Profile}
	if msg := checkNsid(a.Profile); msg != "" {
		return fail(ap, "%s", msg)
	}
	switch v := a.Value.(type) {
	case *SLPFActuator:
		if a.Profile != "slpf" {
			return fail(ap, "slpf specifiers under another profile")
		}
		return v.validate(ap)
	case json.RawMessage:
		if known(a.Profile, profiles) {
			return fail(ap, "undecoded profile specifiers")
		}
		if firstByte(v) != '{' {
			return fail(ap, "specifiers must be an object")
		}
		return nil
	}
	return fail(ap, "unsupported specifiers type %T", a.Value)
}

// firstByte returns the first byte of raw that is not white space, or 0.
func firstByte(raw []byte) byte {
	d := decoder{jsonform.Decoder{Data: raw}}
	return d.Peek()
}

// validate checks t against LS v1.0 sections 3.3.1.2 and 3.4.1; p is the
// path of the target.
func (t Target) validate(p *path) error {
	tp := &path{Up: p, Name: t.Name}
	if !knownTargetName(t.Name) {
		if strings.Contains(t.Name, ":") {
			return fail(tp, "%s", checkExtName(t.Name))
		}
		return fail(tp, "unknown target type %q", t.Name)
	}
	switch v := t.Value.(type) {
	case string:
		switch t.Name {
		case TargetIPv4Net:
			return failIf(tp, checkNet(v, false))
		case TargetIPv6Net:
			return failIf(tp, checkNet(v, true))
		case TargetDomainName:
			return failIf(tp, checkHostname(v))
		case TargetIDNDomainName:
			return failIf(tp, checkIDNHostname(v))
		case TargetEmailAddr:
			return failIf(tp, checkEmail(v, false))
		case TargetIDNEmailAddr:
			return failIf(tp, checkEmail(v, true))
		case TargetURI, TargetIRI:
			return failIf(tp, checkURI(v))
		case TargetMACAddr:
			return failIf(tp, checkMAC(v))
		case TargetCommand:
			if v == "" {
				return fail(tp, "must not be empty")
			}
			return failIf(tp, checkCommandID(v))
		}
	case []Feature:
		if t.Name == TargetFeatures {
			if len(v) > 10 {
				return fail(tp, "more than 10 features")
			}
			for i, f := range v {
				if !f.Valid() {
					return fail(&path{Up: tp, Elem: i}, "unknown feature %q (versions, profiles, pairs or rate_limit)", f)
				}
			}
			return nil
		}
	case []string:
		if t.Name == TargetProperties {
			return checkList(tp, v, func(s string) string {
				if s == "" {
					return "empty property"
				}
				return ""
			})
		}
	case *Device:
		if t.Name == TargetDevice {
			return validateDevice(v, tp)
		}
	case *File:
		if t.Name == TargetFile {
			return validateFile(v, tp)
		}
	case *Artifact:
		if t.Name == TargetArtifact {
			return validateArtifact(v, tp)
		}
	case *Connection:
		if t.Name == TargetIPv4Connection || t.Name == TargetIPv6Connection {
			return validateConnection(v, tp, t.Name == TargetIPv6Connection)
		}
	case *Process:
		if t.Name == TargetProcess {
			return validateProcess(v, tp, 0)
		}
	case int64:
		if t.Name == TargetSLPFRuleNumber {
			if v < 0 {
				return fail(tp, "must not be negative")
			}
			return nil
		}
	case json.RawMessage:
		if !known(t.Name, targetNames) {
			if firstByte(v) == 'n' {
				return fail(tp, "extension target value must not be null")
			}
			return nil
		}
	}
	return fail(tp, "value of type %T does not fit target type %q", t.Value, t.Name)
}

// checkList checks a list that must hold at least one item and no item
// twice (ArrayOf(…){1..*} unique, LS v1.0 section 3.1.3), and each item with
// check.
func checkList(p *path, items []string, check func(string) string) error {
	if len(items) == 0 {
		return fail(p, "must hold at least one item")
	}
	for i, s := range items {
		if msg := check(s); msg != "" {
			return fail(&path{Up: p, Elem: i}, "%s", msg)
		}
		for j := range i {
			if items[j] == s {
				return fail(&path{Up: p, Elem: i}, "%q repeats item %d", s, j)
			}
		}
	}
	return nil
}

// validateDevice checks a Device (LS v1.0 section 3.4.1.2) at p.
func validateDevice(dv *Device, p *path) error {
	if *dv == (Device{}) {
		return fail(p, "must hold at least one field")
	}
	if dv.Hostname != "" {
		if err := failIf(&path{Up: p, Name: "hostname"}, checkHostname(dv.Hostname)); err != nil {
			return err
		}
	}
	if dv.IDNHostname != "" {
		return failIf(&path{Up: p, Name: "idn_hostname"}, checkIDNHostname(dv.IDNHostname))
	}
	return nil
}

// validateArtifact checks an Artifact (LS v1.0 section 3.4.1.1) at p.
func validateArtifact(a *Artifact, p *path) error {
	if a.Payload == nil && a.Hashes == nil && a.MimeType == "" {
		return fail(p, "must hold at least one field")
	}
	if a.MimeType != "" {
		if err := failIf(&path{Up: p, Name: "mime_type"}, checkMediaType(a.MimeType)); err != nil {
			return err
		}
	}
	if a.Payload != nil {
		pp := &path{Up: p, Name: "payload"}
		if (a.Payload.Bin == "") == (a.Payload.URL == "") {
			return fail(pp, "must hold exactly one of bin and url")
		}
		if a.Payload.Bin != "" {
			if err := failIf(&path{Up: pp, Name: "bin"}, checkBase64URL(a.Payload.Bin)); err != nil {
				return err
			}
		}
		if a.Payload.URL != "" {
			if err := failIf(&path{Up: pp, Name: "url"}, checkURI(a.Payload.URL)); err != nil {
				return err
			}
		}
	}
	return validateHashes(a.Hashes, p)
}

// validateHashes checks the member "hashes" of the value at p, if any.
func validateHashes(h *Hashes, p *path) error {
	if h == nil {
		return nil
	}
	hp := &path{Up: p, Name: "hashes"}
	if *h == (Hashes{}) {
		return fail(hp, "must hold at least one of md5, sha1, sha256")
	}
	for _, c := range []struct {
		name, v string
		n       int
	}{{"md5", h.MD5, 32}, {"sha1", h.SHA1, 40}, {"sha256", h.SHA256, 64}} {
		if msg := checkHash(c.name, c.v, c.n); msg != "" {
			return fail(&path{Up: hp, Name: c.name}, "%s", msg)
		}
	}
	return nil
}

// validateFile checks a File (LS v1.0 section 3.4.1.6) at p.
func validateFile(f *File, p *path) error {
	if f.Name == "" && f.Path == "" && f.Hashes == nil {
		return fail(p, "must hold at least one field")
	}
	return validateHashes(f.Hashes, p)
}

// validateConnection checks an IPv4-Connection, or an IPv6-Connection when v6
// is set (LS v1.0 sections 3.4.1.10 and 3.4.1.12), at p.
func validateConnection(c *Connection, p *path, v6 bool) error {
	if *c == (Connection{}) {
		return fail(p, "must hold at least one field")
	}
	for _, a := range []struct{ name, v string }{{"src_addr", c.SrcAddr}, {"dst_addr", c.DstAddr}} {
		if a.v != "" {
			if msg := checkNet(a.v, v6); msg != "" {
				return fail(&path{Up: p, Name: a.name}, "%s", msg)
			}
		}
	}
	if msg := checkPort(c.SrcPort); msg != "" {
		return fail(&path{Up: p, Name: "src_port"}, "%s", msg)
	}
	if msg := checkPort(c.DstPort); msg != "" {
		return fail(&path{Up: p, Name: "dst_port"}, "%s", msg)
	}
	if c.Protocol != "" && !known(string(c.Protocol), protocols) {
		return fail(&path{Up: p, Name: "protocol"}, "%q: must be icmp, tcp, udp or sctp", c.Protocol)
	}
	return nil
}

// validateProcess checks a Process (LS v1.0 section 3.4.1.15) at p, depth
// parents below the target.
func validateProcess(pr *Process, p *path, depth int) error {
	if depth > jsonform.MaxDepth {
		return fail(p, "parent chain too deep")
	}
	if pr.PID == nil && pr.Name == "" && pr.Cwd == "" && pr.Executable == nil && pr.Parent == nil && pr.CommandLine == "" {
		return fail(p, "must hold at least one field")
	}
	if pr.PID != nil && *pr.PID < 0 {
		return fail(&path{Up: p, Name: "pid"}, "must not be negative")
	}
	if pr.Executable != nil {
		if err := validateFile(pr.Executable, &path{Up: p, Name: "executable"}); err != nil {
			return err
		}
	}
	if pr.Parent != nil {
		// See decoder.process for why the parent gets a path of its own.
		return within(&path{Up: p, Name: "parent"}, validateProcess(pr.Parent, nil, depth+1))
	}
	return nil
}
