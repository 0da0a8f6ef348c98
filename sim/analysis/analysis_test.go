package analysis

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/paths"
)

// office: the key lies in the lobby; the office needs it; the vault needs
// the code, which lies in the office; the safe's plans need the role boss
// to read and nobody may take them. Bob holds the badge that the archive
// needs, and it cannot be dropped.
const office = `
locations { street; lobby; office; vault; archive; }
roles { boss; }
possessibles {
  credential key at lobby;
  credential code at office;
  credential badge;
  document plans at vault;
  document memo at archive;
}
actors {
  eve { at street; goals vault, plans; }
  bob { roles boss; at street; holds badge; goals archive, memo; }
}
connections {
  street <-> lobby { *: m }
  lobby -> office { key: mlog (0%, 2) }
  office -> lobby { *: m }
  office -> vault { code: m (50%, 1) }
  lobby -> archive { badge: m  *: m (100%, 1) }
}
policies {
  plans { boss: r }
  badge { *: t }
}`

func load(t testing.TB, src string) *model.Model {
	t.Helper()
	m, err := lang.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReach(t *testing.T) {
	m := load(t, office)
	cases := []struct {
		actor string
		o     Options
		want  Reachability
	}{
		{"eve", Options{}, Reachability{Actor: "eve", Locations: []string{"lobby", "office", "street", "vault"},
			Obtains: []string{"code", "key"}, Goals: []Goal{{"plans", false}, {"vault", true}}, Converged: true}},
		{"eve", Options{Fixed: true}, Reachability{Actor: "eve", Locations: []string{"lobby", "street"},
			Goals: []Goal{{"plans", false}, {"vault", false}}, Converged: true}},
		{"bob", Options{}, Reachability{Actor: "bob", Locations: []string{"archive", "lobby", "office", "street", "vault"},
			Obtains: []string{"badge", "code", "key", "memo"}, Reads: []string{"memo", "plans"},
			Goals: []Goal{{"archive", true}, {"memo", true}}, Converged: true}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s %+v", tc.actor, tc.o), func(t *testing.T) {
			r, err := Reach(m, tc.actor, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			got := Reachability{Actor: r.Actor, Locations: r.Locations, Obtains: r.Obtains, Reads: r.Reads, Goals: r.Goals, Converged: r.Converged}
			if !sameReach(got, tc.want) {
				t.Errorf("Reach =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
	if _, err := Reach(m, "nobody", Options{}); err == nil {
		t.Error("Reach of an unknown actor succeeded")
	}
}

func TestAnalyze(t *testing.T) {
	m := load(t, office)
	rep := Analyze(m, Options{})
	goals := map[string][]string{}
	for _, g := range rep.Goals {
		goals[g.Goal] = g.Actors
	}
	want := map[string][]string{"archive": {"bob"}, "memo": {"bob"}, "plans": {"bob"}, "vault": {"bob", "eve"}}
	if !reflect.DeepEqual(goals, want) {
		t.Errorf("goals = %v, want %v", goals, want)
	}
	spread := map[string]Spread{}
	for _, s := range rep.Possessibles {
		spread[s.Possessible] = s
	}
	for name, want := range map[string]Spread{
		// Anyone can carry the key anywhere they get with it: bob into
		// the archive too.
		"key": {Possessible: "key", Locations: []string{"archive", "lobby", "office", "street", "vault"}, Holders: []string{"bob", "eve"}},
		// Bob holds the badge and may not drop it.
		"badge": {Possessible: "badge", Holders: []string{"bob"}},
		// Nobody may take the plans.
		"plans": {Possessible: "plans", Locations: []string{"vault"}},
		// Only bob gets into the archive, and nobody gets out of it.
		"memo": {Possessible: "memo", Locations: []string{"archive"}, Holders: []string{"bob"}},
	} {
		if got := spread[name]; got.Possessible != want.Possessible || !slices.Equal(got.Locations, want.Locations) || !slices.Equal(got.Holders, want.Holders) {
			t.Errorf("spread of %s = %+v, want %+v", name, got, want)
		}
	}
}

// TestReachStoppedEarly bounds the fixpoint: the result says it did not
// converge.
func TestReachStoppedEarly(t *testing.T) {
	m := load(t, office)
	r, err := Reach(m, "bob", Options{MaxSteps: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Converged {
		t.Error("converged after one step")
	}
}

// fuzzed returns small random models.
func fuzzed(t *testing.T, n int) []*model.Model {
	var out []*model.Model
	for seed := range uint64(n) {
		m, err := fuzz.Generate(fuzz.Options{Locations: 2 + int(seed%9), Density: 1 + float64(seed%3)/2,
			Credentials: int(seed % 4), Documents: int(seed % 3), Roles: int(seed % 3), Actors: 1 + int(seed%3), Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// TestFixedReachAgreesWithPathListing checks, on fuzzed models, that with
// fixed holdings an actor reaches exactly the locations to which the path
// lister finds a simple path it may cross.
func TestFixedReachAgreesWithPathListing(t *testing.T) {
	for i, m := range fuzzed(t, 400) {
		for _, a := range m.Actors() {
			r, err := Reach(m, a.Name, Options{Fixed: true})
			if err != nil {
				t.Fatal(err)
			}
			creds, roles := m.Holdings(a.Holds), m.RoleSet(a.Roles)
			rule := func(_ model.Arc, c *model.Component) bool { return c.Annotation.Risk < 100 && c.Allows(creds, roles) }
			start, _ := m.LocationID(a.At)
			var want []string
			for v, name := range m.Locations() {
				if paths.List(m, start, v, rule, paths.Limits{MaxPaths: 1}, func([]int) bool { return true }) > 0 {
					want = append(want, name)
				}
			}
			if !slices.Equal(r.Locations, want) {
				t.Fatalf("model %d, actor %s: Reach = %v, paths say %v\n%s", i, a.Name, r.Locations, want, lang.Format(m))
			}
		}
	}
}

// TestReachAgreesWithStateSearch checks, on fuzzed models, that collecting
// reach agrees with a brute-force search over every (location, holdings)
// state an actor can be in.
func TestReachAgreesWithStateSearch(t *testing.T) {
	for i, m := range fuzzed(t, 400) {
		for _, a := range m.Actors() {
			r, err := Reach(m, a.Name, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Exact {
				t.Fatalf("model %d, actor %s: widened on a small model", i, a.Name)
			}
			locs, obtains, reads := searchStates(m, a)
			if !slices.Equal(r.Locations, locs) || !slices.Equal(r.Obtains, obtains) || !slices.Equal(r.Reads, reads) {
				t.Fatalf("model %d, actor %s:\nReach: %v %v %v\nsearch: %v %v %v\n%s", i, a.Name,
					r.Locations, r.Obtains, r.Reads, locs, obtains, reads, lang.Format(m))
			}
		}
	}
}

// searchStates explores, breadth-first, every state (location, holdings) of
// actor a acting alone: moves it may make and single possessibles it may
// take. It returns the locations, the possessibles held and the documents
// readable in some state, as sorted names.
func searchStates(m *model.Model, a model.Actor) (locs, obtains, reads []string) {
	roles := m.RoleSet(a.Roles)
	can := func(p model.AccessPolicy, held model.Set) bool {
		return slices.ContainsFunc(p, func(c model.Component) bool { return c.Annotation.Risk < 100 && c.Allows(held, roles) })
	}
	type state struct {
		v    int
		held model.Set
	}
	key := func(s state) string { return fmt.Sprint(s.v, s.held.Members()) }
	start, _ := m.LocationID(a.At)
	queue := []state{{start, m.Holdings(a.Holds)}}
	seen := map[string]bool{key(queue[0]): true}
	l, o, rd := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		l[m.Locations()[s.v]] = true
		var next []state
		for _, id := range s.held.Members() {
			o[m.Possessibles()[id].Name] = true
		}
		for id, p := range m.Possessibles() {
			here := p.At == m.Locations()[s.v] && !s.held.Has(id)
			if p.Kind == model.KindDocument && (here || s.held.Has(id)) && can(p.Policies[model.Read], s.held) {
				rd[p.Name] = true
			}
			if here && can(p.Policies[model.Take], s.held) {
				h := s.held.Clone()
				h.Add(id)
				next = append(next, state{s.v, h})
			}
		}
		for _, arc := range m.Out(s.v) {
			if can(arc.Conn.Policies[model.Move], s.held) {
				next = append(next, state{arc.To, s.held})
			}
		}
		for _, n := range next {
			if k := key(n); !seen[k] {
				seen[k] = true
				queue = append(queue, n)
			}
		}
	}
	return sortedKeys(l), sortedKeys(o), sortedKeys(rd)
}

// TestWidening bounds the holdings told apart at a location to one set: the
// analysis says it is not exact and overstates, never understates.
func TestWidening(t *testing.T) {
	// Two corridors each give one key; the vault needs both, which no
	// single walk collects, since the corridors are one-way.
	m := load(t, `
possessibles { credential red at a; credential blue at b; }
actors { eve { at start; } }
connections {
  start -> a { *: m } start -> b { *: m }
  a -> hall { *: m } b -> hall { *: m }
  hall -> vault { red, blue: m }
}`)
	exact, err := Reach(m, "eve", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !exact.Exact || slices.Contains(exact.Locations, "vault") {
		t.Errorf("exact analysis: exact %v, locations %v", exact.Exact, exact.Locations)
	}
	wide, _ := Reach(m, "eve", Options{MaxSets: 1})
	if wide.Exact || !slices.Contains(wide.Locations, "vault") {
		t.Errorf("widened analysis: exact %v, locations %v", wide.Exact, wide.Locations)
	}
}

// TestReadsCarriedDocuments: a document taken in one room can be read only
// in another, where the reading lamp is.
func TestReadsCarriedDocuments(t *testing.T) {
	m := load(t, `
possessibles { credential lamp at study; document letter at hall; }
actors { eve { at hall; } bob { at study; } }
connections { hall -> study { *: m } }
policies { letter { *: t lamp: r } }`)
	for actor, want := range map[string][]string{"eve": {"letter"}, "bob": nil} {
		r, err := Reach(m, actor, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Reads, want) {
			t.Errorf("%s reads %v, want %v", actor, r.Reads, want)
		}
	}
}

func TestReportNamesEveryGoal(t *testing.T) {
	m := load(t, office)
	rep := Analyze(m, Options{})
	var names []string
	for _, g := range rep.Goals {
		names = append(names, g.Goal)
	}
	if got := strings.Join(names, ","); got != "archive,memo,plans,vault" {
		t.Errorf("goals = %s", got)
	}
}

func TestAnalyzeProgress(t *testing.T) {
	m := load(t, office)
	var done []int
	Analyze(m, Options{Progress: func(n, total int) {
		if total != len(m.Actors())+len(m.Possessibles()) {
			t.Fatalf("total %d", total)
		}
		done = append(done, n)
	}})
	if len(done) != len(m.Actors())+len(m.Possessibles()) || !slices.IsSorted(done) || done[0] != 1 {
		t.Errorf("progress %v", done)
	}
}

// sameReach reports whether a and b agree on what the tests check, an
// empty list equal to none.
func sameReach(a, b Reachability) bool {
	return a.Actor == b.Actor && slices.Equal(a.Locations, b.Locations) && slices.Equal(a.Obtains, b.Obtains) &&
		slices.Equal(a.Reads, b.Reads) && slices.Equal(a.Goals, b.Goals) && a.Converged == b.Converged
}

// TestAnalyzeReachableModel analyses a model of 10,000 locations where
// every actor reaches every location and documents can be dropped
// anywhere: a possessible that can lie at every location seeds every
// actor's carrying fixpoint from each of them, which costs one reach per
// actor, not one per location.
func TestAnalyzeReachableModel(t *testing.T) {
	const n = 10_000
	m, err := fuzz.Generate(fuzz.Options{Locations: n, Density: 2, Credentials: 3, Documents: 2, Roles: 2, Actors: 3, Seed: 1, Reachable: true})
	if err != nil {
		t.Fatal(err)
	}
	rep := Analyze(m, Options{})
	for _, r := range rep.Actors {
		if len(r.Locations) != n {
			t.Errorf("%s reaches %d of %d locations", r.Actor, len(r.Locations), n)
		}
	}
	everywhere := 0
	for _, s := range rep.Possessibles {
		if len(s.Locations) == n {
			everywhere++
		}
	}
	if everywhere == 0 {
		t.Error("no possessible can lie everywhere: the model does not exercise the spread")
	}
}

// TestAnalyzeContextStops gives up an analysis of a fuzzed model of
// 100,000 locations, which takes seconds, once its context is done:
// cancelled before it starts, or past a short deadline.
func TestAnalyzeContextStops(t *testing.T) {
	m, err := fuzz.Generate(fuzz.Options{Locations: 100_000, Density: 2, Credentials: 3, Documents: 2, Roles: 2, Actors: 3, Seed: 1, Reachable: true})
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	short, stop := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer stop()
	for _, c := range []struct {
		ctx  context.Context
		want error
	}{{cancelled, context.Canceled}, {short, context.DeadlineExceeded}} {
		rep, err := AnalyzeContext(c.ctx, m, Options{})
		if !errors.Is(err, c.want) || rep != nil || !strings.Contains(err.Error(), "reach of actor") {
			t.Errorf("AnalyzeContext: %v, %v; want an error naming the reach cut short, wrapping %v", rep, err, c.want)
		}
	}
}
