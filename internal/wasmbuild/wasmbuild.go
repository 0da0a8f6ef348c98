// Package wasmbuild builds Gatehouse plugins for tests, in every language
// the project has a PDK for: Go with the go command, and C, Rust, Zig and
// AssemblyScript with the build commands their sources or READMEs give, so
// that the tests prove the documented commands.
//
// Builds other than Go's are cached on disk by a hash of the toolchain's
// version, the commands and the sources, and shared by the test processes
// of every package; Go builds rely on Go's own build cache. A missing
// toolchain skips the test with the packages to install, or fails it when
// CI=true: in CI every plugin must be built.
package wasmbuild

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// CacheDir returns a folder under the user's cache folder for test
// artefacts that later runs may reuse (built plugins, compiled code).
func CacheDir(t testing.TB, name string) string {
	t.Helper()
	dir, err := cacheDir(name)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// cacheDir is CacheDir for code without a test at hand.
func cacheDir(name string) (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "gatehouse-test", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cache folder: %w", err)
	}
	return dir, nil
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

// Missing skips the test, or fails it when CI=true: in CI a missing
// toolchain or facility must not pass silently. install says how to get it.
func Missing(t testing.TB, install, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + "; " + install
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
