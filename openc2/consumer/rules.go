package consumer

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/gatehouse/gatehouse/openc2"
)

// Store keys of the rule book.
const (
	rulePrefix  = "rule/"
	ruleNextKey = "rules/next"
)

// rule is one consumer-level rule number (SLPF v1.0 section 2.1.3.2) and
// the rules of the components that carried its allow or deny out, as kept
// in the store (JSON).
type rule struct {
	Number    int64  `json:"number"`
	CommandID string `json:"command_id,omitempty"`
	// Command is the allow or deny in its LS v1.0 JSON; Start is when it
	// was carried out and Stop when it ends (0 for never), in milliseconds
	// since the Unix epoch. Rules kept before they were recorded have none.
	Command json.RawMessage `json:"command,omitempty"`
	Start   int64           `json:"start,omitempty"`
	Stop    int64           `json:"stop,omitempty"`
	Parts   []part          `json:"parts"`
}

// part is one component's rule behind a consumer-level rule number.
type part struct {
	Actuator   string `json:"actuator"`
	RuleNumber int64  `json:"rule_number"`
}

// ruleBook is the consumer's one space of rule numbers: every allow or
// deny it carries out gets a number of its own, which maps to the rule
// each component answered with. A delete by that number deletes exactly
// those rules.
type ruleBook struct {
	store Store // nil keeps the book in memory only
	mu    sync.Mutex
	rules map[int64]*rule // a reserved number has a rule without parts
	next  int64
}

func newRuleBook(store Store) *ruleBook {
	return &ruleBook{store: store, rules: map[int64]*rule{}, next: 1}
}

// load reads the rule book from the store.
func (b *ruleBook) load() error {
	if b.store == nil {
		return nil
	}
	keys, err := b.store.List([]byte(rulePrefix))
	if err != nil {
		return fmt.Errorf("load rule numbers: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range keys {
		v, ok, err := b.store.Get(k)
		if err != nil {
			return fmt.Errorf("load rule number %s: %w", k, err)
		}
		var r rule
		if !ok || json.Unmarshal(v, &r) != nil || strconv.FormatInt(r.Number, 10) != string(k[len(rulePrefix):]) {
			return fmt.Errorf("load rule number %s: unreadable entry %q", k, v)
		}
		b.rules[r.Number] = &r
		b.next = max(b.next, r.Number+1)
	}
	v, ok, err := b.store.Get([]byte(ruleNextKey))
	if err != nil {
		return fmt.Errorf("load the next rule number: %w", err)
	}
	if ok {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return fmt.Errorf("load the next rule number: %q: %v", v, err)
		}
		b.next = max(b.next, n)
	}
	return nil
}

// errRuleInUse is the error of reserve for a number already held.
type errRuleInUse int64

func (e errRuleInUse) Error() string {
	return fmt.Sprintf("args.slpf.insert_rule: rule number %d is already in use (SLPF v1.0 section 2.3.1)", int64(e))
}

// reserve takes the rule number want, or the next free one when want is
// nil, for a command about to be carried out. Numbers are never handed out
// twice, even after a delete; a reserved number that no component ends up
// holding is released by commit.
func (b *ruleBook) reserve(want *int64) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.next
	if want != nil {
		n = *want
		if _, ok := b.rules[n]; ok {
			return 0, errRuleInUse(n)
		}
	}
	for _, ok := b.rules[n]; ok; _, ok = b.rules[n] {
		n++
	}
	b.rules[n] = &rule{Number: n}
	if n >= b.next {
		b.next = n + 1
		if b.store != nil {
			if err := b.store.Set([]byte(ruleNextKey), strconv.AppendInt(nil, b.next, 10)); err != nil {
				delete(b.rules, n)
				return 0, fmt.Errorf("keep the next rule number: %w", err)
			}
		}
	}
	return n, nil
}

// inUse reports whether the rule number n is held or reserved.
func (b *ruleBook) inUse(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.rules[n]
	return ok
}

// commit records r under its reserved number, or releases the number
// when r has no parts.
func (b *ruleBook) commit(r *rule) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(r.Parts) == 0 {
		delete(b.rules, r.Number)
		return nil
	}
	b.rules[r.Number] = r
	return b.save(r)
}

// held returns a copy of each rule some component holds, by number.
func (b *ruleBook) held() []rule {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]rule, 0, len(b.rules))
	for _, r := range b.rules {
		if len(r.Parts) > 0 {
			c := *r
			c.Parts = slices.Clone(r.Parts)
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b rule) int { return cmp.Compare(a.Number, b.Number) })
	return out
}

// parts returns the parts of rule number n held by the components refs,
// or all of them when refs is nil.
func (b *ruleBook) parts(n int64, refs []string) []part {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.rules[n]
	if r == nil {
		return nil
	}
	var out []part
	for _, p := range r.Parts {
		if refs == nil || slices.Contains(refs, p.Actuator) {
			out = append(out, p)
		}
	}
	return out
}

// drop removes the parts of rule number n that were deleted, and the
// number once none is left.
func (b *ruleBook) drop(n int64, deleted []part) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := b.rules[n]
	if r == nil {
		return nil
	}
	r.Parts = slices.DeleteFunc(r.Parts, func(p part) bool { return slices.Contains(deleted, p) })
	if len(r.Parts) > 0 {
		return b.save(r)
	}
	delete(b.rules, n)
	if b.store == nil {
		return nil
	}
	return b.store.Delete([]byte(rulePrefix + strconv.FormatInt(n, 10)))
}

// save writes r to the store; b.mu is held.
func (b *ruleBook) save(r *rule) error {
	if b.store == nil {
		return nil
	}
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return b.store.Set([]byte(rulePrefix+strconv.FormatInt(r.Number, 10)), v)
}

// ruleNumber returns the SLPF rule number of a response, if it has one.
func ruleNumber(r *openc2.Response) (int64, bool) {
	if r == nil || r.Results == nil || r.Results.SLPF == nil || r.Results.SLPF.RuleNumber == nil {
		return 0, false
	}
	return *r.Results.SLPF.RuleNumber, true
}

// isRuleCommand reports whether cmd creates a rule: an allow or deny.
func isRuleCommand(cmd openc2.GenericCommand) bool {
	return cmd.Action == string(openc2.ActionAllow) || cmd.Action == string(openc2.ActionDeny)
}

// isRuleDelete reports whether cmd is 'delete slpf:rule_number'.
func isRuleDelete(cmd openc2.GenericCommand) bool {
	_, ok := cmd.Target[openc2.TargetSLPFRuleNumber]
	return cmd.Action == string(openc2.ActionDelete) && ok
}

// withRuleNumber returns r with results.slpf.rule_number set to n.
func withRuleNumber(r *openc2.Response, n int64) *openc2.Response {
	// One allocation holds the response and the results it points to.
	out := &struct {
		resp    openc2.Response
		results openc2.Results
		slpf    openc2.SLPFResults
		n       int64
	}{resp: *r, n: n}
	if r.Results != nil {
		out.results = *r.Results
	}
	out.slpf.RuleNumber = &out.n
	out.results.SLPF = &out.slpf
	out.resp.Results = &out.results
	return &out.resp
}

// deleteRule deletes the rules behind the consumer's rule number n on the
// components refs (all that hold a part when refs is nil), concurrently,
// and forgets each part deleted. req is the delete to send, whose target
// each component gets with its own rule number. A number no component of
// refs holds is answered 500, as SLPF v1.0 section 2.3.4.1 asks.
func (c *Consumer) deleteRule(ctx context.Context, req ActuateRequest, n int64, refs []string) *openc2.Response {
	parts := c.rules.parts(n, refs)
	if len(parts) == 0 {
		return status(openc2.StatusInternalError, fmt.Sprintf("firewall rule not removed or updated: no rule number %d", n))
	}
	outs := make([]outcome, len(parts))
	var wg sync.WaitGroup
	for i, p := range parts {
		r := req
		r.Command.Target = map[string]any{openc2.TargetSLPFRuleNumber: p.RuleNumber}
		wg.Go(func() { outs[i] = c.actuate(ctx, p.Actuator, r) })
	}
	wg.Wait()
	var deleted []part
	for i, o := range outs {
		if o.resp.Status == openc2.StatusOK {
			deleted = append(deleted, parts[i])
		}
	}
	r := merge(outs)
	if err := c.rules.drop(n, deleted); err != nil {
		return status(openc2.StatusInternalError, fmt.Sprintf("rule number %d deleted, but the store could not forget it: %v", n, err))
	}
	return r
}
