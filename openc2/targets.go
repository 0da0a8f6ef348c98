package openc2

import (
	"encoding/json"
	"strings"
)

// The target type names of LS v1.0 section 3.4.1, with the Go type Target.Value
// holds for each.
const (
	TargetArtifact       = "artifact"         // *Artifact (3.4.1.1)
	TargetCommand        = "command"          // string, a Command ID (3.4.1.2)
	TargetDevice         = "device"           // *Device (3.4.1.3)
	TargetDomainName     = "domain_name"      // string (3.4.1.4)
	TargetEmailAddr      = "email_addr"       // string (3.4.1.5)
	TargetFeatures       = "features"         // []Feature (3.4.1.6)
	TargetFile           = "file"             // *File (3.4.1.7)
	TargetIDNDomainName  = "idn_domain_name"  // string (3.4.1.8)
	TargetIDNEmailAddr   = "idn_email_addr"   // string (3.4.1.9)
	TargetIPv4Net        = "ipv4_net"         // string, address with optional /prefix (3.4.1.10)
	TargetIPv4Connection = "ipv4_connection"  // *Connection (3.4.1.11)
	TargetIPv6Net        = "ipv6_net"         // string, address with optional /prefix (3.4.1.12)
	TargetIPv6Connection = "ipv6_connection"  // *Connection (3.4.1.13)
	TargetIRI            = "iri"              // string (3.4.1.14)
	TargetMACAddr        = "mac_addr"         // string (3.4.1.15)
	TargetProcess        = "process"          // *Process (3.4.1.16)
	TargetProperties     = "properties"       // []string (3.4.1.17)
	TargetURI            = "uri"              // string (3.4.1.18)
	TargetSLPFRuleNumber = "slpf:rule_number" // int64 (SLPF v1.0 section 2.1.3)
)

// Artifact is an array of bytes with its media type and hashes (LS v1.0 3.4.1.1).
type Artifact struct {
	MimeType string   `json:"mime_type,omitempty"`
	Payload  *Payload `json:"payload,omitempty"`
	Hashes   *Hashes  `json:"hashes,omitempty"`
}

// Payload is a choice of base64 bytes or a URL to fetch them (LS v1.0 3.4.2).
type Payload struct {
	Bin string `json:"bin,omitempty"`
	URL string `json:"url,omitempty"`
}

// Device identifies a device by name or identifier (LS v1.0 3.4.1.3).
type Device struct {
	Hostname    string `json:"hostname,omitempty"`
	IDNHostname string `json:"idn_hostname,omitempty"`
	DeviceID    string `json:"device_id,omitempty"`
}

// File identifies a file by name, path or hashes (LS v1.0 3.4.1.7).
type File struct {
	Name   string  `json:"name,omitempty"`
	Path   string  `json:"path,omitempty"`
	Hashes *Hashes `json:"hashes,omitempty"`
}

// Hashes holds hex-encoded cryptographic hashes (LS v1.0 3.4.2, Hashes): md5 is
// 32 hex digits, sha1 40 and sha256 64; at least one must be present.
type Hashes struct {
	MD5    string `json:"md5,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// Connection is the 5-tuple of an ipv4_connection or ipv6_connection target
// (LS v1.0 3.4.1.11 and 3.4.1.13); addresses are networks in the family of the
// target, ports are 0..65535, and at least one field must be present.
type Connection struct {
	SrcAddr  string     `json:"src_addr,omitempty"`
	SrcPort  *int64     `json:"src_port,omitempty"`
	DstAddr  string     `json:"dst_addr,omitempty"`
	DstPort  *int64     `json:"dst_port,omitempty"`
	Protocol L4Protocol `json:"protocol,omitempty"`
}

// Process identifies a process (LS v1.0 3.4.1.16); at least one field must be present.
type Process struct {
	PID         *int64   `json:"pid,omitempty"`
	Name        string   `json:"name,omitempty"`
	Cwd         string   `json:"cwd,omitempty"`
	Executable  *File    `json:"executable,omitempty"`
	Parent      *Process `json:"parent,omitempty"`
	CommandLine string   `json:"command_line,omitempty"`
}

// decodeTarget reads the Target choice at path.
func decodeTarget(raw json.RawMessage, path string) (Target, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return Target{}, err
	}
	if n := len(o.m); n != 1 {
		return Target{}, errorf(path, "must hold exactly one target type, got %d (%s)", n, strings.Join(o.keys(), ", "))
	}
	name := o.keys()[0]
	v, p, _ := o.take(name)
	val, err := decodeTargetValue(name, v, p)
	if err != nil {
		return Target{}, err
	}
	return Target{Name: name, Value: val}, nil
}

func decodeTargetValue(name string, raw json.RawMessage, path string) (any, error) {
	switch name {
	case TargetCommand, TargetDomainName, TargetEmailAddr, TargetIDNDomainName, TargetIDNEmailAddr,
		TargetIPv4Net, TargetIPv6Net, TargetIRI, TargetMACAddr, TargetURI:
		return readString(raw, path)
	case TargetFeatures:
		ss, err := readStrings(raw, path)
		if err != nil {
			return nil, err
		}
		fs := make([]Feature, len(ss))
		for i, s := range ss {
			fs[i] = Feature(s)
		}
		return fs, nil
	case TargetProperties:
		return readStrings(raw, path)
	case TargetArtifact:
		return decodeArtifact(raw, path)
	case TargetDevice:
		o, err := readObject(raw, path)
		if err != nil {
			return nil, err
		}
		d := &Device{}
		for _, step := range []error{optString(o, "hostname", &d.Hostname), optString(o, "idn_hostname", &d.IDNHostname), optString(o, "device_id", &d.DeviceID)} {
			if step != nil {
				return nil, step
			}
		}
		return d, o.done()
	case TargetFile:
		return decodeFile(raw, path)
	case TargetIPv4Connection, TargetIPv6Connection:
		return decodeConnection(raw, path)
	case TargetProcess:
		return decodeProcess(raw, path, 0)
	case TargetSLPFRuleNumber:
		return readInt(raw, path)
	}
	if !strings.Contains(name, ":") {
		return nil, errorf(path, "unknown target type %q", name)
	}
	if strings.HasPrefix(name, "slpf:") {
		return nil, errorf(path, "unknown slpf target %q", name)
	}
	if kind(raw) == "null" {
		return nil, errorf(path, "extension target value must not be null")
	}
	return readAny(raw, path)
}

func readAny(raw json.RawMessage, path string) (json.RawMessage, error) {
	if kind(raw) == "object" {
		return readOpaque(raw, path)
	}
	return append(json.RawMessage(nil), raw...), nil
}

func optString(o *object, key string, dst *string) error {
	v, p, ok := o.take(key)
	if !ok {
		return nil
	}
	s, err := readString(v, p)
	*dst = s
	return err
}

func optInt(o *object, key string, dst **int64) error {
	v, p, ok := o.take(key)
	if !ok {
		return nil
	}
	n, err := readInt(v, p)
	*dst = &n
	return err
}

func decodeHashes(o *object, key string) (*Hashes, error) {
	v, p, ok := o.take(key)
	if !ok {
		return nil, nil
	}
	ho, err := readObject(v, p)
	if err != nil {
		return nil, err
	}
	h := &Hashes{}
	for _, step := range []error{optString(ho, "md5", &h.MD5), optString(ho, "sha1", &h.SHA1), optString(ho, "sha256", &h.SHA256)} {
		if step != nil {
			return nil, step
		}
	}
	if err := ho.done(); err != nil {
		return nil, err
	}
	if *h == (Hashes{}) {
		return nil, errorf(p, "must hold at least one of md5, sha1, sha256")
	}
	return h, nil
}

func decodeArtifact(raw json.RawMessage, path string) (*Artifact, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return nil, err
	}
	a := &Artifact{}
	if err := optString(o, "mime_type", &a.MimeType); err != nil {
		return nil, err
	}
	if v, p, ok := o.take("payload"); ok {
		po, err := readObject(v, p)
		if err != nil {
			return nil, err
		}
		a.Payload = &Payload{}
		if err := optString(po, "bin", &a.Payload.Bin); err != nil {
			return nil, err
		}
		if err := optString(po, "url", &a.Payload.URL); err != nil {
			return nil, err
		}
		if err := po.done(); err != nil {
			return nil, err
		}
	}
	if a.Hashes, err = decodeHashes(o, "hashes"); err != nil {
		return nil, err
	}
	return a, o.done()
}

func decodeFile(raw json.RawMessage, path string) (*File, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return nil, err
	}
	f := &File{}
	if err := optString(o, "name", &f.Name); err != nil {
		return nil, err
	}
	if err := optString(o, "path", &f.Path); err != nil {
		return nil, err
	}
	if f.Hashes, err = decodeHashes(o, "hashes"); err != nil {
		return nil, err
	}
	return f, o.done()
}

func decodeConnection(raw json.RawMessage, path string) (*Connection, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return nil, err
	}
	c := &Connection{}
	var proto string
	for _, step := range []error{
		optString(o, "src_addr", &c.SrcAddr), optInt(o, "src_port", &c.SrcPort),
		optString(o, "dst_addr", &c.DstAddr), optInt(o, "dst_port", &c.DstPort),
		optString(o, "protocol", &proto),
	} {
		if step != nil {
			return nil, step
		}
	}
	c.Protocol = L4Protocol(proto)
	return c, o.done()
}

func decodeProcess(raw json.RawMessage, path string, depth int) (*Process, error) {
	o, err := readObject(raw, path)
	if err != nil {
		return nil, err
	}
	pr := &Process{}
	for _, step := range []error{
		optInt(o, "pid", &pr.PID), optString(o, "name", &pr.Name),
		optString(o, "cwd", &pr.Cwd), optString(o, "command_line", &pr.CommandLine),
	} {
		if step != nil {
			return nil, step
		}
	}
	if v, p, ok := o.take("executable"); ok {
		if pr.Executable, err = decodeFile(v, p); err != nil {
			return nil, err
		}
	}
	if v, p, ok := o.take("parent"); ok {
		if pr.Parent, err = decodeProcess(v, p, depth+1); err != nil {
			return nil, err
		}
	}
	return pr, o.done()
}
