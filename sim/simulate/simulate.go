// Package simulate runs models: in discrete ticks, each free actor's agent
// chooses an action from what the actor's holdings and roles allow, and
// the simulator plays the actions out, with their risk drawn from a seeded
// random source, so that a run replays exactly. It records a trace of
// every action and a log of the logged ones, and tells listeners as it
// goes. docs/simulation.md describes the semantics.
package simulate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/gatehouse/gatehouse/sim/model"
)

// DefaultTicks is the tick limit of a run whose Config gives none.
const DefaultTicks = 1000

// Config is what a run needs besides the model.
type Config struct {
	// Seed seeds the run's random source and, through the reset requests,
	// the agents'. The same model, agents and seed give the same run.
	Seed int64
	// Ticks is the most ticks the run lasts; 0 means DefaultTicks.
	Ticks int64
	// Agent returns the agent of an actor. It is called once per actor, in
	// actor order, at the start of the run. Required.
	Agent func(actor string) (Agent, error)
	// Conflicts resolves contending actions; nil means RandomOrder.
	Conflicts ConflictHandler
	// Trace and Log, when set, receive the trace and the log as JSON lines.
	Trace, Log io.Writer
	// Listeners receive the events of the run.
	Listeners []Listener
	// Progress, when set, is called at the end of every tick with the
	// number of ticks run, for progress bars; it costs less than a
	// listener, which is told of every step.
	Progress func(ticks int64)
}

// Result is how a run ended.
type Result struct {
	Ticks  int64         `json:"ticks"`  // ticks run
	Steps  int64         `json:"steps"`  // actions the agents chose
	Reason string        `json:"reason"` // "goals" when every actor with goals met them, else "ticks"
	Actors []ActorResult `json:"actors"`
}

// ActorResult is an actor's state at the end of a run.
type ActorResult struct {
	Name     string   `json:"name"`
	Location string   `json:"location"`
	Holds    []string `json:"holds,omitempty"`
	Read     []string `json:"read,omitempty"`
	// HasGoals says whether the actor has goals.
	HasGoals bool `json:"-"`
	// GoalsMet is the tick at whose end the actor met all its goals, or
	// NotMet. In JSON, goals_met is that tick, null for goals not met, and
	// left out for an actor without goals.
	GoalsMet int64 `json:"-"`
}

// NotMet is the GoalsMet of an actor that did not meet its goals or has none.
const NotMet = -1

// actorJSON is an ActorResult as JSON has it.
type actorJSON struct {
	Name     string          `json:"name"`
	Location string          `json:"location"`
	Holds    []string        `json:"holds,omitempty"`
	Read     []string        `json:"read,omitempty"`
	GoalsMet json.RawMessage `json:"goals_met,omitempty"`
}

// MarshalJSON writes goals_met as the tick the actor met its goals, null
// when it did not, and leaves it out for an actor without goals.
func (a ActorResult) MarshalJSON() ([]byte, error) {
	j := actorJSON{Name: a.Name, Location: a.Location, Holds: a.Holds, Read: a.Read}
	switch {
	case !a.HasGoals:
	case a.GoalsMet == NotMet:
		j.GoalsMet = json.RawMessage("null")
	default:
		j.GoalsMet = strconv.AppendInt(nil, a.GoalsMet, 10)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (a *ActorResult) UnmarshalJSON(b []byte) error {
	var j actorJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*a = ActorResult{Name: j.Name, Location: j.Location, Holds: j.Holds, Read: j.Read, HasGoals: j.GoalsMet != nil, GoalsMet: NotMet}
	if a.HasGoals && string(j.GoalsMet) != "null" {
		if err := json.Unmarshal(j.GoalsMet, &a.GoalsMet); err != nil {
			return fmt.Errorf("goals_met: %w", err)
		}
	}
	return nil
}

// Reasons a run ends.
const (
	ReasonGoals = "goals"
	ReasonTicks = "ticks"
)

// option is a choice as the simulator knows it.
type option struct {
	action model.Action // NumActions for wait
	target int          // location id of a move, possessible id otherwise
	comp   *model.Component
}

var wait = option{action: model.NumActions, comp: &model.Component{Annotation: model.DefaultAnnotation}}

// intent is an option an actor chose in the current tick.
type intent struct {
	actor  int
	opt    option
	choice Action
}

type goal struct {
	loc, poss int // one of them is -1
}

type actorState struct {
	name     string
	agent    Agent
	loc      int
	busy     int64 // the actor is free from this tick on
	roles    model.Set
	holds    model.Set // possessible ids
	held     []int     // the same, sorted
	heldName []string  // their names, for observations
	read     model.Set
	goals    []goal
	goalName []string
	open     []string // the goals not met now, for observations
	met      int64    // the tick it met all its goals, or -1
}

// run is the state of one run.
type run struct {
	m     *model.Model
	cfg   Config
	ctx   context.Context
	rng   *rand.Rand
	tick  int64
	steps int64

	actors []actorState
	at     []int   // location of each possessible, or -1 when held or nowhere
	holder []int   // actor holding each possessible, or -1
	lying  [][]int // possessible ids lying at each location, sorted

	choices []Action
	opts    []option
	intents []intent
	claims  []int // per possessible, the intents on it this tick
	touched []int // possessibles with claims this tick

	trace, log *jsonLines
	emit       bool // someone wants steps
}

// Run simulates m under cfg until every actor with goals has met them, the
// tick limit, or ctx ends. It fails when an agent fails or chooses an
// action that is not among its choices, when the conflict handler returns
// an invalid resolution, or when writing the trace or the log fails.
func Run(ctx context.Context, m *model.Model, cfg Config) (*Result, error) {
	if cfg.Agent == nil {
		return nil, errors.New("simulate: Config.Agent is required")
	}
	if cfg.Ticks == 0 {
		cfg.Ticks = DefaultTicks
	}
	if cfg.Conflicts == nil {
		cfg.Conflicts = RandomOrder{}
	}
	r := &run{m: m, cfg: cfg, ctx: ctx, rng: rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15))}
	if cfg.Trace != nil {
		r.trace = newJSONLines(cfg.Trace)
	}
	if cfg.Log != nil {
		r.log = newJSONLines(cfg.Log)
	}
	r.emit = r.trace != nil || r.log != nil || len(cfg.Listeners) > 0
	if err := r.start(); err != nil {
		return nil, err
	}
	res, err := r.loop()
	for _, w := range []*jsonLines{r.trace, r.log} {
		if w != nil {
			if ferr := w.flush(); ferr != nil && err == nil {
				err = fmt.Errorf("simulate: write: %w", ferr)
			}
		}
	}
	return res, err
}

// start sets up the state and resets the agents.
func (r *run) start() error {
	m := r.m
	np := len(m.Possessibles())
	r.at, r.holder, r.claims = make([]int, np), make([]int, np), make([]int, np)
	r.lying = make([][]int, m.Len())
	for v := range r.lying {
		r.lying[v] = slices.Clone(m.LyingAt(v))
	}
	for p := range r.at {
		r.at[p] = -1
		r.holder[p] = m.Holder(p)
	}
	for v, ps := range r.lying {
		for _, p := range ps {
			r.at[p] = v
		}
	}
	r.actors = make([]actorState, len(m.Actors()))
	for i, a := range m.Actors() {
		s := &r.actors[i]
		loc, _ := m.LocationID(a.At)
		*s = actorState{name: a.Name, loc: loc, roles: m.RoleSet(a.Roles), holds: m.Holdings(a.Holds),
			read: model.NewSet(np), goalName: a.Goals, met: NotMet}
		for _, n := range a.Holds {
			p, _ := m.PossessibleID(n)
			s.held = append(s.held, p)
		}
		s.sortHeld(m)
		for _, g := range a.Goals {
			if v, ok := m.LocationID(g); ok {
				s.goals = append(s.goals, goal{loc: v, poss: -1})
			} else {
				p, _ := m.PossessibleID(g)
				s.goals = append(s.goals, goal{loc: -1, poss: p})
			}
		}
		agent, err := r.cfg.Agent(a.Name)
		if err != nil {
			return fmt.Errorf("simulate: agent of actor %q: %w", a.Name, err)
		}
		s.agent = agent
		if err := agent.Reset(r.ctx, Start{Actor: a.Name, Seed: r.cfg.Seed, Goals: a.Goals, Model: m}); err != nil {
			return fmt.Errorf("simulate: reset the agent of actor %q: %w", a.Name, err)
		}
	}
	return nil
}

// sortHeld sorts the held possessibles and renames them.
func (s *actorState) sortHeld(m *model.Model) {
	slices.Sort(s.held)
	s.heldName = s.heldName[:0]
	for _, p := range s.held {
		s.heldName = append(s.heldName, m.Possessibles()[p].Name)
	}
}

func (r *run) notify(e Event) {
	for _, l := range r.cfg.Listeners {
		l(e)
	}
}

func (r *run) loop() (*Result, error) {
	r.notify(Event{Kind: EventStart})
	withGoals, metGoals := 0, 0
	for i := range r.actors {
		if len(r.actors[i].goals) > 0 {
			withGoals++
		}
	}
	reason := ReasonTicks
	for r.tick = 0; r.tick < r.cfg.Ticks; r.tick++ {
		if err := r.ctx.Err(); err != nil {
			return nil, err
		}
		if err := r.choose(); err != nil {
			return nil, err
		}
		if err := r.play(); err != nil {
			return nil, err
		}
		for i := range r.actors {
			if s := &r.actors[i]; s.met < 0 && len(s.goals) > 0 && r.goalsMet(s) {
				s.met = r.tick
				metGoals++
				r.notify(Event{Kind: EventGoals, Tick: r.tick, Actor: s.name})
			}
		}
		if r.cfg.Progress != nil {
			r.cfg.Progress(r.tick + 1)
		}
		if withGoals > 0 && metGoals == withGoals {
			r.tick++
			reason = ReasonGoals
			break
		}
	}
	res := r.result(reason)
	r.notify(Event{Kind: EventEnd, Tick: r.tick, Result: res})
	return res, nil
}

// result returns the state of the run now, ended for reason.
func (r *run) result(reason string) *Result {
	res := &Result{Ticks: r.tick, Steps: r.steps, Reason: reason, Actors: make([]ActorResult, 0, len(r.actors))}
	for i := range r.actors {
		s := &r.actors[i]
		res.Actors = append(res.Actors, ActorResult{Name: s.name, Location: r.m.Locations()[s.loc],
			Holds: slices.Clone(s.heldName), Read: r.names(s.read), HasGoals: len(s.goals) > 0, GoalsMet: s.met})
	}
	return res
}

func (r *run) names(s model.Set) []string {
	var out []string
	for _, p := range s.Members() {
		out = append(out, r.m.Possessibles()[p].Name)
	}
	return out
}

func (r *run) goalsMet(s *actorState) bool {
	for _, g := range s.goals {
		if !s.meets(g) {
			return false
		}
	}
	return true
}

// meets reports whether the actor meets goal g now: it is at the location,
// holds the possessible, or has read the document.
func (s *actorState) meets(g goal) bool {
	if g.loc >= 0 {
		return s.loc == g.loc
	}
	return s.holds.Has(g.poss) || s.read.Has(g.poss)
}

// choose asks every free actor that has not met its goals for an action.
func (r *run) choose() error {
	r.intents = r.intents[:0]
	for i := range r.actors {
		s := &r.actors[i]
		if s.busy > r.tick || s.met >= 0 {
			continue
		}
		r.options(s)
		s.open = s.open[:0]
		for k, g := range s.goals {
			if !s.meets(g) {
				s.open = append(s.open, s.goalName[k])
			}
		}
		obs := Observation{Tick: r.tick, Location: r.m.Locations()[s.loc], Holdings: s.heldName, Goals: s.open, Choices: r.choices}
		a, err := s.agent.Act(r.ctx, obs)
		if err != nil {
			return fmt.Errorf("simulate: tick %d: the agent of actor %q: %w", r.tick, s.name, err)
		}
		r.steps++
		k := r.match(a)
		if k < 0 {
			return fmt.Errorf("simulate: tick %d: actor %q chose %s %q, which is not among its %d choices", r.tick, s.name, a.Kind, a.Target, len(r.choices))
		}
		r.intents = append(r.intents, intent{actor: i, opt: r.opts[k], choice: r.choices[k]})
	}
	return nil
}

var actionKinds = [model.NumActions + 1]string{model.Move: KindMove, model.Take: KindTake, model.Read: KindRead, model.Drop: KindDrop, model.NumActions: KindWait}

// options fills r.choices and r.opts with what actor s may do now: each
// action on each target whose policy has a component the actor's holdings
// and roles meet is a choice, with the annotation of the first such
// component; waiting is the last choice.
func (r *run) options(s *actorState) {
	r.choices, r.opts = r.choices[:0], r.opts[:0]
	m := r.m
	for _, a := range m.Out(s.loc) {
		r.offer(s, model.Move, a.To, m.Locations()[a.To], a.Conn.Policies[model.Move])
	}
	for _, p := range r.lying[s.loc] {
		pp := &m.Possessibles()[p]
		r.offer(s, model.Take, p, pp.Name, pp.Policies[model.Take])
		r.offer(s, model.Read, p, pp.Name, pp.Policies[model.Read])
	}
	for _, p := range s.held {
		pp := &m.Possessibles()[p]
		r.offer(s, model.Read, p, pp.Name, pp.Policies[model.Read])
		r.offer(s, model.Drop, p, pp.Name, pp.Policies[model.Drop])
	}
	r.opts = append(r.opts, wait)
	r.choices = append(r.choices, Action{Kind: KindWait, Time: 1})
}

func (r *run) offer(s *actorState, act model.Action, target int, name string, policy model.AccessPolicy) {
	for i := range policy {
		if c := &policy[i]; c.Allows(s.holds, s.roles) {
			r.choices = append(r.choices, Action{Kind: actionKinds[act], Target: name, Risk: c.Annotation.Probability(), Time: c.Annotation.Time})
			r.opts = append(r.opts, option{action: act, target: target, comp: c})
			return
		}
	}
}

// match returns the index of the choice with the kind and target of an
// agent's action, or -1. Its risk and time do not matter.
func (r *run) match(a Action) int {
	for i, c := range r.choices {
		if c.Kind == a.Kind && c.Target == a.Target {
			return i
		}
	}
	return -1
}

// play plays the tick's intents: first those on no contended possessible,
// in actor order, then each conflict, by possessible, in the order its
// handler gives.
func (r *run) play() error {
	for _, p := range r.touched {
		r.claims[p] = 0
	}
	r.touched = r.touched[:0]
	for _, in := range r.intents {
		if in.opt.action != model.Move && in.opt.action != model.NumActions {
			if r.claims[in.opt.target] == 0 {
				r.touched = append(r.touched, in.opt.target)
			}
			r.claims[in.opt.target]++
		}
	}
	contended := func(in *intent) bool {
		return in.opt.action != model.Move && in.opt.action != model.NumActions && r.claims[in.opt.target] > 1
	}
	for k := range r.intents {
		if in := &r.intents[k]; !contended(in) {
			r.act(in, OK)
		}
	}
	slices.Sort(r.touched)
	for _, p := range r.touched {
		if r.claims[p] < 2 {
			continue
		}
		var group []*intent
		c := Conflict{Tick: r.tick, Possessible: r.m.Possessibles()[p].Name}
		for k := range r.intents {
			if in := &r.intents[k]; in.opt.action != model.Move && in.opt.target == p && in.opt.action != model.NumActions {
				group = append(group, in)
				c.Intents = append(c.Intents, Intent{Actor: r.actors[in.actor].name, Action: in.choice})
			}
		}
		if !slices.ContainsFunc(group, func(in *intent) bool { return in.opt.action == model.Take }) {
			for _, in := range group {
				r.act(in, OK)
			}
			continue
		}
		res := r.cfg.Conflicts.Resolve(c, r.rng)
		if err := res.check(len(group)); err != nil {
			return fmt.Errorf("simulate: tick %d, possessible %q: %w", r.tick, c.Possessible, err)
		}
		for _, k := range res.Order {
			r.act(group[k], OK)
		}
		for _, k := range res.Fail {
			r.act(group[k], Refused)
		}
	}
	if r.trace != nil && r.trace.err != nil {
		return fmt.Errorf("simulate: write the trace: %w", r.trace.err)
	}
	if r.log != nil && r.log.err != nil {
		return fmt.Errorf("simulate: write the log: %w", r.log.err)
	}
	return nil
}

// act plays one intent: unless the conflict handler refused it, it fails
// when it is no longer possible or by chance, and else takes effect. The
// actor is busy for the action's time either way.
func (r *run) act(in *intent, outcome Outcome) {
	s := &r.actors[in.actor]
	o := in.opt
	source := s.loc
	s.busy = r.tick + o.comp.Annotation.Time
	if outcome == OK && !r.possible(s, o) {
		outcome = Impossible
	}
	if risk := o.comp.Annotation.Risk; outcome == OK && risk > 0 && r.rng.Float64()*100 < risk {
		outcome = Failed
	}
	if outcome == OK {
		r.apply(in.actor, s, o)
	}
	if r.emit {
		r.record(s, o, source, outcome)
	}
}

// possible reports whether option o is still possible for actor s.
func (r *run) possible(s *actorState, o option) bool {
	switch o.action {
	case model.Take:
		return r.at[o.target] == s.loc
	case model.Read:
		return r.at[o.target] == s.loc || s.holds.Has(o.target)
	case model.Drop:
		return s.holds.Has(o.target)
	}
	return true
}

func (r *run) apply(i int, s *actorState, o option) {
	switch o.action {
	case model.Move:
		s.loc = o.target
	case model.Take:
		r.lying[s.loc] = slices.DeleteFunc(r.lying[s.loc], func(p int) bool { return p == o.target })
		r.at[o.target], r.holder[o.target] = -1, i
		s.holds.Add(o.target)
		s.held = append(s.held, o.target)
		s.sortHeld(r.m)
	case model.Read:
		s.read.Add(o.target)
	case model.Drop:
		l := r.lying[s.loc]
		at, _ := slices.BinarySearch(l, o.target)
		r.lying[s.loc] = slices.Insert(l, at, o.target)
		r.at[o.target], r.holder[o.target] = s.loc, -1
		s.holds.Remove(o.target)
		s.held = slices.DeleteFunc(s.held, func(p int) bool { return p == o.target })
		s.sortHeld(r.m)
	}
}

// record writes the step to the trace and the log and tells the listeners.
func (r *run) record(s *actorState, o option, source int, outcome Outcome) {
	m := r.m
	st := &Step{Tick: r.tick, Actor: s.name, Action: actionKinds[o.action], Source: m.Locations()[source],
		Credentials: o.comp.Restrictions.Credentials, Risk: o.comp.Annotation.Risk, Time: o.comp.Annotation.Time,
		Outcome: outcome, Log: o.comp.Log}
	switch o.action {
	case model.Move:
		st.Target = m.Locations()[o.target]
	case model.NumActions:
	default:
		st.Possessible = m.Possessibles()[o.target].Name
	}
	if r.trace != nil {
		r.trace.trace(st)
	}
	if r.log != nil && st.Logged() {
		r.log.log(st)
	}
	r.notify(Event{Kind: EventStep, Tick: r.tick, Step: st})
}
