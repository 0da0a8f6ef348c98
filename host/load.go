package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/capability"
	"github.com/gatehouse/gatehouse/host/internal/interrupt"
	"github.com/gatehouse/gatehouse/host/internal/stdio"
)

// Inspection is what the host learns of a plugin file without serving it:
// the module's shape and, when the module got that far, its manifest.
type Inspection struct {
	File         string           `json:"file"`
	SHA256       string           `json:"sha256"`
	Size         int              `json:"size"`
	Binding      Binding          `json:"binding,omitempty"`
	Imports      []string         `json:"imports"`
	Exports      []string         `json:"exports"`
	Capabilities []abi.Capability `json:"capabilities_imported"`
	Manifest     *abi.Manifest    `json:"manifest,omitempty"`
	// Problems are what keeps the plugin from serving, or will keep it from
	// working, under the host's configuration.
	Problems []*abi.Error `json:"problems"`
}

// Inspect loads file as LoadFile would, without serving it, and reports
// what it found. It does not call the plugin's gatehouse_start, which may
// act outside the host. It returns an error only when the file cannot be
// read or the host is closed.
func (h *Host) Inspect(ctx context.Context, file string) (*Inspection, error) {
	wasm, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read plugin: %w", err)
	}
	ctx, done, ok := h.beginLoad(ctx)
	if !ok {
		return nil, errClosed(file)
	}
	defer done()
	p, in, err := h.load(ctx, h.config(), file, wasm)
	if err != nil {
		in.Problems = append(in.Problems, asABIError(err))
		return in, nil
	}
	defer p.close(ctx)
	for _, c := range p.Manifest.Capabilities {
		if !p.grants.Has(c) {
			in.Problems = append(in.Problems, abi.Errorf(abi.CodeCapabilityDenied,
				"asks for capability %s, not granted (grant it under %s)", c, capability.ConfigKey(p.Manifest.Name, c)))
		}
	}
	return in, nil
}

// load compiles, inspects and describes wasm, checks its manifest, imports
// and grants, and returns a plugin ready to serve with one warm instance.
// On failure it returns what it learned so far with an *abi.Error.
//
// The plugin holds the compilation cache of its content until it is
// closed; a load that fails gives it back at once.
func (h *Host) load(ctx context.Context, cfg *Config, file string, wasm []byte) (p *Plugin, in *Inspection, err error) {
	in = &Inspection{File: file, SHA256: sha256Hex(wasm), Size: len(wasm)}
	cache, err := h.caches.Acquire(in.SHA256)
	if err != nil {
		return nil, in, err
	}
	defer func() {
		if p == nil {
			h.releaseCache(ctx, in.SHA256)
		} else {
			p.conf = cfg
		}
	}()

	defaults := cfg.Limits.Or(DefaultLimits)
	var cw *compiledWasm
	var shape *moduleShape
	var manifest *abi.Manifest
	cached := false
	if h.cfg.DescribeOnly {
		shape, manifest, cached = h.described(in.SHA256, defaults)
		in.setShape(shape)
	}
	if !cached {
		cw, err = h.compile(ctx, cache, wasm, defaults.MemoryPages)
		if cw != nil {
			in.setShape(cw.shape)
		}
		if err != nil && cw != nil && cw.shape != nil && !cw.shape.hasMarker() {
			name, x, err := h.extismPlugin(cfg, file, cw.shape, err)
			if err != nil {
				return nil, in, err
			}
			return h.loadExtism(ctx, cfg, cache, file, wasm, in, cw.shape, name, x)
		}
		if err != nil {
			return nil, in, err
		}
		var reply []byte
		manifest, reply, err = h.describe(ctx, cw, wasm, defaults)
		if err != nil {
			cw.close(ctx)
			return nil, in, err
		}
		h.keepDescription(in.SHA256, cw.facts, reply)
		shape = cw.shape
	}
	in.Manifest = manifest

	for _, c := range manifest.SkipUnknownKinds() {
		h.logger.Warn("plugin component of a kind this host does not know skipped", "file", file,
			"plugin", manifest.Name, "abi", manifest.ABI, "kind", c.Kind, "component", c.Name)
	}
	for _, c := range manifest.Components {
		if c.Kind == abi.KindActuator && len(c.Pairs) == 0 || c.Kind == abi.KindEnvironment && len(c.Attributes) == 0 {
			h.logger.Warn("plugin component declares nothing it answers, so it is never asked", "file", file,
				"plugin", manifest.Name, "kind", c.Kind, "component", c.Name)
		}
	}
	limits, grants := cfg.pluginConfig(manifest.Name)
	if err = manifest.Validate(); err != nil {
		err = &abi.Error{Code: abi.CodeBadManifest, Message: strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	if err == nil {
		err = cfg.checkBinding(manifest.Name, file, in.SHA256)
	}
	if err == nil {
		err = shape.checkExports(manifest)
	}
	if err == nil {
		err = checkCapabilities(manifest, shape, grants)
	}
	if h.cfg.DescribeOnly {
		cw.close(ctx)
		if err != nil {
			return nil, in, err
		}
		return h.newPlugin(ctx, file, in, shape, manifest, limits, grants, h.logger.With("plugin", manifest.Name), describedModule{})
	}
	if err == nil && limits.MemoryPages != defaults.MemoryPages {
		cw.close(ctx)
		cw, err = h.compile(ctx, cache, wasm, limits.MemoryPages)
	}
	if err != nil {
		cw.close(ctx)
		return nil, in, err
	}
	logger := h.logger.With("plugin", manifest.Name)
	m, err := h.bind(ctx, cw, wasm, manifest.Name, limits, grants, logger)
	if err != nil {
		return nil, in, err
	}
	return h.newPlugin(ctx, file, in, shape, manifest, limits, grants, logger, m)
}

// newPlugin returns the plugin of module m, ready to serve with one warm
// instance (none when the host only describes plugins), or what it learned
// with an error.
func (h *Host) newPlugin(ctx context.Context, file string, in *Inspection, shape *moduleShape, manifest *abi.Manifest,
	limits Limits, grants Grants, logger *slog.Logger, m compiled) (*Plugin, *Inspection, error) {
	p := &Plugin{
		File:       file,
		SHA256:     in.SHA256,
		Binding:    shape.Binding,
		Manifest:   *manifest,
		Limits:     limits,
		LoadedAt:   time.Now(),
		grants:     grants,
		logger:     logger,
		starts:     shape.exports[abi.ExportStart],
		module:     m,
		components: map[componentKey]*component{},
		host:       h,
	}
	p.pool = newPool(limits.PoolSize, m.instantiate)
	for _, c := range manifest.Components {
		p.components[componentKey{c.Kind, c.Name}] = &component{metrics: h.metrics.component(manifest.Name, c)}
	}
	if h.cfg.DescribeOnly {
		return p, in, nil
	}
	inst, err := p.pool.get(ctx)
	if err != nil {
		_ = m.close(ctx)
		return nil, in, fmt.Errorf("first instance: %w", err)
	}
	p.pool.put(inst, false)
	return p, in, nil
}

// setShape records the module shape sh, when there is one.
func (in *Inspection) setShape(sh *moduleShape) {
	if sh != nil {
		in.Binding, in.Imports, in.Exports, in.Capabilities = sh.Binding, sh.Imports, sh.Exports, sh.Capabilities
	}
}

// compiledWasm is a module compiled in a runtime of its own, with WASI and
// the capability module ready for the native binding.
type compiledWasm struct {
	rt     wazero.Runtime
	rc     wazero.RuntimeConfig
	module wazero.CompiledModule
	facts  moduleFacts
	shape  *moduleShape
}

func (cw *compiledWasm) close(ctx context.Context) {
	if cw != nil {
		_ = cw.rt.Close(ctx)
	}
}

// compile compiles wasm, instrumented by package interrupt, in a new
// runtime limited to memoryPages, with the compilation cache of wasm, and
// inspects it. On an error after compiling, it returns the shape so far
// and closes the runtime.
func (h *Host) compile(ctx context.Context, cache wazero.CompilationCache, wasm []byte, memoryPages uint32) (*compiledWasm, error) {
	instrumented, err := interrupt.Instrument(wasm)
	if err != nil {
		return nil, abi.Errorf(abi.CodeABIMismatch, "not a valid WebAssembly module: %v", err)
	}
	cw := &compiledWasm{rc: wazero.NewRuntimeConfig().
		WithCompilationCache(cache).
		WithMemoryLimitPages(memoryPages)}
	cw.rt = wazero.NewRuntimeWithConfig(ctx, cw.rc)
	if cw.module, err = cw.rt.CompileModule(ctx, instrumented); err != nil {
		cw.close(ctx)
		return nil, abi.Errorf(abi.CodeABIMismatch, "not a valid WebAssembly module: %v", err)
	}
	cw.facts = factsOf(cw.module)
	if cw.shape, err = inspectModule(&cw.facts); err != nil {
		cw.close(ctx)
		return cw, err
	}
	if err = cw.facts.checkMemories(memoryPages); err != nil {
		cw.close(ctx)
		return cw, err
	}
	if cw.shape.Binding == BindingNative {
		if _, err = wasi_snapshot_preview1.Instantiate(ctx, cw.rt); err == nil {
			_, err = capability.Instantiate(ctx, cw.rt)
		}
		if err != nil {
			cw.close(ctx)
			return cw, fmt.Errorf("instantiate host modules: %w", err)
		}
	}
	return cw, nil
}

// bind returns the module of cw on its binding, for the given limits and
// grants. A native module takes over cw's runtime; an Extism module is
// compiled anew by the Extism SDK, from wasm as it is, and cw is closed.
// The plugin's name is empty for the module that describes it.
func (h *Host) bind(ctx context.Context, cw *compiledWasm, wasm []byte, name string, limits Limits, grants Grants, logger *slog.Logger) (compiled, error) {
	wasi := h.wasiConfig(name, limits, grants, logger)
	if cw.shape.Binding == BindingExtism {
		cw.close(ctx)
		// The SDK holds calls to their timeout by closing the module when
		// the context of the call ends.
		return newExtismModule(ctx, wasm, cw.rc.WithCloseOnContextDone(true), wasi, limits, grants, logger, nil)
	}
	return &nativeModule{
		rt:          cw.rt,
		module:      cw.module,
		wasi:        wasi,
		caller:      h.caller(name, grants, logger),
		initTimeout: limits.initTimeout(),
	}, nil
}

// caller returns the capability environment of the plugin name's calls.
func (h *Host) caller(name string, grants Grants, logger *slog.Logger) capability.Caller {
	c := capability.Caller{Plugin: name, Grants: &grants, Logger: logger, Record: h.cfg.ExecRecorder}
	if grants.KV.Granted && h.store != nil {
		c.KV = h.store.Namespace(name).WithMaxBytes(grants.KV.Quota())
	}
	return c
}

// wasiConfig is the WASI configuration of a plugin's instances: no
// arguments, environment, files or sockets, and no start functions (the
// host calls them); stdout and stderr go to the log within the plugin's
// output limits; real clocks only with the clock capability.
type wasiConfig struct {
	mc    wazero.ModuleConfig
	clock bool
	stdio *stdio.Budget
}

// wasiConfig returns the WASI configuration of the plugin name. Its output
// is counted in the metrics unless name is empty.
func (h *Host) wasiConfig(name string, limits Limits, grants Grants, logger *slog.Logger) wasiConfig {
	mc := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions().
		WithRandSource(rand.Reader)
	if grants.Clock {
		mc = mc.WithSysWalltime().WithSysNanotime()
	}
	var count stdio.Counter
	if name != "" {
		count = h.metrics.outputCounter(name)
	}
	out := stdio.Limits{PerCall: limits.MaxOutputBytes, PerSecond: limits.OutputBytesPerSecond}
	return wasiConfig{mc: mc, clock: grants.Clock, stdio: stdio.NewBudget(logger, out, count)}
}

// instance returns the configuration of a new instance and its output,
// where its stdout and stderr go. With the clock capability, its WASI
// sleeps (poll_oneoff on a clock) really sleep, but end early when the
// channel that done returns, that of the call in progress, is closed; done
// is called on the goroutine of the call. Without it, sleeps return at
// once.
func (w wasiConfig) instance(done func() <-chan struct{}) (wazero.ModuleConfig, *stdio.Output) {
	out := w.stdio.NewOutput()
	mc := w.mc.WithStdout(out.Stdout()).WithStderr(out.Stderr())
	if w.clock {
		mc = mc.WithNanosleep(func(ns int64) {
			t := time.NewTimer(time.Duration(ns))
			defer t.Stop()
			select {
			case <-t.C:
			case <-done():
			}
		})
	}
	return mc, out
}

// describe asks a fresh instance of cw, with no capabilities granted, for
// its manifest. It returns the manifest and the reply it came in.
func (h *Host) describe(ctx context.Context, cw *compiledWasm, wasm []byte, limits Limits) (*abi.Manifest, []byte, error) {
	probe, err := h.bind(ctx, cw, wasm, "", limits, Grants{}, h.logger)
	if err != nil {
		return nil, nil, err
	}
	if cw.shape.Binding == BindingExtism {
		defer probe.close(ctx)
	}
	inst, err := probe.instantiate(ctx)
	if err != nil {
		p := &Plugin{Limits: limits}
		return nil, nil, p.classify(err, nil)
	}
	defer inst.close(ctx)
	c := codecs.Get().(*codec)
	defer codecs.Put(c)
	req, err := c.encode(abi.DescribeRequest{HostABI: abi.Version})
	if err != nil {
		return nil, nil, err
	}
	raw, err := inst.call(ctx, abi.ExportDescribe, req, limits.Timeout, monotonic())
	if err != nil {
		p := &Plugin{Limits: limits}
		return nil, nil, p.classify(err, inst)
	}
	if uint32(len(raw)) > limits.MaxReplyBytes {
		return nil, nil, abi.Errorf(abi.CodeReplyTooLarge, "manifest of %d bytes exceeds the limit of %d", len(raw), limits.MaxReplyBytes)
	}
	var manifest abi.Manifest
	if e := decodeReply(c, raw, &manifest); e != nil {
		return nil, nil, &abi.Error{Code: abi.CodeBadManifest, Message: "describe: " + e.Error()}
	}
	return &manifest, bytes.Clone(raw), nil
}

// checkCapabilities refuses a module that imports a capability its manifest
// does not declare or the configuration does not grant.
func checkCapabilities(m *abi.Manifest, shape *moduleShape, grants Grants) error {
	var undeclared, ungranted []string
	for _, c := range shape.Capabilities {
		if !slices.Contains(m.Capabilities, c) {
			undeclared = append(undeclared, string(c))
		}
		if !grants.Has(c) {
			ungranted = append(ungranted, fmt.Sprintf("%s (grant it under %s)", c, capability.ConfigKey(m.Name, c)))
		}
	}
	if len(ungranted) > 0 {
		return abi.Errorf(abi.CodeCapabilityDenied, "imports capabilities not granted: %s", strings.Join(ungranted, ", "))
	}
	if len(undeclared) > 0 {
		return abi.Errorf(abi.CodeBadManifest, "imports capabilities its manifest does not declare: %s", strings.Join(undeclared, ", "))
	}
	return nil
}
