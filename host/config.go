package host

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/host/internal/capability"
)

// Grants are the capabilities granted to one plugin; see abi/README.md,
// "Capabilities".
type Grants = capability.Grants

// HTTPGrant allows outbound HTTP to listed hosts, and ExecGrant running
// listed programs.
type (
	HTTPGrant = capability.HTTPGrant
	ExecGrant = capability.ExecGrant
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
	// PoolSize is the most instances kept for concurrent calls. Default 4.
	PoolSize int `yaml:"pool_size" json:"pool_size"`
	// MaxReplyBytes is the largest reply accepted. Default 4 MiB.
	MaxReplyBytes uint32 `yaml:"max_reply_bytes" json:"max_reply_bytes"`
	// QuarantineAfter is how many consecutive failures (traps, timeouts,
	// memory exhaustion, malformed or oversized replies) set the plugin
	// aside until it is reloaded. Default 5.
	QuarantineAfter int `yaml:"quarantine_after" json:"quarantine_after"`
}

// DefaultLimits are the limits of a plugin nothing else is configured for.
var DefaultLimits = Limits{
	MemoryPages:     1024,
	Timeout:         5 * time.Second,
	PoolSize:        4,
	MaxReplyBytes:   4 << 20,
	QuarantineAfter: 5,
}

// Or returns l with every zero field taken from def.
func (l Limits) Or(def Limits) Limits {
	if l.MemoryPages == 0 {
		l.MemoryPages = def.MemoryPages
	}
	if l.Timeout == 0 {
		l.Timeout = def.Timeout
	}
	if l.PoolSize == 0 {
		l.PoolSize = def.PoolSize
	}
	if l.MaxReplyBytes == 0 {
		l.MaxReplyBytes = def.MaxReplyBytes
	}
	if l.QuarantineAfter == 0 {
		l.QuarantineAfter = def.QuarantineAfter
	}
	return l
}

// Validate reports the first limit out of range.
func (l Limits) Validate() error {
	switch {
	case l.MemoryPages > 65536:
		return fmt.Errorf("memory_pages %d exceeds 65536 (4 GiB)", l.MemoryPages)
	case l.Timeout < 0:
		return fmt.Errorf("timeout %s is negative", l.Timeout)
	case l.PoolSize < 0:
		return fmt.Errorf("pool_size %d is negative", l.PoolSize)
	case l.QuarantineAfter < 0:
		return fmt.Errorf("quarantine_after %d is negative", l.QuarantineAfter)
	}
	return nil
}

// PluginConfig is the configuration of one plugin, keyed by the plugin's
// manifest name.
type PluginConfig struct {
	Grants Grants `yaml:"grants" json:"grants"`
	Limits Limits `yaml:"limits" json:"limits"`
	// Extism, for a plain Extism plugin (one without the Gatehouse
	// exports), maps its exports to components; the plugin's name is its
	// file's name without ".wasm".
	Extism *ExtismConfig `yaml:"extism" json:"extism,omitempty"`
}

// Config configures a Host. The zero Config is usable: no plugin folder,
// an in-memory compilation cache, no store, default limits, no grants.
type Config struct {
	// PluginDir is the folder scanned and watched for *.wasm files.
	PluginDir string
	// CacheDir holds the compiled-code cache; empty keeps it in memory.
	CacheDir string
	// StorePath is the file of the embedded store behind the kv
	// capability; empty means kv is unavailable.
	StorePath string
	// Limits are the defaults for every plugin.
	Limits Limits
	// Plugins holds per-plugin grants and limits by plugin name.
	Plugins map[string]PluginConfig
	// Watch turns on hot reload of PluginDir.
	Watch bool
	// Logger receives the host's and the plugins' logs; nil uses slog.Default().
	Logger *slog.Logger
	// SkipStart loads plugins without calling their gatehouse_start, for
	// tools that list plugins without serving them (gatehouse plugin
	// list): a start may act outside the host, restoring firewall rules
	// for one.
	SkipStart bool
	// ExecRecorder, when set, receives the exec requests of dry-run grants,
	// which are logged either way, from the goroutines of the calls that
	// make them, so possibly at once; tests use it to check what a plugin
	// would run.
	ExecRecorder ExecRecorder
}

// pluginConfig returns the effective limits and grants of the plugin name.
func (c *Config) pluginConfig(name string) (Limits, Grants) {
	pc := c.Plugins[name]
	return pc.Limits.Or(c.Limits.Or(DefaultLimits)), pc.Grants
}
