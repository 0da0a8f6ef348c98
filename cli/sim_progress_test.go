package cli_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/cli/internal/progress"
)

// openPTY opens a pseudo-terminal and returns its two ends: what is
// written to the terminal can be read from the controller.
func openPTY(t *testing.T) (controller, terminal *os.File) {
	t.Helper()
	c, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := unix.IoctlSetPointerInt(int(c.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(c.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	term, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the pseudo-terminal: %v", err)
	}
	return c, term
}

// runOnTerminal runs gatehouse with stderr on a terminal, and returns
// stdout and what reached the terminal.
func runOnTerminal(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	c, term := openPTY(t)
	var seen bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(&seen, c) // ends with EIO once the terminal closes
	}()
	var stdout bytes.Buffer
	code := cli.Main(t.Context(), args, strings.NewReader(""), &stdout, term)
	term.Close()
	<-done
	return code, stdout.String(), seen.String()
}

// TestSimRunProgress runs a simulation with stderr on a terminal, with no
// delay before the progress bar shows, and again with --no-progress and
// with --output json. Not parallel: it sets progress.Delay.
func TestSimRunProgress(t *testing.T) {
	defer func(d time.Duration) { progress.Delay = d }(progress.Delay)
	progress.Delay = 0
	// An actor who paces and never reaches its goal.
	file := writeModel(t, "locations { a; b; c; }\nconnections { a <-> b { *: m } }\nactors { x { at a; goals c; } }\n")
	args := []string{"sim", "run", file, "--ticks", "500"}
	code, stdout, seen := runOnTerminal(t, args...)
	if code != cli.ExitOK || !strings.HasPrefix(stdout, "run ended after 500 ticks") {
		t.Fatalf("exit %d, stdout:\n%s", code, stdout)
	}
	if !strings.HasPrefix(seen, "\rrun [") || !strings.Contains(seen, "/500 ticks") || !strings.HasSuffix(seen, "\r\x1b[K") {
		t.Errorf("the terminal saw %q", seen)
	}
	if strings.Contains(stdout, "\r") {
		t.Errorf("the bar reached stdout: %q", stdout)
	}
	for _, extra := range [][]string{{"--no-progress"}, {"--output", "json"}} {
		if _, _, seen := runOnTerminal(t, append(args, extra...)...); seen != "" {
			t.Errorf("with %s the terminal saw %q", extra, seen)
		}
	}
}
