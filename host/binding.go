package host

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/interrupt"
)

// Binding is how the host calls into a plugin; see abi/README.md, "Bindings".
type Binding string

// The bindings of ABI v1.
const (
	// BindingNative is the fast path: the host writes requests into the
	// module's memory and calls its exports directly.
	BindingNative Binding = "native"
	// BindingExtism loads modules written with an Extism PDK through the
	// Extism Go SDK.
	BindingExtism Binding = "extism"
)

// Import modules a plugin may use besides the capability module.
const (
	wasiModule   = "wasi_snapshot_preview1"
	extismImport = "extism:host/env"
)

// compiled is a plugin module ready to be instantiated.
type compiled interface {
	instantiate(ctx context.Context) (instance, error)
	close(ctx context.Context) error
}

// instance is one instantiated plugin module. It is never used by two
// goroutines at once.
type instance interface {
	// call calls the export with a msgpack request and stops it after
	// timeout or when ctx is done, with an *abi.Error of code timeout or
	// unavailable. start is when the call began, by monotonic, which the
	// caller has read already. The reply it returns is valid until the
	// next call on the instance.
	call(ctx context.Context, export string, req []byte, timeout time.Duration, start int64) ([]byte, error)
	// memoryPages is the current size of the instance's linear memory.
	memoryPages() uint32
	close(ctx context.Context) error
}

// moduleShape is what the host learns from a compiled module before running
// any of its code: the ABI marker, the binding and the imports.
type moduleShape struct {
	Binding Binding
	// Capabilities are the capabilities whose host functions are imported.
	Capabilities []abi.Capability
	Imports      []string // "module.name", sorted
	Exports      []string // sorted
	exports      map[string]bool
}

// moduleFacts are what a compiled module says of itself that the host
// checks: its functions, exported and imported, and its memories. They are
// kept in the module's description (description.go), so that a later check
// of the same content needs no compiling.
type moduleFacts struct {
	Exports map[string]funcType `json:"exports"`
	Imports []funcImport        `json:"imports"`
	// Memories are the minimum sizes in pages of the exported memories.
	Memories      map[string]uint32 `json:"memories"`
	ImportsMemory bool              `json:"imports_memory"`
}

// funcType is the type of a function.
type funcType struct {
	Params  []api.ValueType `json:"params"`
	Results []api.ValueType `json:"results"`
}

// funcImport is an imported function.
type funcImport struct {
	Module string `json:"module"`
	Name   string `json:"name"`
}

// factsOf returns the facts of the compiled module m.
func factsOf(m wazero.CompiledModule) moduleFacts {
	f := moduleFacts{Exports: map[string]funcType{}, Memories: map[string]uint32{}, ImportsMemory: len(m.ImportedMemories()) > 0}
	for name, def := range m.ExportedFunctions() {
		f.Exports[name] = funcType{Params: def.ParamTypes(), Results: def.ResultTypes()}
	}
	for _, def := range m.ImportedFunctions() {
		mod, name, _ := def.Import()
		f.Imports = append(f.Imports, funcImport{Module: mod, Name: name})
	}
	for name, mem := range m.ExportedMemories() {
		f.Memories[name] = mem.Min()
	}
	return f
}

// checkMemories refuses a module whose exported memories start over
// memoryPages.
func (f *moduleFacts) checkMemories(memoryPages uint32) error {
	names := slices.Sorted(maps.Keys(f.Memories))
	for _, name := range names {
		if pages := f.Memories[name]; pages > memoryPages {
			return abi.Errorf(abi.CodeMemory, "memory %q starts at %d pages, over the limit of %d", name, pages, memoryPages)
		}
	}
	return nil
}

// inspectModule checks the marker and imports of a module by its facts
// and detects its binding.
func inspectModule(m *moduleFacts) (*moduleShape, error) {
	s := &moduleShape{exports: map[string]bool{}}
	var markers []string
	for name := range m.Exports {
		if name == interrupt.StartExport {
			continue // the module's start function, not an export of its own
		}
		s.exports[name] = true
		s.Exports = append(s.Exports, name)
		if v, ok := abi.IsMarker(name); ok {
			markers = append(markers, v)
		}
	}
	slices.Sort(s.Exports)

	slices.Sort(markers)
	switch {
	case len(markers) == 0:
		return s, abi.Errorf(abi.CodeABIMismatch, "no %s export: not a Gatehouse plugin", abi.Marker)
	case len(markers) > 1:
		return s, abi.Errorf(abi.CodeABIMismatch, "plugin declares several ABI versions (v%s); it must declare one", strings.Join(markers, ", v"))
	case !s.exports[abi.Marker]:
		return s, abi.Errorf(abi.CodeABIMismatch, "plugin declares ABI v%s; this host speaks ABI v%d", markers[0], abi.Major)
	}

	usesExtism := false
	var errs []error
	caps := map[abi.Capability]bool{}
	for _, f := range m.Imports {
		mod, name := f.Module, f.Name
		s.Imports = append(s.Imports, mod+"."+name)
		switch mod {
		case wasiModule:
		case extismImport:
			usesExtism = true
		case abi.CapabilityModule:
			c, ok := abi.CapabilityOf(name)
			if !ok {
				errs = append(errs, fmt.Errorf("imports unknown host function %s.%s", mod, name))
			} else if c != "" {
				caps[c] = true
			}
		default:
			errs = append(errs, fmt.Errorf("imports %s.%s from a module the host does not provide", mod, name))
		}
	}
	slices.Sort(s.Imports)
	s.Imports = slices.Compact(s.Imports)
	for _, c := range abi.Capabilities {
		if caps[c] {
			s.Capabilities = append(s.Capabilities, c)
		}
	}

	switch {
	case usesExtism:
		s.Binding = BindingExtism
		if len(caps) > 0 {
			errs = append(errs, fmt.Errorf("an Extism plugin cannot import from %q; use the Extism host functions", abi.CapabilityModule))
		}
	case s.exports[abi.ExportAlloc]:
		s.Binding = BindingNative
		if !s.exports[abi.ExportFree] {
			errs = append(errs, fmt.Errorf("exports %s without %s", abi.ExportAlloc, abi.ExportFree))
		}
		if _, ok := m.Memories["memory"]; !ok {
			errs = append(errs, errors.New("exports no memory named \"memory\""))
		}
		if m.ImportsMemory {
			errs = append(errs, errors.New("imports its memory; a plugin must define its own"))
		}
	default:
		errs = append(errs, fmt.Errorf("neither binding: a native plugin exports %s and %s, an Extism plugin imports %s",
			abi.ExportAlloc, abi.ExportFree, extismImport))
	}
	if s.exports["_start"] {
		errs = append(errs, errors.New("exports _start: it is a WASI command, not a reactor (build Go with -buildmode=c-shared, C with -mexec-model=reactor)"))
	}
	if !s.exports[abi.ExportDescribe] {
		errs = append(errs, fmt.Errorf("no %s export", abi.ExportDescribe))
	}
	errs = append(errs, checkSignatures(m.Exports, s.Binding)...)
	if err := errors.Join(errs...); err != nil {
		return s, &abi.Error{Code: abi.CodeABIMismatch, Message: strings.ReplaceAll(err.Error(), "\n", "; ")}
	}
	return s, nil
}

// checkSignatures reports the exports this ABI names whose signature is
// not the one of the binding.
func checkSignatures(exports map[string]funcType, b Binding) []error {
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	var errs []error
	for name, def := range exports {
		var params, results []api.ValueType
		switch {
		case b == BindingNative && name == abi.ExportAlloc:
			params, results = []api.ValueType{i32}, []api.ValueType{i32}
		case b == BindingNative && name == abi.ExportFree:
			params = []api.ValueType{i32, i32}
		case !callExports[name]:
			continue
		case b == BindingNative:
			params, results = []api.ValueType{i32, i32}, []api.ValueType{i64}
		case b == BindingExtism:
			results = []api.ValueType{i32}
		default:
			continue
		}
		if !slices.Equal(def.Params, params) || !slices.Equal(def.Results, results) {
			errs = append(errs, fmt.Errorf("export %s has signature %s, want %s", name,
				signature(def.Params, def.Results), signature(params, results)))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errs
}

// callExports are the exports that take a request and return a reply.
var callExports = map[string]bool{
	abi.ExportDescribe: true, abi.ExportStart: true, abi.ExportActuate: true, abi.ExportOblige: true,
	abi.ExportEnvironment: true, abi.ExportObject: true, abi.ExportAgentReset: true, abi.ExportAgentAct: true,
}

// signature writes a function type as "(i32, i32) -> i64".
func signature(params, results []api.ValueType) string {
	name := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return name(params) + " -> " + name(results)
}

// checkExports reports the call exports the manifest's kinds need but the
// module lacks.
func (s *moduleShape) checkExports(m *abi.Manifest) error {
	var missing []string
	for _, k := range m.Kinds() {
		for _, e := range k.Exports() {
			if !s.exports[e] {
				missing = append(missing, fmt.Sprintf("%s (for %s components)", e, k))
			}
		}
	}
	if len(missing) > 0 {
		return abi.Errorf(abi.CodeBadManifest, "missing exports: %s", strings.Join(missing, ", "))
	}
	return nil
}

// exportedFunctions returns the call exports of a native instance by name.
func exportedFunctions(mod api.Module) map[string]api.Function {
	fns := map[string]api.Function{}
	for name := range callExports {
		if f := mod.ExportedFunction(name); f != nil {
			fns[name] = f
		}
	}
	return fns
}
