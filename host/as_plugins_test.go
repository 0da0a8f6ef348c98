package host

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/gowasm"
)

// The AssemblyScript plugins are built with the `npx asc` command at the top
// of their plugins-src/assemblyscript/<name>/index.ts, run with the asc of
// the repository root's node_modules, so the tests prove the documented
// command.
const (
	asBasics     = "as-basics"
	asEchoExtism = "as-echo-extism"
	// The npm packages of the toolchain, devDependencies of the root
	// package.json.
	asPackages = "assemblyscript @extism/as-pdk"
)

var (
	asMu    sync.Mutex
	asBuilt = map[string]string{} // name → wasm file, once per process
)

// buildAS builds the AssemblyScript plugin plugins-src/assemblyscript/<name>
// and returns the .wasm file, named NAME-<12 hex digits>.wasm as newHostWasm
// wants. Builds are cached by the hash of the command, of the compiler's
// version and of every source of the kit and the plugins.
func buildAS(t testing.TB, name string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		toolchainMissing(t, "run `npm ci` at the repository root (devDependencies "+asPackages+")", "AssemblyScript plugins need node: %v", err)
	}
	root := gowasm.ModuleRoot(t)
	asc := filepath.Join(root, "node_modules", "assemblyscript", "bin", "asc.js")
	ascVersion, err := os.ReadFile(filepath.Join(root, "node_modules", "assemblyscript", "package.json"))
	if err != nil {
		toolchainMissing(t, "run `npm ci` at the repository root (devDependencies "+asPackages+")", "no assemblyscript in node_modules: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "@extism", "as-pdk", "package.json")); err != nil {
		toolchainMissing(t, "run `npm ci` at the repository root (devDependencies "+asPackages+")", "no @extism/as-pdk in node_modules: %v", err)
	}

	asMu.Lock()
	defer asMu.Unlock()
	if out, ok := asBuilt[name]; ok {
		return out
	}
	args := buildCommands(t, filepath.Join(root, "plugins-src", "assemblyscript", name, "index.ts"), "npx asc", 1)[0][2:]
	out := slices.IndexFunc(args, func(a string) bool { return a == "-o" || a == "--outFile" })
	if out < 0 || out+1 == len(args) {
		t.Fatalf("%s build command has no -o FILE: %q", name, args)
	}
	out++

	h := sha256.New()
	fmt.Fprintf(h, "%x\n%q\n", sha256.Sum256(ascVersion), slices.Concat(args[:out-1], args[out+1:]))
	for _, dir := range []string{"abi/pdk/assemblyscript", "plugins-src/assemblyscript"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".ts") {
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
	wasm := filepath.Join(gowasm.CacheDir(t, "wasm-as"), name+"-"+hex.EncodeToString(h.Sum(nil)[:6])+".wasm")
	if _, err := os.Stat(wasm); err == nil {
		asBuilt[name] = wasm
		return wasm
	}
	// Build beside the target and rename, as other test processes may build
	// the same plugin at the same time.
	tmp := fmt.Sprintf("%s.%d.wasm", strings.TrimSuffix(wasm, ".wasm"), os.Getpid())
	args[out] = tmp
	cmd := exec.Command(node, append([]string{asc}, args...)...)
	cmd.Dir = root
	b, err := cmd.CombinedOutput()
	if err != nil {
		os.Remove(tmp)
		t.Fatalf("build %s: asc %s: %v\n%s", name, strings.Join(args, " "), err, b)
	}
	if len(b) > 0 {
		t.Errorf("build %s: asc warns:\n%s", name, b)
	}
	if err := os.Rename(tmp, wasm); err != nil {
		t.Fatal(err)
	}
	asBuilt[name] = wasm
	return wasm
}

// newASHost serves as-basics and as-echo-extism beside the Go twin basics.
func newASHost(t testing.TB) *Host {
	t.Helper()
	return newHostWasm(t, Config{}, buildAS(t, asBasics), buildAS(t, asEchoExtism), gowasm.Build(t, srcBasics))
}

// asTwins maps the components of as-basics to their Go twins in basics.
var asTwins = map[string]string{
	"agent/as-greedy":              "agent/greedy",
	"obligation/as-require-reason": "obligation/require-reason",
	"environment/echo":             "environment/echo",
}

func TestASPluginsLoad(t *testing.T) {
	h := newASHost(t)
	manifestMatchesGo(t, h, "as-basics.wasm", asTwins)
	if st := status(t, h, "as-echo-extism.wasm"); st.Status != StatusOK || st.Binding != BindingExtism {
		t.Fatalf("as-echo-extism: status %s (%s), binding %s; want OK, extism", st.Status, st.Message, st.Binding)
	}
	got, want := componentsOf(t, h, "as-echo-extism.wasm")["environment/echo"], componentsOf(t, h, "as-basics.wasm")["environment/echo"]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("as-echo-extism echo = %+v, want %+v", got, want)
	}
}

func TestASEchoEnvironmentMatchesGo(t *testing.T) {
	echoMatchesGo(t, newASHost(t), "as-basics/echo", "as-echo-extism/echo")
}

func TestASRequireReasonMatchesGo(t *testing.T) {
	requireReasonMatchesGo(t, newASHost(t), "as-basics/as-require-reason")
}

func TestASGreedyMatchesGo(t *testing.T) { greedyMatchesGo(t, newASHost(t), "as-basics/as-greedy") }

// BenchmarkASRawEcho calls the echo component of as-basics directly through
// wazero: the cost of the plugin itself, without the host's.
func BenchmarkASRawEcho(b *testing.B) { benchRawEcho(b, buildAS(b, asBasics)) }
