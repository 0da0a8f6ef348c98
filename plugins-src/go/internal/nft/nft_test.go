package nft

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/plugins-src/go/internal/slpf"
)

// listing is what nft 1.0.6 lists for a table holding rules 3 and 7 in
// input and rule 7 in output, besides a rule of someone else's.
const listing = `{"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
{"table": {"family": "inet", "name": "gatehouse", "handle": 4}},
{"chain": {"family": "inet", "table": "gatehouse", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": -10, "policy": "accept"}},
{"chain": {"family": "inet", "table": "gatehouse", "name": "forward", "handle": 2, "type": "filter", "hook": "forward", "prio": -10, "policy": "accept"}},
{"chain": {"family": "inet", "table": "gatehouse", "name": "output", "handle": 3, "type": "filter", "hook": "output", "prio": -10, "policy": "accept"}},
{"rule": {"family": "inet", "table": "gatehouse", "chain": "input", "handle": 5, "comment": "slpf:3", "expr": [{"drop": null}]}},
{"rule": {"family": "inet", "table": "gatehouse", "chain": "input", "handle": 6, "comment": "added by hand", "expr": [{"accept": null}]}},
{"rule": {"family": "inet", "table": "gatehouse", "chain": "input", "handle": 9, "comment": "slpf:7", "expr": [{"drop": null}]}},
{"rule": {"family": "inet", "table": "gatehouse", "chain": "output", "handle": 10, "comment": "slpf:7", "expr": [{"drop": null}]}}]}`

// fakeNft records the argument vectors it is run with and answers each with
// the next of its results, or exit status 0 once they run out.
type fakeNft struct {
	runs    []string
	results []abi.ExecResult
}

func (f *fakeNft) run(args []string) (abi.ExecResult, error) {
	f.runs = append(f.runs, strings.Join(args, " "))
	if len(f.results) == 0 {
		return abi.ExecResult{}, nil
	}
	r := f.results[0]
	f.results = f.results[1:]
	return r, nil
}

const prepare = "--json add table inet gatehouse" +
	" ; add chain inet gatehouse input { type filter hook input priority -10 ; policy accept ; }" +
	" ; add chain inet gatehouse forward { type filter hook forward priority -10 ; policy accept ; }" +
	" ; add chain inet gatehouse output { type filter hook output priority -10 ; policy accept ; }" +
	" ; list table inet gatehouse"

func TestSnapshot(t *testing.T) {
	nft := &fakeNft{results: []abi.ExecResult{{Stdout: []byte(listing)}}}
	snap, err := Filter{Run: nft.run}.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := snap.Numbers(), []int64{3, 7}; !reflect.DeepEqual(got, want) || snap.DryRun() {
		t.Errorf("Numbers = %v, DryRun = %v; want %v, false", got, snap.DryRun(), want)
	}
	if !reflect.DeepEqual(nft.runs, []string{prepare}) {
		t.Errorf("ran %q, want %q", nft.runs, prepare)
	}
}

func TestInstall(t *testing.T) {
	deny := slpf.Rule{Action: openc2.ActionDeny, Protocol: openc2.ProtocolTCP, DstPort: port(22), Direction: slpf.Both, Drop: slpf.DropSilently}
	egressNet := slpf.Rule{Action: openc2.ActionAllow, IPv6: true, Net: netip.MustParsePrefix("2001:db8::/32"), Direction: slpf.Egress}
	tests := []struct {
		name  string
		rules []slpf.Numbered
		want  string
	}{
		{"between the rules of each chain",
			[]slpf.Numbered{{Number: 5, Rule: deny}},
			"insert rule inet gatehouse input position 9 meta nfproto ipv4 tcp dport 22 drop comment \"slpf:5\"" +
				" ; add rule inet gatehouse forward meta nfproto ipv4 tcp dport 22 drop comment \"slpf:5\"" +
				" ; insert rule inet gatehouse output position 10 meta nfproto ipv4 tcp dport 22 drop comment \"slpf:5\""},
		{"first",
			[]slpf.Numbered{{Number: 1, Rule: egressNet}},
			"insert rule inet gatehouse output position 10 ip6 saddr 2001:db8::/32 accept comment \"slpf:1\"" +
				" ; insert rule inet gatehouse output position 10 ip6 daddr 2001:db8::/32 accept comment \"slpf:1\""},
		{"last, several in number order",
			[]slpf.Numbered{{Number: 9, Rule: egressNet}, {Number: 8, Rule: egressNet}},
			"add rule inet gatehouse output ip6 saddr 2001:db8::/32 accept comment \"slpf:8\"" +
				" ; add rule inet gatehouse output ip6 daddr 2001:db8::/32 accept comment \"slpf:8\"" +
				" ; add rule inet gatehouse output ip6 saddr 2001:db8::/32 accept comment \"slpf:9\"" +
				" ; add rule inet gatehouse output ip6 daddr 2001:db8::/32 accept comment \"slpf:9\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nft := &fakeNft{results: []abi.ExecResult{{Stdout: []byte(listing)}}}
			snap, err := Filter{Run: nft.run}.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			if err := snap.Install(tt.rules); err != nil {
				t.Fatal(err)
			}
			if got := nft.runs[1:]; !reflect.DeepEqual(got, []string{tt.want}) {
				t.Errorf("ran\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestRemove(t *testing.T) {
	nft := &fakeNft{results: []abi.ExecResult{{Stdout: []byte(listing)}}}
	snap, err := Filter{Run: nft.run}.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.Remove([]int64{7, 42}); err != nil {
		t.Fatal(err)
	}
	want := "delete rule inet gatehouse input handle 9 ; delete rule inet gatehouse output handle 10"
	if got := nft.runs[1:]; !reflect.DeepEqual(got, []string{want}) {
		t.Errorf("ran %q, want %q", got, want)
	}
	if err := snap.Remove([]int64{42}); err != nil || len(nft.runs) != 2 {
		t.Errorf("Remove of rules not held = %v after %d runs, want nil and no run", err, len(nft.runs))
	}
}

func TestDryRun(t *testing.T) {
	nft := &fakeNft{results: []abi.ExecResult{{DryRun: true}}}
	snap, err := Filter{Run: nft.run}.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !snap.DryRun() || len(snap.Numbers()) != 0 {
		t.Fatalf("DryRun = %v, Numbers = %v; want true and none", snap.DryRun(), snap.Numbers())
	}
	rule := slpf.Rule{Action: openc2.ActionDeny, Src: netip.MustParsePrefix("192.0.2.1/32"), Direction: slpf.Ingress}
	if err := snap.Install([]slpf.Numbered{{Number: 2, Rule: rule}}); err != nil {
		t.Fatal(err)
	}
	want := []string{prepare,
		"add rule inet gatehouse input ip saddr 192.0.2.1 drop comment \"slpf:2\" ; add rule inet gatehouse forward ip saddr 192.0.2.1 drop comment \"slpf:2\""}
	if !reflect.DeepEqual(nft.runs, want) {
		t.Errorf("ran\n%q\nwant\n%q", nft.runs, want)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name   string
		result abi.ExecResult
		err    string
	}{
		{"nft fails", abi.ExecResult{ExitCode: 1, Stderr: []byte("Error: Could not process rule: Operation not permitted\nadd table inet gatehouse\n^^^\n")},
			"nft exited with status 1: Error: Could not process rule: Operation not permitted"},
		{"nft fails silently", abi.ExecResult{ExitCode: 139}, "nft exited with status 139: no error output"},
		{"not json", abi.ExecResult{Stdout: []byte("table inet gatehouse {")}, "read nft --json listing"},
		{"a bad comment", abi.ExecResult{Stdout: []byte(`{"nftables":[{"rule":{"table":"gatehouse","chain":"input","handle":4,"comment":"slpf:x"}}]}`)},
			`rule handle 4 in chain input has comment "slpf:x", not slpf:<rule number>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nft := &fakeNft{results: []abi.ExecResult{tt.result}}
			_, err := Filter{Run: nft.run}.Snapshot()
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Snapshot error = %v, want one with %q", err, tt.err)
			}
		})
	}
	t.Run("exec fails", func(t *testing.T) {
		run := func([]string) (abi.ExecResult, error) {
			return abi.ExecResult{}, abi.Errorf(abi.CodeCapabilityDenied, `exec: program "nft" is not in plugins.slpf-nftables.grants.exec.programs`)
		}
		_, err := Filter{Run: run}.Snapshot()
		if err == nil || !strings.Contains(err.Error(), "run nft: capability_denied: exec: program") {
			t.Errorf("Snapshot error = %v, want the exec failure", err)
		}
	})
}
