package capability

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/sink"
)

// Defaults of the limits of the http and exec grants, used where a grant
// leaves a limit zero.
const (
	DefaultHTTPMaxBytes  = 1 << 20
	DefaultHTTPTimeout   = 5 * time.Second
	DefaultExecTimeout   = 10 * time.Second
	DefaultExecMaxOutput = 1 << 20
	DefaultKVMaxBytes    = 16 << 20
)

// Grants are the capabilities the configuration grants one plugin, under
// the config key plugins.<plugin>.grants. Every capability is denied unless
// granted. The zero value grants nothing.
type Grants struct {
	Log   bool       `yaml:"log"`
	Clock bool       `yaml:"clock"`
	KV    KVGrant    `yaml:"kv"`
	HTTP  *HTTPGrant `yaml:"http"`
	Exec  *ExecGrant `yaml:"exec"`
	// Sink names the destinations the plugin may write records to; nil
	// denies the capability, an empty map grants it with none.
	Sink SinkGrant `yaml:"sink"`
}

// KVGrant grants a key-value namespace of the plugin's own, in the host's
// store. In YAML it is true or false, or a map of its limits, which grants
// it: {max_bytes: 67108864}.
type KVGrant struct {
	// Granted is whether the namespace is granted.
	Granted bool
	// MaxBytes caps what the namespace holds, each entry counting its key,
	// its value and store.EntryOverhead bytes; a kv_set past it fails with
	// capability_denied. Default DefaultKVMaxBytes.
	MaxBytes int64
}

// UnmarshalYAML reads true, false or a map of the grant's limits.
func (g *KVGrant) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*g = KVGrant{}
		return n.Decode(&g.Granted)
	}
	var limits struct {
		MaxBytes int64 `yaml:"max_bytes"`
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Value != "max_bytes" {
				return fmt.Errorf("line %d: unknown key %q in kv; it takes max_bytes", k.Line, k.Value)
			}
		}
	}
	if err := n.Decode(&limits); err != nil {
		return err
	}
	*g = KVGrant{Granted: true, MaxBytes: limits.MaxBytes}
	return nil
}

// MarshalYAML writes the grant as UnmarshalYAML reads it: false, true, or
// the map of its limits.
func (g KVGrant) MarshalYAML() (any, error) {
	if !g.Granted || g.MaxBytes == 0 {
		return g.Granted, nil
	}
	return map[string]int64{"max_bytes": g.MaxBytes}, nil
}

// Quota returns the grant's cap on the namespace's size.
func (g KVGrant) Quota() int64 { return orDefault(g.MaxBytes, DefaultKVMaxBytes) }

// HTTPGrant grants outbound HTTP to a list of hosts.
type HTTPGrant struct {
	// Hosts are the hosts a plugin may send requests to, each an exact host
	// name or IP address ("api.example.com", "10.0.0.1", "[::1]") or a
	// suffix pattern ("*.example.com", matching every name below
	// example.com but not example.com itself), optionally with a port
	// ("api.example.com:8443"). Without a port only the scheme's default
	// port (80 or 443) is allowed. Names match case-insensitively.
	Hosts []string `yaml:"hosts"`
	// MaxBytes caps a response body; a larger body fails the request with
	// the code reply_too_large. Default DefaultHTTPMaxBytes.
	MaxBytes int64 `yaml:"max_bytes"`
	// Timeout bounds a whole request, body included; the call's own
	// deadline applies too. Default DefaultHTTPTimeout.
	Timeout time.Duration `yaml:"timeout"`
}

// ExecGrant grants running a list of programs.
type ExecGrant struct {
	// Programs are the programs a plugin may run: bare names, looked up in
	// the host's PATH when a plugin runs them, or absolute paths.
	Programs []string `yaml:"programs"`
	// Timeout bounds a run; the call's own deadline applies too. A run past
	// it is killed with its process group. Default DefaultExecTimeout.
	Timeout time.Duration `yaml:"timeout"`
	// DryRun records each request instead of running it, and answers it
	// with ExecResult{DryRun: true}.
	DryRun bool `yaml:"dry_run"`
	// MaxOutput caps stdout and stderr each; a run that writes more is
	// killed and fails with the code reply_too_large. Default
	// DefaultExecMaxOutput.
	MaxOutput int64 `yaml:"max_output"`
}

// Has reports whether g grants c.
func (g Grants) Has(c abi.Capability) bool {
	switch c {
	case abi.CapLog:
		return g.Log
	case abi.CapClock:
		return g.Clock
	case abi.CapKV:
		return g.KV.Granted
	case abi.CapHTTP:
		return g.HTTP != nil
	case abi.CapExec:
		return g.Exec != nil
	case abi.CapSink:
		return g.Sink != nil
	case abi.CapPlan:
		// Every plugin may plan: plan reads only the run the plugin acts
		// in, during its act, within the act's timeout.
		return true
	}
	return false
}

// Validate checks the host patterns, program entries and limits of g. Its
// errors name the offending key relative to plugins.<plugin>.grants, such
// as "http.hosts[1]".
func (g Grants) Validate() error {
	var errs []error
	if g.KV.MaxBytes < 0 {
		errs = append(errs, fmt.Errorf("kv.max_bytes: %d is negative", g.KV.MaxBytes))
	}
	if h := g.HTTP; h != nil {
		for i, p := range h.Hosts {
			if _, err := parseHostPattern(p); err != nil {
				errs = append(errs, fmt.Errorf("http.hosts[%d]: %w", i, err))
			}
		}
		if h.MaxBytes < 0 {
			errs = append(errs, fmt.Errorf("http.max_bytes: %d is negative", h.MaxBytes))
		}
		if h.Timeout < 0 {
			errs = append(errs, fmt.Errorf("http.timeout: %s is negative", h.Timeout))
		}
	}
	if e := g.Exec; e != nil {
		for i, p := range e.Programs {
			if !validProgram(p) {
				errs = append(errs, fmt.Errorf("exec.programs[%d]: %q is neither a program name nor an absolute path", i, p))
			}
		}
		if e.Timeout < 0 {
			errs = append(errs, fmt.Errorf("exec.timeout: %s is negative", e.Timeout))
		}
		if e.MaxOutput < 0 {
			errs = append(errs, fmt.Errorf("exec.max_output: %d is negative", e.MaxOutput))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(g.Sink)) {
		if !sink.ValidName(name) {
			errs = append(errs, fmt.Errorf("sink: name %q is not 1 to 64 letters, digits, '.', '_' or '-'", name))
		}
		errs = append(errs, g.Sink[name].Validate("sink."+name+".")...)
	}
	return errors.Join(errs...)
}

// ConfigKey returns the configuration key that grants c to plugin, such as
// "plugins.firewall.grants.exec".
func ConfigKey(plugin string, c abi.Capability) string {
	return "plugins." + plugin + ".grants." + string(c)
}

// maxBytes returns the grant's response body cap.
func (g *HTTPGrant) maxBytes() int64 { return orDefault(g.MaxBytes, DefaultHTTPMaxBytes) }

// timeout returns the grant's request timeout.
func (g *HTTPGrant) timeout() time.Duration { return orDefault(g.Timeout, DefaultHTTPTimeout) }

// allows reports whether the grant allows a request to u. Hosts that are
// not valid patterns allow nothing.
func (g *HTTPGrant) allows(u *url.URL) bool {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	defPort := "80"
	if u.Scheme == "https" {
		defPort = "443"
	}
	port := u.Port()
	if port == "" {
		port = defPort
	}
	for _, s := range g.Hosts {
		if p, err := parseHostPattern(s); err == nil && p.matches(host, port, defPort) {
			return true
		}
	}
	return false
}

// timeout returns the grant's run timeout.
func (g *ExecGrant) timeout() time.Duration { return orDefault(g.Timeout, DefaultExecTimeout) }

// maxOutput returns the grant's cap on stdout and on stderr.
func (g *ExecGrant) maxOutput() int64 { return orDefault(g.MaxOutput, DefaultExecMaxOutput) }

// hostPattern is a parsed entry of HTTPGrant.Hosts.
type hostPattern struct {
	host   string // lower case; for a suffix pattern, the suffix with its leading dot
	suffix bool
	port   string // "" for the scheme's default port
}

// parseHostPattern parses an entry of HTTPGrant.Hosts.
func parseHostPattern(s string) (hostPattern, error) {
	var p hostPattern
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return p, fmt.Errorf("host %q: bad port %q", s, port)
		}
		host, p.port = h, port
	} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		host = s[1 : len(s)-1]
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		p.suffix, host = true, "."+rest
	}
	if strings.Trim(host, ".") == "" || strings.ContainsAny(host, "*/@?#[] \t") ||
		strings.ContainsRune(host, ':') && net.ParseIP(host) == nil {
		return p, fmt.Errorf("host %q: want a host name, an IP address or *.domain, optionally with :port", s)
	}
	p.host = host
	return p, nil
}

// matches reports whether the pattern allows host (lower case, without a
// trailing dot) on port, given the default port of the URL's scheme.
func (p hostPattern) matches(host, port, defPort string) bool {
	want := p.port
	if want == "" {
		want = defPort
	}
	if port != want {
		return false
	}
	if p.suffix {
		return strings.HasSuffix(host, p.host) && len(host) > len(p.host)
	}
	return host == p.host
}

// orDefault returns v, or def if v is zero.
func orDefault[T int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
