package plan_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/plan"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

func datacentre(t testing.TB) *model.Model {
	t.Helper()
	src, err := os.ReadFile("../../examples/datacentre.model")
	if err != nil {
		t.Fatal(err)
	}
	m, err := lang.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func find(t *testing.T, m *model.Model, actor string, o plan.Options, change func(*plan.Problem)) (*plan.Plan, error) {
	t.Helper()
	p, err := plan.ForActor(m, actor)
	if err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(&p)
	}
	return plan.Find(m, p, o)
}

// lines returns the plan's steps as text.
func lines(p *plan.Plan) []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, s.String())
	}
	return out
}

// TestDatacentrePlans checks plans worked out by hand: the technician must
// fetch the cage key from the NOC; the quickest way in is the mantrap, the
// one with fewest steps the propped loading-dock door.
func TestDatacentrePlans(t *testing.T) {
	m := datacentre(t)
	viaMantrap := []string{
		"move road -> gate",
		`move gate -> yard, with "site badge", logged`,
		"move yard -> lobby",
		`move lobby -> mantrap, with "site badge", logged`,
		`move mantrap -> hall, with pin and "site badge", logged`,
		"move hall -> noc, as technician, logged",
		`take "cage key" at noc, as technician, logged`,
		"move noc -> hall",
		`move hall -> cage, with "cage key", time 2, logged`,
	}
	for _, tc := range []struct {
		name   string
		actor  string
		o      plan.Options
		want   []string
		time   int64
		chance float64
	}{
		{"technician fastest", "tech", plan.Options{Criterion: plan.Time}, viaMantrap, 10, 1},
		{"technician likeliest", "tech", plan.Options{Criterion: plan.Risk}, viaMantrap, 10, 1},
		{"technician expected", "tech", plan.Options{Criterion: plan.Expected}, viaMantrap, 10, 1},
		{"technician shortest", "tech", plan.Options{}, []string{
			"move road -> gate",
			`move gate -> yard, with "site badge", logged`,
			`move yard -> "loading dock"`,
			`move "loading dock" -> hall, risk 30%, time 4`,
			"move hall -> noc, as technician, logged",
			`take "cage key" at noc, as technician, logged`,
			"move noc -> hall",
			`move hall -> cage, with "cage key", time 2, logged`,
		}, 12, 0.7},
		{"intruder likeliest", "intruder", plan.Options{Criterion: plan.Risk}, []string{
			"move road -> gate",
			`take "contractor pass" at gate, risk 70%, time 3`,
			`move gate -> yard, with "contractor pass", time 2, logged`,
			`move yard -> "loading dock"`,
			`move "loading dock" -> hall, risk 30%, time 4`,
			"move hall -> noc, risk 60%, time 2",
			`take "cage key" at noc, risk 50%`,
			"move noc -> hall",
			`move hall -> cage, with "cage key", time 2, logged`,
			`read "rack inventory" at cage, time 2`,
		}, 19, 0.3 * 0.7 * 0.4 * 0.5},
		{"intruder fastest", "intruder", plan.Options{Criterion: plan.Time}, []string{
			"move road -> gate",
			"move gate -> yard, risk 95%, time 5",
			`move yard -> "loading dock"`,
			`move "loading dock" -> hall, risk 30%, time 4`,
			"move hall -> noc, risk 60%, time 2",
			`take "cage key" at noc, risk 50%`,
			"move noc -> hall",
			`move hall -> cage, with "cage key", time 2, logged`,
			`take "rack inventory" at cage, risk 10%`,
		}, 18, 0.05 * 0.7 * 0.4 * 0.5 * 0.9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := find(t, m, tc.actor, tc.o, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := lines(p); !slices.Equal(got, tc.want) {
				t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if p.Time != tc.time || !near(p.Chance, tc.chance) {
				t.Errorf("time %d, chance %v; want %d, %v", p.Time, p.Chance, tc.time, tc.chance)
			}
			replay(t, m, p)
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestNoPlan(t *testing.T) {
	m := datacentre(t)
	for _, tc := range []struct {
		name   string
		actor  string
		o      plan.Options
		change func(*plan.Problem)
		bound  bool
	}{
		{"the key is gone", "intruder", plan.Options{}, func(p *plan.Problem) { p.Gone = []string{"cage key"} }, false},
		{"unlogged into the cage", "tech", plan.Options{Unlogged: true}, nil, false},
		{"two places at once", "tech", plan.Options{}, func(p *plan.Problem) { p.Goals = []string{"cage", "noc"} }, false},
		{"bounded", "tech", plan.Options{MaxStates: 3}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := find(t, m, tc.actor, tc.o, tc.change)
			var be *plan.BoundError
			if tc.bound && !errors.As(err, &be) || !tc.bound && !errors.Is(err, plan.ErrNoPlan) {
				t.Fatalf("got %v, %v; want no plan (bound: %v)", p, err, tc.bound)
			}
		})
	}
	p, err := find(t, m, "intruder", plan.Options{Unlogged: true}, func(p *plan.Problem) { p.Goals = []string{"noc"} })
	if err != nil || p.Logged != 0 || len(p.Steps) != 5 {
		t.Fatalf("unlogged into the noc: %v, %v", p, err)
	}
}

func TestBadProblem(t *testing.T) {
	m := datacentre(t)
	for _, change := range []func(*plan.Problem){
		func(p *plan.Problem) { p.From = "moon" },
		func(p *plan.Problem) { p.Holds = []string{"moon"} },
		func(p *plan.Problem) { p.Goals = []string{"moon"} },
		func(p *plan.Problem) { p.Roles = []string{"moon"} },
	} {
		if _, err := find(t, m, "tech", plan.Options{}, change); err == nil || !strings.Contains(err.Error(), `"moon"`) {
			t.Errorf("got %v, want an error naming moon", err)
		}
	}
}

// script plays a plan's steps in order, trying a step again when it
// failed by chance, and waits once they are done.
type script struct {
	steps  []plan.Step
	next   int
	failed bool
}

func (s *script) Reset(context.Context, simulate.Start) error { return nil }

func (s *script) Act(context.Context, simulate.Observation) (simulate.Action, error) {
	if s.failed {
		s.next--
	}
	if s.next >= len(s.steps) {
		return simulate.Action{Kind: simulate.KindWait}, nil
	}
	st := s.steps[s.next]
	s.next++
	return simulate.Action{Kind: st.Action, Target: st.Target + st.Possessible}, nil
}

// replay plays the plan in the simulator, the other actors waiting, until
// the actor meets its goals: every step must be among the actor's
// choices, and the actor must meet its goals; when no step fails, at the
// tick the plan's time says.
func replay(t *testing.T, m *model.Model, p *plan.Plan) {
	t.Helper()
	me := &script{steps: p.Steps}
	failures, met := 0, int64(simulate.NotMet)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg := simulate.Config{Seed: 3, Ticks: 100_000,
		Agent: func(actor string) (simulate.Agent, error) {
			if actor == p.Actor {
				return me, nil
			}
			return &script{}, nil
		},
		Listeners: []simulate.Listener{func(e simulate.Event) {
			switch {
			case e.Kind == simulate.EventStep && e.Step.Actor == p.Actor:
				me.failed = e.Step.Outcome != simulate.OK
				if me.failed {
					failures++
				}
			case e.Kind == simulate.EventGoals && e.Actor == p.Actor:
				met = e.Tick
				stop() // the run stops before the next tick
			}
		}},
	}
	if _, err := simulate.Run(ctx, m, cfg); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("replay: %v", err)
	}
	if met == simulate.NotMet {
		t.Fatalf("replay: %s did not meet its goals by tick %d", p.Actor, cfg.Ticks)
	}
	want := int64(0) // goals met at the start are met at the end of tick 0
	if n := len(p.Steps); n > 0 {
		want = p.Time - p.Steps[n-1].Time
	}
	if failures == 0 && met != want {
		t.Errorf("replay: goals met at tick %d, want %d", met, want)
	}
}

// TestFindContext checks that a search gives up with its context's error
// once the context is done, and that ParseCriterion reads what String
// writes.
func TestFindContext(t *testing.T) {
	m := datacentre(t)
	p, err := plan.ForActor(m, "tech")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := plan.FindContext(ctx, m, p, plan.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("FindContext with a cancelled context = %v, want context.Canceled", err)
	}
	if _, err := plan.FindContext(context.Background(), m, p, plan.Options{}); err != nil {
		t.Errorf("FindContext = %v", err)
	}
	for _, c := range []plan.Criterion{plan.Steps, plan.Time, plan.Risk, plan.Expected} {
		if got, err := plan.ParseCriterion(c.String()); got != c || err != nil {
			t.Errorf("ParseCriterion(%q) = %v, %v", c, got, err)
		}
	}
	if _, err := plan.ParseCriterion("cheapest"); err == nil || !strings.Contains(err.Error(), `no criterion "cheapest"`) {
		t.Errorf("ParseCriterion(cheapest) = %v", err)
	}
}
