package host

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

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
		toolchainMissing(t, "install the Debian packages "+rustPackages, "Rust plugins need %s: %v", rustc, err)
	}
	version, err := exec.Command(rustc, "--version").Output()
	if err != nil {
		toolchainMissing(t, "install the Debian packages "+rustPackages, "%s --version: %v", rustc, err)
	}
	sysroot, err := exec.Command(rustc, "--print", "sysroot").Output()
	if err != nil {
		toolchainMissing(t, "install the Debian packages "+rustPackages, "%s --print sysroot: %v", rustc, err)
	}
	std := filepath.Join(strings.TrimSpace(string(sysroot)), "lib", "rustlib", "wasm32-unknown-unknown", "lib")
	if libs, _ := filepath.Glob(filepath.Join(std, "libstd-*.rlib")); len(libs) == 0 {
		toolchainMissing(t, "install the Debian packages "+rustPackages, "no standard library for wasm32-unknown-unknown in %s", std)
	}

	rustMu.Lock()
	defer rustMu.Unlock()
	if out, ok := rustBuilt[name]; ok {
		return out
	}
	root := gowasm.ModuleRoot(t)
	cmds := buildCommands(t, filepath.Join(root, "plugins-src", "rust", name, "src", "lib.rs"), rustc, 2)
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
	manifestMatchesGo(t, newRustHost(t), "rs-basics.wasm", rustTwins)
}

func TestRustEchoEnvironmentMatchesGo(t *testing.T) {
	echoMatchesGo(t, newRustHost(t), "rs-basics/echo")
}

func TestRustRequireReasonMatchesGo(t *testing.T) {
	requireReasonMatchesGo(t, newRustHost(t), "rs-basics/rs-require-reason")
}

func TestRustGreedyMatchesGo(t *testing.T) { greedyMatchesGo(t, newRustHost(t), "rs-basics/rs-greedy") }

// BenchmarkRustKitRawEcho calls the echo component of rs-basics directly
// through wazero, without the host: the cost of the plugin itself.
func BenchmarkRustKitRawEcho(b *testing.B) { benchRawEcho(b, buildRust(b, rsBasics)) }

func TestRustKitRequests(t *testing.T) {
	kitRequests(t, buildRust(t, rsBasics), rsBasics, "rs-greedy", "rs-require-reason")
}

func TestRustKitMemoryIsReused(t *testing.T) {
	kitMemoryIsReused(t, buildRust(t, rsBasics), "rs-greedy")
}
