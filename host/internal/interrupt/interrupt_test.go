package interrupt_test

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/gatehouse/gatehouse/host/internal/interrupt"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// module assembles a module from sections, each an id and its body.
func module(sections ...[]byte) []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range sections {
		out = append(out, s[0], byte(len(s)-1))
		out = append(out, s[1:]...)
	}
	return out
}

// spinner exports "spin", a loop that never ends, "recurse", which calls
// itself twice per call without a loop (2^n calls), and "add", which ends.
var spinner = module(spinnerSections(false)...)

// startSpinner is spinner with spin as its start function, so that it
// never ends its instantiation unless instrumented.
var startSpinner = module(spinnerSections(true)...)

func spinnerSections(start bool) [][]byte {
	var startSection [][]byte
	if start {
		startSection = [][]byte{{8, 0}} // start: spin
	}
	return slices.Concat([][]byte{
		{1, 2, 0x60, 0, 0, 0x60, 1, 0x7f, 1, 0x7f}, // types: () -> (), (i32) -> i32
		{3, 3, 0, 1, 1}, // functions
		{5, 1, 0, 1},    // memory of one page
		{7, 3, 4, 's', 'p', 'i', 'n', 0, 0, 7, 'r', 'e', 'c', 'u', 'r', 's', 'e', 0, 1, 3, 'a', 'd', 'd', 0, 2},
	}, startSection, [][]byte{spinnerCode})
}

var spinnerCode = []byte{10, 3,
	7, 0, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b, // spin: loop br 0 end
	// recurse: if n then n-1 recurse; n-1 recurse; add else 0 end
	25, 0, 0x20, 0, 0x04, 0x7f, 0x20, 0, 0x41, 1, 0x6b, 0x10, 1, 0x20, 0, 0x41, 1, 0x6b, 0x10, 1, 0x6a, 0x05, 0x41, 0, 0x0b, 0x0b,
	7, 0, 0x20, 0, 0x41, 1, 0x6a, 0x0b, // add: n + 1
}

func instantiate(t *testing.T, wasm []byte) (api.Module, api.MutableGlobal) {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	t.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	out, err := interrupt.Instrument(wasm)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := rt.InstantiateWithConfig(ctx, out, wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		t.Fatal(err)
	}
	g, ok := mod.ExportedGlobal(interrupt.Export).(api.MutableGlobal)
	if !ok {
		t.Fatalf("no mutable global %s exported", interrupt.Export)
	}
	return mod, g
}

func TestInterrupt(t *testing.T) {
	for _, tt := range []struct {
		wasm []byte
		fn   string
		args []uint64
	}{
		{spinner, "spin", nil},
		{spinner, "recurse", []uint64{200}},
		// A start function runs when the host calls it, not during
		// instantiation, which cannot be interrupted.
		{startSpinner, interrupt.StartExport, nil},
	} {
		t.Run(tt.fn, func(t *testing.T) { interrupts(t, tt.wasm, tt.fn, tt.args...) })
	}
}

// interrupts checks that fn of wasm, called with args, runs on until the
// interrupt is set, and then traps.
func interrupts(t *testing.T, wasm []byte, fn string, args ...uint64) {
	t.Helper()
	mod, stop := instantiate(t, wasm)
	done := make(chan error, 1)
	go func() {
		_, err := mod.ExportedFunction(fn).Call(context.Background(), args...)
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	// A garbage collection stops the world: the module must leave
	// native code for it now and then.
	runtime.GC()
	stop.Set(1)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "unreachable") {
			t.Errorf("error %v, want a trap at unreachable", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the module did not stop")
	}
}

// checked exports functions with and without checks: "leaf" (no loop, no
// call), "leafloop" (a loop that turns once, no call), "caller" (calls
// leaf when its argument is not 0), and "a", which calls itself through b,
// each calling the other twice through call_indirect without a loop (2^n
// calls).
const checked = `(module
  (memory 1)
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $a $b)
  (func $leaf (export "leaf") (param i32) (result i32)
    local.get 0 i32.const 1 i32.add)
  (func (export "leafloop") (param i32) (result i32)
    (loop $l) local.get 0)
  (func (export "caller") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (call $leaf (local.get 0)))
      (else (i32.const 0))))
  (func $a (export "a") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add
        (call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1)) (i32.const 1))
        (call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1)) (i32.const 1))))
      (else (i32.const 0))))
  (func $b (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add
        (call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))
        (call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))))
      (else (i32.const 0)))))`

// TestChecks checks where the checks are: with the interrupt set, a leaf
// without a loop runs any number of times, as it has none, while a leaf
// with a loop and a function with a call trap within Period calls.
func TestChecks(t *testing.T) {
	wasm, err := os.ReadFile(wasmbuild.WAT(t, checked))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		fn      string
		checked bool
	}{
		{"leaf", false},
		{"leafloop", true},
		{"caller", true}, // called with 0, so it does not call: its own entry check
	} {
		t.Run(tt.fn, func(t *testing.T) {
			mod, stop := instantiate(t, wasm)
			stop.Set(1)
			f := mod.ExportedFunction(tt.fn)
			var err error
			for range 2 * interrupt.Period {
				if _, err = f.Call(context.Background(), 0); err != nil {
					break
				}
			}
			switch {
			case tt.checked && (err == nil || !strings.Contains(err.Error(), "unreachable")):
				t.Errorf("%d calls with the interrupt set: error %v, want a trap at unreachable", 2*interrupt.Period, err)
			case !tt.checked && err != nil:
				t.Errorf("a leaf without a loop trapped, so it has a check: %v", err)
			}
		})
	}
}

// TestHostileIndirectRecursion checks that functions calling each other
// through a table, without a loop, are stopped: the calls pass their entry
// checks.
func TestHostileIndirectRecursion(t *testing.T) {
	wasm, err := os.ReadFile(wasmbuild.WAT(t, checked))
	if err != nil {
		t.Fatal(err)
	}
	interrupts(t, wasm, "a", 200)
}

func TestInstrumentKeepsBehaviour(t *testing.T) {
	mod, _ := instantiate(t, spinner)
	res, err := mod.ExportedFunction("add").Call(context.Background(), 41)
	if err != nil || res[0] != 42 {
		t.Fatalf("add(41) = %v, %v; want 42", res, err)
	}
	res, err = mod.ExportedFunction("recurse").Call(context.Background(), 3)
	if err != nil || res[0] != 0 {
		t.Fatalf("recurse(3) = %v, %v; want 0", res, err)
	}
}

// TestInstrumentModules instruments a standard-Go plugin, the hostile
// suite's endless loop, and checks that wazero accepts the result; the
// host's tests run every plugin instrumented.
func TestInstrumentModules(t *testing.T) {
	wasm, err := os.ReadFile(wasmbuild.Go(t, "host/testdata/hostile/loop"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := interrupt.Instrument(wasm)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	if _, err := rt.CompileModule(ctx, out); err != nil {
		t.Errorf("instrumented module does not compile: %v", err)
	}
}

func TestInstrumentRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		wasm []byte
		want string
	}{
		{"empty", nil, "bad magic"},
		{"version 2", []byte("\x00asm\x02\x00\x00\x00"), "bad magic"},
		{"truncated section", []byte("\x00asm\x01\x00\x00\x00\x01\x05\x01"), "section 1 at offset 0x8: unexpected end"},
		{"unknown section", module([]byte{99, 0}), "unknown id 99"},
		{"unknown opcode", module([]byte{1, 1, 0x60, 0, 0}, []byte{3, 1, 0}, []byte{5, 1, 0, 1}, []byte{10, 1, 2, 0, 0xff}),
			"function body 0: instruction 0xff at offset 0x1: unknown opcode"},
		{"no memory", module([]byte{1, 1, 0x60, 0, 0}, []byte{3, 1, 0}, []byte{10, 1, 2, 0, 0x0b}), "the module has no memory"},
		{"export taken", module([]byte{5, 1, 0, 1}, []byte{6, 1, 0x7f, 1, 0x41, 0, 0x0b},
			append([]byte{7, 1, byte(len(interrupt.Export))}, append([]byte(interrupt.Export), 3, 0)...)),
			"exports \"gatehouse.interrupt\" itself"},
		{"start export taken", module([]byte{1, 1, 0x60, 0, 0}, []byte{3, 1, 0}, []byte{5, 1, 0, 1},
			append([]byte{7, 1, byte(len(interrupt.StartExport))}, append([]byte(interrupt.StartExport), 0, 0)...),
			[]byte{10, 1, 2, 0, 0x0b}),
			"exports \"gatehouse.start\" itself"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := interrupt.Instrument(tt.wasm)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// FuzzInstrument checks that Instrument never panics, and that whatever
// wazero compiles it either refuses or instruments into a module wazero
// compiles too. The corpus starts from the hand-assembled modules above.
func FuzzInstrument(f *testing.F) {
	f.Add(spinner)
	f.Add(startSpinner)
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	f.Fuzz(func(t *testing.T, wasm []byte) {
		in := bytes.Clone(wasm)
		out, err := interrupt.Instrument(wasm)
		if !bytes.Equal(in, wasm) {
			t.Fatal("Instrument changed its input")
		}
		if _, cerr := rt.CompileModule(ctx, wasm); cerr != nil || err != nil {
			return
		}
		if _, err := rt.CompileModule(ctx, out); err != nil {
			t.Fatalf("instrumented module does not compile: %v", err)
		}
	})
}
