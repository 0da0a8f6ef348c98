package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/gatehouse/gatehouse/abi"
)

// ExtismConfig serves a plain Extism plugin: a module written with any
// Extism PDK, without the Gatehouse exports (abi/README.md, section 5.4). Each export named in Exports serves one component: it gets the
// kind's request as JSON for input and outputs the kind's reply as JSON.
// The plugin's name, under which its configuration is kept, is its file's
// name without ".wasm".
type ExtismConfig struct {
	// Version is the plugin's version in listings. Default "0.0.0".
	Version string `yaml:"version" json:"version,omitempty"`
	// WASI gives the module WASI, inside the host's sandbox: no arguments,
	// environment, files or sockets, and fake clocks unless the clock
	// capability is granted. Plugins built with standard Go need it.
	// Default false.
	WASI bool `yaml:"wasi" json:"wasi"`
	// Config is the Extism configuration the plugin reads with its PDK's
	// config functions.
	Config map[string]string `yaml:"config" json:"config,omitempty"`
	// Exports maps each export of the module that serves a component to
	// the component, as a manifest describes it (kind, name, description,
	// and the fields of its kind: pairs and profiles, attributes,
	// priority). Agents, which need two exports, cannot be served.
	Exports map[string]abi.Component `yaml:"exports" json:"exports"`
}

// Validate reports what keeps the configuration from describing a plugin:
// no exports, a component without a kind or a name, or an agent.
func (x *ExtismConfig) Validate() error {
	if len(x.Exports) == 0 {
		return errors.New("exports: no export is mapped to a component")
	}
	var errs []error
	for _, export := range slices.Sorted(maps.Keys(x.Exports)) {
		c := x.Exports[export]
		switch {
		case c.Kind == abi.KindAgent:
			errs = append(errs, fmt.Errorf("exports.%s.kind: an agent needs two exports (reset and act); an Extism export serves the other kinds only", export))
		case len(c.Kind.Exports()) != 1:
			errs = append(errs, fmt.Errorf("exports.%s.kind: %q is not a kind (actuator, obligation, environment or object)", export, c.Kind))
		case c.Name == "":
			errs = append(errs, fmt.Errorf("exports.%s.name: the component needs a name", export))
		}
	}
	return errors.Join(errs...)
}

// manifest returns the manifest of the plugin name that x describes.
func (x *ExtismConfig) manifest(name string) *abi.Manifest {
	m := &abi.Manifest{ABI: abi.Version, Name: name, Version: x.Version, Description: "a plain Extism plugin"}
	if m.Version == "" {
		m.Version = "0.0.0"
	}
	for _, export := range slices.Sorted(maps.Keys(x.Exports)) {
		c := x.Exports[export]
		if c.Description == "" {
			c.Description = "the Extism export " + export
		}
		m.Components = append(m.Components, c)
	}
	return m
}

// hasMarker reports whether the module exports an ABI marker of any
// version.
func (s *moduleShape) hasMarker() bool {
	return slices.ContainsFunc(s.Exports, func(e string) bool { _, ok := abi.IsMarker(e); return ok })
}

// extismPlugin returns the name and Extism configuration of the plugin in
// file, which exports no ABI marker, or the error that refuses it: err,
// which inspecting its shape gave, said with how to serve it.
func (h *Host) extismPlugin(cfg *Config, file string, shape *moduleShape, err error) (string, *ExtismConfig, error) {
	name := strings.TrimSuffix(filepath.Base(file), ".wasm")
	if x := cfg.Plugins[name].Extism; x != nil {
		return name, x, nil
	}
	var e *abi.Error
	if errors.As(err, &e) && !shape.hasMarker() {
		return "", nil, &abi.Error{Code: e.Code, Message: fmt.Sprintf("%s; a plain Extism plugin is served once its exports are mapped to components under plugins.%s.extism.exports", e.Message, name)}
	}
	return "", nil, err
}

// loadExtism loads the plain Extism plugin name, of module shape, as x
// configures it, compiled with cache.
func (h *Host) loadExtism(ctx context.Context, cfg *Config, cache wazero.CompilationCache, file string, wasm []byte, in *Inspection,
	shape *moduleShape, name string, x *ExtismConfig) (*Plugin, *Inspection, error) {
	shape.Binding, in.Binding = BindingExtism, BindingExtism
	manifest := x.manifest(name)
	in.Manifest = manifest
	if err := errors.Join(x.Validate(), manifest.Validate()); err != nil {
		return nil, in, abi.Errorf(abi.CodeBadManifest, "plugins.%s.extism: %s", name, strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	if err := cfg.checkBinding(name, file, in.SHA256); err != nil {
		return nil, in, err
	}
	exports := map[componentKey]string{}
	for export, c := range x.Exports {
		if !shape.exports[export] {
			return nil, in, abi.Errorf(abi.CodeABIMismatch, "plugins.%s.extism.exports: the module has no export %s", name, export)
		}
		exports[componentKey{c.Kind, c.Name}] = export
	}
	limits, grants := cfg.pluginConfig(name)
	logger := h.logger.With("plugin", name)
	m, err := h.newExtismModule(ctx, cache, wasm, name, limits, grants, logger, x)
	if err != nil {
		return nil, in, err
	}
	return h.newPlugin(ctx, file, in, shape, manifest, limits, grants, logger, &extismExports{m, exports})
}

// newExtismModule compiles the plain Extism plugin name for the limits and
// grants, with cache unless it is nil.
func (h *Host) newExtismModule(ctx context.Context, cache wazero.CompilationCache, wasm []byte, name string,
	limits Limits, grants Grants, logger *slog.Logger, x *ExtismConfig) (*extismModule, error) {
	rc := wazero.NewRuntimeConfig().WithMemoryLimitPages(limits.MemoryPages).WithCloseOnContextDone(true)
	if cache != nil {
		rc = rc.WithCompilationCache(cache)
	}
	return newExtismModule(ctx, wasm, rc, h.wasiConfig(name, limits, grants, logger), limits, grants, logger, x)
}

// CallExtism calls export of the Extism plugin in file once with input
// and returns its output, as `extism call` does: the module needs no
// Gatehouse export. It runs under the host's default limits, its log and
// its WASI output going to the host's log, with the Extism configuration
// and WASI of x and the HTTP hosts and clock of grants. Its compiled code
// is not cached.
func (h *Host) CallExtism(ctx context.Context, file, export string, input []byte, x ExtismConfig, grants Grants) ([]byte, error) {
	wasm, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read plugin: %w", err)
	}
	limits := h.config().Limits.Or(DefaultLimits)
	m, err := h.newExtismModule(ctx, nil, wasm, "", limits, grants, h.logger, &x)
	if err != nil {
		return nil, err
	}
	defer m.close(ctx)
	inst, err := m.instantiate(ctx)
	if err != nil {
		return nil, err
	}
	defer inst.close(ctx)
	out, err := inst.call(ctx, export, input, limits.Timeout, monotonic())
	if err != nil {
		return nil, err
	}
	if uint32(len(out)) > limits.MaxReplyBytes {
		return nil, abi.Errorf(abi.CodeReplyTooLarge, "output of %d bytes exceeds the limit of %d", len(out), limits.MaxReplyBytes)
	}
	return slices.Clone(out), nil
}

// extismExports is a plain Extism module whose exports serve components.
type extismExports struct {
	*extismModule
	exports map[componentKey]string // the Extism export of each component
}

func (m *extismExports) instantiate(ctx context.Context) (instance, error) {
	inst, err := m.extismModule.instantiate(ctx)
	if err != nil {
		return nil, err
	}
	return &extismExportsInstance{extismInstance: inst.(*extismInstance), exports: m.exports}, nil
}

// extismExportsInstance translates the calls of the ABI into calls of the
// Extism exports that serve the components: the msgpack request to JSON,
// the JSON output to the msgpack reply.
type extismExportsInstance struct {
	*extismInstance
	exports map[componentKey]string
	codec   abi.Codec
	reply   []byte // the last reply, valid until the next call
}

// exportKinds maps each call export to its kind, for the kinds served by
// one export.
var exportKinds = func() map[string]abi.Kind {
	out := map[string]abi.Kind{}
	for _, k := range abi.Kinds {
		if e := k.Exports(); len(e) == 1 {
			out[e[0]] = k
		}
	}
	return out
}()

func (i *extismExportsInstance) call(ctx context.Context, export string, req []byte, timeout time.Duration, start int64) ([]byte, error) {
	kind, ok := exportKinds[export]
	if !ok {
		return nil, abi.Errorf(abi.CodeUnsupported, "a plain Extism plugin serves no %s", export)
	}
	var r map[string]any
	if err := i.codec.Unmarshal(req, &r); err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "decode %s request: %v", kind, err)
	}
	name, _ := r["component"].(string)
	target, ok := i.exports[componentKey{kind, name}]
	if !ok {
		return nil, abi.Errorf(abi.CodeNotFound, "no %s %q", kind, name)
	}
	in, err := json.Marshal(r)
	if err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "%s request as JSON: %v", kind, err)
	}
	out, err := i.extismInstance.call(ctx, target, in, timeout, start)
	if err != nil {
		return nil, err
	}
	reply, err := abi.DecodeJSONObject(out)
	if err != nil {
		return nil, abi.Errorf(abi.CodeMalformedReply, "output of the Extism export %s: %v", target, err)
	}
	if i.reply, err = i.codec.Append(i.reply[:0], abi.Reply[map[string]any]{OK: &reply}); err != nil {
		return nil, abi.Errorf(abi.CodeMalformedReply, "output of the Extism export %s: %v", target, err)
	}
	return i.reply, nil
}
