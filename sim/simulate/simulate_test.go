package simulate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sim/agent"
	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

func load(t testing.TB, src string) *model.Model {
	t.Helper()
	m, err := lang.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// builtin returns Config.Agent giving every actor a new built-in agent.
func builtin(name string) func(string) (simulate.Agent, error) {
	return func(string) (simulate.Agent, error) {
		a, _ := agent.New(name)
		return a, nil
	}
}

// office: eve picks up the key in the lobby and opens the office, where
// the plans lie.
const office = `
locations { street; lobby; office; }
possessibles { credential key at lobby; document plans at office; }
actors { eve { at street; goals office, plans; } }
connections {
  street <-> lobby { *: m (0%, 1) }
  lobby -> office { key: mlog (0%, 2) *: m (100%, 3) }
  office -> lobby { *: m }
}`

func TestShortestPathMeetsGoals(t *testing.T) {
	m := load(t, office)
	var trace, log bytes.Buffer
	res, err := simulate.Run(context.Background(), m, simulate.Config{Seed: 1, Agent: builtin("shortest"), Trace: &trace, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if res.Reason != simulate.ReasonGoals || res.Actors[0].Location != "office" || !slices.Contains(res.Actors[0].Holds, "plans") {
		t.Fatalf("result = %+v\ntrace:\n%s", res, trace.String())
	}
	// street->lobby (tick 0), take key (1), move with the key (2, busy
	// for 2 ticks), take plans (4): met at the end of tick 4.
	if got := res.Actors[0].GoalsMet; got != 4 || res.Ticks != 5 || res.Steps != 4 {
		t.Errorf("goals met at tick %d after %d ticks and %d steps, want 4, 5, 4\n%s", got, res.Ticks, res.Steps, trace.String())
	}
	want := `{"tick":2,"action":"move","source":"lobby","target":"office","possessible":null,"credentials":["key"]}` + "\n"
	if log.String() != want {
		t.Errorf("log =\n%s\nwant\n%s", log.String(), want)
	}
}

func TestSameSeedSameTrace(t *testing.T) {
	m, err := fuzz.Generate(fuzz.Options{Locations: 60, Density: 2.5, Credentials: 4, Documents: 3, Roles: 2, Actors: 12, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	runTrace := func(seed int64) string {
		var trace bytes.Buffer
		if _, err := simulate.Run(context.Background(), m, simulate.Config{Seed: seed, Ticks: 300, Agent: builtin("random"), Trace: &trace}); err != nil {
			t.Fatal(err)
		}
		return trace.String()
	}
	a, b := runTrace(42), runTrace(42)
	if a != b {
		t.Error("the same seed gave different traces")
	}
	if c := runTrace(43); c == a {
		t.Error("another seed gave the same trace")
	}
	if strings.Count(a, "\n") < 300 {
		t.Errorf("the trace is short: %d steps", strings.Count(a, "\n"))
	}
}

// world is the state of a model rebuilt from a run's trace, independently
// of the simulator, to check what it offered and allowed.
type world struct {
	m     *model.Model
	loc   map[string]string          // actor -> location
	holds map[string]map[string]bool // actor -> possessibles
	at    map[string]string          // possessible -> location where it lies
}

func newWorld(m *model.Model) *world {
	w := &world{m: m, loc: map[string]string{}, holds: map[string]map[string]bool{}, at: map[string]string{}}
	for _, a := range m.Actors() {
		w.loc[a.Name] = a.At
		w.holds[a.Name] = map[string]bool{}
		for _, h := range a.Holds {
			w.holds[a.Name][h] = true
		}
	}
	for _, p := range m.Possessibles() {
		if p.At != "" {
			w.at[p.Name] = p.At
		}
	}
	return w
}

// meets reports whether actor meets the restrictions of c.
func (w *world) meets(actor string, c model.Component) bool {
	id, _ := w.m.ActorID(actor)
	for _, cr := range c.Restrictions.Credentials {
		if !w.holds[actor][cr] {
			return false
		}
	}
	for _, r := range c.Restrictions.Roles {
		if !slices.Contains(w.m.Actors()[id].Roles, r) {
			return false
		}
	}
	return true
}

// allowed returns what actor may do now, as "kind target risk time": for
// each action and target, the first component the actor meets.
func (w *world) allowed(actor string) []string {
	set := map[string]bool{"wait  0 1": true}
	add := func(kind, target string, p model.AccessPolicy) {
		for _, c := range p {
			if w.meets(actor, c) {
				set[fmt.Sprintf("%s %s %v %d", kind, target, c.Annotation.Probability(), c.Annotation.Time)] = true
				return
			}
		}
	}
	for _, c := range w.m.Connections() {
		if c.From == w.loc[actor] {
			add("move", c.To, c.Policies[model.Move])
		}
	}
	for _, p := range w.m.Possessibles() {
		here, held := w.at[p.Name] == w.loc[actor], w.holds[actor][p.Name]
		if here {
			add("take", p.Name, p.Policies[model.Take])
		}
		if here || held {
			add("read", p.Name, p.Policies[model.Read])
		}
		if held {
			add("drop", p.Name, p.Policies[model.Drop])
		}
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// step checks a step the simulator played against the world as the steps
// before it left it, and applies it: a step that succeeded or failed by
// chance was allowed, and one that was no longer possible was not.
func (w *world) step(s *simulate.Step) error {
	if s.Source != w.loc[s.Actor] {
		return fmt.Errorf("step %+v: the actor is at %s", s, w.loc[s.Actor])
	}
	want := fmt.Sprintf("%s %s %v %d", s.Action, s.Target+s.Possessible, s.Risk/100, s.Time)
	allowed := slices.Contains(w.allowed(s.Actor), want)
	switch s.Outcome {
	case simulate.OK, simulate.Failed:
		if !allowed {
			return fmt.Errorf("step %+v is not allowed: %q not in %q", s, want, w.allowed(s.Actor))
		}
	case simulate.Impossible:
		if allowed {
			return fmt.Errorf("step %+v was possible", s)
		}
	}
	if s.Outcome != simulate.OK {
		return nil
	}
	switch s.Action {
	case "move":
		w.loc[s.Actor] = s.Target
	case "take":
		if w.at[s.Possessible] != s.Source {
			return fmt.Errorf("step %+v took what does not lie there", s)
		}
		delete(w.at, s.Possessible)
		w.holds[s.Actor][s.Possessible] = true
	case "drop":
		delete(w.holds[s.Actor], s.Possessible)
		w.at[s.Possessible] = s.Source
	}
	return nil
}

// checking is an agent that checks its observations against the world, and
// then acts as the agent it wraps.
type checking struct {
	simulate.Agent
	w     *world
	actor string
	errs  *[]error
}

func (c *checking) Reset(ctx context.Context, start simulate.Start) error {
	c.actor = start.Actor
	return c.Agent.Reset(ctx, start)
}

func (c *checking) Act(ctx context.Context, obs simulate.Observation) (simulate.Action, error) {
	var got []string
	for _, a := range obs.Choices {
		got = append(got, fmt.Sprintf("%s %s %v %d", a.Kind, a.Target, a.Risk, a.Time))
	}
	sort.Strings(got)
	if want := c.w.allowed(c.actor); !reflect.DeepEqual(got, want) && len(*c.errs) < 5 {
		*c.errs = append(*c.errs, fmt.Errorf("tick %d, actor %s at %s: choices %q, want %q", obs.Tick, c.actor, obs.Location, got, want))
	}
	return c.Agent.Act(ctx, obs)
}

// TestActorsDoOnlyWhatTheyMay runs random agents on fuzzed models and
// checks every observation and every step against the world rebuilt from
// the trace: the choices are exactly what the actor's holdings and roles
// allow, and no step crosses a connection or touches a possessible that
// they do not allow.
func TestActorsDoOnlyWhatTheyMay(t *testing.T) {
	for seed := range uint64(40) {
		m, err := fuzz.Generate(fuzz.Options{Locations: 5 + int(seed%20), Density: 1.5 + float64(seed%3)/2,
			Credentials: 1 + int(seed%4), Documents: int(seed % 3), Roles: int(seed % 3), Actors: 2 + int(seed%6), Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		w := newWorld(m)
		var errs []error
		cfg := simulate.Config{Seed: int64(seed), Ticks: 200,
			Agent: func(string) (simulate.Agent, error) {
				return &checking{Agent: &agent.RandomWalk{}, w: w, errs: &errs}, nil
			},
			Listeners: []simulate.Listener{func(e simulate.Event) {
				if e.Kind == simulate.EventStep && len(errs) < 5 {
					if err := w.step(e.Step); err != nil {
						errs = append(errs, err)
					}
				}
			}},
		}
		if _, err := simulate.Run(context.Background(), m, cfg); err != nil {
			t.Fatal(err)
		}
		if len(errs) > 0 {
			t.Fatalf("seed %d: %v\n%s", seed, errors.Join(errs...), lang.Format(m))
		}
	}
}

// TestLogHoldsExactlyTheLoggedActions checks, on fuzzed models, that the
// log has one entry per successful logged step of the trace, in order,
// with "tick" and exactly the fields its log rules name.
func TestLogHoldsExactlyTheLoggedActions(t *testing.T) {
	for seed := range uint64(20) {
		m, err := fuzz.Generate(fuzz.Options{Locations: 30, Density: 2, Credentials: 3, Documents: 3, Roles: 2, Actors: 6, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		var trace, log bytes.Buffer
		if _, err := simulate.Run(context.Background(), m, simulate.Config{Seed: int64(seed), Ticks: 200, Agent: builtin("random"), Trace: &trace, Log: &log}); err != nil {
			t.Fatal(err)
		}
		var logged []simulate.Step
		for sc := bufio.NewScanner(&trace); sc.Scan(); {
			var s simulate.Step
			if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			if s.Logged() {
				logged = append(logged, s)
			}
		}
		entries := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
		if log.Len() == 0 {
			entries = nil
		}
		if len(entries) != len(logged) {
			t.Fatalf("seed %d: %d log entries for %d logged steps", seed, len(entries), len(logged))
		}
		for i, s := range logged {
			var e map[string]any
			if err := json.Unmarshal([]byte(entries[i]), &e); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"tick": float64(s.Tick)}
			for _, f := range s.Log.Fields() {
				var v any
				switch f {
				case model.LogAction:
					v = s.Action
				case model.LogSource:
					v = s.Source
				case model.LogTarget:
					v = nilIfEmpty(s.Target)
				case model.LogPossessible:
					v = nilIfEmpty(s.Possessible)
				case model.LogCredentials:
					cs := []any{}
					for _, c := range s.Credentials {
						cs = append(cs, c)
					}
					v = cs
				case model.LogActor:
					v = s.Actor
				case model.LogOutcome:
					v = string(s.Outcome)
				}
				want[f.String()] = v
			}
			if !reflect.DeepEqual(e, want) {
				t.Fatalf("seed %d: log entry %d = %v, want %v (step %+v)", seed, i, e, want, s)
			}
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// scripted is an agent that takes the first choice of a given kind, else
// waits.
type scripted struct{ kind string }

func (scripted) Reset(context.Context, simulate.Start) error { return nil }
func (s scripted) Act(_ context.Context, obs simulate.Observation) (simulate.Action, error) {
	for _, c := range obs.Choices {
		if c.Kind == s.kind {
			return c, nil
		}
	}
	return simulate.Action{Kind: "wait"}, nil
}

// race: ann, bob and cy stand by one key and all take it in tick 0.
const race = `
locations { room; }
possessibles { credential key at room; }
actors { ann { at room; } bob { at room; } cy { at room; } }`

func TestConflicts(t *testing.T) {
	m := load(t, race)
	cases := []struct {
		name     string
		handler  simulate.ConflictHandler
		outcomes map[string]simulate.Outcome
	}{
		{"priority", simulate.Priority{"cy", "ann"}, map[string]simulate.Outcome{"cy": simulate.OK, "ann": simulate.Impossible, "bob": simulate.Impossible}},
		{"fail all", simulate.FailAll{}, map[string]simulate.Outcome{"ann": simulate.Refused, "bob": simulate.Refused, "cy": simulate.Refused}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]simulate.Outcome{}
			var conflicts []simulate.Conflict
			handler := recordConflicts{tc.handler, &conflicts}
			_, err := simulate.Run(context.Background(), m, simulate.Config{Ticks: 1, Conflicts: handler,
				Agent: func(string) (simulate.Agent, error) { return scripted{"take"}, nil },
				Listeners: []simulate.Listener{func(e simulate.Event) {
					if e.Kind == simulate.EventStep {
						got[e.Step.Actor] = e.Step.Outcome
					}
				}}})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.outcomes) {
				t.Errorf("outcomes = %v, want %v", got, tc.outcomes)
			}
			if len(conflicts) != 1 || conflicts[0].Possessible != "key" || len(conflicts[0].Intents) != 3 || conflicts[0].Intents[0].Actor != "ann" {
				t.Errorf("conflicts = %+v", conflicts)
			}
		})
	}
	t.Run("random order", func(t *testing.T) {
		winners := map[string]bool{}
		for seed := range int64(30) {
			res, err := simulate.Run(context.Background(), m, simulate.Config{Seed: seed, Ticks: 1,
				Agent: func(string) (simulate.Agent, error) { return scripted{"take"}, nil }})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, a := range res.Actors {
				if len(a.Holds) > 0 {
					n++
					winners[a.Name] = true
				}
			}
			if n != 1 {
				t.Fatalf("seed %d: %d actors hold the key", seed, n)
			}
		}
		if len(winners) != 3 {
			t.Errorf("over 30 seeds only %v won", winners)
		}
	})
	t.Run("invalid resolution", func(t *testing.T) {
		_, err := simulate.Run(context.Background(), m, simulate.Config{Ticks: 1, Conflicts: badHandler{},
			Agent: func(string) (simulate.Agent, error) { return scripted{"take"}, nil }})
		if err == nil || !strings.Contains(err.Error(), "does not name each of 3 intents once") {
			t.Errorf("error = %v", err)
		}
	})
}

type recordConflicts struct {
	simulate.ConflictHandler
	seen *[]simulate.Conflict
}

func (r recordConflicts) Resolve(c simulate.Conflict, rng *rand.Rand) simulate.Resolution {
	*r.seen = append(*r.seen, c)
	return r.ConflictHandler.Resolve(c, rng)
}

type badHandler struct{}

func (badHandler) Resolve(simulate.Conflict, *rand.Rand) simulate.Resolution {
	return simulate.Resolution{Order: []int{0, 0}}
}

// cheater picks an action it was not offered.
type cheater struct{}

func (cheater) Reset(context.Context, simulate.Start) error { return nil }
func (cheater) Act(context.Context, simulate.Observation) (simulate.Action, error) {
	return simulate.Action{Kind: "move", Target: "office"}, nil
}

type failing struct{}

func (failing) Reset(context.Context, simulate.Start) error { return nil }
func (failing) Act(context.Context, simulate.Observation) (simulate.Action, error) {
	return simulate.Action{}, errors.New("out of ideas")
}

func TestRunErrors(t *testing.T) {
	m := load(t, office)
	cases := []struct {
		name  string
		agent simulate.Agent
		want  string
	}{
		{"action not offered", cheater{}, `tick 0: actor "eve" chose move "office", which is not among its 2 choices`},
		{"agent fails", failing{}, `tick 0: the agent of actor "eve": out of ideas`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := simulate.Run(context.Background(), m, simulate.Config{Agent: func(string) (simulate.Agent, error) { return tc.agent, nil }})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := simulate.Run(context.Background(), m, simulate.Config{}); err == nil {
		t.Error("Run without agents succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := simulate.Run(ctx, m, simulate.Config{Agent: builtin("random")}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
}

func TestRiskTimeAndEvents(t *testing.T) {
	// The only way on always fails and takes 3 ticks; the run ends at the
	// tick limit.
	m := load(t, `connections { a -> b { *: m (100%, 3) } } actors { x { at a; goals b; } }`)
	var events []string
	res, err := simulate.Run(context.Background(), m, simulate.Config{Ticks: 7, Agent: builtin("shortest"),
		Listeners: []simulate.Listener{func(e simulate.Event) {
			s := string(e.Kind)
			if e.Step != nil {
				s = fmt.Sprintf("%d %s %s", e.Tick, e.Step.Action, e.Step.Outcome)
			}
			events = append(events, s)
		}}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"start", "0 move risk", "3 move risk", "6 move risk", "end"}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("events = %q, want %q", events, want)
	}
	if res.Reason != simulate.ReasonTicks || res.Ticks != 7 || res.Actors[0].GoalsMet != -1 {
		t.Errorf("result = %+v", res)
	}
}

// TestChoicesTakeTheFirstComponentMet: a choice has the annotation of the
// first component the actor meets, and an answer names it by kind and
// target alone, as the ABI says.
func TestChoicesTakeTheFirstComponentMet(t *testing.T) {
	m := load(t, `possessibles { credential k; } connections { a -> b { k: m (0%, 4) *: m (0%, 1) } }
	actors { x { at a; holds k; goals b; } }`)
	var trace bytes.Buffer
	var seen simulate.Observation
	_, err := simulate.Run(context.Background(), m, simulate.Config{Trace: &trace,
		Agent: func(string) (simulate.Agent, error) { return bare{&seen}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	want := []simulate.Action{{Kind: "move", Target: "b", Time: 4}, {Kind: "drop", Target: "k", Time: 1}, {Kind: "wait", Time: 1}}
	if !reflect.DeepEqual(seen.Choices, want) || !reflect.DeepEqual(seen.Goals, []string{"b"}) {
		t.Errorf("observation = %+v", seen)
	}
	if !strings.Contains(trace.String(), `"credentials":["k"],"risk":0,"time":4`) {
		t.Errorf("trace = %s, want the move with the key (time 4)", trace.String())
	}
}

// bare answers a move to b with a risk and time of its own, and keeps a
// copy of the first observation.
type bare struct{ seen *simulate.Observation }

func (bare) Reset(context.Context, simulate.Start) error { return nil }
func (b bare) Act(_ context.Context, obs simulate.Observation) (simulate.Action, error) {
	if b.seen.Choices == nil {
		*b.seen = obs
		b.seen.Choices = slices.Clone(obs.Choices)
		b.seen.Goals = slices.Clone(obs.Goals)
	}
	return simulate.Action{Kind: "move", Target: "b", Risk: 0.5, Time: 9}, nil
}

func TestProgressCountsTicks(t *testing.T) {
	m := load(t, office)
	var ticks []int64
	res, err := simulate.Run(context.Background(), m, simulate.Config{Seed: 1, Agent: builtin("shortest"),
		Progress: func(n int64) { ticks = append(ticks, n) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(ticks) != int(res.Ticks) || ticks[0] != 1 || ticks[len(ticks)-1] != res.Ticks {
		t.Errorf("progress %v over a run of %d ticks", ticks, res.Ticks)
	}
}

// TestGoalsMetJSON: goals_met is the tick an actor met its goals, null if
// it has goals it did not meet, and left out if it has none; no sentinel
// tick stands in for either. JSON reads back as it was written.
func TestGoalsMetJSON(t *testing.T) {
	m := load(t, `locations { a; b; c; } connections { a -> b { *: m (0%, 1) } }
	actors { met { at a; goals b; } unmet { at a; goals c; } none { at a; } }`)
	res, err := simulate.Run(context.Background(), m, simulate.Config{Ticks: 3, Agent: builtin("shortest")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res.Actors)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"name":"met","location":"b","goals_met":0},{"name":"none","location":"a"},{"name":"unmet","location":"b","goals_met":null}]`; string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
	var back []simulate.ActorResult
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, res.Actors) {
		t.Errorf("read back %+v, want %+v", back, res.Actors)
	}
}

// TestLogAttempts checks that rules recording the outcome log failed
// attempts with their outcome, and that other rules log successes only:
// ann's failed mlog leaves no entry, dan's failed move and the contending
// takes of bob and cy do.
func TestLogAttempts(t *testing.T) {
	m := load(t, `
locations { out; in; side; }
possessibles { credential key at out; }
actors { ann { at out; } bob { at out; } cy { at out; } dan { at side; } }
connections {
  out -> in { *: mlog (100%, 1) }
  side -> in { *: m log[action, outcome] (100%, 1) }
}
policies { key { *: t log[actor, outcome] } }`)
	var log bytes.Buffer
	cfg := simulate.Config{Ticks: 1, Conflicts: simulate.FailAll{}, Log: &log, Agent: func(actor string) (simulate.Agent, error) {
		if actor == "ann" || actor == "dan" {
			return scripted{"move"}, nil
		}
		return scripted{"take"}, nil
	}}
	if _, err := simulate.Run(context.Background(), m, cfg); err != nil {
		t.Fatal(err)
	}
	want := `{"tick":0,"action":"move","outcome":"risk"}
{"tick":0,"actor":"bob","outcome":"conflict"}
{"tick":0,"actor":"cy","outcome":"conflict"}
`
	if log.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", log.String(), want)
	}
}
