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

// The Rust plugins are built with the /usr/bin/rustc commands at the top of
// their plugins-src/rust/<name>/src/lib.rs, the kit as an rlib first, so the
// tests prove the documented commands.
const (
	rsBasics = "rs-basics"
	// rustc is Debian's, whose wasm32 standard library comes as a package;
	// a rustup toolchain in PATH may lack the target.
	rustc = "/usr/bin/rustc"
	// The Debian packages of the Rust toolchain.
	rustPackages = "rustc libstd-rust-dev-wasm32"
)

var (
	rustMu    sync.Mutex
	rustBuilt = map[string]string{} // name → wasm file, once per process
)

// rustToolchainMissing skips the test, or fails it when CI=true.
func rustToolchainMissing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + "; install the Debian packages " + rustPackages
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// rustBuildCommands returns the build commands written at the top of the
// plugin's src/lib.rs (lines starting with /usr/bin/rustc in its first doc
// comment), split into arguments: the kit's, then the plugin's.
func rustBuildCommands(t testing.TB, root, name string) [][]string {
	t.Helper()
	src := filepath.Join(root, "plugins-src", "rust", name, "src", "lib.rs")
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(text, "//!") {
			break
		}
		if line := strings.TrimSpace(strings.TrimPrefix(text, "//!")); strings.HasPrefix(line, rustc+" ") {
			cmds = append(cmds, strings.Fields(line))
		}
	}
	if len(cmds) != 2 {
		t.Fatalf("%s: want 2 build commands (the kit's, then the plugin's) starting with %s in its first doc comment, found %d", src, rustc, len(cmds))
	}
	return cmds
}

// argValue returns the index of the value of flag in args.
func argValue(t testing.TB, args []string, flag string) int {
	t.Helper()
	i := slices.Index(args, flag)
	if i < 0 || i+1 == len(args) {
		t.Fatalf("build command has no %s VALUE: %q", flag, args)
	}
	return i + 1
}

// buildRust builds the Rust plugin plugins-src/rust/<name> with the kit and
// returns the .wasm file. Builds are cached by the hash of the commands,
// of rustc's version and of every Rust source of the kit and the plugins.
func buildRust(t testing.TB, name string) string {
	t.Helper()
	if _, err := os.Stat(rustc); err != nil {
		rustToolchainMissing(t, "Rust plugins need %s: %v", rustc, err)
	}
	version, err := exec.Command(rustc, "--version").Output()
	if err != nil {
		rustToolchainMissing(t, "%s --version: %v", rustc, err)
	}
	sysroot, err := exec.Command(rustc, "--print", "sysroot").Output()
	if err != nil {
		rustToolchainMissing(t, "%s --print sysroot: %v", rustc, err)
	}
	std := filepath.Join(strings.TrimSpace(string(sysroot)), "lib", "rustlib", "wasm32-unknown-unknown", "lib")
	if libs, _ := filepath.Glob(filepath.Join(std, "libstd-*.rlib")); len(libs) == 0 {
		rustToolchainMissing(t, "no standard library for wasm32-unknown-unknown in %s", std)
	}

	rustMu.Lock()
	defer rustMu.Unlock()
	if out, ok := rustBuilt[name]; ok {
		return out
	}
	root := gowasm.ModuleRoot(t)
	cmds := rustBuildCommands(t, root, name)
	kit, plugin := cmds[0][1:], cmds[1][1:]
	kitOut, pluginOut := argValue(t, kit, "-o"), argValue(t, plugin, "-o")
	ext := slices.IndexFunc(plugin, func(a string) bool { return strings.HasPrefix(a, "gatehouse_pdk=") })
	if ext < 0 || strings.TrimPrefix(plugin[ext], "gatehouse_pdk=") != kit[kitOut] {
		t.Fatalf("the plugin's build command must take the kit with --extern gatehouse_pdk=%s: %q", kit[kitOut], plugin)
	}

	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n%q\n%q\n", rustc, version, slices.Concat(kit[:kitOut-1], kit[kitOut+1:]),
		slices.Concat(plugin[:pluginOut-1], plugin[pluginOut+1:]))
	for _, dir := range []string{"abi/pdk/rust", "plugins-src/rust"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rs") {
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
	cache := gowasm.CacheDir(t, "wasm-rust")
	wasm := filepath.Join(cache, name+"-"+sum+".wasm")
	if _, err := os.Stat(wasm); err == nil {
		rustBuilt[name] = wasm
		return wasm
	}
	// Build in a folder of this process and rename, as other test processes
	// may build the same plugin at the same time.
	tmp, err := os.MkdirTemp(cache, name+"-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	rlib := filepath.Join(tmp, "libgatehouse_pdk.rlib")
	kit[kitOut] = rlib
	plugin[ext] = "gatehouse_pdk=" + rlib
	plugin[pluginOut] = filepath.Join(tmp, name+".wasm")
	for _, args := range [][]string{kit, plugin} {
		cmd := exec.Command(rustc, args...)
		cmd.Dir = root
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("build %s: %s %s: %v\n%s", name, rustc, strings.Join(args, " "), err, b)
		}
		if len(b) > 0 {
			t.Errorf("build %s: rustc warns:\n%s", name, b)
		}
	}
	if err := os.Rename(plugin[pluginOut], wasm); err != nil {
		t.Fatal(err)
	}
	rustBuilt[name] = wasm
	return wasm
}

// newRustHost serves rs-basics beside its Go twin basics.
func newRustHost(t testing.TB) *Host {
	t.Helper()
	return newHostWasm(t, Config{}, buildRust(t, rsBasics), gowasm.Build(t, srcBasics))
}

// rustTwins maps the components of rs-basics to their Go twins in basics.
var rustTwins = map[string]string{
	"agent/rs-greedy":              "agent/greedy",
	"obligation/rs-require-reason": "obligation/require-reason",
	"environment/echo":             "environment/echo",
}

func TestRustPluginsLoad(t *testing.T) {
	h := newRustHost(t)
	st := status(t, h, "rs-basics.wasm")
	if st.Status != StatusOK || st.Binding != BindingNative {
		t.Fatalf("rs-basics: status %s (%s), binding %s; want OK, native", st.Status, st.Message, st.Binding)
	}
	components := func(file string) map[string]abi.Component {
		out := map[string]abi.Component{}
		for _, c := range status(t, h, file).Components {
			out[string(c.Kind)+"/"+c.Name] = c
		}
		return out
	}
	goc, rc := components("basics.wasm"), components("rs-basics.wasm")
	if len(rc) != len(rustTwins) {
		t.Errorf("rs-basics components = %v, want %d", slices.Sorted(maps.Keys(rc)), len(rustTwins))
	}
	for r, g := range rustTwins {
		got, want := rc[r], goc[g]
		got.Name, want.Name = "", ""
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rs-basics %s = %+v\nwant (as %s of basics) %+v", r, got, g, want)
		}
	}
}

func TestRustEchoEnvironmentMatchesGo(t *testing.T) {
	echoMatchesGo(t, newRustHost(t), "rs-basics/echo")
}

func TestRustRequireReasonMatchesGo(t *testing.T) {
	requireReasonMatchesGo(t, newRustHost(t), "rs-basics/rs-require-reason")
}

func TestRustGreedyMatchesGo(t *testing.T) { greedyMatchesGo(t, newRustHost(t), "rs-basics/rs-greedy") }

// TestRustKitRequests sends rs-basics, outside the host, requests no host
// would: the kit must answer each with one well-formed envelope.
func TestRustKitRequests(t *testing.T) {
	m := newRawModule(t, buildRust(t, rsBasics))
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
		{"component of another kind", abi.ExportEnvironment, env(abi.EnvironmentRequest{Component: "rs-greedy"}), abi.CodeNotFound, "", nil},
		{"kind without components", abi.ExportActuate, env(abi.ActuateRequest{Component: "echo"}), abi.CodeNotFound, `no actuator "echo"`, nil},
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
		{"huge claimed array", abi.ExportAgentReset, []byte("\x82\xa9component\xa9rs-greedy\xa5goals\xdd\xff\xff\xff\xff"), abi.CodeInvalidRequest, "goals", nil},
		{"huge claimed string", abi.ExportEnvironment, []byte("\x81\xa3key\xdb\xff\xff\xff\xf0ab"), abi.CodeInvalidRequest, "", nil},
		{"float for int", abi.ExportAgentReset, env(map[string]any{"component": "rs-greedy", "seed": 1.5}), abi.CodeInvalidRequest, "seed: not an integer", nil},
		{"uint64 out of range", abi.ExportAgentReset, []byte("\x82\xa9component\xa9rs-greedy\xa4seed\xcf\xff\xff\xff\xff\xff\xff\xff\xff"), abi.CodeInvalidRequest, "seed: out of range", nil},
		{"int for float", abi.ExportAgentAct, env(map[string]any{"component": "rs-greedy", "actor": "nobody",
			"observation": map[string]any{"choices": []any{map[string]any{"kind": "wait", "risk": 1}}}}), abi.CodeInvalidRequest, "has no run", nil},
		{"ext is skipped", abi.ExportEnvironment, []byte("\x82\xa9component\xa4echo\xa1x\xd6\xff\x00\x00\x00\x01"), "", "", nil},
		{"agent reset", abi.ExportAgentReset, env(abi.AgentResetRequest{Component: "rs-greedy", Actor: "a", Goals: []string{"g"}}), "", "", map[string]any{}},
		{"agent act", abi.ExportAgentAct, env(abi.AgentActRequest{Component: "rs-greedy", Actor: "a",
			Observation: abi.Observation{Choices: []abi.Action{{Kind: "wait", Risk: 0.5, Time: 2}, {Kind: "move", Target: "g", Time: 3}}}}),
			"", "", map[string]any{"action": map[string]any{"kind": "move", "target": "g", "time": 3}}},
		{"oblige", abi.ExportOblige, env(abi.ObligeRequest{Component: "rs-require-reason", Context: abi.Context{Access: map[string]any{"reason": "r"}}}),
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
	if err := man.OK.Validate(); err != nil || man.OK.Name != rsBasics || man.OK.ABI != abi.Version {
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

	// gatehouse_alloc(0) gives a usable address; gatehouse_free takes back a
	// request the host abandons.
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

// TestRustKitMemoryIsReused calls rs-basics many times with requests of
// many sizes and agent runs that replace each other: its memory must stop
// growing.
func TestRustKitMemoryIsReused(t *testing.T) {
	m := newRawModule(t, buildRust(t, rsBasics))
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
			c.reset.Component, c.reset.Actor = "rs-greedy", fmt.Sprintf("a%d", i%7)
			if _, err := m.call(abi.ExportAgentReset, mustMarshal(t, c.reset)); err != nil {
				t.Fatal(err)
			}
			act := abi.AgentActRequest{Component: "rs-greedy", Actor: c.reset.Actor, Observation: c.obs}
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
	t.Logf("rs-basics settles at %d pages", pages)
}

// BenchmarkRustKitRawEcho calls the echo component of rs-basics directly
// through wazero, without the host: the cost of the plugin itself.
func BenchmarkRustKitRawEcho(b *testing.B) { benchRawEcho(b, buildRust(b, rsBasics)) }
