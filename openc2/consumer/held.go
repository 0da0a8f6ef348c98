package consumer

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/openc2"
)

// HeldRule is an allow or deny whose rules the consumer's components
// hold, or which waits for its start_time, as Rules lists it.
type HeldRule struct {
	// Number is the consumer's rule number; 0 for a scheduled command that
	// does not ask for one (args.slpf.insert_rule).
	Number    int64  `json:"rule_number,omitempty"`
	CommandID string `json:"command_id,omitempty"`
	// Command is the allow or deny in its LS v1.0 JSON; it is empty for a
	// rule kept before the consumer recorded commands with their rules.
	Command json.RawMessage `json:"command,omitempty"`
	// Rules are the components' rules behind Number. Those of a scheduled
	// command are the components it would go to now, with rule number 0.
	Rules []Rule `json:"rules"`
	// Start is when the command was carried out, or is to be; Stop is when
	// its rules are deleted, 0 for never. Both are in milliseconds since
	// the Unix epoch.
	Start int64 `json:"start,omitempty"`
	Stop  int64 `json:"stop,omitempty"`
	// Scheduled is whether the command waits for its start_time.
	Scheduled bool `json:"scheduled,omitempty"`
}

// Rules returns the allow and deny rules the components hold, by rule
// number, then the allow and deny commands scheduled to start, by start
// time. A rule leaves the list when 'delete slpf:rule_number' or its
// stop_time deletes it on every component.
func (c *Consumer) Rules() []HeldRule {
	var out []HeldRule
	for _, r := range c.rules.held() {
		h := HeldRule{Number: r.Number, CommandID: r.CommandID, Command: r.Command, Start: r.Start, Stop: r.Stop}
		for _, p := range r.Parts {
			h.Rules = append(h.Rules, Rule(p))
		}
		out = append(out, h)
	}
	return append(out, c.scheduledRules()...)
}

// scheduledRules returns the allow and deny commands waiting for their
// start_time, by start time, each with the components it would go to now.
func (c *Consumer) scheduledRules() []HeldRule {
	c.sched.mu.Lock()
	var starts []job
	for _, j := range c.sched.jobs {
		if j.Kind == jobStart {
			starts = append(starts, *j)
		}
	}
	c.sched.mu.Unlock()
	slices.SortFunc(starts, func(a, b job) int { return cmp.Or(cmp.Compare(a.Due, b.Due), cmp.Compare(a.ID, b.ID)) })
	var out []HeldRule
	for _, j := range starts {
		cmd, err := openc2.DecodeCommand(j.Command)
		if err != nil || (cmd.Action != openc2.ActionAllow && cmd.Action != openc2.ActionDeny) {
			continue
		}
		h := HeldRule{CommandID: j.CommandID, Command: j.Command, Start: j.Due, Scheduled: true, Rules: []Rule{}}
		if a := cmd.Args; a != nil && a.SLPF != nil && a.SLPF.InsertRule != nil {
			h.Number = *a.SLPF.InsertRule
		}
		_, stop := window(cmd.Args, time.UnixMilli(j.Due))
		h.Stop = timeOrZero(stop, time.Time{})
		if ac, err := actuatorCommand(cmd); err == nil {
			if targets, _, r := c.route(cmd, ac); r == nil {
				for _, t := range targets {
					h.Rules = append(h.Rules, Rule{Actuator: t.Ref})
				}
			}
		}
		out = append(out, h)
	}
	return out
}
