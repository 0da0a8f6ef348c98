package cli_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/doctest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// shellDocs are the documents whose shell blocks TestDocShellBlocks runs,
// each with what its blocks take for granted.
var shellDocs = []shellDoc{
	{doc: "README.md", plugins: append(slices.Clone(goReferencePlugins), aclPlugins...)},
	{doc: "docs/access-control-plugins.md", plugins: aclPlugins},
	{doc: "docs/architecture.md"},
	{doc: "docs/benchmarks.md"},
	{doc: "docs/console.md", config: "etc/gatehouse/gatehouse.yaml",
		files: map[string]string{
			"etc/gatehouse/gatehouse.yaml": "listen: 127.0.0.1:8080\nplugins_dir: plugins\nstore: data/gatehouse.db\nui: {enabled: true, token_file: etc/gatehouse/console.tokens}\n",
			"etc/gatehouse/console.tokens": "a-token-of-the-docs\n"}},
	{doc: "docs/decision-api.md", config: "examples/access-control/gatehouse.yaml", plugins: aclPlugins,
		files:   map[string]string{"etc/gatehouse/decision-api.tokens": "a-token-of-the-docs\n"},
		replace: []string{"/etc/gatehouse/", "etc/gatehouse/"}},
	{doc: "docs/model-language.md"},
	{doc: "docs/openc2.md"},
	{doc: "docs/openc2-mqtt.md"},
	{doc: "docs/policy-admin.md", config: "etc/gatehouse/gatehouse.yaml",
		files: map[string]string{
			"etc/gatehouse/gatehouse.yaml": `listen: 127.0.0.1:8080
plugins_dir: plugins
store: data/gatehouse.db
policy:
  entities: [etc/gatehouse/admin.json, var/lib/gatehouse/acl]
  admin: {enabled: true, dir: var/lib/gatehouse/acl, token_file: etc/gatehouse/policy-admin.tokens, policy_set: com.example.policysets.admin}
`,
			"etc/gatehouse/policy-admin.tokens": "ann a-token-of-the-docs\nbob another-token-of-the-docs\n"},
		sections: map[string][2]string{
			"etc/gatehouse/admin.json":                           {"docs/policy-admin.md", "### The administration's policy set"},
			"var/lib/gatehouse/acl/web.json":                     {"docs/policy-admin.md", "### The web service's entities"},
			"var/lib/gatehouse/acl/com.example.rules.staff.json": {"docs/policy-admin.md", "## Entities and files"}},
		replace: []string{"/etc/gatehouse/", "etc/gatehouse/", "/var/lib/gatehouse/", "var/lib/gatehouse/"}},
	{doc: "docs/plugins.md", kitExamples: map[string]string{
		"hello.c": "abi/pdk/c/README.md", "src/lib.rs": "abi/pdk/rust/README.md",
		"main.zig": "abi/pdk/zig/README.md", "hello.ts": "abi/pdk/assemblyscript/README.md"}},
	{doc: "docs/policy-language.md"},
	{doc: "docs/reverse-proxy.md"},
	{doc: "docs/security.md"},
	{doc: "docs/simulation.md", plugins: []string{"basics"}},
	{doc: "docs/slpf.md"},
	{doc: "examples/README.md"},
}

// goReferencePlugins stands for every Go reference plugin, which task run
// serves.
var goReferencePlugins = []string{"go/*"}

// shellDoc is a document whose shell blocks run, and what they take for
// granted.
type shellDoc struct {
	doc string
	// config is the configuration file of gatehouse serve, from the work
	// folder, for the blocks marked server; empty for the embedded one.
	config string
	// plugins are the reference plugins in plugins/ besides those that
	// the blocks name as plugins/NAME.wasm; go/* for every Go one.
	plugins []string
	// files are the files of the reader's own, by path from the work
	// folder, that the blocks use.
	files map[string]string
	// replace are pairs of old and new text of the blocks beside the port
	// 8080: paths of the reader's machine.
	replace []string
	// kitExamples are files that blocks build, by path from the work
	// folder, each the example of a kit's README (its block under
	// "## Example").
	kitExamples map[string]string
	// sections are files of the reader's own, by path from the work
	// folder, each the first block of a document after a heading: the
	// document and the heading.
	sections map[string][2]string
}

// TestDocShellBlocks runs the shell blocks of each document, in order, each
// as a bash script from a folder laid out as the repository's root with
// gatehouse on the PATH (and as bin/gatehouse), where each document's
// blocks find the files its earlier ones wrote. A block marked server runs
// against the document's gatehouse serve, which the test starts once, on
// a free port in place of 8080. A block marked go-test names packages and
// tests that must exist. A block marked toolchain runs where the
// toolchain it builds with is installed (else it skips, or fails in CI). A
// block marked skip is not run, for the reason its mark gives. curl fails on an HTTP error. Every document of
// README.md, docs/ and examples/ must be in shellDocs.
func TestDocShellBlocks(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			wasmbuild.Missing(t, "install "+tool, "the documents use %s", tool)
		}
	}
	root := wasmbuild.ModuleRoot(t)
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	docs = append(docs, filepath.Join(root, "README.md"), filepath.Join(root, "examples", "README.md"))
	for _, d := range docs {
		rel, _ := filepath.Rel(root, d)
		if !slices.ContainsFunc(shellDocs, func(s shellDoc) bool { return s.doc == filepath.ToSlash(rel) }) {
			t.Errorf("%s is not in shellDocs: say what its shell blocks need there", rel)
		}
	}
	env := commandEnv(t)
	for _, sd := range shellDocs {
		t.Run(sd.doc, func(t *testing.T) {
			t.Parallel()
			w := newDocWork(t, env)
			files := maps.Clone(sd.files)
			if files == nil {
				files = map[string]string{}
			}
			for name, readme := range sd.kitExamples {
				files[name] = doctest.Section(t, readme, "## Example").Text
			}
			for name, sec := range sd.sections {
				files[name] = doctest.Section(t, sec[0], sec[1]).Text
			}
			for name, text := range files {
				if err := os.MkdirAll(filepath.Join(w.dir, filepath.Dir(name)), 0o755); err != nil {
					t.Fatal(err)
				}
				writeFile(t, w.dir, name, text)
			}
			w.addPlugins(t, docPlugins(t, sd.plugins)...)
			blocks := doctest.Blocks(t, sd.doc)
			var srv *docServer
			if slices.ContainsFunc(blocks, func(b doctest.Block) bool { return b.Run == doctest.RunServer }) {
				srv = w.serve(t, sd.config)
			}
			for _, b := range blocks {
				if b.Lang != "sh" {
					if b.Run != doctest.RunAlone {
						t.Errorf("%s: a block of %q is marked %s, but only sh blocks run", b, b.Lang, b.Run)
					}
					if b.Lang == "" && (strings.HasPrefix(b.Text, "gatehouse ") || strings.HasPrefix(b.Text, "$ ")) {
						t.Errorf("%s: a command in a block without a language: mark it sh", b)
					}
					continue
				}
				t.Run(fmt.Sprintf("line %d", b.Line), func(t *testing.T) {
					switch b.Run {
					case doctest.RunSkip:
						t.Skipf("%s: doctest: skip (%s)", b, b.Reason)
					case doctest.RunGoTest:
						checkGoTest(t, root, b)
						return
					}
					script := b.Text
					if b.Run == doctest.RunToolchain {
						script = "PATH=" + toolchainPath(t, b) + ":$PATH\n" + script
					}
					if b.Run == doctest.RunServer {
						script = strings.ReplaceAll(script, ":8080", ":"+strconv.Itoa(srv.port))
					}
					script = strings.NewReplacer(sd.replace...).Replace(script)
					w.run(t, b, script, false)
				})
			}
		})
	}
}

// docPlugins returns the plugins of a document to build: all of names,
// but with -short, which leaves the builds in other languages than Go to
// task test:all, the Go ones alone, so that the document still runs.
func docPlugins(t *testing.T, names []string) []string {
	if !testing.Short() {
		return names
	}
	root := wasmbuild.ModuleRoot(t)
	return slices.DeleteFunc(slices.Clone(names), func(name string) bool {
		_, err := os.Stat(filepath.Join(root, "plugins-src", "go", name))
		return name != "go/*" && err != nil
	})
}

// docWork is a folder laid out as the repository's root, where the
// examples of the docs run: every entry of the root is a link to it but
// plugins/, a folder of the plugins the test builds, bin/, which holds
// gatehouse, and a copy of plugins-src/, where examples write.
type docWork struct {
	dir string
	env []string
}

// newDocWork makes a docWork whose commands run in env.
func newDocWork(t *testing.T, env []string) *docWork {
	t.Helper()
	root := wasmbuild.ModuleRoot(t)
	dir := t.TempDir()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Name() {
		case "plugins", "bin", "data", ".git": // data/ holds the default store
			continue
		case "plugins-src": // where examples start plugin projects
			if err := os.CopyFS(filepath.Join(dir, e.Name()), os.DirFS(filepath.Join(root, e.Name()))); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.Symlink(filepath.Join(root, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range []string{"plugins", "bin", "curl"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(dir, "bin", "gatehouse")); err != nil {
		t.Fatal(err)
	}
	// A curl that fails on an HTTP error, as a reader would notice one.
	writeFile(t, filepath.Join(dir, "curl"), ".curlrc", "fail-with-body\n")
	return &docWork{dir: dir, env: append(slices.Clone(env), "CURL_HOME="+filepath.Join(dir, "curl"))}
}

// pluginFile is how a command names a plugin of the plugin folder.
var pluginFile = regexp.MustCompile(`\bplugins/([a-z0-9-]+)\.wasm\b`)

// addPlugins builds the reference plugins names into plugins/, each once;
// go/* stands for every Go one.
func (w *docWork) addPlugins(t *testing.T, names ...string) {
	t.Helper()
	root := wasmbuild.ModuleRoot(t)
	for _, name := range names {
		if name == "go/*" {
			dirs, _ := filepath.Glob(filepath.Join(root, "plugins-src", "go", "*"))
			for _, d := range dirs {
				if filepath.Base(d) != "internal" {
					w.addPlugins(t, filepath.Base(d))
				}
			}
			continue
		}
		dst := filepath.Join(w.dir, "plugins", name+".wasm")
		if _, err := os.Stat(dst); err == nil {
			continue
		}
		if src, ok := wasmbuild.Reference(t, name); ok {
			b, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Dir(dst), filepath.Base(dst), string(b))
		}
	}
}

// run runs script, block b as the test gives it, with bash from the work
// folder; it must succeed. The reference plugins it names as
// plugins/NAME.wasm are built first. -short skips a block that builds a Go
// plugin, the slowest. With finding, exit status 1 (a finding) passes too.
func (w *docWork) run(t *testing.T, b doctest.Block, script string, finding bool) {
	t.Helper()
	if testing.Short() && strings.Contains(script, "go build") {
		t.Skipf("-short: %s builds a Go plugin", b)
	}
	for _, m := range pluginFile.FindAllStringSubmatch(script, -1) {
		w.addPlugins(t, m[1])
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
	cmd.Dir, cmd.Env = w.dir, w.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Minute
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && finding && ee.ExitCode() == cli.ExitFinding {
		return
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s\noutput:\n%s", b, err, script, out)
	}
}

// docServer is gatehouse serve run from a work folder.
type docServer struct {
	port   int
	stderr *lockedBuffer
}

// serve starts gatehouse serve from the work folder with config (the
// embedded one if empty) on a free port, waits until it is ready and
// stops it when the test ends.
func (w *docWork) serve(t *testing.T, config string) *docServer {
	t.Helper()
	s := &docServer{port: freePort(t), stderr: &lockedBuffer{}}
	args := []string{"serve", "--listen", "127.0.0.1:" + strconv.Itoa(s.port)}
	if config != "" {
		args = append(args, "--config", config)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, filepath.Join(w.dir, "bin", "gatehouse"), args...)
	cmd.Dir, cmd.Env, cmd.Stderr = w.dir, w.env, s.stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	for {
		select {
		case err := <-done:
			t.Fatalf("gatehouse %s exited: %v\n%s", strings.Join(args, " "), err, s.stderr)
		case <-time.After(50 * time.Millisecond):
		}
		// Ready once the plugins are loaded, as a reader would wait.
		res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", s.port))
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
	}
}

// lockedBuffer is a buffer that a process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// testFunc is the declaration of a test or benchmark function.
var testFunc = regexp.MustCompile(`(?m)^func ((?:Test|Benchmark)\w*)\(`)

// checkGoTest checks the go test commands of b: the packages they name
// exist, and each test or benchmark their -run and -bench patterns name
// (each alternative of them) is a function of those packages.
func checkGoTest(t *testing.T, root string, b doctest.Block) {
	t.Helper()
	for line := range strings.Lines(b.Text) {
		line, _, _ = strings.Cut(line, "#")
		words := strings.Fields(line)
		for len(words) > 0 && (words[0] == "sudo" || strings.Contains(words[0], "=")) {
			words = words[1:]
		}
		if len(words) == 0 {
			continue
		}
		if len(words) < 2 || words[0] != "go" || words[1] != "test" {
			t.Errorf("%s: %q is not a go test command", b, line)
			continue
		}
		var pkgs []string
		patterns := map[string]string{} // -run or -bench → pattern
		for i := 2; i < len(words); i++ {
			switch w := words[i]; {
			case w == "-run" || w == "-bench":
				if i+1 < len(words) {
					patterns[w[1:]] = strings.Trim(words[i+1], `'"`)
					i++
				}
			case strings.HasPrefix(w, "./"):
				pkgs = append(pkgs, w)
			case strings.HasPrefix(w, "-") && slices.Contains([]string{"-benchtime", "-count", "-timeout"}, w):
				i++
			}
		}
		if len(pkgs) == 0 {
			t.Errorf("%s: %q names no package", b, line)
		}
		var funcs []string
		for _, p := range pkgs {
			dir := filepath.Join(root, filepath.FromSlash(strings.TrimSuffix(p, "/...")))
			var files []string
			if strings.HasSuffix(p, "/...") {
				_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
					if err == nil && strings.HasSuffix(path, "_test.go") && !strings.Contains(path, "node_modules") {
						files = append(files, path)
					}
					return err
				})
			} else {
				files, _ = filepath.Glob(filepath.Join(dir, "*_test.go"))
			}
			if len(files) == 0 {
				t.Errorf("%s: %q: the package %s has no tests", b, line, p)
			}
			for _, f := range files {
				src, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range testFunc.FindAllSubmatch(src, -1) {
					funcs = append(funcs, string(m[1]))
				}
			}
		}
		for flag, pattern := range patterns {
			if pattern == "^$" {
				continue
			}
			prefix := map[string]string{"run": "Test", "bench": "Benchmark"}[flag]
			top, _, _ := strings.Cut(pattern, "/") // a sub-test's or sub-benchmark's name is the functions' own
			for _, alt := range strings.Split(top, "|") {
				re, err := regexp.Compile(alt)
				if err != nil {
					t.Errorf("%s: %q: -%s %s: %v", b, line, flag, pattern, err)
					continue
				}
				if !slices.ContainsFunc(funcs, func(f string) bool { return strings.HasPrefix(f, prefix) && re.MatchString(f) }) {
					t.Errorf("%s: %q: -%s %s: no %s function of %s matches %s", b, line, flag, pattern, prefix, strings.Join(pkgs, " "), alt)
				}
			}
		}
	}
}

// helpFiles are the files of the reader's own that the --help examples
// take, by path from the work folder.
var helpFiles = map[string]string{
	"command.json":        `{"action":"query","target":{"features":[]}}`,
	"query.json":          `{"action":"query","target":{"features":["versions","profiles","pairs"]}}`,
	"deny.json":           `{"action":"deny","target":{"ipv4_net":"192.0.2.0/24"},"actuator":{"slpf":{}}}`,
	"commands/deny.json":  `{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":22}},"actuator":{"slpf":{}}}`,
	"response.json":       `{"status":200,"results":{"versions":["1.0"]}}`,
	"responses/ok.json":   `{"status":200}`,
	"responses/gone.json": `{"status":404,"status_text":"no such rule"}`,
	"cases/arpoc.yaml": `entities: [../conformance/arpoc/config]
cases:
  - {name: always grant, policy_set: com.example.policysets.alwaysGrant, want: {decision: GRANT}}
`,
}

// helpMark is a line of a command's annotation "doctest": "skip TEXT
// (reason)", the example commands that hold TEXT are not run, for the
// reason given; "finding TEXT (reason)", they may exit with 1, a finding.
var helpMark = regexp.MustCompile(`^(skip|finding) (.+) \((.+)\)$`)

// TestHelpExamples runs the example commands of every command's --help,
// in the order of the command tree, from one folder laid out as the
// repository's root (see docWork) that holds helpFiles, and in plugins/
// basics and basics-extism, which both have an agent greedy, so that an
// example must say which it means, and acl-basics. An example that asks
// 127.0.0.1:8080 asks a serve the test starts, with the configuration of
// examples/access-control, on a free port. A command whose examples
// cannot run in a test, or that shows a finding, says so in its
// annotation "doctest" (see helpMark).
func TestHelpExamples(t *testing.T) {
	t.Parallel()
	type example struct {
		cmd, line string
		mark      string // skip or finding, for the reason
		reason    string
	}
	var examples []example
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		marks := map[string][]string{} // TEXT → mark, reason
		for line := range strings.Lines(c.Annotations["doctest"]) {
			m := helpMark.FindStringSubmatch(strings.TrimSpace(line))
			if m == nil {
				t.Errorf("%s: annotation doctest: %q is not skip (or finding) TEXT (reason)", c.CommandPath(), line)
				continue
			}
			marks[m[2]] = []string{m[1], m[3]}
		}
		used := map[string]bool{}
		for _, line := range strings.Split(strings.ReplaceAll(c.Example, "\\\n", ""), "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			ex := example{cmd: c.CommandPath(), line: line}
			for text, m := range marks {
				if strings.Contains(line, text) {
					ex.mark, ex.reason, used[text] = m[0], m[1], true
				}
			}
			examples = append(examples, ex)
		}
		for text := range marks {
			if !used[text] {
				t.Errorf("%s: annotation doctest: no example holds %q", c.CommandPath(), text)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cli.NewRootCommand())
	w := newDocWork(t, commandEnv(t))
	for name, text := range helpFiles {
		if err := os.MkdirAll(filepath.Join(w.dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, w.dir, name, text)
	}
	w.addPlugins(t, docPlugins(t, append([]string{"basics", "basics-extism"}, aclPlugins...))...)
	var srv *docServer
	if slices.ContainsFunc(examples, func(ex example) bool { return ex.mark != "skip" && strings.Contains(ex.line, ":8080") }) {
		srv = w.serve(t, "examples/access-control/gatehouse.yaml")
	}
	for i, ex := range examples {
		b := doctest.Block{Doc: ex.cmd + " --help", Line: i + 1, Text: ex.line}
		t.Run(fmt.Sprintf("%s/%d", ex.cmd, i+1), func(t *testing.T) {
			if ex.mark == "skip" {
				t.Skipf("%s: %s: skip (%s)", ex.cmd, ex.line, ex.reason)
			}
			script := ex.line
			if srv != nil {
				script = strings.ReplaceAll(script, ":8080", ":"+strconv.Itoa(srv.port))
			}
			w.run(t, b, script, ex.mark == "finding")
		})
	}
}

// toolchainPath returns the folders of the programs of the toolchains
// whose build commands b gives, for its PATH; without one of them, it
// skips the test (fails it, in CI). A block that runs none fails.
func toolchainPath(t *testing.T, b doctest.Block) string {
	t.Helper()
	var dirs []string
	for line := range strings.Lines(b.Text) {
		for _, tc := range wasmbuild.Toolchains {
			if strings.HasPrefix(line, tc.Prefix+" ") {
				dirs = append(dirs, tc.Require(t))
			}
		}
	}
	if len(dirs) == 0 {
		t.Fatalf("%s: marked toolchain, but no command starts with a toolchain's", b)
	}
	return strings.Join(dirs, ":")
}
