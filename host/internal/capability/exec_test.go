package capability

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/sys"

	"github.com/gatehouse/gatehouse/abi"
)

func TestExec(t *testing.T) {
	echo, err := exec.LookPath("echo")
	if err != nil {
		t.Skip("no echo in PATH")
	}
	g := newGuest(t)
	programs := []string{"echo", "printf", "cat", "env", "false", "head", "no-such-program-here", "./echo"}
	tests := []struct {
		name       string
		grant      ExecGrant
		req        abi.ExecRequest
		wantCode   abi.Code
		wantInMsg  string
		wantExit   int
		wantStdout string
		wantStderr string
	}{
		{name: "argv, never a shell", req: abi.ExecRequest{Program: "echo", Args: []string{"hello", "$HOME;", "`id`", "|", "x"}},
			wantStdout: "hello $HOME; `id` | x\n"},
		{name: "printf", req: abi.ExecRequest{Program: "printf", Args: []string{"%s-%s", "a", "b"}}, wantStdout: "a-b"},
		{name: "stdin", req: abi.ExecRequest{Program: "cat", Stdin: []byte("from stdin")}, wantStdout: "from stdin"},
		{name: "only PATH in the environment", req: abi.ExecRequest{Program: "env"},
			wantStdout: "PATH=" + os.Getenv("PATH") + "\n"},
		{name: "non-zero exit is a result", req: abi.ExecRequest{Program: "false"}, wantExit: 1},
		{name: "stderr", req: abi.ExecRequest{Program: "cat", Args: []string{"/no/such/file"}}, wantExit: 1,
			wantStderr: "/no/such/file"},
		{name: "absolute path of an allowed name", req: abi.ExecRequest{Program: echo, Args: []string{"hi"}}, wantStdout: "hi\n"},
		{name: "allowed absolute path", grant: ExecGrant{Programs: []string{echo}}, req: abi.ExecRequest{Program: echo},
			wantStdout: "\n"},
		{name: "program not allowed", req: abi.ExecRequest{Program: "id"},
			wantCode: abi.CodeCapabilityDenied, wantInMsg: `program "id" is not in plugins.test.grants.exec.programs`},
		{name: "other path of an allowed name", req: abi.ExecRequest{Program: "/tmp/echo"}, wantCode: abi.CodeCapabilityDenied},
		{name: "relative path", req: abi.ExecRequest{Program: "./echo"}, wantCode: abi.CodeCapabilityDenied},
		{name: "no program", req: abi.ExecRequest{}, wantCode: abi.CodeCapabilityDenied},
		{name: "allowed but missing", req: abi.ExecRequest{Program: "no-such-program-here"},
			wantCode: abi.CodeUnavailable, wantInMsg: "no-such-program-here"},
		{name: "stdout over the limit", grant: ExecGrant{MaxOutput: 100},
			req:      abi.ExecRequest{Program: "head", Args: []string{"-c", "100000", "/dev/zero"}},
			wantCode: abi.CodeReplyTooLarge, wantInMsg: "max_output of 100 bytes to stdout"},
		{name: "stderr over the limit", grant: ExecGrant{MaxOutput: 100},
			req:      abi.ExecRequest{Program: "cat", Args: strings.Fields(strings.Repeat("/no/such/file ", 20))},
			wantCode: abi.CodeReplyTooLarge, wantInMsg: "to stderr"},
		{name: "output at the limit", grant: ExecGrant{MaxOutput: 100},
			req: abi.ExecRequest{Program: "printf", Args: []string{strings.Repeat("x", 100)}}, wantStdout: strings.Repeat("x", 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			grant := tt.grant
			if grant.Programs == nil {
				grant.Programs = programs
			}
			c, _ := newCaller(Grants{Exec: &grant})
			out, err := g.call(c, fnExec, marshal(t, tt.req))
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
				if !strings.HasPrefix(err.Message, "exec: ") || !strings.Contains(err.Message, tt.wantInMsg) {
					t.Errorf("message %q, want it to contain %q", err.Message, tt.wantInMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			res := unmarshal[abi.ExecResult](t, out)
			if res.ExitCode != tt.wantExit || string(res.Stdout) != tt.wantStdout || res.DryRun ||
				!strings.Contains(string(res.Stderr), tt.wantStderr) {
				t.Errorf("result exit %d, stdout %q, stderr %q, dry run %v; want exit %d, stdout %q, stderr with %q",
					res.ExitCode, res.Stdout, res.Stderr, res.DryRun, tt.wantExit, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}

func TestExecDryRun(t *testing.T) {
	g := newGuest(t)
	c, logs := newCaller(Grants{Exec: &ExecGrant{Programs: []string{"touch"}, DryRun: true}})
	var recorded []abi.ExecRequest
	c.Record = func(ctx context.Context, plugin string, req abi.ExecRequest) {
		if plugin != "test" {
			t.Errorf("recorded for plugin %q", plugin)
		}
		recorded = append(recorded, req)
	}
	file := filepath.Join(t.TempDir(), "touched")
	req := abi.ExecRequest{Program: "touch", Args: []string{file}, Stdin: []byte("in")}

	out, err := g.call(c, fnExec, marshal(t, req))
	if err != nil {
		t.Fatal(err)
	}
	if res := unmarshal[abi.ExecResult](t, out); !res.DryRun || res.ExitCode != 0 {
		t.Errorf("result %+v, want a dry run with exit code 0", res)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dry run ran the program: stat: %v", err)
	}
	if len(recorded) != 1 || fmt.Sprint(recorded[0]) != fmt.Sprint(req) {
		t.Errorf("recorded %+v, want %+v", recorded, req)
	}
	if !strings.Contains(logs.String(), "dry run") {
		t.Errorf("the dry run is not in the log: %s", logs)
	}

	_, e := g.call(c, fnExec, marshal(t, abi.ExecRequest{Program: "rm"}))
	wantCode(t, e, abi.CodeCapabilityDenied)
	if len(recorded) != 1 {
		t.Errorf("a denied request was recorded: %+v", recorded)
	}
}

// markers numbers the sleep durations that mark the processes of a test.
var markers atomic.Int64

// sleepMarker returns a sleep duration of about an hour that no other
// process has on its command line.
func sleepMarker() string {
	return fmt.Sprintf("3600.%d%d", os.Getpid(), markers.Add(1))
}

// waitGone fails the test unless, within two seconds, no process has marker
// on its command line. It checks only where /proc lists processes.
func waitGone(t *testing.T, marker string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	var alive []string
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		alive = alive[:0]
		dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, f := range dirs {
			if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(marker)) {
				alive = append(alive, f)
			}
		}
		if len(alive) == 0 {
			return
		}
	}
	t.Errorf("processes still running: %v", alive)
}

func TestExecTimeoutKillsProcessGroup(t *testing.T) {
	g := newGuest(t)
	tests := []struct {
		name    string
		program string
		args    func(marker string) []string
	}{
		{"sleep", "sleep", func(m string) []string { return []string{m} }},
		{"sleep under sh", "sh", func(m string) []string { return []string{"-c", "sleep " + m + "; true"} }},
		{"background child", "sh", func(m string) []string { return []string{"-c", "sleep " + m + " & sleep " + m} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := sleepMarker()
			c, _ := newCaller(Grants{Exec: &ExecGrant{Programs: []string{tt.program}, Timeout: 200 * time.Millisecond}})
			start := time.Now()
			_, err := g.call(c, fnExec, marshal(t, abi.ExecRequest{Program: tt.program, Args: tt.args(marker)}))
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Errorf("exec returned after %s", elapsed)
			}
			wantCode(t, err, abi.CodeTimeout)
			waitGone(t, marker)
		})
	}
	t.Run("stragglers after exit", func(t *testing.T) {
		marker := sleepMarker()
		c, _ := newCaller(Grants{Exec: &ExecGrant{Programs: []string{"sh"}}})
		req := abi.ExecRequest{Program: "sh", Args: []string{"-c", "sleep " + marker + " >/dev/null 2>&1 & echo started"}}
		out, err := g.call(c, fnExec, marshal(t, req))
		if err != nil {
			t.Fatal(err)
		}
		if res := unmarshal[abi.ExecResult](t, out); string(res.Stdout) != "started\n" {
			t.Errorf("stdout %q", res.Stdout)
		}
		waitGone(t, marker)
	})
}

func TestExecCancelledCall(t *testing.T) {
	g := newGuest(t)
	marker := sleepMarker()
	c, _ := newCaller(Grants{Exec: &ExecGrant{Programs: []string{"sleep"}, Timeout: time.Hour}})
	p, n := g.put(marshal(t, abi.ExecRequest{Program: "sleep", Args: []string{marker}}))
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := g.invoke(ctx, c, fnExec, p, n)
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("the cancelled call returned after %s", elapsed)
	}
	// The runtime closes a module whose call's context is done.
	var exit *sys.ExitError
	if !errors.As(err, &exit) {
		t.Errorf("cancelled call: error %v, want the module closed", err)
	}
	waitGone(t, marker)
}
