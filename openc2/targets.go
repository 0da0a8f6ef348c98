package openc2

import (
	"encoding/json"
	"strings"
)

// The target type names of LS v1.0 section 3.3.1.2, with the Go type
// Target.Value holds for each and the section that defines it.
const (
	TargetArtifact       = "artifact"         // *Artifact (3.4.1.1)
	TargetCommand        = "command"          // string, a Command-ID (3.4.2.16)
	TargetDevice         = "device"           // *Device (3.4.1.2)
	TargetDomainName     = "domain_name"      // string (3.4.1.3)
	TargetEmailAddr      = "email_addr"       // string (3.4.1.4)
	TargetFeatures       = "features"         // []Feature (3.4.1.5)
	TargetFile           = "file"             // *File (3.4.1.6)
	TargetIDNDomainName  = "idn_domain_name"  // string (3.4.1.7)
	TargetIDNEmailAddr   = "idn_email_addr"   // string (3.4.1.8)
	TargetIPv4Net        = "ipv4_net"         // string, address with optional /prefix (3.4.1.9)
	TargetIPv4Connection = "ipv4_connection"  // *Connection (3.4.1.10)
	TargetIPv6Net        = "ipv6_net"         // string, address with optional /prefix (3.4.1.11)
	TargetIPv6Connection = "ipv6_connection"  // *Connection (3.4.1.12)
	TargetIRI            = "iri"              // string (3.4.1.13)
	TargetMACAddr        = "mac_addr"         // string (3.4.1.14)
	TargetProcess        = "process"          // *Process (3.4.1.15)
	TargetProperties     = "properties"       // []string (3.4.1.16)
	TargetURI            = "uri"              // string (3.4.1.17)
	TargetSLPFRuleNumber = "slpf:rule_number" // int64 (SLPF v1.0 section 2.1.2.2)
)

// Artifact is an array of bytes with its media type and hashes (LS v1.0
// section 3.4.1.1). MimeType is a media type name of the IANA registry.
type Artifact struct {
	MimeType string   `json:"mime_type,omitempty"`
	Payload  *Payload `json:"payload,omitempty"`
	Hashes   *Hashes  `json:"hashes,omitempty"`
}

// Payload is a choice of base64url bytes or a URL to fetch them (LS v1.0
// section 3.4.2.13).
type Payload struct {
	Bin string `json:"bin,omitempty"`
	URL string `json:"url,omitempty"`
}

// Device identifies a device by name or identifier (LS v1.0 section 3.4.1.2).
type Device struct {
	Hostname    string `json:"hostname,omitempty"`
	IDNHostname string `json:"idn_hostname,omitempty"`
	DeviceID    string `json:"device_id,omitempty"`
}

// File identifies a file by name, path or hashes (LS v1.0 section 3.4.1.6).
type File struct {
	Name   string  `json:"name,omitempty"`
	Path   string  `json:"path,omitempty"`
	Hashes *Hashes `json:"hashes,omitempty"`
}

// Hashes holds hex-encoded cryptographic hashes (LS v1.0 section 3.4.2.5): md5
// is 32 hex digits, sha1 40 and sha256 64; at least one must be present.
type Hashes struct {
	MD5    string `json:"md5,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// Connection is the 5-tuple of an ipv4_connection or ipv6_connection target
// (LS v1.0 sections 3.4.1.10 and 3.4.1.12); addresses are networks in the family of the
// target, ports are 0..65535, and at least one field must be present.
type Connection struct {
	SrcAddr  string     `json:"src_addr,omitempty"`
	SrcPort  *int64     `json:"src_port,omitempty"`
	DstAddr  string     `json:"dst_addr,omitempty"`
	DstPort  *int64     `json:"dst_port,omitempty"`
	Protocol L4Protocol `json:"protocol,omitempty"`
}

// Process identifies a process (LS v1.0 section 3.4.1.15); at least one field
// must be present.
type Process struct {
	PID         *int64   `json:"pid,omitempty"`
	Name        string   `json:"name,omitempty"`
	Cwd         string   `json:"cwd,omitempty"`
	Executable  *File    `json:"executable,omitempty"`
	Parent      *Process `json:"parent,omitempty"`
	CommandLine string   `json:"command_line,omitempty"`
}

// targetNames are the target type names of LS v1.0 section 3.4.1 and SLPF
// v1.0 section 2.1.2.2.
var targetNames = []string{
	TargetArtifact, TargetCommand, TargetDevice, TargetDomainName, TargetEmailAddr, TargetFeatures,
	TargetFile, TargetIDNDomainName, TargetIDNEmailAddr, TargetIPv4Net, TargetIPv4Connection,
	TargetIPv6Net, TargetIPv6Connection, TargetIRI, TargetMACAddr, TargetProcess, TargetProperties,
	TargetURI, TargetSLPFRuleNumber,
}

// target reads the Target choice at p.
func (d *decoder) target(p *path) (Target, error) {
	var t Target
	o := d.object(p)
	if o.one(p, "target type") {
		fp := o.path(p)
		t.Name = intern(o.key, targetNames)
		t.Value, o.err = d.targetValue(&fp, t.Name)
		o.end(p, "target type")
	}
	return t, o.err
}

// intern returns the entry of names that equals b, or b as a new string.
func intern(b []byte, names []string) string {
	for _, n := range names {
		if string(b) == n {
			return n
		}
	}
	return string(b)
}

// targetValue reads the value of the target type name at p.
func (d *decoder) targetValue(p *path, name string) (any, error) {
	switch name {
	case TargetCommand, TargetDomainName, TargetEmailAddr, TargetIDNDomainName, TargetIDNEmailAddr,
		TargetIPv4Net, TargetIPv6Net, TargetIRI, TargetMACAddr, TargetURI:
		s, err := d.str(p)
		return s, err
	case TargetFeatures:
		a := d.array(p)
		fs := make([]Feature, 0, 4)
		for a.next() {
			ep := a.path(p)
			var f string
			f, a.err = d.str(&ep, featureNames...)
			fs = append(fs, Feature(f))
		}
		return fs, a.err
	case TargetProperties:
		ss, err := d.strs(p)
		return ss, err
	case TargetArtifact:
		return d.artifact(p)
	case TargetDevice:
		return d.device(p)
	case TargetFile:
		return d.file(p)
	case TargetIPv4Connection, TargetIPv6Connection:
		return d.connection(p)
	case TargetProcess:
		return d.process(p)
	case TargetSLPFRuleNumber:
		n, err := d.int(p)
		return n, err
	}
	switch {
	case !strings.Contains(name, ":"):
		return nil, fail(p, "unknown target type %q", name)
	case strings.HasPrefix(name, "slpf:"):
		return nil, fail(p, "unknown slpf target %q", name)
	case d.peek() == 'n':
		return nil, fail(p, "extension target value must not be null")
	}
	return d.raw(p)
}

// target writes t at p.
func (e *encoder) target(p *path, t Target) {
	start := e.begin()
	e.member(p, t.Name)
	fp := &path{up: p, name: t.Name}
	switch v := t.Value.(type) {
	case string:
		e.str(fp, v)
	case int64:
		e.int(v)
	case []Feature:
		e.b = append(e.b, '[')
		for i, f := range v {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			e.str(&path{up: fp, elem: i}, string(f))
		}
		e.b = append(e.b, ']')
	case []string:
		e.strs(fp, v)
	case *Artifact:
		e.artifact(fp, v)
	case *Device:
		e.device(fp, v)
	case *File:
		e.file(fp, v)
	case *Connection:
		e.connection(fp, v)
	case *Process:
		e.process(fp, v, 0)
	case json.RawMessage:
		e.raw(fp, v)
	default:
		e.setErr(fail(fp, "value of type %T does not fit target type %q", t.Value, t.Name))
	}
	e.end(start)
}

// artifact reads an Artifact at p.
func (d *decoder) artifact(p *path) (*Artifact, error) {
	a := &Artifact{}
	o := d.object(p)
	for o.next(p) {
		fp := o.path(p)
		switch string(o.key) {
		case "mime_type":
			a.MimeType, o.err = d.str(&fp)
		case "payload":
			a.Payload, o.err = d.payload(&fp)
		case "hashes":
			a.Hashes, o.err = d.hashes(&fp)
		default:
			o.err = fail(&fp, "unknown field")
		}
	}
	return a, o.err
}

// artifact writes a at p.
func (e *encoder) artifact(p *path, a *Artifact) {
	start := e.begin()
	e.strField(p, "mime_type", a.MimeType)
	if a.Payload != nil {
		e.key("payload")
		fp := &path{up: p, name: "payload"}
		ps := e.begin()
		e.strField(fp, "bin", a.Payload.Bin)
		e.strField(fp, "url", a.Payload.URL)
		e.end(ps)
	}
	e.hashes(p, a.Hashes)
	e.end(start)
}

// payload reads a Payload at p.
func (d *decoder) payload(p *path) (*Payload, error) {
	pl := &Payload{}
	o := d.object(p)
	for o.next(p) {
		fp := o.path(p)
		switch string(o.key) {
		case "bin":
			pl.Bin, o.err = d.str(&fp)
		case "url":
			pl.URL, o.err = d.str(&fp)
		default:
			o.err = fail(&fp, "unknown field")
		}
	}
	return pl, o.err
}

// device reads a Device at p.
func (d *decoder) device(p *path) (*Device, error) {
	dv := &Device{}
	o := d.object(p)
	for o.next(p) {
		fp := o.path(p)
		switch string(o.key) {
		case "hostname":
			dv.Hostname, o.err = d.str(&fp)
		case "idn_hostname":
			dv.IDNHostname, o.err = d.str(&fp)
		case "device_id":
			dv.DeviceID, o.err = d.str(&fp)
		default:
			o.err = fail(&fp, "unknown field")
		}
	}
	return dv, o.err
}

// device writes dv at p.
func (e *encoder) device(p *path, dv *Device) {
	start := e.begin()
	e.strField(p, "hostname", dv.Hostname)
	e.strField(p, "idn_hostname", dv.IDNHostname)
	e.strField(p, "device_id", dv.DeviceID)
	e.end(start)
}

// hashes reads Hashes at p.
func (d *decoder) hashes(p *path) (*Hashes, error) {
	h := &Hashes{}
	o := d.object(p)
	for o.next(p) {
		fp := o.path(p)
		switch string(o.key) {
		case "md5":
			h.MD5, o.err = d.str(&fp)
		case "sha1":
			h.SHA1, o.err = d.str(&fp)
		case "sha256":
			h.SHA256, o.err = d.str(&fp)
		default:
			o.err = fail(&fp, "unknown field")
		}
	}
	return h, o.err
}

// hashes writes the member "hashes": h of the object at p, unless h is nil.
func (e *encoder) hashes(p *path, h *Hashes) {
	if h == nil {
		return
	}
	e.key("hashes")
	fp := &path{up: p, name: "hashes"}
	start := e.begin()
	e.strField(fp, "md5", h.MD5)
	e.strField(fp, "sha1", h.SHA1)
	e.strField(fp, "sha256", h.SHA256)
	e.end(start)
}

// file reads a File at p.
func (d *decoder) file(p *path) (*File, error) {
	f := &File{}
	o := d.object(p)
	for o.next(p) {
		fp := o.path(p)
		switch string(o.key) {
		case "name":
			f.Name, o.err = d.str(&fp)
		case "path":
			f.Path, o.err = d.str(&fp)
		case "hashes":
			f.Hashes, o.err = d.hashes(&fp)
		default:
			o.err = fail(&fp, "unknown field")
		}
	}
	return f, o.err
}

// file writes f at p.
func (e *encoder) file(p *path, f *File) {
	start := e.begin()
	e.strField(p, "name", f.Name)
	e.strField(p, "path", f.Path)
	e.hashes(p, f.Hashes)
	e.end(start)
}

// connection reads an IPv4-Connection or IPv6-Connection at p.
func (d *decoder) connection(p *path) (*Connection, error) {
	c := &Connection{}
	o := d.object(p)
	for o.next(p) {
		fp := o.path(p)
		switch string(o.key) {
		case "src_addr":
			c.SrcAddr, o.err = d.str(&fp)
		case "src_port":
			c.SrcPort, o.err = d.intPtr(&fp)
		case "dst_addr":
			c.DstAddr, o.err = d.str(&fp)
		case "dst_port":
			c.DstPort, o.err = d.intPtr(&fp)
		case "protocol":
			var s string
			s, o.err = d.str(&fp, protocols...)
			c.Protocol = L4Protocol(s)
		default:
			o.err = fail(&fp, "unknown field")
		}
	}
	return c, o.err
}

// connection writes c at p.
func (e *encoder) connection(p *path, c *Connection) {
	start := e.begin()
	e.strField(p, "src_addr", c.SrcAddr)
	e.intField("src_port", c.SrcPort)
	e.strField(p, "dst_addr", c.DstAddr)
	e.intField("dst_port", c.DstPort)
	e.strField(p, "protocol", string(c.Protocol))
	e.end(start)
}

// process reads a Process at p.
func (d *decoder) process(p *path) (*Process, error) {
	pr := &Process{}
	o := d.object(p)
	for o.next(p) {
		fp := o.path(p)
		switch string(o.key) {
		case "pid":
			pr.PID, o.err = d.intPtr(&fp)
		case "name":
			pr.Name, o.err = d.str(&fp)
		case "cwd":
			pr.Cwd, o.err = d.str(&fp)
		case "executable":
			pr.Executable, o.err = d.file(&fp)
		case "parent":
			// The parent is read as a value of its own and its errors put
			// under fp: a recursive call with &fp would move the paths of
			// every reader to the heap (see skipValue).
			pr.Parent, o.err = d.process(nil)
			o.err = within(&fp, o.err)
		case "command_line":
			pr.CommandLine, o.err = d.str(&fp)
		default:
			o.err = fail(&fp, "unknown field")
		}
	}
	return pr, o.err
}

// process writes pr at p, depth parents below the target.
func (e *encoder) process(p *path, pr *Process, depth int) {
	if depth > maxDepth {
		e.setErr(fail(p, "parent chain too deep"))
		return
	}
	start := e.begin()
	e.intField("pid", pr.PID)
	e.strField(p, "name", pr.Name)
	e.strField(p, "cwd", pr.Cwd)
	if pr.Executable != nil {
		e.key("executable")
		e.file(&path{up: p, name: "executable"}, pr.Executable)
	}
	if pr.Parent != nil {
		// The parent is written by an encoder of its own, whose error is
		// put under this path afterwards; see decoder.process.
		e.key("parent")
		sub := encoder{b: e.b}
		sub.process(nil, pr.Parent, depth+1)
		e.b = sub.b
		e.setErr(within(&path{up: p, name: "parent"}, sub.err))
	}
	e.strField(p, "command_line", pr.CommandLine)
	e.end(start)
}
