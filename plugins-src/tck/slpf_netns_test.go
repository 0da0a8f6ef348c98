//go:build linux

package tck_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/netnstest"
	storepkg "github.com/gatehouse/gatehouse/internal/store"
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
		t.Run(a.Name, func(t *testing.T) {
			ns := netnstest.New(t, a.Programs...)
			ns.LogOnFailure(t, a.Listing...)
			file := a.Build(t)
			store := filepath.Join(t.TempDir(), "store.db")
			p, q := ns.Listen(t, "tcp4", "127.0.0.1:0"), ns.Listen(t, "tcp4", "127.0.0.1:0")
			p6 := ns.Listen(t, "tcp6", "[::1]:0")
			ns.Expect(t, "at first", map[string]error{p: nil, q: nil, p6: nil})

			h := newHost(t, a.config(store, false), file)
			deny := fmt.Sprintf(`{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":%s}}}`, netnstest.Port(p))
			n := mustAdd(t, a, h, deny)
			ns.Expect(t, "after deny", map[string]error{p: netnstest.ErrTimeout, q: nil, p6: nil})
			mustDelete(t, a, h, n)
			ns.Expect(t, "after delete", map[string]error{p: nil, q: nil})

			n = mustAdd(t, a, h, fmt.Sprintf(`{"action":"deny","target":{"ipv4_connection":{"dst_addr":"127.0.0.1","dst_port":%s}},"args":{"slpf":{"drop_process":"false_ack"}}}`, netnstest.Port(q)))
			n6 := mustAdd(t, a, h, fmt.Sprintf(`{"action":"deny","target":{"ipv6_connection":{"dst_addr":"::1/128","protocol":"tcp","dst_port":%s}},"args":{"slpf":{"drop_process":"reject","direction":"ingress"}}}`, netnstest.Port(p6)))
			ns.Expect(t, "after false_ack and reject", map[string]error{p: nil, q: syscall.ECONNREFUSED, p6: syscall.EHOSTUNREACH})
			mustDelete(t, a, h, n)
			mustDelete(t, a, h, n6)

			// Rules apply in the order of their numbers: allows numbered
			// below a deny win over it, whenever they were added. The
			// filter is stateless, so the answers need an allow of their own.
			mustAdd(t, a, h, `{"action":"deny","target":{"ipv4_net":"127.0.0.0/8"},"args":{"slpf":{"insert_rule":20}}}`)
			mustAdd(t, a, h, fmt.Sprintf(`{"action":"allow","target":{"ipv4_connection":{"protocol":"tcp","dst_port":%s}},"args":{"slpf":{"insert_rule":10}}}`, netnstest.Port(p)))
			mustAdd(t, a, h, fmt.Sprintf(`{"action":"allow","target":{"ipv4_connection":{"protocol":"tcp","src_port":%s}},"args":{"slpf":{"insert_rule":11}}}`, netnstest.Port(p)))
			ns.Expect(t, "after deny 20 and allow 10 and 11", map[string]error{p: nil, q: netnstest.ErrTimeout, p6: nil})
			if rep := a.actuate(t, h, `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"},"args":{"slpf":{"insert_rule":20}}}`); rep.Status != 501 {
				t.Errorf("insert_rule of a number in use: %+v, want status 501", rep)
			}
			for _, n := range []int64{20, 10, 11} {
				mustDelete(t, a, h, n)
			}

			// A reboot: the persistent rule comes back, the other does not.
			kept := mustAdd(t, a, h, deny)
			lost := mustAdd(t, a, h, fmt.Sprintf(`{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":%s}},"args":{"slpf":{"persistent":false}}}`, netnstest.Port(q)))
			ns.Expect(t, "before the reboot", map[string]error{p: netnstest.ErrTimeout, q: netnstest.ErrTimeout})
			if err := h.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, argv := range a.Reset {
				ns.Run(t, argv...)
			}
			ns.Expect(t, "after the reboot", map[string]error{p: nil, q: nil})
			// The new host starts the plugin, which restores the rule
			// before any command.
			h = newHost(t, a.config(store, false), file)
			ns.Expect(t, "after the restart", map[string]error{p: netnstest.ErrTimeout, q: nil})
			if rep := a.actuate(t, h, fmt.Sprintf(`{"action":"delete","target":{"slpf:rule_number":%d}}`, lost)); rep.Status != 500 {
				t.Errorf("delete of the rule that was not persistent: %+v, want status 500", rep)
			}
			mustDelete(t, a, h, kept)
			ns.Expect(t, "after the last delete", map[string]error{p: nil, q: nil})
		})
	}
}

// mustAdd sends an allow or deny and returns the rule number of its reply.
func mustAdd(t *testing.T, a slpfActuator, h *host.Host, command string) int64 {
	t.Helper()
	rep := a.actuate(t, h, command)
	n := ruleNumber(rep)
	if rep.Status != 200 || n < 0 {
		t.Fatalf("%s: %+v, want status 200 with a rule number", command, rep)
	}
	return n
}

// mustDelete deletes rule number n.
func mustDelete(t *testing.T, a slpfActuator, h *host.Host, n int64) {
	t.Helper()
	if rep := a.actuate(t, h, fmt.Sprintf(`{"action":"delete","target":{"slpf:rule_number":%d}}`, n)); rep.Status != 200 {
		t.Fatalf("delete rule %d: %+v, want status 200", n, rep)
	}
}

// TestHostileSLPFLostStore loses the store of each SLPF actuator while the
// packet filter of a network namespace holds its rule: a store file
// truncated to 0 bytes stops the host from starting, and a new, empty store
// (the damaged file moved away) fails the plugin's start, naming the rule;
// either way the rule stays in force. The store restored from a copy
// starts the plugin again, and its rule can be deleted.
func TestHostileSLPFLostStore(t *testing.T) {
	for _, a := range slpfActuators {
		t.Run(a.Name, func(t *testing.T) {
			ns := netnstest.New(t, a.Programs...)
			ns.LogOnFailure(t, a.Listing...)
			file := a.Build(t)
			dir := t.TempDir()
			store := filepath.Join(dir, "store.db")
			p, q := ns.Listen(t, "tcp4", "127.0.0.1:0"), ns.Listen(t, "tcp4", "127.0.0.1:0")

			h := newHost(t, a.config(store, false), file)
			n := mustAdd(t, a, h, fmt.Sprintf(`{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":%s}}}`, netnstest.Port(p)))
			ns.Expect(t, "after deny", map[string]error{p: netnstest.ErrTimeout, q: nil})
			if err := h.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			backup, err := os.ReadFile(store)
			if err != nil {
				t.Fatal(err)
			}

			if err := os.Truncate(store, 0); err != nil {
				t.Fatal(err)
			}
			cfg := a.config(store, false)
			cfg.PluginDir = t.TempDir()
			copyPlugin(t, file, cfg.PluginDir)
			if h, err := host.New(cfg, nil); err == nil || !errors.Is(err, storepkg.ErrDamaged) {
				if err == nil {
					h.Close(context.Background())
				}
				t.Fatalf("a host over a store truncated to 0 bytes: %v, want an error wrapping ErrDamaged", err)
			}
			ns.Expect(t, "after the host refused the empty store", map[string]error{p: netnstest.ErrTimeout, q: nil})

			h = newHost(t, a.config(filepath.Join(dir, "new.db"), false), file)
			st := status(t, h, a.Name+".wasm")
			if want := fmt.Sprintf("holds rules [%d] that the store never assigned", n); st.Status != host.StatusError || !strings.Contains(st.Message, want) {
				t.Errorf("over a new store the plugin is %s %q, want ERROR with %q", st.Status, st.Message, want)
			}
			ns.Expect(t, "after the start over a new store", map[string]error{p: netnstest.ErrTimeout, q: nil})
			if err := h.Close(context.Background()); err != nil {
				t.Fatal(err)
			}

			if err := os.WriteFile(store, backup, 0o600); err != nil {
				t.Fatal(err)
			}
			h = newHost(t, a.config(store, false), file)
			mustDelete(t, a, h, n)
			ns.Expect(t, "after the delete over the restored store", map[string]error{p: nil, q: nil})
		})
	}
}
