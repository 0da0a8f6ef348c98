//go:build linux

package host

import (
	"context"
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

// TestSLPFNetns runs each SLPF actuator against the real packet filter of a
// network namespace, through a real host: TCP listeners on two ports of the
// namespace's loopback, commands that deny, reject, allow and delete, and
// connections that must pass or fail accordingly; then a reboot, played by
// wiping the filter, and a new host on the same store that must restore
// the persistent rule, when it loads the plugin, and only that rule.
//
// The plugins run their programs by bare name, which the exec grant looks up
// in the host's PATH; the test puts first in PATH a folder of wrappers named
// like the programs that run them in the namespace (ip netns exec). An
// operator can confine an actuator to a namespace the same way.
func TestSLPFNetns(t *testing.T) {
	for _, a := range slpfActuators {
		t.Run(a.name, func(t *testing.T) {
			ns := newNetns(t, a.programs)
			file := a.build(t)
			store := filepath.Join(t.TempDir(), "store.db")
			t.Cleanup(func() {
				if t.Failed() {
					out, _ := exec.Command("ip", append([]string{"netns", "exec", ns.name}, a.listing...)...).CombinedOutput()
					t.Logf("the namespace's packet filter:\n%s", out)
				}
			})
			p, q := ns.listen(t, "tcp4", "127.0.0.1:0"), ns.listen(t, "tcp4", "127.0.0.1:0")
			p6 := ns.listen(t, "tcp6", "[::1]:0")
			ns.expect(t, "at first", map[string]error{p: nil, q: nil, p6: nil})

			h := newHostWasm(t, a.config(store, false), file)
			deny := fmt.Sprintf(`{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":%s}}}`, port(p))
			n := mustAdd(t, a, h, deny)
			ns.expect(t, "after deny", map[string]error{p: errTimeout, q: nil, p6: nil})
			mustDelete(t, a, h, n)
			ns.expect(t, "after delete", map[string]error{p: nil, q: nil})

			n = mustAdd(t, a, h, fmt.Sprintf(`{"action":"deny","target":{"ipv4_connection":{"dst_addr":"127.0.0.1","dst_port":%s}},"args":{"slpf":{"drop_process":"false_ack"}}}`, port(q)))
			n6 := mustAdd(t, a, h, fmt.Sprintf(`{"action":"deny","target":{"ipv6_connection":{"dst_addr":"::1/128","protocol":"tcp","dst_port":%s}},"args":{"slpf":{"drop_process":"reject","direction":"ingress"}}}`, port(p6)))
			ns.expect(t, "after false_ack and reject", map[string]error{p: nil, q: syscall.ECONNREFUSED, p6: syscall.EHOSTUNREACH})
			mustDelete(t, a, h, n)
			mustDelete(t, a, h, n6)

			// Rules apply in the order of their numbers: allows numbered
			// below a deny win over it, whenever they were added. The
			// filter is stateless, so the answers need an allow of their own.
			mustAdd(t, a, h, `{"action":"deny","target":{"ipv4_net":"127.0.0.0/8"},"args":{"slpf":{"insert_rule":20}}}`)
			mustAdd(t, a, h, fmt.Sprintf(`{"action":"allow","target":{"ipv4_connection":{"protocol":"tcp","dst_port":%s}},"args":{"slpf":{"insert_rule":10}}}`, port(p)))
			mustAdd(t, a, h, fmt.Sprintf(`{"action":"allow","target":{"ipv4_connection":{"protocol":"tcp","src_port":%s}},"args":{"slpf":{"insert_rule":11}}}`, port(p)))
			ns.expect(t, "after deny 20 and allow 10 and 11", map[string]error{p: nil, q: errTimeout, p6: nil})
			if rep := a.actuate(t, h, `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"},"args":{"slpf":{"insert_rule":20}}}`); rep.Status != 501 {
				t.Errorf("insert_rule of a number in use: %+v, want status 501", rep)
			}
			for _, n := range []int64{20, 10, 11} {
				mustDelete(t, a, h, n)
			}

			// A reboot: the persistent rule comes back, the other does not.
			kept := mustAdd(t, a, h, deny)
			lost := mustAdd(t, a, h, fmt.Sprintf(`{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":%s}},"args":{"slpf":{"persistent":false}}}`, port(q)))
			ns.expect(t, "before the reboot", map[string]error{p: errTimeout, q: errTimeout})
			if err := h.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, argv := range a.reset {
				ns.run(t, argv...)
			}
			ns.expect(t, "after the reboot", map[string]error{p: nil, q: nil})
			// The new host starts the plugin, which restores the rule
			// before any command.
			h = newHostWasm(t, a.config(store, false), file)
			ns.expect(t, "after the restart", map[string]error{p: errTimeout, q: nil})
			if rep := a.actuate(t, h, fmt.Sprintf(`{"action":"delete","target":{"slpf:rule_number":%d}}`, lost)); rep.Status != 500 {
				t.Errorf("delete of the rule that was not persistent: %+v, want status 500", rep)
			}
			mustDelete(t, a, h, kept)
			ns.expect(t, "after the last delete", map[string]error{p: nil, q: nil})
		})
	}
}

// mustAdd sends an allow or deny and returns the rule number of its reply.
func mustAdd(t *testing.T, a slpfActuator, h *Host, command string) int64 {
	t.Helper()
	rep := a.actuate(t, h, command)
	n := ruleNumber(rep)
	if rep.Status != 200 || n < 0 {
		t.Fatalf("%s: %+v, want status 200 with a rule number", command, rep)
	}
	return n
}

// mustDelete deletes rule number n.
func mustDelete(t *testing.T, a slpfActuator, h *Host, n int64) {
	t.Helper()
	if rep := a.actuate(t, h, fmt.Sprintf(`{"action":"delete","target":{"slpf:rule_number":%d}}`, n)); rep.Status != 200 {
		t.Fatalf("delete rule %d: %+v, want status 200", n, rep)
	}
}

// port returns the port of a host:port address.
func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// errTimeout stands, in netns.expect, for a connection attempt that gets
// no answer: the packets were dropped.
var errTimeout = errors.New("no answer")

// netns is a network namespace of a test, with its loopback up.
type netns struct {
	name string
}

// netnsCount numbers the namespaces of this process.
var netnsCount atomic.Int64

// newNetns creates a network namespace, deleted when the test ends, and
// puts wrappers that run programs in it first in PATH. It skips the test,
// or fails it in CI, without root, ip or the programs.
func newNetns(t *testing.T, programs []string) *netns {
	t.Helper()
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
	removeStaleNetns(t)
	ns := &netns{name: fmt.Sprintf("gh-slpf-%d-%d", os.Getpid(), netnsCount.Add(1))}
	if out, err := exec.Command(paths["ip"], "netns", "add", ns.name).CombinedOutput(); err != nil {
		wasmbuild.Missing(t, "run the tests where network namespaces can be made", "ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command(paths["ip"], "netns", "delete", ns.name).CombinedOutput(); err != nil {
			t.Errorf("ip netns delete %s: %v: %s", ns.name, err, out)
		}
	})
	ns.run(t, paths["ip"], "link", "set", "lo", "up")

	bin := t.TempDir()
	for _, p := range programs {
		script := fmt.Sprintf("#!/bin/sh\nexec %s netns exec %s %s \"$@\"\n", paths["ip"], ns.name, paths[p])
		if err := os.WriteFile(filepath.Join(bin, p), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return ns
}

// removeStaleNetns deletes the namespaces that test processes no longer
// running left behind, when they were killed before their cleanup.
func removeStaleNetns(t *testing.T) {
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

// run runs a program in the namespace and fails the test if it fails.
func (ns *netns) run(t *testing.T, argv ...string) {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"netns", "exec", ns.name}, argv...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("in %s: %s: %v: %s", ns.name, strings.Join(argv, " "), err, out)
	}
}

// in runs fn on an OS thread that has entered the namespace. Sockets made
// there belong to the namespace for good. The thread never leaves it: its
// goroutine ends locked to it, and Go then ends the thread.
func (ns *netns) in(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + ns.name)
		if err != nil {
			done <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns %s: %w", ns.name, err)
			return
		}
		done <- fn()
	}()
	return <-done
}

// listen starts a TCP server in the namespace that accepts connections and
// closes them, and returns its address.
func (ns *netns) listen(t *testing.T, network, addr string) string {
	t.Helper()
	var l net.Listener
	err := ns.in(func() (err error) {
		l, err = net.Listen(network, addr)
		return err
	})
	if err != nil {
		t.Fatalf("listen on %s in %s: %v", addr, ns.name, err)
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

// dial connects to addr from inside the namespace, waiting as long as
// wait for an answer; a connection that gets none fails with errTimeout.
func (ns *netns) dial(addr string, wait time.Duration) error {
	return ns.in(func() error {
		c, err := net.DialTimeout("tcp", addr, wait)
		if err == nil {
			return c.Close()
		}
		if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
			return errTimeout
		}
		return err
	})
}

// expect checks that a connection to each address ends as given: nil for
// established, errTimeout for dropped, a syscall.Errno for refused or
// unreachable. A drop is waited for 700 ms; other answers up to 5 s, as
// over loopback an ICMP error can reach the socket while connect still
// holds it, and count only when TCP sends its SYN again, a second later.
func (ns *netns) expect(t *testing.T, when string, want map[string]error) {
	t.Helper()
	for addr, w := range want {
		wait := 5 * time.Second
		if w == errTimeout {
			wait = 700 * time.Millisecond
		}
		if err := ns.dial(addr, wait); !errors.Is(err, w) {
			t.Errorf("%s: connect to %s: %v, want %v", when, addr, err, connOutcome(w))
		}
	}
}

// connOutcome names an expected connection outcome.
func connOutcome(err error) string {
	if err == nil {
		return "established"
	}
	return err.Error()
}
