package slpf

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/openc2"
)

// memStore is a Store in memory; fail, when set, fails every call whose
// operation and key it matches ("set next").
type memStore struct {
	m    map[string][]byte
	fail string
}

func newMemStore() *memStore { return &memStore{m: map[string][]byte{}} }

func (s *memStore) check(op, key string) error {
	if s.fail != "" && s.fail == op+" "+key {
		return abi.Errorf(abi.CodeUnavailable, "%s %s: store down", op, key)
	}
	return nil
}

func (s *memStore) Get(key string) ([]byte, bool, error) {
	if err := s.check("get", key); err != nil {
		return nil, false, err
	}
	v, ok := s.m[key]
	return v, ok, nil
}

func (s *memStore) Set(key string, value []byte) error {
	if err := s.check("set", key); err != nil {
		return err
	}
	s.m[key] = value
	return nil
}

func (s *memStore) Delete(key string) error {
	if err := s.check("delete", key); err != nil {
		return err
	}
	delete(s.m, key)
	return nil
}

func (s *memStore) List(prefix string) ([]string, error) {
	var keys []string
	for k := range s.m {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// memFilter is a Filter in memory that keeps its rules in number order, as
// a Snapshot must, or only counts its changes in dry run.
type memFilter struct {
	rules   []Numbered
	dryRun  bool
	fail    error // fails Install and Remove when set
	changes int
}

func (f *memFilter) Snapshot() (Snapshot, error) { return f, nil }

func (f *memFilter) Numbers() []int64 {
	var ns []int64
	for _, r := range f.rules {
		ns = append(ns, r.Number)
	}
	return ns
}

func (f *memFilter) DryRun() bool { return f.dryRun }

func (f *memFilter) Install(rules []Numbered) error {
	if f.fail != nil {
		return f.fail
	}
	f.changes++
	if !f.dryRun {
		f.rules = append(f.rules, rules...)
		slices.SortFunc(f.rules, func(a, b Numbered) int { return int(a.Number - b.Number) })
	}
	return nil
}

func (f *memFilter) Remove(numbers []int64) error {
	if f.fail != nil {
		return f.fail
	}
	f.changes++
	f.rules = slices.DeleteFunc(f.rules, func(r Numbered) bool { return slices.Contains(numbers, r.Number) })
	return nil
}

// step is a command and the reply it must get.
type step struct {
	cmd    string
	status int
	text   string // a part of the status text
	number int64  // the rule number in the results; 0 for none
}

// run carries out the steps on a and checks their replies.
func run(t *testing.T, a *Actuator, steps []step) {
	t.Helper()
	for i, s := range steps {
		rep, err := a.Actuate(command(t, s.cmd))
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.cmd, err)
		}
		var number int64
		if r, ok := rep.Results["slpf"].(map[string]any); ok {
			number, _ = r["rule_number"].(int64)
		}
		if rep.Status != s.status || !strings.Contains(rep.StatusText, s.text) || number != s.number {
			t.Fatalf("step %d %s: reply %+v, want status %d with %q and rule number %d", i, s.cmd, rep, s.status, s.text, s.number)
		}
	}
}

const (
	denySSH       = `{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_port":22}}}`
	allowNet      = `{"action":"allow","target":{"ipv6_net":"2001:db8::/32"}}`
	denyTransient = `{"action":"deny","target":{"ipv4_net":"198.51.100.0/24"},"args":{"slpf":{"persistent":false}}}`
	queryVersions = `{"action":"query","target":{"features":["versions"]}}`
)

func insert(n int64) string {
	return fmt.Sprintf(`{"action":"deny","target":{"ipv4_net":"192.0.2.0/24"},"args":{"slpf":{"insert_rule":%d}}}`, n)
}

func deleteRule(n int64) string {
	return fmt.Sprintf(`{"action":"delete","target":{"slpf:rule_number":%d}}`, n)
}

func TestActuatorRuleNumbers(t *testing.T) {
	f := &memFilter{}
	a := &Actuator{Filter: f, Store: newMemStore()}
	run(t, a, []step{
		{cmd: denySSH, status: 200, number: 1},
		{cmd: allowNet, status: 200, number: 2},
		{cmd: insert(10), status: 200, number: 10},
		{cmd: insert(2), status: 501, text: "rule number currently in use: 2"},
		{cmd: insert(5), status: 200, number: 5},
		{cmd: denySSH, status: 200, number: 11},
		{cmd: deleteRule(2), status: 200},
		{cmd: deleteRule(2), status: 500, text: "firewall rule not removed or updated: no rule number 2"},
		{cmd: deleteRule(11), status: 200},
		{cmd: denySSH, status: 200, number: 12}, // numbers are never handed out twice
		{cmd: queryVersions, status: 200},
	})
	if got, want := f.Numbers(), []int64{1, 5, 10, 12}; !reflect.DeepEqual(got, want) {
		t.Errorf("filter holds rules %v, want %v", got, want)
	}
}

func TestActuatorQueryFeatures(t *testing.T) {
	a := &Actuator{Filter: &memFilter{}, Store: newMemStore()}
	rep, err := a.Actuate(command(t, `{"action":"query","target":{"features":["pairs","profiles","versions","rate_limit"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := openc2.ResponseFromGeneric(openc2.GenericResponse(rep))
	if err != nil {
		t.Fatalf("query features answered %+v: %v", rep, err)
	}
	pairs := map[openc2.Action][]string{}
	for action, targets := range Pairs {
		pairs[openc2.Action(action)] = targets
	}
	want := &openc2.Response{Status: 200, Results: &openc2.Results{Pairs: pairs, Profiles: Profiles, Versions: []string{"1.0"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("query features = %+v; want %+v", got.Results, want.Results)
	}
	rep, err = a.Actuate(command(t, `{"action":"query","target":{"features":[]}}`))
	if err != nil || !reflect.DeepEqual(rep, abi.ActuateReply{Status: 200}) {
		t.Errorf("query features [] = %+v, %v; want status 200 alone", rep, err)
	}
}

// restarted returns a new Actuator on the store of a and the filter f, as
// after a restart of the host, and the messages it logs.
func restarted(a *Actuator, f *memFilter) (*Actuator, *[]string) {
	var logs []string
	return &Actuator{Filter: f, Store: a.Store, Log: func(msg string, args ...any) {
		logs = append(logs, fmt.Sprint(msg, args))
	}}, &logs
}

func TestActuatorRestoresPersistentRules(t *testing.T) {
	first := &Actuator{Filter: &memFilter{}, Store: newMemStore()}
	run(t, first, []step{
		{cmd: denySSH, status: 200, number: 1},
		{cmd: denyTransient, status: 200, number: 2},
		{cmd: allowNet, status: 200, number: 3},
		{cmd: denySSH, status: 200, number: 4},
		{cmd: deleteRule(4), status: 200},
	})

	// A reboot: the filter lost its rules, and holds one the store
	// assigned and no longer knows.
	f := &memFilter{rules: []Numbered{{Number: 4}}}
	a, logs := restarted(first, f)
	run(t, a, []step{{cmd: queryVersions, status: 200}})
	if got, want := f.Numbers(), []int64{1, 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("after the restart the filter holds %v, want the persistent rules %v", got, want)
	}
	wantLogs := []string{
		"removed rules the store does not know[rule_numbers [4]]",
		"forgot a rule that was not persistent[rule_number 2]",
		"restored a persistent rule[rule_number 1]",
		"restored a persistent rule[rule_number 3]",
	}
	if !reflect.DeepEqual(*logs, wantLogs) {
		t.Errorf("logs = %q, want %q", *logs, wantLogs)
	}
	run(t, a, []step{
		{cmd: deleteRule(2), status: 500, text: "no rule number 2"},
		{cmd: deleteRule(3), status: 200},
		{cmd: denySSH, status: 200, number: 5},
	})
	if got, want := f.Rules(), []string{"1 deny", "5 deny"}; !reflect.DeepEqual(got, want) {
		t.Errorf("filter holds %v, want %v", got, want)
	}
}

// TestHostileActuatorLostStore starts an actuator over a store that lost
// its rules (empty: truncated and started afresh) or is an older copy,
// while the packet filter holds the rules: the start fails, naming the
// rules, and the filter keeps every rule.
func TestHostileActuatorLostStore(t *testing.T) {
	f := &memFilter{}
	first := &Actuator{Filter: f, Store: newMemStore()}
	run(t, first, []step{{cmd: denySSH, status: 200, number: 1}})
	older := newMemStore()
	maps.Copy(older.m, first.Store.(*memStore).m)
	run(t, first, []step{
		{cmd: denyTransient, status: 200, number: 2},
		{cmd: allowNet, status: 200, number: 3},
	})
	want := f.Rules()

	for _, tt := range []struct {
		name  string
		store *memStore
		held  string
	}{
		{"empty store", newMemStore(), "[1 2 3]"},
		{"older copy", older, "[2 3]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := &Actuator{Filter: f, Store: tt.store}
			err := a.Start()
			if !errors.Is(err, &abi.Error{Code: abi.CodeUnavailable}) || !strings.Contains(err.Error(), "holds rules "+tt.held+" that the store never assigned") {
				t.Errorf("Start = %v, want unavailable naming rules %s", err, tt.held)
			}
			run(t, a, []step{{cmd: denySSH, status: 500, text: "nothing was changed"}})
			if got := f.Rules(); !reflect.DeepEqual(got, want) {
				t.Errorf("the filter holds %v, want %v still", got, want)
			}
		})
	}
}

func TestActuatorStart(t *testing.T) {
	first := &Actuator{Filter: &memFilter{}, Store: newMemStore()}
	run(t, first, []step{
		{cmd: denySSH, status: 200, number: 1},
		{cmd: denyTransient, status: 200, number: 2},
	})

	// A reboot, then a start: the persistent rule is back before any command.
	f := &memFilter{}
	a, logs := restarted(first, f)
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if got, want := f.Rules(), []string{"1 deny"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after Start the filter holds %v, want %v", got, want)
	}
	// Started, the actuator does not restore again at its first command.
	changes, logged := f.changes, len(*logs)
	run(t, a, []step{{cmd: allowNet, status: 200, number: 3}})
	if f.changes != changes+1 || len(*logs) != logged {
		t.Errorf("the first command after Start made %d changes and logged %q, want the rule alone", f.changes-changes, (*logs)[logged:])
	}

	// A filter that fails fails the start with code unavailable.
	f = &memFilter{fail: errors.New("nft exited with status 1: Error: Could not process rule")}
	a, _ = restarted(first, f)
	err := a.Start()
	if !errors.Is(err, &abi.Error{Code: abi.CodeUnavailable}) || !strings.Contains(err.Error(), "rules not restored: nft exited with status 1") {
		t.Errorf("Start on a failing filter = %v, want unavailable naming the filter's error", err)
	}
}

func TestActuatorKeepsRulesTheFilterStillHolds(t *testing.T) {
	f := &memFilter{}
	first := &Actuator{Filter: f, Store: newMemStore()}
	run(t, first, []step{{cmd: denyTransient, status: 200, number: 1}})

	// The host restarted, the machine did not: the rule is still in force.
	a, _ := restarted(first, f)
	run(t, a, []step{{cmd: deleteRule(1), status: 200}})
	if len(f.rules) != 0 || f.changes != 2 {
		t.Errorf("filter holds %v after %d changes, want nothing after 2", f.Numbers(), f.changes)
	}
}

func TestActuatorDryRun(t *testing.T) {
	f := &memFilter{dryRun: true}
	store := newMemStore()
	first := &Actuator{Filter: f, Store: store}
	run(t, first, []step{
		{cmd: denyTransient, status: 200, text: "dry run", number: 1},
		{cmd: denySSH, status: 200, text: "dry run", number: 2},
	})
	a, _ := restarted(first, f)
	run(t, a, []step{{cmd: deleteRule(1), status: 200, text: "dry run"}})
	if _, ok := store.m[ruleKey(2)]; !ok || f.changes != 2 {
		t.Errorf("after a restart in dry run: store %v, %d changes; want rule 2 kept, nothing restored", store.m, f.changes)
	}
}

func TestActuatorFailures(t *testing.T) {
	t.Run("filter fails", func(t *testing.T) {
		f := &memFilter{}
		a := &Actuator{Filter: f, Store: newMemStore()}
		run(t, a, []step{{cmd: denySSH, status: 200, number: 1}})
		f.fail = errors.New("nft exited with status 1: Error: no such table")
		run(t, a, []step{
			{cmd: denySSH, status: 500, text: "firewall rule not added: nft exited with status 1"},
			{cmd: deleteRule(1), status: 500, text: "firewall rule not removed or updated: nft exited"},
		})
	})
	t.Run("store fails after the rule is installed", func(t *testing.T) {
		f := &memFilter{}
		store := newMemStore()
		a := &Actuator{Filter: f, Store: store}
		store.fail = "set " + ruleKey(1)
		_, err := a.Actuate(command(t, denySSH))
		if !errors.Is(err, &abi.Error{Code: abi.CodeUnavailable}) || len(f.rules) != 0 {
			t.Errorf("Actuate = %v with filter holding %v; want unavailable and the rule taken out again", err, f.Numbers())
		}
	})
	t.Run("store fails at start", func(t *testing.T) {
		store := newMemStore()
		store.m[ruleKey(1)] = []byte("not msgpack of a command")
		a := &Actuator{Filter: &memFilter{}, Store: store}
		_, err := a.Actuate(command(t, queryVersions))
		if !errors.Is(err, &abi.Error{Code: abi.CodeInternal}) || !strings.Contains(err.Error(), `"rule/1"`) {
			t.Errorf("Actuate = %v, want an internal error naming rule/1", err)
		}
	})
}

// Rules returns the rules of f as "<number> <action>".
func (f *memFilter) Rules() []string {
	var out []string
	for _, r := range f.rules {
		out = append(out, fmt.Sprintf("%d %s", r.Number, r.Rule.Action))
	}
	return out
}
