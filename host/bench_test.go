package host

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/cputime"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// benchRequest is a ~100-byte environment request; the echo component
// answers with a reply of about the same size.
var benchRequest = abi.EnvironmentRequest{
	Key: "echo",
	Context: abi.Context{
		Subject: map[string]any{"id": "alice@example.org", "role": "operator"},
		Access:  map[string]any{"method": "GET"},
	},
}

// benchCallWasm calls the environment component of the plugin file wasm
// with benchRequest. Besides the time per call it reports the process's
// CPU time per call (cpu-us/op), which waiting for a core on a shared
// machine does not inflate.
func benchCallWasm(b *testing.B, wasm, component string) {
	benchCallConfig(b, Config{}, wasm, component)
}

// benchCallConfig is benchCallWasm on a host of cfg.
func benchCallConfig(b *testing.B, cfg Config, wasm, component string) {
	h := newHostWasm(b, cfg, wasm)
	ctx := context.Background()
	if _, err := h.Environment(ctx, component, benchRequest); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu, n := cputime.Used(b), 0
	for b.Loop() {
		if _, err := h.Environment(ctx, component, benchRequest); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(cputime.Used(b)-cpu)/float64(time.Microsecond)/float64(n), "cpu-us/op")
}

// BenchmarkCallVarying is BenchmarkCallNative/c with replies that change
// from one call to the next (two subjects in turn), so that no reply is
// shared: each is decoded anew.
func BenchmarkCallVarying(b *testing.B) {
	h := newHostWasm(b, Config{}, wasmbuild.C.Plugin(b, "c-basics"))
	ctx := context.Background()
	reqs := [2]abi.EnvironmentRequest{benchRequest, benchRequest}
	reqs[1].Context.Subject = map[string]any{"id": "bob@example.org", "role": "operator"}
	b.ReportAllocs()
	cpu, n := cputime.Used(b), 0
	for b.Loop() {
		if _, err := h.Environment(ctx, "echo", reqs[n%2]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(cputime.Used(b)-cpu)/float64(time.Microsecond)/float64(n), "cpu-us/op")
}

// BenchmarkCallNative calls the environment component echo, the same
// logic in each language, through the native binding of each PDK.
func BenchmarkCallNative(b *testing.B) {
	b.Run("go", func(b *testing.B) { benchCallWasm(b, wasmbuild.Go(b, srcBasics), "echo") })
	b.Run("c", func(b *testing.B) { benchCallWasm(b, wasmbuild.C.Plugin(b, "c-basics"), "echo") })
	b.Run("rust", func(b *testing.B) { benchCallWasm(b, wasmbuild.Rust.Plugin(b, "rs-basics"), "echo") })
	b.Run("zig", func(b *testing.B) { benchCallWasm(b, wasmbuild.Zig.Plugin(b, "zig-basics"), "echo") })
	b.Run("assemblyscript", func(b *testing.B) { benchCallWasm(b, wasmbuild.AssemblyScript.Plugin(b, "as-basics"), "echo") })
}

// BenchmarkCallExtism calls the same component through the Extism binding:
// built with the Extism Go PDK, from the same C source as the native one
// with the Extism kernel's imports, and with the Extism AssemblyScript PDK.
func BenchmarkCallExtism(b *testing.B) {
	b.Run("go", func(b *testing.B) { benchCallWasm(b, wasmbuild.Go(b, srcBasicsExtism), "echo") })
	b.Run("c", func(b *testing.B) { benchCallWasm(b, wasmbuild.C.Plugin(b, "c-echo-extism"), "echo") })
	b.Run("assemblyscript", func(b *testing.B) { benchCallWasm(b, wasmbuild.AssemblyScript.Plugin(b, "as-echo-extism"), "echo") })
}

// BenchmarkCallTraced calls the C plugin of BenchmarkCallNative, the
// quickest call, where a span's cost shows most, with tracing on: every
// call sampled and its span ended into a provider with no exporter.
func BenchmarkCallTraced(b *testing.B) {
	tp := sdktrace.NewTracerProvider()
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	benchCallConfig(b, Config{Tracer: tp.Tracer("bench")}, wasmbuild.C.Plugin(b, "c-basics"), "echo")
}

// BenchmarkInstantiate creates and closes one instance of a standard-Go
// plugin: the cost of growing a pool or replacing a broken instance.
func BenchmarkInstantiate(b *testing.B) {
	for _, src := range []string{srcBasics, srcBasicsExtism} {
		b.Run(filepath.Base(src), func(b *testing.B) {
			h := newHost(b, Config{}, src)
			p := h.reg.Load().components[componentKey{abi.KindEnvironment, "echo"}]
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				inst, err := p.module.instantiate(ctx)
				if err != nil {
					b.Fatal(err)
				}
				inst.close(ctx)
			}
		})
	}
}

// BenchmarkStartWarm loads a folder of the reference plugins into a new host
// from a warm compilation cache, as `gatehouse serve` does at start.
func BenchmarkStartWarm(b *testing.B) {
	dir := b.TempDir()
	for _, src := range []string{srcBasics, srcBasicsExtism, srcKVCounter} {
		copyPlugin(b, wasmbuild.Go(b, src), dir)
	}
	cfg := Config{
		PluginDir: dir,
		CacheDir:  wasmbuild.CacheDir(b, "wazero"),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Plugins:   map[string]PluginConfig{"kvcounter": {Grants: Grants{Log: true, Clock: true, KV: KVGrant{Granted: true}}}},
	}
	ctx := context.Background()
	start := func() *Host {
		h, err := New(cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := h.Start(ctx); err != nil {
			b.Fatal(err)
		}
		return h
	}
	start().Close(ctx) // warm the cache
	for b.Loop() {
		h := start()
		b.StopTimer()
		if n := len(h.Plugins()); n != 3 {
			b.Fatalf("%d plugins loaded, want 3", n)
		}
		h.Close(ctx)
		b.StartTimer()
	}
}
