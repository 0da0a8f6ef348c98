package cli_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestPluginNew generates the project of every language and kind outside
// the repository, builds it as its README says, and runs its cases.yaml:
// every case must pass. No file of the project may name the repository,
// and Go builds without downloading: the project carries its PDK. An
// actuator must implement its x- profile and its README must show a
// command addressed to it.
func TestPluginNew(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	root := wasmbuild.ModuleRoot(t)
	for _, lang := range []string{"go", "c", "rust", "zig", "assemblyscript"} {
		for _, kind := range abi.Kinds {
			name := lang + "-" + string(kind)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				dir := filepath.Join(t.TempDir(), name)
				r := run(t, "", "plugin", "new", "--lang", lang, "--kind", string(kind), "--dir", dir, name)
				r.check(t, cli.ExitOK)
				for _, f := range []string{"README.md", "cases.yaml"} {
					if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
						t.Error(err)
					}
				}
				checkNoMention(t, dir, root)
				wasm := build(t, dir, lang)
				if want := filepath.Join(dir, name+".wasm"); wasm != want {
					t.Errorf("the README's build writes %s, want %s", wasm, want)
				}
				r = run(t, "", "plugin", "test", wasm, "--cases", filepath.Join(dir, "cases.yaml"), "--config", fx.noGrants)
				r.check(t, cli.ExitOK)
				if !strings.HasSuffix(r.stdout, " passed, 0 failed\n") {
					t.Errorf("stdout:\n%s", r.stdout)
				}
				if kind == abi.KindActuator {
					checkProfile(t, dir, wasm, "x-"+strings.ReplaceAll(name, "-", "_")[:min(len(name), 14)], fx.noGrants)
				}
			})
		}
	}
}

// build builds the project in dir with the command its README gives and
// returns the plugin. The toolchains of the languages other than Go come
// from the test machine and the repository's node_modules, as
// internal/wasmbuild finds them; they skip the test when missing, or fail
// it in CI.
func build(t *testing.T, dir, lang string) string {
	t.Helper()
	if lang != "go" {
		return wasmbuild.Toolchains[lang].Project(t, dir)
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "README.md")), "GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o ") {
		t.Fatal("README.md has no go build command")
	}
	wasm := filepath.Base(dir) + ".wasm"
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-buildmode=c-shared", "-o", wasm, ".")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOWORK=off")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", dir, err, b)
	}
	return filepath.Join(dir, wasm)
}

// checkProfile checks that the actuator of the plugin wasm implements
// profile, and that the README in dir shows a command addressed to it.
func checkProfile(t *testing.T, dir, wasm, profile, config string) {
	t.Helper()
	r := run(t, "", "plugin", "inspect", "--output", "json", wasm, "--config", config)
	r.check(t, cli.ExitOK)
	var in struct{ Manifest abi.Manifest }
	if err := json.Unmarshal([]byte(r.stdout), &in); err != nil {
		t.Fatal(err)
	}
	if c := in.Manifest.Components; len(c) != 1 || !slices.Equal(c[0].Profiles, []string{profile}) {
		t.Errorf("components %+v, want one with the profile %s", c, profile)
	}
	if readme := readFile(t, filepath.Join(dir, "README.md")); !strings.Contains(readme, `"actuator":{"`+profile+`":{}}`) {
		t.Errorf("README.md shows no command addressed to %s:\n%s", profile, readme)
	}
}

// checkNoMention checks that no file under dir holds the text s.
func checkNoMention(t *testing.T, dir, s string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if strings.Contains(readFile(t, p), s) {
			t.Errorf("%s names %s", p, s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPluginNewKits checks that the projects of the languages other than Go
// carry copies of their kit, the same bytes as the checkout's, and that an
// AssemblyScript project pins the compiler the checkout uses.
func TestPluginNewKits(t *testing.T) {
	t.Parallel()
	root := wasmbuild.ModuleRoot(t)
	for lang, kit := range map[string]map[string]string{
		"c":    {"gatehouse.h": "abi/pdk/c/gatehouse.h", "gatehouse.c": "abi/pdk/c/gatehouse.c"},
		"rust": {"gatehouse_pdk/Cargo.toml": "abi/pdk/rust/Cargo.toml", "gatehouse_pdk/src/lib.rs": "abi/pdk/rust/src/lib.rs", "gatehouse_pdk/src/msgpack.rs": "abi/pdk/rust/src/msgpack.rs"},
		"zig":  {"gatehouse.zig": "abi/pdk/zig/gatehouse.zig"},
		"assemblyscript": {"pdk/gatehouse.ts": "abi/pdk/assemblyscript/gatehouse.ts", "pdk/native.ts": "abi/pdk/assemblyscript/native.ts",
			"pdk/abort.ts": "abi/pdk/assemblyscript/abort.ts"},
	} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "p")
			run(t, "", "plugin", "new", "--lang", lang, "--kind", "object", "--dir", dir, "p").check(t, cli.ExitOK)
			for copied, src := range kit {
				if got, want := readFile(t, filepath.Join(dir, copied)), readFile(t, filepath.Join(root, src)); got != want {
					t.Errorf("%s is not a copy of %s", copied, src)
				}
			}
			if lang != "assemblyscript" {
				return
			}
			var pkg, rootPkg struct{ DevDependencies map[string]string }
			for file, v := range map[string]any{filepath.Join(dir, "package.json"): &pkg, filepath.Join(root, "package.json"): &rootPkg} {
				if err := json.Unmarshal([]byte(readFile(t, file)), v); err != nil {
					t.Fatalf("%s: %v", file, err)
				}
			}
			for _, p := range []string{"assemblyscript", "@extism/as-pdk"} {
				if got, want := pkg.DevDependencies[p], rootPkg.DevDependencies[p]; got != want || got == "" {
					t.Errorf("package.json pins %s %q, want the checkout's %q", p, got, want)
				}
			}
		})
	}
}

func TestPluginNewRefuses(t *testing.T) {
	t.Parallel()
	full := t.TempDir()
	writeFile(t, full, "main.go", "package main\n")
	for _, tt := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown language", []string{"--lang", "cobol", "--kind", "agent", "x"}, `--lang "cobol": unknown language; supported languages: assemblyscript, c, go, rust, zig`},
		{"unknown kind", []string{"--lang", "go", "--kind", "policy", "x"}, `--kind "policy": not a kind; kinds: actuator, obligation, environment, object, agent`},
		{"bad name", []string{"--lang", "go", "--kind", "agent", "My Plugin"}, `plugin name "My Plugin" does not match`},
		{"no kind", []string{"--lang", "go", "x"}, `required flag(s) "kind" not set`},
		{"folder not empty", []string{"--lang", "go", "--kind", "agent", "--dir", full, "x"}, "exists and is not empty"},
		{"not a checkout", []string{"--lang", "c", "--kind", "agent", "--dir", filepath.Join(t.TempDir(), "x"), "--gatehouse", t.TempDir(), "x"}, "is not a gatehouse checkout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, "", append([]string{"plugin", "new"}, tt.args...)...)
			r.check(t, cli.ExitUsage, tt.stderr)
		})
	}
}

// TestPluginNewGoModule checks that a Go project replaces the module of
// the ABI and the Go PDK with its copy, the files of abi.Source but tests,
// inside the checkout as outside; and that its go.sum lists msgpack alone
// (with tagparser, which msgpack uses), none of the host's dependencies.
// TestPluginNew builds the projects with this go.sum and no module proxy.
func TestPluginNewGoModule(t *testing.T) {
	t.Parallel()
	root := wasmbuild.ModuleRoot(t)
	inside, err := os.MkdirTemp(root, ".test-plugin-new-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(inside) })
	for _, dir := range []string{filepath.Join(inside, "p"), filepath.Join(t.TempDir(), "p")} {
		r := run(t, "", "plugin", "new", "--lang", "go", "--kind", "object", "--dir", dir, "p")
		r.check(t, cli.ExitOK)
		if gomod := readFile(t, filepath.Join(dir, "go.mod")); !strings.Contains(gomod, "\nreplace github.com/gatehouse/gatehouse/abi => ./gatehouse\n") {
			t.Errorf("%s: go.mod does not replace the module with ./gatehouse:\n%s", dir, gomod)
		}
		for _, line := range strings.Split(strings.TrimSpace(readFile(t, filepath.Join(dir, "go.sum"))), "\n") {
			if m := strings.Fields(line)[0]; m != "github.com/vmihailenco/msgpack/v5" && m != "github.com/vmihailenco/tagparser/v2" {
				t.Errorf("%s: go.sum lists %s", dir, m)
			}
		}
		n := 0
		err := fs.WalkDir(abi.Source, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			copy := filepath.Join(dir, "gatehouse", filepath.FromSlash(p))
			b, err := os.ReadFile(copy)
			switch {
			case strings.HasSuffix(p, "_test.go") && err == nil:
				t.Errorf("%s: a test file is copied", copy)
			case !strings.HasSuffix(p, "_test.go") && (err != nil || string(b) != readFile(t, filepath.Join(root, "abi", p))):
				t.Errorf("%s is not a copy of abi/%s: %v", copy, p, err)
			default:
				n++
			}
			return nil
		})
		if err != nil || n < 20 {
			t.Errorf("%d files of the Go PDK checked: %v", n, err)
		}
	}
}
