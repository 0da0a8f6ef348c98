package host

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gatehouse/gatehouse/abi"
)

// extismVarBytes bounds the Extism variables of a plain Extism plugin's
// instance.
const extismVarBytes = 1 << 20

// extismModule is a plugin on the Extism binding, compiled by the Extism Go
// SDK into its own runtime.
type extismModule struct {
	plugin *extism.CompiledPlugin
	config wazero.ModuleConfig
	logger *slog.Logger
	log    bool // the log capability is granted
}

// newExtismModule compiles wasm with the Extism SDK. Outbound HTTP goes
// through the SDK's own host function, allowed to the hosts of the http
// grant and nowhere else. A plugin of the Extism binding gets WASI; a plain
// Extism plugin gets it and its Extism configuration from x.
func newExtismModule(ctx context.Context, wasm []byte, rc wazero.RuntimeConfig, mc wazero.ModuleConfig,
	limits Limits, grants Grants, logger *slog.Logger, x *ExtismConfig) (*extismModule, error) {
	manifest := extism.Manifest{
		Wasm:   []extism.Wasm{extism.WasmData{Data: wasm}},
		Memory: &extism.ManifestMemory{MaxPages: limits.MemoryPages},
	}
	wasi := true
	if x != nil {
		manifest.Config, wasi = x.Config, x.WASI
		// Extism variables live in one instance: a plain plugin may use
		// them, up to the SDK's default of 1 MiB.
		manifest.Memory.MaxVarBytes = extismVarBytes
	}
	if grants.HTTP != nil {
		manifest.AllowedHosts = grants.HTTP.Hosts
		manifest.Memory.MaxHttpResponseBytes = grants.HTTP.MaxBytes
	}
	cp, err := extism.NewCompiledPlugin(ctx, manifest, extism.PluginConfig{
		RuntimeConfig: rc,
		EnableWasi:    wasi,
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("compile with extism: %w", err)
	}
	return &extismModule{plugin: cp, config: mc, logger: logger, log: grants.Log}, nil
}

func (m *extismModule) instantiate(ctx context.Context) (instance, error) {
	p, err := m.plugin.Instance(ctx, extism.PluginInstanceConfig{ModuleConfig: m.config})
	if err != nil {
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	p.SetLogger(m.logPlugin)
	return &extismInstance{plugin: p, mem: p.Memory()}, nil
}

func (m *extismModule) logPlugin(level extism.LogLevel, msg string) {
	if !m.log {
		return
	}
	l := slog.LevelInfo
	switch level {
	case extism.LogLevelTrace, extism.LogLevelDebug:
		l = slog.LevelDebug
	case extism.LogLevelWarn:
		l = slog.LevelWarn
	case extism.LogLevelError:
		l = slog.LevelError
	}
	m.logger.Log(context.Background(), l, msg)
}

func (m *extismModule) close(ctx context.Context) error { return m.plugin.Close(ctx) }

// extismInstance is one Extism plugin instance.
type extismInstance struct {
	plugin *extism.Plugin
	mem    api.Memory
}

func (i *extismInstance) call(ctx context.Context, export string, req []byte, timeout time.Duration) ([]byte, error) {
	if !i.plugin.FunctionExists(export) {
		return nil, abi.Errorf(abi.CodeUnsupported, "module does not export %s", export)
	}
	if err := ctx.Err(); err != nil {
		return nil, cancelled(err)
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rc, out, err := i.plugin.CallWithContext(callCtx, export, req)
	if err != nil {
		// The SDK closes the module when the context ends.
		if err := ctx.Err(); err != nil {
			return nil, cancelled(err)
		}
		if callCtx.Err() != nil {
			return nil, abi.Errorf(abi.CodeTimeout, "call exceeded %s", timeout)
		}
		// An error the plugin set through the Extism kernel is the plugin's
		// answer; any other error is a trap or an exit.
		if msg := i.plugin.GetError(); msg != "" {
			return nil, abi.Errorf(abi.CodeInternal, "%s", msg)
		}
		return nil, err
	}
	if rc != 0 {
		return nil, abi.Errorf(abi.CodeInternal, "%s returned %d", export, rc)
	}
	return out, nil
}

func (i *extismInstance) memoryPages() uint32 {
	if i.mem == nil {
		return 0
	}
	return i.mem.Size() / 65536
}

func (i *extismInstance) close(ctx context.Context) error { return i.plugin.Close(ctx) }
