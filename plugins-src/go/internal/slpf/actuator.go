package slpf

import (
	"errors"
	"slices"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/openc2"
)

// Filter is the packet filter an Actuator installs its rules in. Its rules
// carry their rule numbers, so that the filter itself says which of the
// actuator's rules it holds.
type Filter interface {
	// Snapshot makes the filter ready for the actuator's rules, creating
	// its tables or chains where they are missing, and reads which of the
	// actuator's rules it holds.
	Snapshot() (Snapshot, error)
}

// Snapshot is a Filter's state at one moment. Its changes are made relative
// to that state, so take a new snapshot after each change.
type Snapshot interface {
	// Numbers returns the numbers of the actuator's rules the filter holds.
	Numbers() []int64
	// DryRun reports whether the filter only records its commands: then
	// it holds nothing as far as the actuator can tell.
	DryRun() bool
	// Install adds the rules, each tagged with its number, among the
	// rules held so that rules stay in ascending order of number in each
	// hook: the lower the number, the earlier a packet meets the rule.
	Install(rules []Numbered) error
	// Remove removes every rule tagged with one of the numbers.
	Remove(numbers []int64) error
}

// dryRunText is the status text of a command carried out in dry run.
const dryRunText = "dry run: the packet filter commands were recorded, not run"

// Actuator is an SLPF v1.0 actuator: it carries out allow, deny, delete and
// query features commands on its Filter and keeps the command behind every
// rule in its Store.
//
// Starting an Actuator brings the filter in line with the store. Persistent
// rules the filter lost (its table was flushed, the machine rebooted) are
// installed again under their numbers; rules that were not persistent are
// forgotten; rules of the actuator that the store assigned and no longer
// knows (deleted) are removed. A rule whose number the store never
// assigned means that the store is not the one the rules came from (new,
// lost, or an older copy): then the start fails and changes nothing, so
// that a lost store never clears the filter. A plugin calls Start from gatehouse_start, so that the rules are
// back as soon as the host loads it; an Actuator not started by then starts
// at its first command (see Start).
//
// # Notes
//
// An Actuator serves one command at a time, and rule numbers are assigned
// from the store without a lock: run one instance of the plugin at a time
// (limits.pool_size 1).
type Actuator struct {
	Filter Filter
	// Store holds the rules; its errors should be *abi.Error values with
	// plugin codes, which Actuate returns as they are.
	Store Store
	// Log, when set, receives a message for each rule restored, forgotten
	// or removed at start.
	Log func(msg string, args ...any)

	started bool
}

// Actuate carries out one command and returns its OpenC2 response: 200 with
// the results {"slpf": {"rule_number": n}} for a rule added, 200 for a rule
// deleted, the features asked for by query features, and the status of a
// *Refusal otherwise. Store failures are returned as errors.
func (a *Actuator) Actuate(c abi.Command) (abi.ActuateReply, error) {
	rep, err := a.actuate(c)
	if r, ok := errors.AsType[*Refusal](err); ok {
		return r.Reply(), nil
	}
	return rep, err
}

func (a *Actuator) actuate(c abi.Command) (abi.ActuateReply, error) {
	if !a.started {
		if err := a.start(); err != nil {
			return abi.ActuateReply{}, err
		}
	}
	req, err := Parse(c)
	if err != nil {
		return abi.ActuateReply{}, err
	}
	switch req.Kind {
	case AddRule:
		return a.add(c, req)
	case DeleteRule:
		return a.delete(req.Number)
	}
	return features(req.Features), nil
}

// add installs the rule of an allow or deny command under the number it
// asks for, or the next one, and stores the command.
func (a *Actuator) add(c abi.Command, req Request) (abi.ActuateReply, error) {
	snap, err := a.Filter.Snapshot()
	if err != nil {
		return abi.ActuateReply{}, refuse(500, "firewall rule not added: %v", err)
	}
	var n int64
	if req.Insert != nil {
		n = *req.Insert
		taken, err := hasRule(a.Store, n)
		if err != nil {
			return abi.ActuateReply{}, err
		}
		if taken || slices.Contains(snap.Numbers(), n) {
			return abi.ActuateReply{}, refuse(501, "rule number currently in use: %d", n)
		}
	} else if n, err = nextNumber(a.Store); err != nil {
		return abi.ActuateReply{}, err
	}
	if err := snap.Install([]Numbered{{Number: n, Rule: req.Rule}}); err != nil {
		return abi.ActuateReply{}, refuse(500, "firewall rule not added: %v", err)
	}
	if err := saveRule(a.Store, n, c); err != nil {
		// Take the rule out again: a rule the store does not know could
		// never be deleted.
		if snap, serr := a.Filter.Snapshot(); serr == nil {
			_ = snap.Remove([]int64{n})
		}
		return abi.ActuateReply{}, err
	}
	rep := &openc2.Response{Status: 200, Results: &openc2.Results{SLPF: &openc2.SLPFResults{RuleNumber: &n}}}
	if snap.DryRun() {
		rep.StatusText = dryRunText
	}
	return reply(rep), nil
}

// delete removes rule number n from the filter and the store (SLPF v1.0
// section 2.3.4.1: a rule that cannot be removed is answered 500).
func (a *Actuator) delete(n int64) (abi.ActuateReply, error) {
	known, err := hasRule(a.Store, n)
	if err != nil {
		return abi.ActuateReply{}, err
	}
	if !known {
		return abi.ActuateReply{}, refuse(500, "firewall rule not removed or updated: no rule number %d", n)
	}
	snap, err := a.Filter.Snapshot()
	if err != nil {
		return abi.ActuateReply{}, refuse(500, "firewall rule not removed or updated: %v", err)
	}
	if slices.Contains(snap.Numbers(), n) {
		if err := snap.Remove([]int64{n}); err != nil {
			return abi.ActuateReply{}, refuse(500, "firewall rule not removed or updated: %v", err)
		}
	}
	if err := a.Store.Delete(ruleKey(n)); err != nil {
		return abi.ActuateReply{}, err
	}
	rep := &openc2.Response{Status: 200}
	if snap.DryRun() {
		rep.StatusText = dryRunText
	}
	return reply(rep), nil
}

// Start starts the Actuator, as its doc comment says: the plugin calls it
// from gatehouse_start. Actuate starts an Actuator at its first command
// when Start has not run: a host of ABI 1.0 never calls gatehouse_start,
// and the host calls it in one instance of the plugin only, while an
// Actuator lives in each. Restoring installs only what the filter lacks, so
// starting again costs a listing of the filter and changes nothing.
//
// A filter that fails is an *abi.Error of code unavailable; store failures
// are returned as the Store gave them.
func (a *Actuator) Start() error {
	err := a.start()
	if r, ok := errors.AsType[*Refusal](err); ok {
		return abi.Errorf(abi.CodeUnavailable, "%s", r.Text)
	}
	return err
}

// start starts the Actuator; a failing filter is a *Refusal, the answer to
// the command that started it.
func (a *Actuator) start() error {
	if err := a.restore(); err != nil {
		return err
	}
	a.started = true
	return nil
}

// restore brings the filter in line with the store, as the Actuator's doc
// comment says. In dry run the filter's state is unknown and nothing is
// changed.
func (a *Actuator) restore() error {
	rules, err := loadRules(a.Store)
	if err != nil {
		return err
	}
	snap, err := a.Filter.Snapshot()
	if err != nil {
		return refuse(500, "rules not restored: %v", err)
	}
	if snap.DryRun() {
		return nil
	}
	held := snap.Numbers()
	next, err := nextNumber(a.Store)
	if err != nil {
		return err
	}
	var orphans, unassigned []int64
	for _, n := range held {
		switch {
		case slices.ContainsFunc(rules, func(r stored) bool { return r.Number == n }):
		case n >= next:
			unassigned = append(unassigned, n)
		default:
			orphans = append(orphans, n)
		}
	}
	if len(unassigned) > 0 {
		return refuse(500, "rules not restored: the packet filter holds rules %v that the store never assigned, "+
			"so the store is new, was lost or is an older copy; nothing was changed: restore the store, "+
			"or remove the actuator's rules from the packet filter by hand", unassigned)
	}
	if len(orphans) > 0 {
		if err := snap.Remove(orphans); err != nil {
			return refuse(500, "rules not restored: remove rules the store does not know: %v", err)
		}
		a.log("removed rules the store does not know", "rule_numbers", orphans)
		if snap, err = a.Filter.Snapshot(); err != nil {
			return refuse(500, "rules not restored: %v", err)
		}
	}
	var restore []Numbered
	for _, r := range rules {
		if slices.Contains(held, r.Number) {
			continue
		}
		req, err := Parse(r.Command)
		if err != nil || req.Kind != AddRule {
			return abi.Errorf(abi.CodeInternal, "kv key %q holds no allow or deny command: %v", ruleKey(r.Number), err)
		}
		if !req.Rule.Persistent {
			if err := a.Store.Delete(ruleKey(r.Number)); err != nil {
				return err
			}
			a.log("forgot a rule that was not persistent", "rule_number", r.Number)
			continue
		}
		restore = append(restore, Numbered{Number: r.Number, Rule: req.Rule})
	}
	if len(restore) == 0 {
		return nil
	}
	if err := snap.Install(restore); err != nil {
		return refuse(500, "rules not restored: %v", err)
	}
	for _, r := range restore {
		a.log("restored a persistent rule", "rule_number", r.Number)
	}
	return nil
}

// log writes a message to Log, when set.
func (a *Actuator) log(msg string, args ...any) {
	if a.Log != nil {
		a.Log(msg, args...)
	}
}
