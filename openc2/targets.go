package openc2

import (
	"encoding/json"
	"strings"

	"github.com/gatehouse/gatehouse/openc2/internal/jsonform"
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
	o := d.Object(p)
	if o.One(p, "target type") {
		fp := o.Path(p)
		t.Name = jsonform.Intern(o.Key, targetNames)
		t.Value, o.Err = d.targetValue(&fp, t.Name)
		o.End(p, "target type")
	}
	return t, o.Err
}

// targetValue reads the value of the target type name at p.
func (d *decoder) targetValue(p *path, name string) (any, error) {
	switch name {
	case TargetCommand, TargetDomainName, TargetEmailAddr, TargetIDNDomainName, TargetIDNEmailAddr,
		TargetIPv4Net, TargetIPv6Net, TargetIRI, TargetMACAddr, TargetURI:
		s, err := d.Str(p)
		return s, err
	case TargetFeatures:
		a := d.Array(p)
		fs := make([]Feature, 0, 4)
		for a.Next() {
			ep := a.Path(p)
			var f string
			f, a.Err = d.Str(&ep, featureNames...)
			fs = append(fs, Feature(f))
		}
		return fs, a.Err
	case TargetProperties:
		ss, err := d.Strs(p)
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
		n, err := d.Int(p)
		return n, err
	}
	switch {
	case !strings.Contains(name, ":"):
		return nil, fail(p, "unknown target type %q", name)
	case strings.HasPrefix(name, "slpf:"):
		return nil, fail(p, "unknown slpf target %q", name)
	case d.Peek() == 'n':
		return nil, fail(p, "extension target value must not be null")
	}
	return d.Raw(p)
}

// target writes t at p.
func (e *encoder) target(p *path, t Target) {
	start := e.Begin()
	e.Member(p, t.Name)
	fp := &path{Up: p, Name: t.Name}
	switch v := t.Value.(type) {
	case string:
		e.Str(fp, v)
	case int64:
		e.Int(v)
	case []Feature:
		e.B = append(e.B, '[')
		for i, f := range v {
			if i > 0 {
				e.B = append(e.B, ',')
			}
			e.Str(&path{Up: fp, Elem: i}, string(f))
		}
		e.B = append(e.B, ']')
	case []string:
		e.Strs(fp, v)
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
		e.Raw(fp, v)
	default:
		e.SetErr(fail(fp, "value of type %T does not fit target type %q", t.Value, t.Name))
	}
	e.End(start)
}

// artifact reads an Artifact at p.
func (d *decoder) artifact(p *path) (*Artifact, error) {
	a := &Artifact{}
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "mime_type":
			a.MimeType, o.Err = d.Str(&fp)
		case "payload":
			a.Payload, o.Err = d.payload(&fp)
		case "hashes":
			a.Hashes, o.Err = d.hashes(&fp)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	return a, o.Err
}

// artifact writes a at p.
func (e *encoder) artifact(p *path, a *Artifact) {
	start := e.Begin()
	e.StrField(p, "mime_type", a.MimeType)
	if a.Payload != nil {
		e.Key("payload")
		fp := &path{Up: p, Name: "payload"}
		ps := e.Begin()
		e.StrField(fp, "bin", a.Payload.Bin)
		e.StrField(fp, "url", a.Payload.URL)
		e.End(ps)
	}
	e.hashes(p, a.Hashes)
	e.End(start)
}

// payload reads a Payload at p.
func (d *decoder) payload(p *path) (*Payload, error) {
	pl := &Payload{}
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "bin":
			pl.Bin, o.Err = d.Str(&fp)
		case "url":
			pl.URL, o.Err = d.Str(&fp)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	return pl, o.Err
}

// device reads a Device at p.
func (d *decoder) device(p *path) (*Device, error) {
	dv := &Device{}
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "hostname":
			dv.Hostname, o.Err = d.Str(&fp)
		case "idn_hostname":
			dv.IDNHostname, o.Err = d.Str(&fp)
		case "device_id":
			dv.DeviceID, o.Err = d.Str(&fp)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	return dv, o.Err
}

// device writes dv at p.
func (e *encoder) device(p *path, dv *Device) {
	start := e.Begin()
	e.StrField(p, "hostname", dv.Hostname)
	e.StrField(p, "idn_hostname", dv.IDNHostname)
	e.StrField(p, "device_id", dv.DeviceID)
	e.End(start)
}

// hashes reads Hashes at p.
func (d *decoder) hashes(p *path) (*Hashes, error) {
	h := &Hashes{}
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "md5":
			h.MD5, o.Err = d.Str(&fp)
		case "sha1":
			h.SHA1, o.Err = d.Str(&fp)
		case "sha256":
			h.SHA256, o.Err = d.Str(&fp)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	return h, o.Err
}

// hashes writes the member "hashes": h of the object at p, unless h is nil.
func (e *encoder) hashes(p *path, h *Hashes) {
	if h == nil {
		return
	}
	e.Key("hashes")
	fp := &path{Up: p, Name: "hashes"}
	start := e.Begin()
	e.StrField(fp, "md5", h.MD5)
	e.StrField(fp, "sha1", h.SHA1)
	e.StrField(fp, "sha256", h.SHA256)
	e.End(start)
}

// file reads a File at p.
func (d *decoder) file(p *path) (*File, error) {
	f := &File{}
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "name":
			f.Name, o.Err = d.Str(&fp)
		case "path":
			f.Path, o.Err = d.Str(&fp)
		case "hashes":
			f.Hashes, o.Err = d.hashes(&fp)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	return f, o.Err
}

// file writes f at p.
func (e *encoder) file(p *path, f *File) {
	start := e.Begin()
	e.StrField(p, "name", f.Name)
	e.StrField(p, "path", f.Path)
	e.hashes(p, f.Hashes)
	e.End(start)
}

// connection reads an IPv4-Connection or IPv6-Connection at p.
func (d *decoder) connection(p *path) (*Connection, error) {
	// One allocation holds the connection and its ports.
	cp := &struct {
		Connection
		src, dst int64
	}{}
	c := &cp.Connection
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "src_addr":
			c.SrcAddr, o.Err = d.Str(&fp)
		case "src_port":
			cp.src, o.Err = d.Int(&fp)
			c.SrcPort = &cp.src
		case "dst_addr":
			c.DstAddr, o.Err = d.Str(&fp)
		case "dst_port":
			cp.dst, o.Err = d.Int(&fp)
			c.DstPort = &cp.dst
		case "protocol":
			var s string
			s, o.Err = d.Str(&fp, protocols...)
			c.Protocol = L4Protocol(s)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	return c, o.Err
}

// connection writes c at p.
func (e *encoder) connection(p *path, c *Connection) {
	start := e.Begin()
	e.StrField(p, "src_addr", c.SrcAddr)
	e.IntField("src_port", c.SrcPort)
	e.StrField(p, "dst_addr", c.DstAddr)
	e.IntField("dst_port", c.DstPort)
	e.StrField(p, "protocol", string(c.Protocol))
	e.End(start)
}

// process reads a Process at p.
func (d *decoder) process(p *path) (*Process, error) {
	pr := &Process{}
	o := d.Object(p)
	for o.Next(p) {
		fp := o.Path(p)
		switch string(o.Key) {
		case "pid":
			pr.PID, o.Err = d.IntPtr(&fp)
		case "name":
			pr.Name, o.Err = d.Str(&fp)
		case "cwd":
			pr.Cwd, o.Err = d.Str(&fp)
		case "executable":
			pr.Executable, o.Err = d.file(&fp)
		case "parent":
			// The parent is read as a value of its own and its errors put
			// under fp: a recursive call with &fp would move the paths of
			// every reader to the heap (see jsonform's skipValue).
			pr.Parent, o.Err = d.process(nil)
			o.Err = within(&fp, o.Err)
		case "command_line":
			pr.CommandLine, o.Err = d.Str(&fp)
		default:
			o.Err = fail(&fp, "unknown field")
		}
	}
	return pr, o.Err
}

// process writes pr at p, depth parents below the target.
func (e *encoder) process(p *path, pr *Process, depth int) {
	if depth > jsonform.MaxDepth {
		e.SetErr(fail(p, "parent chain too deep"))
		return
	}
	start := e.Begin()
	e.IntField("pid", pr.PID)
	e.StrField(p, "name", pr.Name)
	e.StrField(p, "cwd", pr.Cwd)
	if pr.Executable != nil {
		e.Key("executable")
		e.file(&path{Up: p, Name: "executable"}, pr.Executable)
	}
	if pr.Parent != nil {
		// The parent is written by an encoder of its own, whose error is
		// put under this path afterwards; see decoder.process.
		e.Key("parent")
		sub := encoder{jsonform.Encoder{B: e.B}}
		sub.process(nil, pr.Parent, depth+1)
		e.B = sub.B
		e.SetErr(within(&path{Up: p, Name: "parent"}, sub.Err))
	}
	e.StrField(p, "command_line", pr.CommandLine)
	e.End(start)
}
