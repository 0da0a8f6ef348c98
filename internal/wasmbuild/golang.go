package wasmbuild

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

var (
	goMu    sync.Mutex
	goBuilt = map[string]string{} // package dir → wasm file, once per process
)

// Go builds the Go main package in dir (relative to the module root or
// absolute) with standard Go, GOOS=wasip1 GOARCH=wasm and
// -buildmode=c-shared, and returns the .wasm file, named NAME.wasm after
// the package's folder, in a folder of its own. Each package is
// built once per test process, into a cache folder that later runs reuse;
// Go's build cache keeps rebuilds fast.
func Go(t testing.TB, dir string) string {
	t.Helper()
	root := ModuleRoot(t)
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	goMu.Lock()
	defer goMu.Unlock()
	if out, ok := goBuilt[dir]; ok {
		return out
	}
	sum := sha256.Sum256([]byte(dir))
	// The file keeps the plugin's name, as the plugin folder wants it
	// (plugins.NAME applies to NAME.wasm), in a folder of its own.
	outDir := filepath.Join(CacheDir(t, "wasm"), hex.EncodeToString(sum[:6]))
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(outDir, filepath.Base(dir)+".wasm")
	// Build beside the target and rename, as test processes of other
	// packages may build the same plugin at the same time.
	tmp := out + "." + strconv.Itoa(os.Getpid())
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-buildmode=c-shared", "-o", tmp, dir)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s for wasip1: %v\n%s", dir, err, b)
	}
	if err := os.Rename(tmp, out); err != nil {
		t.Fatal(err)
	}
	goBuilt[dir] = out
	return out
}
