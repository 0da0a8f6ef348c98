// Package plan finds witnesses: plans of actions (moves, takes and reads)
// by which one actor meets its goals, picking up on the way the
// credentials it needs. A plan is what the simulator would let the actor
// do: each action is one of the choices sim/simulate offers in the state
// the plan has reached, with the risk, time and log rules of the component
// the simulator would use (the first one, in clause order, that the
// actor's holdings and roles meet), so that a plan played out by an agent
// succeeds when none of its risks strikes.
//
// # Notes
//
// As in package sim/analysis, the actor acts alone: possessibles lie where
// the model puts them unless the actor takes them (or Problem.Gone says
// they are not there), and nobody hands anything over. A plan never drops
// anything, for holding more never allows less. An action whose component
// has 100% risk never succeeds and is left out.
package plan

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/gatehouse/gatehouse/sim/model"
)

// Criterion is what a plan is the best by.
type Criterion uint8

// The criteria. Ties go to the plan with fewer steps, then to the one
// whose actions come first in the order the simulator offers them.
const (
	Steps    Criterion = iota // the fewest actions
	Time                      // the fewest ticks, if no action fails
	Risk                      // the greatest chance that no action fails
	Expected                  // the fewest ticks expected when each failed action is tried again
)

var criterionNames = [...]string{Steps: "shortest", Time: "fastest", Risk: "likeliest", Expected: "expected"}

// String returns the criterion's name: shortest, fastest, likeliest or
// expected.
func (c Criterion) String() string {
	if int(c) < len(criterionNames) {
		return criterionNames[c]
	}
	return fmt.Sprintf("Criterion(%d)", uint8(c))
}

// ParseCriterion returns the criterion named name, as String names it.
func ParseCriterion(name string) (Criterion, error) {
	for c, n := range criterionNames {
		if n == name {
			return Criterion(c), nil
		}
	}
	return 0, fmt.Errorf("no criterion %q: want shortest, fastest, likeliest or expected", name)
}

// DefaultMaxStates is the default of Options.MaxStates.
const DefaultMaxStates = 1 << 20

// Kind is a plan worth showing for a goal, by name.
type Kind struct {
	Name    string
	Options Options
}

// Kinds are the plans sim paths --goal finds, in the order it shows them.
var Kinds = []Kind{
	{"shortest", Options{Criterion: Steps}},
	{"fastest", Options{Criterion: Time}},
	{"likeliest", Options{Criterion: Risk}},
	{"unlogged", Options{Criterion: Steps, Unlogged: true}},
}

// Options shape a search.
type Options struct {
	// Criterion is what the plan is the best by; the default is Steps.
	Criterion Criterion
	// Unlogged keeps to actions that leave no log entry.
	Unlogged bool
	// MaxStates bounds the states (location, holdings and documents read)
	// the search tells apart; 0 means DefaultMaxStates. A search that
	// reaches it fails with a *BoundError.
	MaxStates int
}

// Problem is where an actor starts and what it wants. ForActor makes the
// problem of an actor at the start of a run.
type Problem struct {
	Actor string   // the actor, named in the plan
	Roles []string // its roles
	From  string   // the location it starts from
	Holds []string // the possessibles it holds
	Goals []string // locations to be at, possessibles to hold, documents to hold or read
	// Gone are possessibles that no longer lie where the model puts them
	// (another actor took them): the plan does not count on them.
	Gone []string
}

// ForActor returns the problem of the actor named actor at the start of a
// run of m: its roles, location, holdings and goals.
func ForActor(m *model.Model, actor string) (Problem, error) {
	id, ok := m.ActorID(actor)
	if !ok {
		return Problem{}, fmt.Errorf("no actor %q", actor)
	}
	a := m.Actors()[id]
	return Problem{Actor: a.Name, Roles: a.Roles, From: a.At, Holds: a.Holds, Goals: a.Goals}, nil
}

// ErrNoPlan is the error of a search that found no plan and told apart
// every state the actor can get to: there is none.
var ErrNoPlan = errors.New("no plan meets the goals")

// BoundError is the error of a search that reached Options.MaxStates
// before it found a plan: a plan may still exist.
type BoundError struct{ MaxStates int }

func (e *BoundError) Error() string {
	return fmt.Sprintf("no plan found before the search told apart %d states, its bound: one may exist beyond it", e.MaxStates)
}

// Plan is a witness: the actions by which an actor meets its goals.
type Plan struct {
	Actor     string   `json:"actor"`
	Goals     []string `json:"goals"`
	Criterion string   `json:"criterion"` // shortest, fastest, likeliest or expected, after "unlogged " for an unlogged plan
	From      string   `json:"from"`
	Steps     []Step   `json:"steps"`
	Time      int64    `json:"time"`   // the ticks the plan takes if no action fails
	Chance    float64  `json:"chance"` // the chance that no action fails, 0 to 1
	Logged    int      `json:"logged"` // the actions that leave a log entry when they succeed
}

// Step is one action of a plan, with the restrictions of the component
// that allows it (what it uses: credentials and roles), its risk, time
// and log rules. Its fields are those of a trace entry of sim/simulate.
type Step struct {
	Action      string         `json:"action"` // move, take or read
	Source      string         `json:"source"` // the actor's location
	Target      string         `json:"target,omitempty"`
	Possessible string         `json:"possessible,omitempty"`
	Credentials []string       `json:"credentials,omitempty"`
	Roles       []string       `json:"roles,omitempty"`
	Risk        float64        `json:"risk"` // percent
	Time        int64          `json:"time"`
	Log         model.LogRules `json:"log,omitempty"`
}

// Locations returns the locations the plan goes through, in order, from
// its start: the path to draw.
func (p *Plan) Locations() []string {
	out := []string{p.From}
	for _, s := range p.Steps {
		if s.Action == "move" {
			out = append(out, s.Target)
		}
	}
	return out
}

// Find returns the best plan by o.Criterion for problem p of model m. It
// searches the states the actor can get to, each a location, the
// credentials and goal possessibles held and the goal documents read, by
// Dijkstra's algorithm (breadth-first for Steps). It fails with ErrNoPlan
// when no plan exists, a *BoundError when it reaches o.MaxStates, and an
// error naming the name when p names something m does not have.
func Find(m *model.Model, p Problem, o Options) (*Plan, error) {
	return FindContext(context.Background(), m, p, o)
}

// checkEvery is how many states a search expands between looks at its
// context.
const checkEvery = 1024

// FindContext is Find that gives up with ctx's error once ctx is done.
func FindContext(ctx context.Context, m *model.Model, p Problem, o Options) (*Plan, error) {
	s, err := newSearch(m, p, o)
	if err != nil {
		return nil, err
	}
	return s.run(ctx)
}

// search is the state of one Find.
type search struct {
	m       *model.Model
	p       Problem
	o       Options
	roles   model.Set
	useful  model.Set // the possessibles worth taking: credentials some clause requires, and goal possessibles
	gone    model.Set
	goalLoc int   // the location goal, or -1
	goalPos []int // the possessible goals
	words   int   // words of a state's held and read sets

	// The states, by id: location, held and read sets (words each), the
	// state and option that led there, its cost and steps.
	loc    []int32
	bits   []uint64
	parent []int32
	via    []option
	cost   []float64
	steps  []int32
	seen   map[string]int32
	key    []byte
	q      pq
}

// option is an action from a state.
type option struct {
	action model.Action
	target int // location of a move, possessible otherwise
	comp   *model.Component
}

func newSearch(m *model.Model, p Problem, o Options) (*search, error) {
	np := len(m.Possessibles())
	s := &search{m: m, p: p, o: o, goalLoc: -1, useful: model.NewSet(np), gone: model.NewSet(np), seen: map[string]int32{}}
	if s.o.MaxStates <= 0 {
		s.o.MaxStates = DefaultMaxStates
	}
	for _, r := range p.Roles {
		if !slices.Contains(m.Roles(), r) {
			return nil, fmt.Errorf("no role %q", r)
		}
	}
	s.roles = m.RoleSet(p.Roles)
	from, ok := m.LocationID(p.From)
	if !ok {
		return nil, fmt.Errorf("no location %q", p.From)
	}
	held := model.NewSet(np)
	for _, n := range p.Holds {
		id, ok := m.PossessibleID(n)
		if !ok {
			return nil, fmt.Errorf("no possessible %q", n)
		}
		held.Add(id)
	}
	for _, n := range p.Gone {
		id, ok := m.PossessibleID(n)
		if !ok {
			return nil, fmt.Errorf("no possessible %q", n)
		}
		s.gone.Add(id)
	}
	for _, g := range p.Goals {
		if v, ok := m.LocationID(g); ok {
			if s.goalLoc >= 0 && s.goalLoc != v {
				return nil, fmt.Errorf("goals %q and %q: %w (one cannot be at both)", m.Locations()[s.goalLoc], g, ErrNoPlan)
			}
			s.goalLoc = v
			continue
		}
		id, ok := m.PossessibleID(g)
		if !ok {
			return nil, fmt.Errorf("goal %q is no location or possessible", g)
		}
		s.goalPos = append(s.goalPos, id)
		s.useful.Add(id)
	}
	for _, c := range m.Connections() {
		for _, comp := range c.Policies[model.Move] {
			s.require(comp)
		}
	}
	for _, pp := range m.Possessibles() {
		for _, pol := range pp.Policies {
			for _, comp := range pol {
				s.require(comp)
			}
		}
	}
	s.words = (np + 63) / 64
	start := make([]uint64, 2*s.words)
	copy(start, held)
	s.add(int32(from), start, -1, option{}, 0, 0)
	return s, nil
}

// require marks the credentials a component requires as worth taking.
func (s *search) require(c model.Component) {
	for _, n := range c.Restrictions.Credentials {
		id, _ := s.m.PossessibleID(n)
		s.useful.Add(id)
	}
}

// add records a state unless it is known at no greater cost, and queues it.
func (s *search) add(loc int32, bits []uint64, parent int32, via option, cost float64, steps int32) {
	s.key = append(s.key[:0], byte(loc), byte(loc>>8), byte(loc>>16), byte(loc>>24))
	for _, w := range bits {
		for i := range 8 {
			s.key = append(s.key, byte(w>>(8*i)))
		}
	}
	if id, ok := s.seen[string(s.key)]; ok {
		if s.cost[id] < cost || s.cost[id] == cost && s.steps[id] <= steps {
			return
		}
		s.parent[id], s.via[id], s.cost[id], s.steps[id] = parent, via, cost, steps
		heap.Push(&s.q, entry{id, cost, steps, s.q.seq})
		s.q.seq++
		return
	}
	id := int32(len(s.loc))
	s.seen[string(s.key)] = id
	s.loc, s.bits = append(s.loc, loc), append(s.bits, bits...)
	s.parent, s.via, s.cost, s.steps = append(s.parent, parent), append(s.via, via), append(s.cost, cost), append(s.steps, steps)
	heap.Push(&s.q, entry{id, cost, steps, s.q.seq})
	s.q.seq++
}

// held and read return a state's sets; they are views of s.bits.
func (s *search) held(id int32) model.Set {
	i := int(id) * 2 * s.words
	return model.Set(s.bits[i : i+s.words : i+s.words])
}

func (s *search) read(id int32) model.Set {
	i := int(id)*2*s.words + s.words
	return model.Set(s.bits[i : i+s.words : i+s.words])
}

func (s *search) done(id int32) bool {
	if s.goalLoc >= 0 && int(s.loc[id]) != s.goalLoc {
		return false
	}
	held, read := s.held(id), s.read(id)
	for _, g := range s.goalPos {
		if !held.Has(g) && !read.Has(g) {
			return false
		}
	}
	return true
}

func (s *search) run(ctx context.Context) (*Plan, error) {
	for n := 0; s.q.Len() > 0; n++ {
		if n%checkEvery == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e := heap.Pop(&s.q).(entry)
		if e.cost != s.cost[e.id] || e.steps != s.steps[e.id] {
			continue // a stale entry: the state was reached more cheaply since
		}
		if s.done(e.id) {
			return s.plan(e.id), nil
		}
		if len(s.loc) >= s.o.MaxStates {
			return nil, &BoundError{MaxStates: s.o.MaxStates}
		}
		s.expand(e.id)
	}
	return nil, ErrNoPlan
}

// expand queues the states one action leads to from state id, in the order
// the simulator offers the actions: moves, then takes and reads of what
// lies here.
func (s *search) expand(id int32) {
	m, v := s.m, int(s.loc[id])
	held, read := s.held(id), s.read(id)
	for _, a := range m.Out(v) {
		if c := s.first(a.Conn.Policies[model.Move], held); c != nil {
			s.next(id, option{model.Move, a.To, c}, a.To, -1, false)
		}
	}
	for _, pid := range m.LyingAt(v) {
		if s.gone.Has(pid) || held.Has(pid) {
			continue
		}
		pp := &m.Possessibles()[pid]
		if c := s.first(pp.Policies[model.Take], held); c != nil && s.useful.Has(pid) {
			s.next(id, option{model.Take, pid, c}, v, pid, false)
		}
		if c := s.first(pp.Policies[model.Read], held); c != nil && !read.Has(pid) && slices.Contains(s.goalPos, pid) {
			s.next(id, option{model.Read, pid, c}, v, pid, true)
		}
	}
}

// first returns the component of policy the simulator would use for an
// actor holding held: the first whose restrictions it meets; nil when
// there is none, or when it always fails or, for an unlogged plan, leaves
// a log entry.
func (s *search) first(policy model.AccessPolicy, held model.Set) *model.Component {
	for i := range policy {
		if c := &policy[i]; c.Allows(held, s.roles) {
			if c.Annotation.Risk >= 100 || s.o.Unlogged && c.Log != 0 {
				return nil
			}
			return c
		}
	}
	return nil
}

// next queues the state that option o leads to from state id: at location
// to, with possessible pid taken or, if read, read.
func (s *search) next(id int32, o option, to, pid int, read bool) {
	bits := slices.Clone(s.bits[int(id)*2*s.words : (int(id)+1)*2*s.words])
	if pid >= 0 {
		set := model.Set(bits[:s.words])
		if read {
			set = model.Set(bits[s.words:])
		}
		set.Add(pid)
	}
	s.add(int32(to), bits, id, o, s.cost[id]+s.weight(o.comp.Annotation), s.steps[id]+1)
}

// weight is the cost of an action under the search's criterion.
func (s *search) weight(a model.Annotation) float64 {
	switch s.o.Criterion {
	case Time:
		return float64(a.Time)
	case Risk:
		return -math.Log1p(-a.Probability()) // adds up along a plan as the chances multiply
	case Expected:
		return float64(a.Time) / (1 - a.Probability())
	}
	return 1
}

// plan follows the parents back from the goal state.
func (s *search) plan(id int32) *Plan {
	m := s.m
	var ids []int32
	for ; s.parent[id] >= 0; id = s.parent[id] {
		ids = append(ids, id)
	}
	p := &Plan{Actor: s.p.Actor, Goals: s.p.Goals, Criterion: s.o.Criterion.String(), From: m.Locations()[s.loc[id]],
		Steps: make([]Step, 0, len(ids)), Chance: 1}
	if s.o.Unlogged {
		p.Criterion = "unlogged " + p.Criterion
	}
	if p.Goals == nil {
		p.Goals = []string{}
	}
	for i := len(ids) - 1; i >= 0; i-- {
		o := s.via[ids[i]]
		c := o.comp
		st := Step{Action: o.action.String(), Source: m.Locations()[s.loc[s.parent[ids[i]]]],
			Credentials: c.Restrictions.Credentials, Roles: c.Restrictions.Roles,
			Risk: c.Annotation.Risk, Time: c.Annotation.Time, Log: c.Log}
		if o.action == model.Move {
			st.Target = m.Locations()[o.target]
		} else {
			st.Possessible = m.Possessibles()[o.target].Name
		}
		p.Steps = append(p.Steps, st)
		p.Time += st.Time
		p.Chance *= 1 - c.Annotation.Probability()
		if st.Log != 0 {
			p.Logged++
		}
	}
	return p
}

// entry is a state in the queue, with the cost and steps it was queued at.
type entry struct {
	id    int32
	cost  float64
	steps int32
	seq   int
}

// pq is a min-heap of entries by cost, then steps, then the order they
// were queued in.
type pq struct {
	items []entry
	seq   int
}

func (q *pq) Len() int { return len(q.items) }
func (q *pq) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	if a.cost != b.cost {
		return a.cost < b.cost
	}
	if a.steps != b.steps {
		return a.steps < b.steps
	}
	return a.seq < b.seq
}
func (q *pq) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *pq) Push(x any)    { q.items = append(q.items, x.(entry)) }
func (q *pq) Pop() any {
	it := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return it
}
