package tck_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/slpftest"
)

// slpfActuator is one of the SLPF actuator plugins, as the tests of this
// file and slpf_netns_test.go drive it through a Host.
type slpfActuator struct{ slpftest.Actuator }

// slpfActuators are the SLPF actuator plugins.
var slpfActuators = func() []slpfActuator {
	var out []slpfActuator
	for _, a := range slpftest.Actuators {
		out = append(out, slpfActuator{a})
	}
	return out
}()

// config returns a host configuration that grants the actuator what it
// needs, kv, log and exec of its programs (in dry run if asked), and runs
// one instance at a time with a long call timeout, as its documentation
// says: a command runs its programs several times, which a busy machine
// makes slow.
func (a slpfActuator) config(store string, dryRun bool) host.Config {
	return host.Config{
		StorePath: store,
		Plugins: map[string]host.PluginConfig{a.Name: {
			Grants: host.Grants{Log: true, KV: host.KVGrant{Granted: true}, Exec: &host.ExecGrant{Programs: a.Programs, DryRun: dryRun}},
			Limits: host.Limits{PoolSize: 1, Timeout: time.Minute},
		}},
	}
}

// actuate sends the command, written as JSON, to the actuator.
func (a slpfActuator) actuate(t testing.TB, h *host.Host, command string) abi.ActuateReply {
	t.Helper()
	var req abi.ActuateRequest
	m, err := abi.DecodeJSONObject([]byte(`{"profile":"slpf","command":` + command + `}`))
	if err == nil {
		err = msgpackCopy(m, &req)
	}
	if err != nil {
		t.Fatalf("test command %s: %v", command, err)
	}
	rep, err := h.Actuate(context.Background(), a.Component, req)
	if err != nil {
		t.Fatalf("%s %s: %v", a.Name, command, err)
	}
	return rep
}

// msgpackCopy decodes the msgpack encoding of v into dst.
func msgpackCopy(v, dst any) error {
	b, err := msgpack.Marshal(v)
	if err != nil {
		return err
	}
	return msgpack.Unmarshal(b, dst)
}

// ruleNumber returns the rule number of a reply, or -1 when it has none.
func ruleNumber(rep abi.ActuateReply) int64 {
	slpf, _ := rep.Results["slpf"].(map[string]any)
	if n, ok := normalize(slpf["rule_number"]).(int64); ok {
		return n
	}
	return -1
}

// recorder collects the exec requests of dry-run grants as lines of the
// program and its arguments.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) record(_ context.Context, _ string, req abi.ExecRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, strings.Join(append([]string{req.Program}, req.Args...), " "))
}

// take returns the lines recorded since the last take.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	lines := r.lines
	r.lines = nil
	return lines
}

// TestSLPFDryRun checks the commands each SLPF actuator runs at start and
// for a table of OpenC2 commands, recorded by a dry-run exec grant, and its
// replies.
func TestSLPFDryRun(t *testing.T) {
	tests := []struct {
		name    string
		command string
		status  int
		text    string              // a part of the status text
		number  int64               // the rule number of the reply; -1 for none
		reads   bool                // whether it reads and prepares the filter
		want    map[string][]string // what it runs after that, by actuator
	}{{
		name: "deny a tcp port", reads: true,
		command: `{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":22}},"args":{"response_requested":"complete"}}`,
		status:  200, text: "dry run", number: 1,
		want: map[string][]string{
			"slpf-nftables": {`nft add rule inet gatehouse input meta nfproto ipv4 tcp dport 22 drop comment "slpf:1"` +
				` ; add rule inet gatehouse forward meta nfproto ipv4 tcp dport 22 drop comment "slpf:1"` +
				` ; add rule inet gatehouse output meta nfproto ipv4 tcp dport 22 drop comment "slpf:1"`},
			"slpf-iptables": {
				"iptables -w -A GATEHOUSE-INPUT -p tcp --dport 22 -m comment --comment slpf:1 -j DROP",
				"iptables -w -A GATEHOUSE-FORWARD -p tcp --dport 22 -m comment --comment slpf:1 -j DROP",
				"iptables -w -A GATEHOUSE-OUTPUT -p tcp --dport 22 -m comment --comment slpf:1 -j DROP",
			},
		},
	}, {
		name: "allow an ipv6 net, egress, under a number", reads: true,
		command: `{"action":"allow","target":{"ipv6_net":"2001:db8:0:0::/32"},"args":{"slpf":{"direction":"egress","insert_rule":10}}}`,
		status:  200, text: "dry run", number: 10,
		want: map[string][]string{
			"slpf-nftables": {`nft add rule inet gatehouse output ip6 saddr 2001:db8::/32 accept comment "slpf:10"` +
				` ; add rule inet gatehouse output ip6 daddr 2001:db8::/32 accept comment "slpf:10"`},
			"slpf-iptables": {
				"ip6tables -w -A GATEHOUSE-OUTPUT -s 2001:db8::/32 -m comment --comment slpf:10 -j ACCEPT",
				"ip6tables -w -A GATEHOUSE-OUTPUT -d 2001:db8::/32 -m comment --comment slpf:10 -j ACCEPT",
			},
		},
	}, {
		name: "reject a host, ingress", reads: true,
		command: `{"action":"deny","target":{"ipv4_net":"198.51.100.7"},"args":{"slpf":{"drop_process":"reject","direction":"ingress","persistent":false}}}`,
		status:  200, text: "dry run", number: 11,
		want: map[string][]string{
			"slpf-nftables": {`nft add rule inet gatehouse input ip saddr 198.51.100.7 reject with icmpx type host-unreachable comment "slpf:11"` +
				` ; add rule inet gatehouse input ip daddr 198.51.100.7 reject with icmpx type host-unreachable comment "slpf:11"` +
				` ; add rule inet gatehouse forward ip saddr 198.51.100.7 reject with icmpx type host-unreachable comment "slpf:11"` +
				` ; add rule inet gatehouse forward ip daddr 198.51.100.7 reject with icmpx type host-unreachable comment "slpf:11"`},
			"slpf-iptables": {
				"iptables -w -A GATEHOUSE-INPUT -s 198.51.100.7 -m comment --comment slpf:11 -j REJECT --reject-with icmp-host-unreachable",
				"iptables -w -A GATEHOUSE-INPUT -d 198.51.100.7 -m comment --comment slpf:11 -j REJECT --reject-with icmp-host-unreachable",
				"iptables -w -A GATEHOUSE-FORWARD -s 198.51.100.7 -m comment --comment slpf:11 -j REJECT --reject-with icmp-host-unreachable",
				"iptables -w -A GATEHOUSE-FORWARD -d 198.51.100.7 -m comment --comment slpf:11 -j REJECT --reject-with icmp-host-unreachable",
			},
		},
	}, {
		name: "false_ack without a protocol", reads: true,
		command: `{"action":"deny","target":{"ipv4_connection":{"dst_addr":"192.0.2.9/24","dst_port":80}},"args":{"slpf":{"drop_process":"false_ack","direction":"egress"}}}`,
		status:  200, text: "dry run", number: 12,
		want: map[string][]string{
			"slpf-nftables": {`nft add rule inet gatehouse output ip daddr 192.0.2.0/24 tcp dport 80 reject with tcp reset comment "slpf:12"` +
				` ; add rule inet gatehouse output ip daddr 192.0.2.0/24 meta l4proto { tcp, udp, sctp } th dport 80 drop comment "slpf:12"`},
			"slpf-iptables": {
				"iptables -w -A GATEHOUSE-OUTPUT -d 192.0.2.0/24 -p tcp --dport 80 -m comment --comment slpf:12 -j REJECT --reject-with tcp-reset",
				"iptables -w -A GATEHOUSE-OUTPUT -d 192.0.2.0/24 -p tcp --dport 80 -m comment --comment slpf:12 -j DROP",
				"iptables -w -A GATEHOUSE-OUTPUT -d 192.0.2.0/24 -p udp --dport 80 -m comment --comment slpf:12 -j DROP",
				"iptables -w -A GATEHOUSE-OUTPUT -d 192.0.2.0/24 -p sctp --dport 80 -m comment --comment slpf:12 -j DROP",
			},
		},
	}, {
		name: "icmpv6 from a source", reads: true,
		command: `{"action":"deny","target":{"ipv6_connection":{"src_addr":"2001:db8::1","protocol":"icmp"}},"args":{"slpf":{"direction":"ingress"}}}`,
		status:  200, text: "dry run", number: 13,
		want: map[string][]string{
			"slpf-nftables": {`nft add rule inet gatehouse input ip6 saddr 2001:db8::1 meta l4proto ipv6-icmp drop comment "slpf:13"` +
				` ; add rule inet gatehouse forward ip6 saddr 2001:db8::1 meta l4proto ipv6-icmp drop comment "slpf:13"`},
			"slpf-iptables": {
				"ip6tables -w -A GATEHOUSE-INPUT -s 2001:db8::1 -p ipv6-icmp -m comment --comment slpf:13 -j DROP",
				"ip6tables -w -A GATEHOUSE-FORWARD -s 2001:db8::1 -p ipv6-icmp -m comment --comment slpf:13 -j DROP",
			},
		},
	}, {
		name:    "a rule number in use",
		command: `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"},"args":{"slpf":{"insert_rule":10}}}`,
		status:  501, text: "rule number currently in use: 10", number: -1, reads: true,
	}, {
		name:    "delete",
		command: `{"action":"delete","target":{"slpf:rule_number":1}}`,
		status:  200, text: "dry run", number: -1, reads: true, // no handle or position is known in dry run: nothing to run
	}, {
		name:    "delete a rule that is gone",
		command: `{"action":"delete","target":{"slpf:rule_number":1}}`,
		status:  500, text: "firewall rule not removed or updated: no rule number 1", number: -1,
	}, {
		name:    "false_ack on udp",
		command: `{"action":"deny","target":{"ipv6_connection":{"protocol":"udp","src_port":53}},"args":{"slpf":{"drop_process":"false_ack"}}}`,
		status:  501, text: "false_ack with protocol udp", number: -1,
	}, {
		name:    "update file",
		command: `{"action":"update","target":{"file":{"name":"rules.v4"}}}`,
		status:  501, text: "command not supported: update file", number: -1,
	}, {
		name:    "a bad address",
		command: `{"action":"deny","target":{"ipv4_net":"10.0.0.256"}}`,
		status:  400, text: "target.ipv4_net", number: -1,
	}, {
		name:    "a temporal argument",
		command: `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"duration":60000}}`,
		status:  501, text: "option not supported: args.duration", number: -1,
	}, {
		name:    "query features",
		command: `{"action":"query","target":{"features":[]}}`,
		status:  200, number: -1,
	}}
	for _, a := range slpfActuators {
		t.Run(a.Name, func(t *testing.T) {
			rec := &recorder{}
			cfg := a.config(filepath.Join(t.TempDir(), "store.db"), true)
			cfg.ExecRecorder = rec.record
			h := newHost(t, cfg, a.Build(t))
			// The start, at load, reads and prepares the filter.
			if got := rec.take(); !reflect.DeepEqual(got, a.Setup) {
				t.Errorf("start: ran\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(a.Setup, "\n"))
			}
			for _, tt := range tests {
				rep := a.actuate(t, h, tt.command)
				if rep.Status != tt.status || !strings.Contains(rep.StatusText, tt.text) || ruleNumber(rep) != tt.number {
					t.Errorf("%s: reply %+v, want status %d with %q and rule number %d", tt.name, rep, tt.status, tt.text, tt.number)
				}
				var want []string
				if tt.reads {
					want = append(want, a.Setup...)
				}
				want = append(want, tt.want[a.Name]...)
				got := rec.take()
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s: ran\n%s\nwant\n%s", tt.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
		})
	}
}

// TestSLPFStartFails loads each SLPF actuator on a host without a store:
// its start cannot read its rules, so the load fails with the store's
// error and nothing serves the actuator.
func TestSLPFStartFails(t *testing.T) {
	for _, a := range slpfActuators {
		t.Run(a.Name, func(t *testing.T) {
			h := newHost(t, a.config("", true), a.Build(t))
			st := status(t, h, a.Name+".wasm")
			if st.Status != host.StatusError || !strings.HasPrefix(st.Message, "unavailable: gatehouse_start: ") || !strings.Contains(st.Message, "kv_list") {
				t.Errorf("status %s %q, want ERROR: unavailable: gatehouse_start: naming kv_list", st.Status, st.Message)
			}
			if _, err := h.Actuate(context.Background(), a.Component, abi.ActuateRequest{}); !errors.Is(err, &abi.Error{Code: abi.CodeNoComponent}) {
				t.Errorf("actuate: %v, want %s", err, abi.CodeNoComponent)
			}
		})
	}
}
