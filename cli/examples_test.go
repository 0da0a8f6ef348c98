package cli_test

import (
	"bufio"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// asCommand, set in the environment, makes the test binary the gatehouse
// command, so that the shell scripts of TestExamples run it as a reader of
// the examples would.
const asCommand = "GATEHOUSE_TEST_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(asCommand) == "1" {
		os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// pluginBuild is the command an example gives to build a reference Go
// plugin into plugins/.
var pluginBuild = regexp.MustCompile(`^GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugins/([a-z0-9-]+)\.wasm \./plugins-src/go/([a-z0-9-]+)$`)

// TestExamples runs the sh blocks of each examples/NAME/README.md, in order,
// as one bash script from a folder laid out as the repository's root, with
// gatehouse on the PATH. Only the ports of the servers differ. The plugin
// builds are checked for their form and done by wasmbuild, whose cache
// keeps them fast. Each script must succeed and print what the example
// says.
func TestExamples(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			wasmbuild.Missing(t, "install "+tool, "the examples use %s", tool)
		}
	}
	env := commandEnv(t)
	root := wasmbuild.ModuleRoot(t)
	for _, tt := range []struct {
		name  string
		ports []string // in the README and gatehouse.yaml, each replaced by a free port
		want  []string // in the script's output
	}{
		{"access-control", []string{"8080"}, []string{
			"6 policy sets, 7 policies, 8 rules; 0 errors, 0 warnings",
			"GRANT\npolicy set com.example.policysets.loggedIn: GRANT (AND)",
			"obligation obl_log (com.example.policysets.loggedIn): fulfilled",
			"13 passed, 0 failed",
			`{"state":"OK"`,
			`"result":"GRANT","effect":"GRANT","obligations":[{"name":"obl_log_successful","fulfilled":true`,
			`"source":"api","policy_set":"com.example.policysets.loggedIn","result":"GRANT"`,
		}},
		{"openc2", []string{"8443"}, []string{
			`"rule_number": 1`,
			`"status_text": "forbidden: policy set \"com.example.policysets.openc2\": DENY"`,
			"refused: exit status 1",
			`"versions": [`,
			`"source":"openc2","policy_set":"com.example.policysets.openc2","result":"GRANT"`,
			`"result":"DENY"`,
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			for _, dir := range []string{"conformance", "policy"} {
				if err := os.Symlink(filepath.Join(root, dir), filepath.Join(work, dir)); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.CopyFS(filepath.Join(work, "examples", tt.name), os.DirFS(filepath.Join(root, "examples", tt.name))); err != nil {
				t.Fatal(err)
			}
			script := exampleScript(t, filepath.Join(root, "examples", tt.name, "README.md"), work)
			config := filepath.Join(work, "examples", tt.name, "gatehouse.yaml")
			b, err := os.ReadFile(config)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tt.ports {
				port := ":" + strconv.Itoa(freePort(t))
				script = strings.ReplaceAll(script, ":"+p, port)
				b = []byte(strings.ReplaceAll(string(b), ":"+p, port))
			}
			writeFile(t, filepath.Dir(config), filepath.Base(config), string(b))
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", script)
			cmd.Dir = work
			cmd.Env = env
			// The servers the script starts in the background go with it.
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
			cmd.WaitDelay = time.Minute
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s\n%s", err, script, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("the output has no %q:\n%s", w, out)
				}
			}
		})
	}
}

// commandEnv returns the environment in which the command gatehouse is
// the test binary, as TestMain runs it.
func commandEnv(t *testing.T) []string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(self, filepath.Join(bin, "gatehouse")); err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), asCommand+"=1", "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// exampleScript returns the sh blocks of readme, one after the other. It
// builds the plugins that a line of pluginBuild asks for into work/plugins
// and leaves the line out.
func exampleScript(t *testing.T, readme, work string) string {
	t.Helper()
	f, err := os.Open(readme)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var script strings.Builder
	in := false
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		switch {
		case line == "```sh":
			in = true
		case line == "```":
			in = false
		case in && strings.HasPrefix(line, "GOOS="):
			m := pluginBuild.FindStringSubmatch(line)
			if m == nil || m[1] != m[2] {
				t.Fatalf("%s: %q is not a build of a reference plugin into plugins/", readme, line)
			}
			b, err := os.ReadFile(wasmbuild.Go(t, "plugins-src/go/"+m[2]))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(work, "plugins"), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(work, "plugins"), m[1]+".wasm", string(b))
		case in:
			script.WriteString(line + "\n")
		}
	}
	if script.Len() == 0 {
		t.Fatalf("%s: no sh blocks", readme)
	}
	return script.String()
}

// freePort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
