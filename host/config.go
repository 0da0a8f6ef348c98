package host

import (
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/capability"
	"github.com/gatehouse/gatehouse/host/internal/sink"
)

// Grants are the capabilities granted to one plugin; see abi/README.md,
// "Capabilities".
type Grants = capability.Grants

// KVGrant grants a key-value namespace with a quota, HTTPGrant outbound
// HTTP to listed hosts, and ExecGrant running listed programs.
type (
	KVGrant   = capability.KVGrant
	HTTPGrant = capability.HTTPGrant
	ExecGrant = capability.ExecGrant
)

// SinkGrant grants writing records to named destinations, each a Sink: a
// file (SinkFile), the system log (SinkSyslog) or mail (SinkSMTP).
type (
	SinkGrant  = capability.SinkGrant
	Sink       = capability.Sink
	SinkFile   = sink.File
	SinkSyslog = sink.Syslog
	SinkSMTP   = sink.SMTP
)

// ExecRecorder receives, with the plugin's name, each exec request that a
// dry-run grant records instead of running.
type ExecRecorder = capability.Recorder

// Limits bound what one plugin may use. A zero field takes its default
// (DefaultLimits).
type Limits struct {
	// MemoryPages is the most linear memory an instance may have, in 64 KiB
	// pages. Default 1024 (64 MiB).
	MemoryPages uint32 `yaml:"memory_pages" json:"memory_pages"`
	// Timeout bounds one call. Default 5s.
	Timeout time.Duration `yaml:"timeout" json:"timeout"`
	// InitTimeout bounds the start of each new instance, the module's start
	// function and its _initialize, unless Timeout is longer. Default 1m:
	// _initialize starts the language's runtime, which for standard Go
	// takes milliseconds on an idle machine and far longer on a starved
	// one.
	InitTimeout time.Duration `yaml:"init_timeout" json:"init_timeout"`
	// PoolSize is the most instances kept for concurrent calls. Default 4.
	PoolSize int `yaml:"pool_size" json:"pool_size"`
	// MaxReplyBytes is the largest reply accepted. Default 4 MiB.
	MaxReplyBytes uint32 `yaml:"max_reply_bytes" json:"max_reply_bytes"`
	// MaxOutputBytes is the most a call may print on stdout and stderr
	// together; the rest is dropped. Default 64 KiB.
	MaxOutputBytes int `yaml:"max_output_bytes" json:"max_output_bytes"`
	// OutputBytesPerSecond is the most the plugin's instances may print
	// per second together, and at once; the rest is dropped. Default 64 KiB.
	OutputBytesPerSecond int `yaml:"output_bytes_per_second" json:"output_bytes_per_second"`
	// QuarantineAfter is how many consecutive failures (traps, timeouts,
	// memory exhaustion, malformed or oversized replies) set the plugin
	// aside until it is reloaded. A timeout counts only for a request of
	// at most 64 KiB whose caller had not given up, since a larger one may
	// be slow by the caller's design. Default 5.
	QuarantineAfter int `yaml:"quarantine_after" json:"quarantine_after"`
}

// DefaultLimits are the limits of a plugin nothing else is configured for.
var DefaultLimits = Limits{
	MemoryPages:          1024,
	Timeout:              5 * time.Second,
	InitTimeout:          time.Minute,
	PoolSize:             4,
	MaxReplyBytes:        4 << 20,
	MaxOutputBytes:       64 << 10,
	OutputBytesPerSecond: 64 << 10,
	QuarantineAfter:      5,
}

// Or returns l with every zero field taken from def.
func (l Limits) Or(def Limits) Limits {
	if l.MemoryPages == 0 {
		l.MemoryPages = def.MemoryPages
	}
	if l.Timeout == 0 {
		l.Timeout = def.Timeout
	}
	if l.InitTimeout == 0 {
		l.InitTimeout = def.InitTimeout
	}
	if l.PoolSize == 0 {
		l.PoolSize = def.PoolSize
	}
	if l.MaxReplyBytes == 0 {
		l.MaxReplyBytes = def.MaxReplyBytes
	}
	if l.MaxOutputBytes == 0 {
		l.MaxOutputBytes = def.MaxOutputBytes
	}
	if l.OutputBytesPerSecond == 0 {
		l.OutputBytesPerSecond = def.OutputBytesPerSecond
	}
	if l.QuarantineAfter == 0 {
		l.QuarantineAfter = def.QuarantineAfter
	}
	return l
}

// initTimeout is the time a new instance has to start: InitTimeout, or
// Timeout when longer.
func (l Limits) initTimeout() time.Duration { return max(l.Timeout, l.InitTimeout) }

// Validate reports the first limit out of range.
func (l Limits) Validate() error {
	switch {
	case l.MemoryPages > 65536:
		return fmt.Errorf("memory_pages %d exceeds 65536 (4 GiB)", l.MemoryPages)
	case l.Timeout < 0:
		return fmt.Errorf("timeout %s is negative", l.Timeout)
	case l.InitTimeout < 0:
		return fmt.Errorf("init_timeout %s is negative", l.InitTimeout)
	case l.PoolSize < 0:
		return fmt.Errorf("pool_size %d is negative", l.PoolSize)
	case l.MaxOutputBytes < 0:
		return fmt.Errorf("max_output_bytes %d is negative", l.MaxOutputBytes)
	case l.OutputBytesPerSecond < 0:
		return fmt.Errorf("output_bytes_per_second %d is negative", l.OutputBytesPerSecond)
	case l.QuarantineAfter < 0:
		return fmt.Errorf("quarantine_after %d is negative", l.QuarantineAfter)
	}
	return nil
}

// PluginConfig is the configuration of one plugin, keyed by the plugin's
// manifest name. It applies only to the plugin in the file named after it
// in the plugin folder (plugins.NAME to NAME.wasm) and, when SHA256 is
// set, only to that content: a file elsewhere in the folder, or of other
// content, that declares the name is refused (see Config.checkBinding).
type PluginConfig struct {
	Grants Grants `yaml:"grants" json:"grants"`
	Limits Limits `yaml:"limits" json:"limits"`
	// Extism, for a plain Extism plugin (one without the Gatehouse
	// exports), maps its exports to components; the plugin's name is its
	// file's name without ".wasm".
	Extism *ExtismConfig `yaml:"extism" json:"extism,omitempty"`
	// SHA256, when set, pins the plugin to one content: the hex SHA-256 of
	// the only file allowed to take the name, its grants and limits.
	SHA256 string `yaml:"sha256" json:"sha256,omitempty"`
}

// Validate checks the grants, limits, sha256 and Extism mapping of c. Its
// errors name the offending key relative to plugins.<plugin>, such as
// "grants.http.hosts[1]" or "sha256".
func (c PluginConfig) Validate() error {
	var errs []error
	if err := c.Grants.Validate(); err != nil {
		errs = append(errs, prefixed("grants.", err)...)
	}
	if err := c.Limits.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("limits: %w", err))
	}
	if b, err := hex.DecodeString(c.SHA256); c.SHA256 != "" && (err != nil || len(b) != 32) {
		errs = append(errs, fmt.Errorf("sha256: %q is not 64 hexadecimal digits", c.SHA256))
	}
	if c.Extism != nil {
		if err := c.Extism.Validate(); err != nil {
			errs = append(errs, prefixed("extism.", err)...)
		}
	}
	return errors.Join(errs...)
}

// prefixed returns err, or each error joined in err, with prefix before
// its message.
func prefixed(prefix string, err error) []error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = fmt.Errorf("%s%w", prefix, e)
	}
	return out
}

// Config configures a Host. The zero Config is usable: no plugin folder,
// an in-memory compilation cache, no store, default limits, no grants.
type Config struct {
	// PluginDir is the folder scanned and watched for *.wasm files.
	PluginDir string
	// CacheDir holds the compiled-code cache, a folder per module content
	// (its SHA-256); empty keeps it in memory.
	CacheDir string
	// PruneCache keeps CacheDir to the modules in use: the compiled code of
	// a content goes when its last plugin is replaced or unloaded, and
	// Start removes, after the first scan of PluginDir, the folders of
	// contents no process uses and none has used for a day. Folders in use
	// by another process on the same CacheDir are kept. gatehouse serve
	// sets it; tools that load plugins once leave their code for the next
	// start.
	PruneCache bool
	// StorePath is the file of the embedded store behind the kv
	// capability; empty means kv is unavailable.
	StorePath string
	// Limits are the defaults for every plugin.
	Limits Limits
	// Plugins holds per-plugin grants and limits by plugin name; each
	// applies to the file of the plugin folder named after the plugin.
	Plugins map[string]PluginConfig
	// Watch turns on hot reload of PluginDir.
	Watch bool
	// ReloadWorkers is how many plugin files the host loads at once while
	// it serves, when the watcher or LoadDir finds them changed: each
	// compiles its module beside the calls being served, while the old
	// version serves. 0 means DefaultReloadWorkers, min(2, GOMAXPROCS).
	// The first scan of PluginDir loads GOMAXPROCS files at once.
	ReloadWorkers int
	// Logger receives the host's and the plugins' logs; nil uses slog.Default().
	Logger *slog.Logger
	// SkipStart loads plugins without calling their gatehouse_start, for
	// tools that list plugins without serving them (gatehouse plugin
	// list): a start may act outside the host, restoring firewall rules
	// for one.
	SkipStart bool
	// DescribeOnly loads plugins to report them, never to call them, for
	// gatehouse plugin list: a load checks each content as it would to
	// serve it, but from the content's description kept in CacheDir when
	// there is one (written by any load that compiled the content), else
	// by compiling it and asking it for its manifest; it starts no
	// instance and no gatehouse_start. Calls fail with unavailable.
	DescribeOnly bool
	// ExecRecorder, when set, receives the exec requests of dry-run grants,
	// which are logged either way, from the goroutines of the calls that
	// make them, so possibly at once; tests use it to check what a plugin
	// would run.
	ExecRecorder ExecRecorder
	// Loaded, when set, is called with the manifest of each plugin version
	// once it serves, on the goroutine that loaded it, so that the
	// application can check its configuration against the components.
	Loaded func(m abi.Manifest)
	// Tracer, when set, traces every plugin call with a span, a child of
	// the span of the call's context, but the calls of a Session: an
	// agent's simulation run makes one per actor and tick. Nil traces
	// nothing, at no cost.
	Tracer trace.Tracer
}

// pluginConfig returns the effective limits and grants of the plugin name.
func (c *Config) pluginConfig(name string) (Limits, Grants) {
	pc := c.Plugins[name]
	return pc.Limits.Or(c.Limits.Or(DefaultLimits)), pc.Grants
}

// checkBinding refuses the plugin name, loaded from file with the content
// sum, when the configuration has an entry for name that does not apply to
// that file: in the plugin folder, plugins.NAME applies to NAME.wasm only,
// so that a file cannot take another plugin's grants, limits and kv
// namespace by declaring its name; anywhere, a pinned sha256 must match. A
// file named on its own (outside the plugin folder, as gatehouse plugin
// call does) is bound by the pin only.
func (c *Config) checkBinding(name, file, sum string) error {
	pc, ok := c.Plugins[name]
	if !ok {
		return nil
	}
	if want := name + ".wasm"; filepath.Base(file) != want && c.inPluginDir(file) {
		return abi.Errorf(abi.CodeCapabilityDenied,
			"declares plugin name %q, whose configuration plugins.%s applies to the file %s only", name, name, want)
	}
	if pc.SHA256 != "" && !strings.EqualFold(pc.SHA256, sum) {
		return abi.Errorf(abi.CodeCapabilityDenied,
			"content sha256 %s is not the one plugins.%s.sha256 pins, %s", sum, name, strings.ToLower(pc.SHA256))
	}
	return nil
}

// inPluginDir reports whether file lies directly in the plugin folder.
func (c *Config) inPluginDir(file string) bool {
	if c.PluginDir == "" {
		return false
	}
	dir, err1 := filepath.Abs(c.PluginDir)
	fdir, err2 := filepath.Abs(filepath.Dir(file))
	return err1 == nil && err2 == nil && dir == fdir
}
