package cli_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gatehouse/gatehouse/cli"
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

// TestSimRunProgress runs a simulation long enough for the progress bar
// to show on a terminal, and again with --no-progress.
func TestSimRunProgress(t *testing.T) {
	t.Parallel()
	// Thirty actors who wander for half a million ticks and never reach
	// their goal: long enough (about 15 million steps) for the bar.
	var src strings.Builder
	src.WriteString("locations { a; b; c; }\nconnections { a <-> b { *: m } }\nactors {\n")
	for i := range 30 {
		fmt.Fprintf(&src, "  x%d { at a; goals c; }\n", i)
	}
	src.WriteString("}\n")
	file := writeModel(t, src.String())
	args := []string{"sim", "run", file, "--ticks", "500000", "--agent", "*=random"}
	code, stdout, seen := runOnTerminal(t, args...)
	if code != cli.ExitOK || !strings.HasPrefix(stdout, "run ended after 500000 ticks") {
		t.Fatalf("exit %d, stdout:\n%s", code, stdout)
	}
	if !strings.Contains(seen, "\rrun [") || !strings.Contains(seen, "/500000 ticks") || !strings.HasSuffix(seen, "\r\x1b[K") {
		t.Errorf("the terminal saw %q", seen)
	}
	if strings.Contains(stdout, "\r") {
		t.Errorf("the bar reached stdout: %q", stdout)
	}
	if _, _, seen := runOnTerminal(t, append(args, "--no-progress")...); seen != "" {
		t.Errorf("with --no-progress the terminal saw %q", seen)
	}
}
