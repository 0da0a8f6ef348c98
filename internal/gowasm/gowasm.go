// Package gowasm builds Go packages into Gatehouse plugins for tests: with
// standard Go, GOOS=wasip1 GOARCH=wasm and -buildmode=c-shared.
package gowasm

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
	mu    sync.Mutex
	built = map[string]string{} // package dir → wasm file, once per process
)

// Build builds the Go main package in dir (relative to the module root or
// absolute) and returns the .wasm file. Each package is built once per test
// process, into a cache folder that later runs reuse; Go's build cache keeps
// rebuilds fast.
func Build(t testing.TB, dir string) string {
	t.Helper()
	root := ModuleRoot(t)
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(root, dir)
	}
	mu.Lock()
	defer mu.Unlock()
	if out, ok := built[dir]; ok {
		return out
	}
	sum := sha256.Sum256([]byte(dir))
	out := filepath.Join(CacheDir(t, "wasm"), filepath.Base(dir)+"-"+hex.EncodeToString(sum[:6])+".wasm")
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
	built[dir] = out
	return out
}

// CacheDir returns a folder under the user's cache folder for test
// artefacts that later runs may reuse (built plugins, compiled code).
func CacheDir(t testing.TB, name string) string {
	t.Helper()
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "gatehouse-test", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("cache folder: %v", err)
	}
	return dir
}

// ModuleRoot returns the folder of the go.mod above the working directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = parent
	}
}
