//go:build linux

package netnstest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// NS is a network namespace of a test, with its loopback up.
type NS struct {
	Name string
}

// count numbers the namespaces of this process.
var count atomic.Int64

// New creates a network namespace, deleted when the test ends, and puts
// first in PATH a folder of wrappers named like programs that run them in
// it (ip netns exec), so that whatever runs the programs by bare name, a
// plugin's exec grant for one, reaches the namespace. Since it sets PATH
// for the whole process, the test must not run in parallel. It skips the
// test with -short, and skips it, or fails it in CI, without root, ip or
// the programs.
func New(t *testing.T, programs ...string) *NS {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the test drives packet filters in network namespaces (task test:all runs it)")
	}
	if os.Geteuid() != 0 {
		wasmbuild.Missing(t, "run the tests as root", "network namespaces need root")
	}
	paths := map[string]string{}
	for _, p := range append([]string{"ip"}, programs...) {
		path, err := exec.LookPath(p)
		if err != nil {
			wasmbuild.Missing(t, "install the Debian packages iproute2 nftables iptables", "%s: %v", p, err)
		}
		paths[p] = path
	}
	removeStale(t)
	ns := &NS{Name: fmt.Sprintf("gh-slpf-%d-%d", os.Getpid(), count.Add(1))}
	if out, err := exec.Command(paths["ip"], "netns", "add", ns.Name).CombinedOutput(); err != nil {
		wasmbuild.Missing(t, "run the tests where network namespaces can be made", "ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(paths["ip"], "netns", "delete", ns.Name).CombinedOutput(); err != nil {
			t.Errorf("ip netns delete %s: %v: %s", ns.Name, err, out)
		}
	})
	ns.Run(t, paths["ip"], "link", "set", "lo", "up")

	bin := t.TempDir()
	for _, p := range programs {
		script := fmt.Sprintf("#!/bin/sh\nexec %s netns exec %s %s \"$@\"\n", paths["ip"], ns.Name, paths[p])
		if err := os.WriteFile(filepath.Join(bin, p), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return ns
}

// removeStale deletes the namespaces that test processes no longer running
// left behind, when they were killed before their cleanup.
func removeStale(t *testing.T) {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, _, _ := strings.Cut(line, " ")
		parts := strings.Split(name, "-")
		if len(parts) != 4 || parts[0] != "gh" || parts[1] != "slpf" {
			continue
		}
		if pid, err := strconv.Atoi(parts[2]); err == nil && syscall.Kill(pid, 0) == syscall.ESRCH {
			if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
				t.Logf("ip netns delete %s (stale): %v: %s", name, err, out)
			}
		}
	}
}

// Run runs a program in the namespace and fails the test if it fails.
func (ns *NS) Run(t *testing.T, argv ...string) {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"netns", "exec", ns.Name}, argv...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("in %s: %s: %v: %s", ns.Name, strings.Join(argv, " "), err, out)
	}
}

// LogOnFailure logs what argv, run in the namespace, prints when the test
// ends failed: the state of its packet filter, say.
func (ns *NS) LogOnFailure(t *testing.T, argv ...string) {
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command("ip", append([]string{"netns", "exec", ns.Name}, argv...)...).CombinedOutput()
			t.Logf("in %s: %s:\n%s", ns.Name, strings.Join(argv, " "), out)
		}
	})
}

// In runs fn on an OS thread that has entered the namespace. Sockets made
// there belong to the namespace for good. The thread never leaves it: its
// goroutine ends locked to it, and Go then ends the thread.
func (ns *NS) In(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + ns.Name)
		if err != nil {
			done <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns %s: %w", ns.Name, err)
			return
		}
		done <- fn()
	}()
	return <-done
}

// Listen starts a TCP server in the namespace that accepts connections and
// closes them, and returns its address. It stops when the test ends.
func (ns *NS) Listen(t *testing.T, network, addr string) string {
	t.Helper()
	var l net.Listener
	err := ns.In(func() (err error) {
		l, err = net.Listen(network, addr)
		return err
	})
	if err != nil {
		t.Fatalf("listen on %s in %s: %v", addr, ns.Name, err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().String()
}

// ErrTimeout stands, in Expect, for a connection attempt that gets no
// answer: the packets were dropped.
var ErrTimeout = errors.New("no answer")

// Dial connects to addr from inside the namespace, waiting as long as wait
// for an answer; a connection that gets none fails with ErrTimeout.
func (ns *NS) Dial(addr string, wait time.Duration) error {
	return ns.In(func() error {
		c, err := net.DialTimeout("tcp", addr, wait)
		if err == nil {
			return c.Close()
		}
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			return ErrTimeout
		}
		return err
	})
}

// Expect checks that a connection to each address ends as given: nil for
// established, ErrTimeout for dropped, a syscall.Errno for refused or
// unreachable. A drop is waited for 700 ms; other answers up to 5 s, as
// over loopback an ICMP error can reach the socket while connect still
// holds it, and count only when TCP sends its SYN again, a second later.
func (ns *NS) Expect(t *testing.T, when string, want map[string]error) {
	t.Helper()
	for addr, w := range want {
		wait := 5 * time.Second
		if w == ErrTimeout {
			wait = 700 * time.Millisecond
		}
		if err := ns.Dial(addr, wait); !errors.Is(err, w) {
			t.Errorf("%s: connect to %s: %v, want %v", when, addr, err, outcome(w))
		}
	}
}

// outcome names an expected connection outcome.
func outcome(err error) string {
	if err == nil {
		return "established"
	}
	return err.Error()
}

// Port returns the port of a host:port address.
func Port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
