package cli_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestPluginNew generates the project of every language and kind, builds it
// as its README says, and runs its cases.yaml: every case must pass.
func TestPluginNew(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	for _, lang := range []string{"go", "c"} {
		for _, kind := range abi.Kinds {
			name := lang + "-" + string(kind)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				if lang == "c" {
					needClang(t)
				}
				dir := filepath.Join(t.TempDir(), name)
				r := run(t, "", "plugin", "new", "--lang", lang, "--kind", string(kind), "--dir", dir, name)
				r.check(t, cli.ExitOK)
				for _, f := range []string{"README.md", "cases.yaml"} {
					if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
						t.Error(err)
					}
				}
				wasm := filepath.Join(dir, name+".wasm")
				build(t, dir, lang)
				r = run(t, "", "plugin", "test", wasm, "--cases", filepath.Join(dir, "cases.yaml"), "--config", fx.noGrants)
				r.check(t, cli.ExitOK)
				if !strings.HasSuffix(r.stdout, " passed, 0 failed\n") {
					t.Errorf("stdout:\n%s", r.stdout)
				}
			})
		}
	}
}

// build builds the project in dir with the command its README gives.
func build(t *testing.T, dir, lang string) {
	t.Helper()
	var cmd *exec.Cmd
	switch lang {
	case "go":
		if !strings.Contains(readFile(t, filepath.Join(dir, "README.md")), "GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o ") {
			t.Fatal("README.md has no go build command")
		}
		cmd = exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-buildmode=c-shared", "-o", filepath.Base(dir)+".wasm", ".")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=-mod=readonly")
	case "c":
		args := strings.Fields(readmeCommand(t, filepath.Join(dir, "README.md"), "clang "))
		cmd = exec.Command(args[0], args[1:]...)
	}
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", dir, err, b)
	}
}

// readmeCommand returns the first line of the README's code blocks that
// starts with prefix.
func readmeCommand(t *testing.T, file, prefix string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(readFile(t, file)))
	inCode := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
		} else if inCode && strings.HasPrefix(line, prefix) {
			return line
		}
	}
	t.Fatalf("%s: no command starting with %q in a code block", file, prefix)
	return ""
}

func readFile(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// needClang skips the test without clang and wasm-ld, or fails it when
// CI=true: in CI the C templates must be built.
func needClang(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"clang", "wasm-ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("C plugins need clang and wasm-ld (Debian: apt-get install clang lld): %v", err)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
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
		{"rust", []string{"--lang", "rust", "--kind", "agent", "x"}, "--lang rust: not yet supported; supported languages: c, go"},
		{"zig", []string{"--lang", "zig", "--kind", "agent", "x"}, "--lang zig: not yet supported; supported languages: c, go"},
		{"assemblyscript", []string{"--lang", "assemblyscript", "--kind", "agent", "x"}, "--lang assemblyscript: not yet supported"},
		{"unknown language", []string{"--lang", "cobol", "--kind", "agent", "x"}, `--lang "cobol": unknown language; supported languages: c, go`},
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

// TestPluginNewReplace checks that a Go project inside the checkout
// replaces the module with a relative path, and one outside with an
// absolute one.
func TestPluginNewReplace(t *testing.T) {
	t.Parallel()
	root := wasmbuild.ModuleRoot(t)
	inside, err := os.MkdirTemp(root, ".test-plugin-new-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(inside) })
	for dir, want := range map[string]string{
		filepath.Join(inside, "p"):      "=> ../..\n",
		filepath.Join(t.TempDir(), "p"): "=> " + filepath.ToSlash(root) + "\n",
	} {
		r := run(t, "", "plugin", "new", "--lang", "go", "--kind", "object", "--dir", dir, "p")
		r.check(t, cli.ExitOK)
		if gomod := readFile(t, filepath.Join(dir, "go.mod")); !strings.Contains(gomod, want) {
			t.Errorf("%s: go.mod does not replace %q:\n%s", dir, want, gomod)
		}
	}
}
