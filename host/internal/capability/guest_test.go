package capability

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
)

// Indices of the host functions in the test guest's invoke export.
const (
	fnKVGet uint64 = iota
	fnKVSet
	fnKVDelete
	fnKVList
	fnHTTPRequest
	fnExec
	fnLog
	fnSinkWrite
	fnPlan
)

// guestBuild is testdata/guest built once for every test.
var guestBuild struct {
	once sync.Once
	wasm []byte
	err  error
	skip string
	// keeper holds the guest compiled in compilationCache: wazero drops
	// compiled code from the cache when no runtime uses it any more.
	keeper wazero.Runtime
}

// compilationCache shares the guest's compiled code between the runtimes
// of the tests.
var compilationCache = wazero.NewCompilationCache()

// runtimeConfig is the configuration of every runtime of the tests.
var runtimeConfig = wazero.NewRuntimeConfig().WithCompilationCache(compilationCache).WithCloseOnContextDone(true)

func TestMain(m *testing.M) {
	code := m.Run()
	ctx := context.Background()
	if guestBuild.keeper != nil {
		guestBuild.keeper.Close(ctx)
	}
	compilationCache.Close(ctx)
	os.Exit(code)
}

// guestWasm returns testdata/guest built for wasip1. It skips the test if
// there is no go command, except under CI=true.
func guestWasm(t *testing.T) []byte {
	t.Helper()
	guestBuild.once.Do(func() {
		goCmd, err := exec.LookPath("go")
		if err != nil {
			guestBuild.skip = "no go command in PATH to build testdata/guest: " + err.Error()
			return
		}
		out := filepath.Join(t.TempDir(), "guest.wasm")
		cmd := exec.Command(goCmd, "build", "-buildmode=c-shared", "-o", out, "./testdata/guest")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if b, err := cmd.CombinedOutput(); err != nil {
			guestBuild.err = fmt.Errorf("build testdata/guest: %v\n%s", err, b)
			return
		}
		if guestBuild.wasm, guestBuild.err = os.ReadFile(out); guestBuild.err != nil {
			return
		}
		ctx := context.Background()
		guestBuild.keeper = wazero.NewRuntimeWithConfig(ctx, runtimeConfig)
		if _, err := guestBuild.keeper.CompileModule(ctx, guestBuild.wasm); err != nil {
			guestBuild.err = fmt.Errorf("compile testdata/guest: %w", err)
		}
	})
	if guestBuild.skip != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(guestBuild.skip)
		}
		t.Skip(guestBuild.skip)
	}
	if guestBuild.err != nil {
		t.Fatal(guestBuild.err)
	}
	return guestBuild.wasm
}

// guest is an instance of the test guest in a runtime of its own, with the
// gatehouse host module.
type guest struct {
	t   *testing.T
	mod api.Module
}

// newGuest instantiates the test guest; the runtime closes with the test.
func newGuest(t *testing.T) *guest {
	t.Helper()
	wasm := guestWasm(t)
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, runtimeConfig)
	t.Cleanup(func() { r.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	if _, err := Instantiate(ctx, r); err != nil {
		t.Fatal(err)
	}
	mod, err := r.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		t.Fatalf("instantiate the guest: %v", err)
	}
	return &guest{t: t, mod: mod}
}

// put copies b into a new buffer of the guest and returns its address and
// length.
func (g *guest) put(b []byte) (ptr, n uint64) {
	g.t.Helper()
	res, err := g.mod.ExportedFunction("alloc").Call(context.Background(), uint64(len(b)))
	if err != nil {
		g.t.Fatalf("alloc: %v", err)
	}
	if !g.mod.Memory().Write(api.DecodeU32(res[0]), b) {
		g.t.Fatal("alloc returned a buffer outside memory")
	}
	return res[0], uint64(len(b))
}

// invoke makes the guest call host function fn with raw arguments, for c.
func (g *guest) invoke(ctx context.Context, c *Caller, fn uint64, args ...uint64) (int32, error) {
	params := make([]uint64, 6)
	params[0] = fn
	copy(params[1:], args)
	res, err := g.mod.ExportedFunction("invoke").Call(WithCaller(ctx, c), params...)
	if err != nil {
		return 0, err
	}
	return api.DecodeI32(res[0]), nil
}

// collect makes the guest collect the pending result for c into a buffer of
// firstCap bytes, and retry with a buffer of the length result returns if
// they do not fit. It returns what the two calls of result returned (-1 for
// no retry) and the bytes collected.
func (g *guest) collect(c *Caller, firstCap uint32) (first, retry int32, data []byte) {
	g.t.Helper()
	res, err := g.mod.ExportedFunction("collect").Call(WithCaller(context.Background(), c), uint64(firstCap))
	if err != nil {
		g.t.Fatalf("collect: %v", err)
	}
	b, ok := g.mod.Memory().Read(abi.UnpackReply(res[0]))
	if !ok || len(b) < 8 {
		g.t.Fatal("collect returned a buffer outside memory")
	}
	first = int32(binary.LittleEndian.Uint32(b))
	retry = int32(binary.LittleEndian.Uint32(b[4:]))
	return first, retry, bytes.Clone(b[8:])
}

// call makes the guest call host function fn for c, passing each of args as
// an address and a length, and collect the outcome. It checks the result
// protocol and returns the result, or the error the guest received.
func (g *guest) call(c *Caller, fn uint64, args ...[]byte) ([]byte, *abi.Error) {
	g.t.Helper()
	var raw []uint64
	for _, a := range args {
		p, n := g.put(a)
		raw = append(raw, p, n)
	}
	n, err := g.invoke(context.Background(), c, fn, raw...)
	if err != nil {
		g.t.Fatalf("invoke: %v", err)
	}
	return g.outcome(c, n)
}

// outcome collects the outcome of a host function that returned n.
func (g *guest) outcome(c *Caller, n int32) ([]byte, *abi.Error) {
	g.t.Helper()
	first, retry, data := g.collect(c, 64)
	size := max(n, -n)
	if got := max(first, retry); got != size || int32(len(data)) != size {
		g.t.Fatalf("host function returned %d, result returned %d then %d with %d bytes", n, first, retry, len(data))
	}
	if again, _, _ := g.collect(c, 64); again != 0 {
		g.t.Fatalf("result returned %d after the pending bytes were collected, want 0", again)
	}
	if n >= 0 {
		return data, nil
	}
	var e abi.Error
	if err := msgpack.Unmarshal(data, &e); err != nil {
		g.t.Fatalf("decode the error: %v", err)
	}
	return nil, &e
}

// newCaller returns a Caller for plugin "test" with grants, logging into
// the returned buffer.
func newCaller(grants Grants) (*Caller, *bytes.Buffer) {
	logs := new(bytes.Buffer)
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("plugin", "test")
	return &Caller{Plugin: "test", Grants: &grants, Logger: logger}, logs
}

// marshal encodes v as msgpack.
func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// unmarshal decodes a msgpack T.
func unmarshal[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := msgpack.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
	return v
}

// wantCode fails the test unless err has the code want.
func wantCode(t *testing.T, err *abi.Error, want abi.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", want)
	}
	if err.Code != want {
		t.Fatalf("error %q, want code %s", err, want)
	}
}
