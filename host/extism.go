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
	"github.com/gatehouse/gatehouse/host/internal/stdio"
)

// extismVarBytes bounds the Extism variables of a plain Extism plugin's
// instance.
const extismVarBytes = 1 << 20

// extismModule is a plugin on the Extism binding, compiled by the Extism Go
// SDK into its own runtime.
type extismModule struct {
	plugin *extism.CompiledPlugin
	wasi   wasiConfig
	logger *slog.Logger
	log    bool // the log capability is granted
	// initTimeout bounds the instantiation of each instance, which runs
	// the module's start function.
	initTimeout time.Duration
}

// newExtismModule compiles wasm with the Extism SDK. Outbound HTTP goes
// through the SDK's own host function, allowed to the hosts of the http
// grant and nowhere else. A plugin of the Extism binding gets WASI; a plain
// Extism plugin gets it and its Extism configuration from x.
func newExtismModule(ctx context.Context, wasm []byte, rc wazero.RuntimeConfig, wasi wasiConfig,
	limits Limits, grants Grants, logger *slog.Logger, x *ExtismConfig) (*extismModule, error) {
	manifest := extism.Manifest{
		Wasm:   []extism.Wasm{extism.WasmData{Data: wasm}},
		Memory: &extism.ManifestMemory{MaxPages: limits.MemoryPages},
	}
	enableWASI := true
	if x != nil {
		manifest.Config, enableWASI = x.Config, x.WASI
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
		EnableWasi:    enableWASI,
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("compile with extism: %w", err)
	}
	return &extismModule{plugin: cp, wasi: wasi, logger: logger, log: grants.Log, initTimeout: limits.initTimeout()}, nil
}

func (m *extismModule) instantiate(ctx context.Context) (instance, error) {
	// The runtime closes a module whose start function is still running
	// when initCtx ends.
	initCtx, cancel := context.WithTimeout(ctx, m.initTimeout)
	defer cancel()
	inst := &extismInstance{ctx: initCtx}
	config, out := m.wasi.instance(func() <-chan struct{} { return inst.ctx.Done() })
	inst.out = out
	out.Begin()
	p, err := m.plugin.Instance(initCtx, extism.PluginInstanceConfig{ModuleConfig: config})
	out.End()
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return nil, cancelled(ctx.Err())
	case initCtx.Err() != nil:
		return nil, abi.Errorf(abi.CodeTimeout, "start function: call exceeded %s", m.initTimeout)
	default:
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	p.SetLogger(m.logPlugin)
	inst.plugin, inst.mem = p, p.Memory()
	return inst, nil
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
	// ctx is the context of the call in progress, which ends its sleeps.
	ctx context.Context
	out *stdio.Output // the instance's stdout and stderr
}

func (i *extismInstance) call(ctx context.Context, export string, req []byte, timeout time.Duration, _ int64) ([]byte, error) {
	if !i.plugin.FunctionExists(export) {
		return nil, abi.Errorf(abi.CodeUnsupported, "module does not export %s", export)
	}
	if err := ctx.Err(); err != nil {
		return nil, cancelled(err)
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	i.ctx = callCtx
	i.out.Begin()
	rc, out, err := i.plugin.CallWithContext(callCtx, export, req)
	i.out.End()
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
