package consumer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/abi/jsonnum"
	"github.com/gatehouse/gatehouse/openc2"
)

// plan is a command that passed the consumer's checks and routing and is to
// be carried out now.
type plan struct {
	req     ActuateRequest // the request every target gets
	cmd     *openc2.Command
	targets []Actuator
	stop    time.Time // when to end the command; zero for never
	h       openc2.Headers
	seq     uint64 // the command's entry in the history; 0 for none
}

// prepare routes cmd and works out its time window. It returns the plan to
// carry out now, or the response to send instead: a refusal, or 102 for a
// command it scheduled for its start_time.
func (c *Consumer) prepare(ctx context.Context, h openc2.Headers, cmd *openc2.Command) (*plan, *openc2.Response) {
	ac, err := actuatorCommand(cmd)
	if err != nil {
		return nil, status(openc2.StatusInternalError, "command: "+err.Error())
	}
	targets, specs, r := c.route(cmd, ac)
	if r != nil {
		return nil, r
	}
	now := c.now()
	start, stop := window(cmd.Args, now)
	seq := seqOf(ctx)
	c.history.routed(seq, targets, timeOrZero(start, now), timeOrZero(stop, time.Time{}))
	if a := cmd.Args; a != nil && a.SLPF != nil && a.SLPF.InsertRule != nil && c.rules.inUse(*a.SLPF.InsertRule) {
		return nil, status(openc2.StatusBadRequest, errRuleInUse(*a.SLPF.InsertRule).Error())
	}
	if !stop.IsZero() {
		if !stop.After(now) {
			return nil, status(openc2.StatusBadRequest, fmt.Sprintf("args: the command would end at %s, which has passed", stamp(stop)))
		}
		for _, a := range targets {
			if !slices.Contains(a.Pairs[string(openc2.ActionDelete)], openc2.TargetSLPFRuleNumber) {
				return nil, status(openc2.StatusNotImplemented, fmt.Sprintf("actuator %s cannot end a command at stop_time: it does not support delete slpf:rule_number", a.Ref))
			}
		}
	}
	if start.After(now) {
		if err := c.sched.add(&job{Kind: jobStart, Due: start.UnixMilli(), Command: mustEncode(cmd), Headers: h, CommandID: commandID(h, cmd), Seq: seq}); err != nil {
			return nil, status(openc2.StatusInternalError, "schedule the command: "+err.Error())
		}
		return nil, status(openc2.StatusProcessing, scheduledText+stamp(start))
	}
	req := actuateRequest(h, cmd, ac)
	req.Specifiers = specs
	if cmd.Actuator != nil {
		req.Profile = cmd.Actuator.Profile
	}
	return &plan{req: req, cmd: cmd, targets: targets, stop: stop, h: h, seq: seq}, nil
}

// scheduledText starts the status text of a command scheduled for later.
const scheduledText = "scheduled to start at "

// timeOrZero returns t in milliseconds since the Unix epoch, or 0 when it
// is zero.
func timeOrZero(t, zero time.Time) int64 {
	if t.Equal(zero) {
		return 0
	}
	return t.UnixMilli()
}

// route returns the components to carry out cmd, whose shape for
// actuators is ac,
// and its actuator specifiers, or the response when none qualifies (see
// Routing in the package documentation).
func (c *Consumer) route(cmd *openc2.Command, ac openc2.GenericCommand) ([]Actuator, map[string]any, *openc2.Response) {
	all := c.acts.Actuators()
	profile, specs, err := specifiers(ac)
	if err != nil {
		return nil, nil, status(openc2.StatusInternalError, err.Error())
	}
	candidates := all
	if profile != "" {
		candidates = c.matching(all, profile, specs)
		if len(candidates) == 0 {
			if len(c.matching(all, profile, nil)) == 0 {
				return nil, nil, status(openc2.StatusNotFound, fmt.Sprintf("no actuator implements profile %s", profile))
			}
			b, _ := json.Marshal(specs)
			return nil, nil, status(openc2.StatusNotFound, fmt.Sprintf("no %s actuator matches the specifiers %s", profile, b))
		}
	}
	var out []Actuator
	for _, a := range candidates {
		if slices.Contains(a.Pairs[string(cmd.Action)], cmd.Target.Name) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		text := fmt.Sprintf("no actuator supports %s %s", cmd.Action, cmd.Target.Name)
		if profile != "" {
			text += " for profile " + profile
		}
		return nil, nil, status(openc2.StatusNotImplemented, text)
	}
	return out, specs, nil
}

// matching returns the components of all that implement profile and match
// specs.
func (c *Consumer) matching(all []Actuator, profile string, specs map[string]any) []Actuator {
	var out []Actuator
	for _, a := range all {
		if slices.Contains(a.Profiles, profile) && c.identifies(a.Ref, specs) {
			out = append(out, a)
		}
	}
	return out
}

// identifies reports whether every specifier in want equals the one that
// identifies the component ref: the configured ones, with asset_id
// defaulting to ref.
func (c *Consumer) identifies(ref string, want map[string]any) bool {
	have := c.specifiers[ref]
	for k, v := range want {
		hv, ok := have[k]
		if !ok && k == "asset_id" {
			hv, ok = ref, true
		}
		if !ok || !reflect.DeepEqual(v, hv) {
			return false
		}
	}
	return true
}

// normalizeSpecifiers returns the configured specifiers as JSON values, so
// that they compare equal to the ones a command carries.
func normalizeSpecifiers(in map[string]map[string]any) (map[string]map[string]any, error) {
	out := make(map[string]map[string]any, len(in))
	for ref, specs := range in {
		b, err := json.Marshal(specs)
		if err != nil {
			return nil, fmt.Errorf("specifiers of %s: %v", ref, err)
		}
		if out[ref], err = jsonnum.DecodeObject(b); err != nil {
			return nil, fmt.Errorf("specifiers of %s: %v", ref, err)
		}
	}
	return out, nil
}

// window returns when cmd starts and ends (LS v1.0 section 3.3.1.4): start
// is now unless start_time says otherwise, and stop is zero (never) unless
// stop_time or duration says otherwise; stop = start + duration.
func window(args *openc2.Args, now time.Time) (start, stop time.Time) {
	start = now
	if args == nil {
		return start, stop
	}
	if args.StartTime != nil {
		if t := time.UnixMilli(*args.StartTime); t.After(now) {
			start = t
		}
	}
	switch {
	case args.StopTime != nil:
		stop = time.UnixMilli(*args.StopTime)
	case args.Duration != nil:
		base := start
		if args.StartTime != nil {
			base = time.UnixMilli(*args.StartTime)
		}
		stop = base.Add(time.Duration(*args.Duration) * time.Millisecond)
	}
	return start, stop
}

// stamp formats t for status texts.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// actuateRequest returns the request that carries cmd, whose shape for
// actuators is ac, to an actuator: the command with command_id defaulting to the
// request_id (LS v1.0 section 3.3.1), and the headers.
func actuateRequest(h openc2.Headers, cmd *openc2.Command, ac openc2.GenericCommand) ActuateRequest {
	ac.CommandID = commandID(h, cmd)
	return ActuateRequest{Command: ac, Headers: h}
}

// commandID returns the identifier of cmd: its command_id, else the
// request_id of its message (LS v1.0 section 3.3.1).
func commandID(h openc2.Headers, cmd *openc2.Command) string {
	if cmd.CommandID != "" {
		return cmd.CommandID
	}
	return h.RequestID
}

// mustEncode encodes a command that decoded or was built valid.
func mustEncode(cmd *openc2.Command) []byte {
	b, err := openc2.EncodeCommand(cmd)
	if err != nil {
		panic(fmt.Sprintf("encode a valid command: %v", err))
	}
	return b
}

// outcome is one component's answer to a command.
type outcome struct {
	ref  string
	resp *openc2.Response
}

// execute carries out p on every target and merges the answers. An allow
// or deny gets a rule number of the consumer's, scheduled to be deleted at
// p.stop; a delete by rule number deletes the rules behind the number.
func (c *Consumer) execute(ctx context.Context, p *plan) *openc2.Response {
	switch {
	case isRuleDelete(p.req.Command):
		n, _ := p.cmd.Target.Value.(int64)
		return c.deleteRule(ctx, p.req, n, refs(p.targets))
	case isRuleCommand(p.req.Command):
		return c.createRule(ctx, p)
	}
	return merge(c.actuateAll(ctx, p))
}

// actuateAll carries p out on every target, concurrently.
func (c *Consumer) actuateAll(ctx context.Context, p *plan) []outcome {
	outs := make([]outcome, len(p.targets))
	if len(p.targets) == 1 {
		outs[0] = c.actuate(ctx, p.targets[0].Ref, p.req)
		return outs
	}
	var wg sync.WaitGroup
	for i, a := range p.targets {
		wg.Go(func() { outs[i] = c.actuate(ctx, a.Ref, p.req) })
	}
	wg.Wait()
	return outs
}

// refs returns the references of acts.
func refs(acts []Actuator) []string {
	out := make([]string, len(acts))
	for i, a := range acts {
		out[i] = a.Ref
	}
	return out
}

// createRule carries out the allow or deny of p under a rule number of the
// consumer's: args.slpf.insert_rule when given (400 when in use), else the
// next one. The number maps to the rule each component answered with; the
// response carries it whenever one component at least created a rule, so
// that a producer can delete what was applied even when another component
// failed (the status is then the failure's, and status_text names each
// component that failed). Nothing is rolled back. With a stop, the
// number's rules are deleted at p.stop; a component that answered no rule
// number then makes its part 500, since its rule could not be ended.
func (c *Consumer) createRule(ctx context.Context, p *plan) *openc2.Response {
	var want *int64
	if a := p.cmd.Args; a != nil && a.SLPF != nil {
		want = a.SLPF.InsertRule
	}
	n, err := c.rules.reserve(want)
	if err != nil {
		var inUse errRuleInUse
		if errors.As(err, &inUse) {
			return status(openc2.StatusBadRequest, err.Error())
		}
		return status(openc2.StatusInternalError, err.Error())
	}
	outs := c.actuateAll(ctx, p)
	var parts []part
	for i, o := range outs {
		if o.resp.Status != openc2.StatusOK {
			continue
		}
		m, ok := ruleNumber(o.resp)
		if !ok {
			if !p.stop.IsZero() {
				outs[i].resp = status(openc2.StatusInternalError, fmt.Sprintf("actuator %s carried the command out but returned no slpf rule_number, so it cannot be ended at %s", o.ref, stamp(p.stop)))
			}
			continue
		}
		parts = append(parts, part{Actuator: o.ref, RuleNumber: m})
	}
	r := merge(outs)
	held := &rule{Number: n, CommandID: p.req.Command.CommandID, Command: mustEncode(p.cmd),
		Start: c.now().UnixMilli(), Stop: timeOrZero(p.stop, time.Time{}), Parts: parts}
	if err := c.rules.commit(held); err != nil {
		return status(openc2.StatusInternalError, fmt.Sprintf("carried out, but the store could not keep its rule number %d: %v", n, err))
	}
	if len(parts) == 0 {
		return r
	}
	r = withRuleNumber(r, n)
	if !p.stop.IsZero() {
		del := &openc2.Command{Action: openc2.ActionDelete, Target: openc2.Target{Name: openc2.TargetSLPFRuleNumber, Value: n}}
		j := &job{Kind: jobStop, Due: p.stop.UnixMilli(), Command: mustEncode(del), Headers: p.h, CommandID: p.req.Command.CommandID, Rule: n, Seq: p.seq}
		if err := c.sched.add(j); err != nil {
			return status(openc2.StatusInternalError, fmt.Sprintf("carried out as rule number %d, but its end could not be scheduled: %v", n, err))
		}
	}
	return r
}

// actuate calls one component and turns its reply into a response.
func (c *Consumer) actuate(ctx context.Context, ref string, req ActuateRequest) outcome {
	reply, err := c.acts.Actuate(ctx, ref, req)
	if err != nil {
		return outcome{ref, status(StatusOf(err), err.Error())}
	}
	r, err := responseOf(reply)
	if err != nil {
		return outcome{ref, status(openc2.StatusInternalError, fmt.Sprintf("actuator %s answered a response that is not LS v1.0: %v", ref, err))}
	}
	return outcome{ref, r}
}

// merge returns the response to a command several components carried out
// (see Routing in the package documentation).
func merge(outs []outcome) *openc2.Response {
	if len(outs) == 1 {
		return outs[0].resp
	}
	r := &openc2.Response{}
	var texts []string
	for _, o := range outs {
		r.Status = max(r.Status, o.resp.Status)
		if o.resp.Status != openc2.StatusOK {
			text := fmt.Sprintf("%s: %d", o.ref, o.resp.Status)
			if o.resp.StatusText != "" {
				text += " " + o.resp.StatusText
			}
			texts = append(texts, text)
		}
	}
	r.StatusText = strings.Join(texts, "; ")
	r.Results = commonResults(outs)
	return r
}

// commonResults returns the result fields every outcome has with the same
// value, or nil when there are none.
func commonResults(outs []outcome) *openc2.Results {
	var common map[string]any
	for i, o := range outs {
		g, err := openc2.ResponseToGeneric(o.resp)
		if err != nil {
			return nil // every part came from a valid response
		}
		if i == 0 {
			common = g.Results
			continue
		}
		for k, v := range common {
			if w, ok := g.Results[k]; !ok || !reflect.DeepEqual(v, w) {
				delete(common, k)
			}
		}
	}
	if len(common) == 0 {
		return nil
	}
	r, err := openc2.ResponseFromGeneric(openc2.GenericResponse{Status: openc2.StatusOK, Results: common})
	if err != nil {
		return nil // every part came from a valid response
	}
	return r.Results
}
