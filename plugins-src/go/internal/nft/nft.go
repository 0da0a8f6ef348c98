// Package nft is an slpf.Filter on nftables: it turns SLPF rules into nft
// commands, run as one argument vector each (never through a shell), and
// reads the rules back from nft's JSON listing.
//
// The actuator's rules live in their own table, inet gatehouse, in three
// base chains hooked at input, forward and output with priority -10, so
// that they run before the filter tables of other tools (priority 0,
// iptables-nft's among them) and drop what they deny before those see it.
// An accept in this table ends only this table's chain: a packet it allows
// still meets the other tables. Each rule carries the comment "slpf:<rule
// number>", which is how the actuator finds its rules' handles again.
package nft

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/plugins-src/go/internal/slpf"
)

// The actuator's table and the priority of its chains.
const (
	family   = "inet"
	table    = "gatehouse"
	priority = "-10"
)

// Runner runs nft with args and returns what it did: the host's exec
// capability in a plugin.
type Runner func(args []string) (abi.ExecResult, error)

// Filter is an slpf.Filter that drives nft through Run.
type Filter struct {
	Run Runner
}

// Snapshot creates the table and its chains if they are missing and lists
// the table, in one nft transaction.
func (f Filter) Snapshot() (slpf.Snapshot, error) {
	cmds := [][]string{{"add", "table", family, table}}
	for _, h := range []slpf.Hook{slpf.Input, slpf.Forward, slpf.Output} {
		cmds = append(cmds, []string{"add", "chain", family, table, string(h),
			"{", "type", "filter", "hook", string(h), "priority", priority, ";", "policy", "accept", ";", "}"})
	}
	cmds = append(cmds, []string{"list", "table", family, table})
	res, err := f.run(append([]string{"--json"}, batch(cmds)...))
	if err != nil {
		return nil, err
	}
	if res.DryRun {
		return &snapshot{f: f, dryRun: true}, nil
	}
	rules, err := parseListing(res.Stdout)
	if err != nil {
		return nil, err
	}
	return &snapshot{f: f, rules: rules}, nil
}

// run runs nft and turns a failure to run and a non-zero exit into errors.
func (f Filter) run(args []string) (abi.ExecResult, error) {
	res, err := f.Run(args)
	if err != nil {
		return res, fmt.Errorf("run nft: %v", err)
	}
	if res.ExitCode != 0 {
		return res, fmt.Errorf("nft exited with status %d: %s", res.ExitCode, firstLine(res.Stderr))
	}
	return res, nil
}

// apply runs the commands as one nft transaction; no commands run nothing.
func (f Filter) apply(cmds [][]string) error {
	if len(cmds) == 0 {
		return nil
	}
	_, err := f.run(batch(cmds))
	return err
}

// batch joins nft commands with ";" into the arguments of one nft run, which
// nft carries out as one transaction: all of them or none.
func batch(cmds [][]string) []string {
	var args []string
	for i, c := range cmds {
		if i > 0 {
			args = append(args, ";")
		}
		args = append(args, c...)
	}
	return args
}

// firstLine returns the first line of nft's error output, where it says
// what went wrong; the lines after it point at the words.
func firstLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "no error output"
	}
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// snapshot is the table's state at one Snapshot.
type snapshot struct {
	f      Filter
	rules  []listed
	dryRun bool
}

// Numbers implements slpf.Snapshot.
func (s *snapshot) Numbers() []int64 {
	var ns []int64
	for _, r := range s.rules {
		if !slices.Contains(ns, r.number) {
			ns = append(ns, r.number)
		}
	}
	slices.Sort(ns)
	return ns
}

// DryRun implements slpf.Snapshot.
func (s *snapshot) DryRun() bool { return s.dryRun }

// Install implements slpf.Snapshot: one nft transaction adds every rule,
// each inserted before the first rule of its chain with a greater number,
// or appended when there is none.
func (s *snapshot) Install(rules []slpf.Numbered) error {
	rules = slices.Clone(rules)
	slices.SortFunc(rules, func(a, b slpf.Numbered) int { return cmp.Compare(a.Number, b.Number) })
	var cmds [][]string
	for _, r := range rules {
		for _, h := range r.Rule.Hooks() {
			place := []string{"add", "rule", family, table, string(h)}
			if next, ok := s.after(string(h), r.Number); ok {
				place = []string{"insert", "rule", family, table, string(h), "position", strconv.FormatInt(next, 10)}
			}
			for _, m := range r.Rule.Matches() {
				cmds = append(cmds, slices.Concat(place, statement(m), []string{"comment", comment(r.Number)}))
			}
		}
	}
	return s.f.apply(cmds)
}

// after returns the handle of the first rule of chain whose number is
// greater than n.
func (s *snapshot) after(chain string, n int64) (int64, bool) {
	for _, r := range s.rules {
		if r.chain == chain && r.number > n {
			return r.handle, true
		}
	}
	return 0, false
}

// Remove implements slpf.Snapshot: one nft transaction deletes every rule
// of the numbers by its handle. In dry run no handle is known and nothing
// is run.
func (s *snapshot) Remove(numbers []int64) error {
	var cmds [][]string
	for _, r := range s.rules {
		if slices.Contains(numbers, r.number) {
			cmds = append(cmds, []string{"delete", "rule", family, table, r.chain, "handle", strconv.FormatInt(r.handle, 10)})
		}
	}
	return s.f.apply(cmds)
}
