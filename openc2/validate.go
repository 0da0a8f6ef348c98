package openc2

import (
	"encoding/json"
	"strings"
)

var targetNames = map[string]bool{
	TargetArtifact: true, TargetCommand: true, TargetDevice: true, TargetDomainName: true,
	TargetEmailAddr: true, TargetFeatures: true, TargetFile: true, TargetIDNDomainName: true,
	TargetIDNEmailAddr: true, TargetIPv4Net: true, TargetIPv4Connection: true, TargetIPv6Net: true,
	TargetIPv6Connection: true, TargetIRI: true, TargetMACAddr: true, TargetProcess: true,
	TargetProperties: true, TargetURI: true, TargetSLPFRuleNumber: true,
}

func knownTargetName(s string) bool {
	return targetNames[s] || (!strings.HasPrefix(s, "slpf:") && checkExtName(s) == "")
}

// Validate checks c against LS v1.0 section 3.3.1 and the SLPF v1.0 fields.
func (c *Command) Validate() error {
	if !c.Action.Valid() {
		return errorf("action", "unknown action %q", c.Action)
	}
	if err := c.Target.validate("target"); err != nil {
		return err
	}
	if c.Args != nil {
		if err := c.Args.validate("args"); err != nil {
			return err
		}
	}
	if c.Actuator != nil {
		p := join("actuator", c.Actuator.Profile)
		if msg := checkNsid(c.Actuator.Profile); msg != "" {
			return errorf(p, "%s", msg)
		}
		switch c.Actuator.Value.(type) {
		case *SLPFActuator:
			if c.Actuator.Profile != "slpf" {
				return errorf(p, "slpf specifiers under another profile")
			}
		case json.RawMessage:
			if profiles[c.Actuator.Profile] {
				return errorf(p, "undecoded profile specifiers")
			}
			if kind(c.Actuator.Value.(json.RawMessage)) != "object" {
				return errorf(p, "specifiers must be an object")
			}
		default:
			return errorf(p, "unsupported specifiers type %T", c.Actuator.Value)
		}
	}
	return nil
}

func (t Target) validate(path string) error {
	p := join(path, t.Name)
	if !knownTargetName(t.Name) {
		if strings.Contains(t.Name, ":") {
			return errorf(p, "%s", checkExtName(t.Name))
		}
		return errorf(p, "unknown target type %q", t.Name)
	}
	fail := func(msg string) error {
		if msg == "" {
			return nil
		}
		return errorf(p, "%s", msg)
	}
	switch v := t.Value.(type) {
	case string:
		switch t.Name {
		case TargetIPv4Net:
			return fail(checkNet(v, false))
		case TargetIPv6Net:
			return fail(checkNet(v, true))
		case TargetDomainName:
			return fail(checkHostname(v))
		case TargetEmailAddr:
			return fail(checkEmail(v, false))
		case TargetIDNEmailAddr:
			return fail(checkEmail(v, true))
		case TargetURI, TargetIRI:
			return fail(checkURI(v))
		case TargetMACAddr:
			return fail(checkMAC(v))
		case TargetCommand, TargetIDNDomainName:
			if v == "" {
				return fail("must not be empty")
			}
			return nil
		}
	case []Feature:
		if t.Name == TargetFeatures {
			if len(v) > 10 {
				return fail("more than 10 features")
			}
			for i, f := range v {
				if !f.Valid() {
					return errorf(index(p, i), "unknown feature %q (versions, profiles, pairs or rate_limit)", f)
				}
			}
			return nil
		}
	case []string:
		if t.Name == TargetProperties {
			for i, s := range v {
				if s == "" {
					return errorf(index(p, i), "empty property")
				}
			}
			return nil
		}
	case *Device:
		if t.Name == TargetDevice {
			if *v == (Device{}) {
				return fail("must hold at least one field")
			}
			if v.Hostname != "" {
				if msg := checkHostname(v.Hostname); msg != "" {
					return errorf(join(p, "hostname"), "%s", msg)
				}
			}
			return nil
		}
	case *File:
		if t.Name == TargetFile {
			return validateFile(v, p)
		}
	case *Artifact:
		if t.Name == TargetArtifact {
			if v.Payload == nil && v.Hashes == nil && v.MimeType == "" {
				return fail("must hold at least one field")
			}
			if v.Payload != nil {
				if (v.Payload.Bin == "") == (v.Payload.URL == "") {
					return errorf(join(p, "payload"), "must hold exactly one of bin and url")
				}
				if v.Payload.Bin != "" {
					if msg := checkBase64(v.Payload.Bin); msg != "" {
						return errorf(join(p, "payload.bin"), "%s", msg)
					}
				}
			}
			return validateHashes(v.Hashes, join(p, "hashes"))
		}
	case *Connection:
		if t.Name == TargetIPv4Connection || t.Name == TargetIPv6Connection {
			return validateConnection(v, p, t.Name == TargetIPv6Connection)
		}
	case *Process:
		if t.Name == TargetProcess {
			return validateProcess(v, p, 0)
		}
	case int64:
		if t.Name == TargetSLPFRuleNumber {
			if v < 0 {
				return fail("must not be negative")
			}
			return nil
		}
	case json.RawMessage:
		if !targetNames[t.Name] {
			return nil
		}
	}
	return errorf(p, "value of type %T does not fit target type %q", t.Value, t.Name)
}

func validateHashes(h *Hashes, path string) error {
	if h == nil {
		return nil
	}
	if *h == (Hashes{}) {
		return errorf(path, "must hold at least one of md5, sha1, sha256")
	}
	for _, c := range []struct {
		name, v string
		n       int
	}{{"md5", h.MD5, 32}, {"sha1", h.SHA1, 40}, {"sha256", h.SHA256, 64}} {
		if msg := checkHash(c.name, c.v, c.n); msg != "" {
			return errorf(join(path, c.name), "%s", msg)
		}
	}
	return nil
}

func validateFile(f *File, path string) error {
	if f.Name == "" && f.Path == "" && f.Hashes == nil {
		return errorf(path, "must hold at least one field")
	}
	return validateHashes(f.Hashes, join(path, "hashes"))
}

func validateConnection(c *Connection, path string, v6 bool) error {
	if *c == (Connection{}) {
		return errorf(path, "must hold at least one field")
	}
	for _, a := range []struct{ name, v string }{{"src_addr", c.SrcAddr}, {"dst_addr", c.DstAddr}} {
		if a.v != "" {
			if msg := checkNet(a.v, v6); msg != "" {
				return errorf(join(path, a.name), "%s", msg)
			}
		}
	}
	if msg := checkPort(c.SrcPort); msg != "" {
		return errorf(join(path, "src_port"), "%s", msg)
	}
	if msg := checkPort(c.DstPort); msg != "" {
		return errorf(join(path, "dst_port"), "%s", msg)
	}
	switch c.Protocol {
	case "", ProtocolICMP, ProtocolTCP, ProtocolUDP, ProtocolSCTP:
		return nil
	}
	return errorf(join(path, "protocol"), "%q: must be icmp, tcp, udp or sctp", c.Protocol)
}

func validateProcess(pr *Process, path string, depth int) error {
	if depth > maxDepth {
		return errorf(path, "parent chain too deep")
	}
	if pr.PID == nil && pr.Name == "" && pr.Cwd == "" && pr.Executable == nil && pr.Parent == nil && pr.CommandLine == "" {
		return errorf(path, "must hold at least one field")
	}
	if pr.PID != nil && *pr.PID < 0 {
		return errorf(join(path, "pid"), "must not be negative")
	}
	if pr.Executable != nil {
		if err := validateFile(pr.Executable, join(path, "executable")); err != nil {
			return err
		}
	}
	if pr.Parent != nil {
		return validateProcess(pr.Parent, join(path, "parent"), depth+1)
	}
	return nil
}
