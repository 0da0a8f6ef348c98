// Package wasmbuild builds plugins from the sources in plugins-src/ for
// tests, with the toolchains of other languages, and skips the test with
// what to install when a toolchain is missing (or fails it under CI=true).
package wasmbuild

import (
	"bufio"
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

// The Debian packages of the C toolchain.
const cPackages = "clang lld wasi-libc libclang-rt-14-dev-wasm32"

var (
	cMu    sync.Mutex
	cBuilt = map[string]string{} // name (+ "-wasi") → wasm file, once per process
)

// C builds the C plugin plugins-src/c/<name> and returns the .wasm
// file. With wasi set it builds the same sources as a WASI reactor against
// wasi-libc instead of freestanding. Builds are cached by the hash of the
// command and of every C source of the kit and the plugins.
func C(t testing.TB, name string, wasi bool) string {
	t.Helper()
	clang, err := exec.LookPath("clang")
	if err == nil {
		_, err = exec.LookPath("wasm-ld")
	}
	if err != nil {
		Missing(t, "install the Debian packages "+cPackages, "C plugins need clang and wasm-ld: %v", err)
	}
	key := name
	if wasi {
		key += "-wasi"
		out, err := exec.Command(clang, "--target=wasm32-wasi", "-print-libgcc-file-name").Output()
		if err != nil {
			Missing(t, "install the Debian packages "+cPackages, "clang cannot target wasm32-wasi: %v", err)
		}
		for _, f := range []string{strings.TrimSpace(string(out)), "/usr/lib/wasm32-wasi/crt1-reactor.o"} {
			if _, err := os.Stat(f); err != nil {
				Missing(t, "install the Debian packages "+cPackages, "WASI reactor builds need %s: %v", f, err)
			}
		}
	}

	cMu.Lock()
	defer cMu.Unlock()
	if out, ok := cBuilt[key]; ok {
		return out
	}
	root := gowasm.ModuleRoot(t)
	args := Commands(t, filepath.Join(root, "plugins-src", "c", name, "main.c"), "clang", 1)[0][1:]
	if wasi {
		args = slices.DeleteFunc(args, func(a string) bool {
			return a == "--target=wasm32-unknown-unknown" || a == "-nostdlib" || a == "-Wl,--no-entry"
		})
		args = append([]string{"--target=wasm32-wasi", "--sysroot=/usr", "-mexec-model=reactor"}, args...)
	}
	args = append(args, "-Wall", "-Wextra")
	out := slices.Index(args, "-o")
	if out < 0 || out+1 == len(args) {
		t.Fatalf("%s build command has no -o FILE: %q", name, args)
	}

	h := sha256.New()
	fmt.Fprintf(h, "%s %q\n", clang, slices.Concat(args[:out], args[out+2:]))
	for _, dir := range []string{"abi/pdk/c", "plugins-src/c"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".c") || strings.HasSuffix(path, ".h")) {
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
	wasm := filepath.Join(gowasm.CacheDir(t, "wasm-c"), key+"-"+hex.EncodeToString(h.Sum(nil)[:6])+".wasm")
	if _, err := os.Stat(wasm); err == nil {
		cBuilt[key] = wasm
		return wasm
	}
	// Build beside the target and rename, as other test processes may build
	// the same plugin at the same time.
	tmp := fmt.Sprintf("%s.%d", wasm, os.Getpid())
	args[out+1] = tmp
	cmd := exec.Command(clang, args...)
	cmd.Dir = root
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("build %s: clang %s: %v\n%s", key, strings.Join(args, " "), err, b)
	}
	if len(b) > 0 {
		t.Logf("build %s: clang says:\n%s", key, b)
	}
	if err := os.Rename(tmp, wasm); err != nil {
		t.Fatal(err)
	}
	cBuilt[key] = wasm
	return wasm
}

// Missing skips the test, or fails it when CI=true: in CI a
// missing toolchain must not pass silently. install says how to get it.
func Missing(t testing.TB, install, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + "; " + install
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Commands returns the lines of the first comment of the source file
// src that start with prefix, split into fields: the plugin's build
// commands, written where its readers see them. It fails the test unless
// there are want of them.
func Commands(t testing.TB, src, prefix string, want int) [][]string {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "*/") {
			break
		}
		line, comment := "", false
		for _, marker := range []string{"//!", "//", "/*", "*"} {
			if rest, ok := strings.CutPrefix(text, marker); ok {
				line, comment = strings.TrimSpace(rest), true
				break
			}
		}
		if !comment {
			break
		}
		if strings.HasPrefix(line, prefix+" ") {
			cmds = append(cmds, strings.Fields(line))
		}
	}
	if len(cmds) != want {
		t.Fatalf("%s: want %d build command(s) starting with %q in its first comment, found %d", src, want, prefix, len(cmds))
	}
	return cmds
}
