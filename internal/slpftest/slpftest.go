// Package slpftest describes the SLPF actuator plugins (docs/slpf.md) for
// tests: how to build each, what it runs, and how to wipe its rules from
// the packet filter as a reboot would.
package slpftest

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// Actuator is one of the SLPF actuator plugins.
type Actuator struct {
	Name      string                  // the plugin's name
	Component string                  // its actuator, as "plugin/component"
	Build     func(testing.TB) string // builds it, into a file named like wasmbuild.Go's
	Programs  []string                // the programs its exec grant lists
	Setup     []string                // what it runs to read and prepare the filter, in dry run
	Reset     [][]string              // argv that wipe its rules, as a reboot would
	Listing   []string                // argv that list the filter, for failure messages
}

// Actuators are the SLPF actuator plugins.
var Actuators = []Actuator{
	{
		Name:      "slpf-nftables",
		Component: "slpf-nftables/nftables",
		Build:     func(t testing.TB) string { return wasmbuild.Go(t, "plugins-src/go/slpf-nftables") },
		Programs:  []string{"nft"},
		Setup: []string{"nft --json add table inet gatehouse" +
			" ; add chain inet gatehouse input { type filter hook input priority -10 ; policy accept ; }" +
			" ; add chain inet gatehouse forward { type filter hook forward priority -10 ; policy accept ; }" +
			" ; add chain inet gatehouse output { type filter hook output priority -10 ; policy accept ; }" +
			" ; list table inet gatehouse"},
		Reset:   [][]string{{"nft", "delete", "table", "inet", "gatehouse"}},
		Listing: []string{"nft", "list", "ruleset"},
	},
	{
		Name:      "slpf-iptables",
		Component: "slpf-iptables/iptables",
		Build:     func(t testing.TB) string { return wasmbuild.C.Plugin(t, "slpf-iptables") },
		Programs:  []string{"iptables", "ip6tables"},
		Setup: func() []string {
			var lines []string
			for _, p := range []string{"iptables", "ip6tables"} {
				lines = append(lines, p+" -w -S")
				for _, hook := range []string{"INPUT", "FORWARD", "OUTPUT"} {
					lines = append(lines, p+" -w -N GATEHOUSE-"+hook, p+" -w -I "+hook+" 1 -j GATEHOUSE-"+hook)
				}
			}
			return lines
		}(),
		Reset: func() [][]string {
			var cmds [][]string
			for _, p := range []string{"iptables", "ip6tables"} {
				for _, hook := range []string{"INPUT", "FORWARD", "OUTPUT"} {
					cmds = append(cmds, []string{p, "-w", "-D", hook, "-j", "GATEHOUSE-" + hook},
						[]string{p, "-w", "-F", "GATEHOUSE-" + hook}, []string{p, "-w", "-X", "GATEHOUSE-" + hook})
				}
			}
			return cmds
		}(),
		Listing: []string{"iptables-save"},
	},
}
