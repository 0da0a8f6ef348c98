package paths

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
)

// building: the hall leads to the vault through a locked office (quick, or
// slow and risky for tailgaters) or through a long unlogged corridor.
const building = `
locations { hall; office; corridor; annex; vault; }
roles { guard; }
possessibles { credential key; }
connections {
  hall -> office { key: mlog (0%, 1) *: m (40%, 6) }
  office -> vault { *: m (0%, 1) }
  hall -> corridor { *: m (0%, 2) guard: mlog (0%, 1) }
  corridor -> annex { *: m (5%, 2) }
  annex -> vault { *: m (5%, 2) }
  vault -> hall { *: m }
}`

func load(t testing.TB, src string) *model.Model {
	t.Helper()
	m, err := lang.Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// names returns the location names of a path of ids.
func names(m *model.Model, path []int) []string {
	out := make([]string, len(path))
	for i, v := range path {
		out[i] = m.Locations()[v]
	}
	return out
}

func ids(t *testing.T, m *model.Model, locs ...string) []int {
	t.Helper()
	out := make([]int, len(locs))
	for i, l := range locs {
		id, ok := m.LocationID(l)
		if !ok {
			t.Fatalf("no location %q", l)
		}
		out[i] = id
	}
	return out
}

func TestFind(t *testing.T) {
	m := load(t, building)
	v := ids(t, m, "hall", "vault")
	key := m.Holdings([]string{"key"})
	cases := []struct {
		name string
		rule Rule
		want []string
	}{
		{"anyone", All, []string{"hall", "office", "vault"}},
		{"with the key", Holding(key, nil), []string{"hall", "office", "vault"}},
		{"without credentials", Holding(nil, nil), []string{"hall", "office", "vault"}},
		{"without a log entry", Unlogged(Holding(key, nil)), []string{"hall", "office", "vault"}},
		{"nothing at all", func(model.Arc, *model.Component) bool { return false }, nil},
		{"avoiding the office", func(a model.Arc, _ *model.Component) bool { return a.Conn.To != "office" }, []string{"hall", "corridor", "annex", "vault"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, ok := Find(m, v[0], v[1], tc.rule)
			if ok != (tc.want != nil) || (ok && !reflect.DeepEqual(names(m, path), tc.want)) {
				t.Errorf("Find = %v, %v; want %v", names(m, path), ok, tc.want)
			}
		})
	}
	if path, ok := Find(m, v[0], v[0], All); !ok || !reflect.DeepEqual(path, v[:1]) {
		t.Errorf("Find(hall, hall) = %v, %v", path, ok)
	}
}

func TestDistances(t *testing.T) {
	m := load(t, building)
	// barred adds a connection from the hall straight to the vault that no
	// one may cross, and a location with no connections.
	barred := load(t, building[:len(building)-1]+"  hall -> vault { }\n}\nlocations { roof; }")
	byName := func(m *model.Model, dist []int32) map[string]int {
		out := map[string]int{}
		for v, d := range dist {
			out[m.Locations()[v]] = int(d)
		}
		return out
	}
	cases := []struct {
		name string
		m    *model.Model
		to   []string
		rule Rule
		want map[string]int
	}{
		{"to the vault", m, []string{"vault"}, All, map[string]int{"vault": 0, "office": 1, "annex": 1, "hall": 2, "corridor": 2}},
		{"avoiding the office", m, []string{"vault"}, func(a model.Arc, _ *model.Component) bool { return a.Conn.To != "office" },
			map[string]int{"vault": 0, "office": 1, "annex": 1, "corridor": 2, "hall": 3}},
		{"to the nearest of two", m, []string{"office", "annex", "office"}, All, map[string]int{"office": 0, "annex": 0, "hall": 1, "corridor": 1, "vault": 2}},
		{"to nothing", m, nil, All, map[string]int{"vault": -1, "office": -1, "annex": -1, "hall": -1, "corridor": -1}},
		{"past a barred connection", barred, []string{"vault"}, All, map[string]int{"vault": 0, "office": 1, "annex": 1, "hall": 2, "corridor": 2, "roof": -1}},
		{"through a barred connection", barred, []string{"vault"}, nil, map[string]int{"vault": 0, "office": 1, "annex": 1, "hall": 1, "corridor": 2, "roof": -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var to []int
			for _, n := range tc.to {
				to = append(to, ids(t, tc.m, n)...)
			}
			if got := byName(tc.m, Distances(tc.m, to, tc.rule)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Distances = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestList(t *testing.T) {
	m := load(t, building)
	v := ids(t, m, "hall", "vault")
	var got [][]string
	n := List(m, v[0], v[1], All, Limits{}, func(p []int) bool {
		got = append(got, names(m, p))
		return true
	})
	want := [][]string{{"hall", "office", "vault"}, {"hall", "corridor", "annex", "vault"}}
	slices.SortFunc(got, func(a, b []string) int { return len(a) - len(b) })
	if n != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("List = %d %v, want %v", n, got, want)
	}
	if n := List(m, v[0], v[1], All, Limits{MaxDepth: 2}, func([]int) bool { return true }); n != 1 {
		t.Errorf("List with depth 2 found %d paths, want 1", n)
	}
	if n := List(m, v[0], v[1], All, Limits{MaxPaths: 1}, func([]int) bool { return true }); n != 1 {
		t.Errorf("List with at most 1 path found %d", n)
	}
	calls := 0
	List(m, v[0], v[1], All, Limits{}, func([]int) bool { calls++; return false })
	if calls != 1 {
		t.Errorf("List went on after yield returned false: %d calls", calls)
	}
}

func TestFastestAndLikeliest(t *testing.T) {
	m := load(t, building)
	v := ids(t, m, "hall", "vault")
	key := m.Holdings([]string{"key"})
	guard := m.RoleSet([]string{"guard"})
	cases := []struct {
		name      string
		rule      Rule
		fastest   []string
		time      int64
		likeliest []string
		chance    float64
	}{
		{"with the key", Holding(key, nil), []string{"hall", "office", "vault"}, 2, []string{"hall", "office", "vault"}, 1},
		{"without", Holding(nil, nil), []string{"hall", "corridor", "annex", "vault"}, 6, []string{"hall", "corridor", "annex", "vault"}, 0.95 * 0.95},
		{"a guard", Holding(nil, guard), []string{"hall", "corridor", "annex", "vault"}, 5, []string{"hall", "corridor", "annex", "vault"}, 0.95 * 0.95},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, time, ok := Fastest(m, v[0], v[1], tc.rule)
			if !ok || time != tc.time || !reflect.DeepEqual(names(m, path), tc.fastest) {
				t.Errorf("Fastest = %v %d %v, want %v %d", names(m, path), time, ok, tc.fastest, tc.time)
			}
			path, chance, ok := Likeliest(m, v[0], v[1], tc.rule)
			if !ok || math.Abs(chance-tc.chance) > 1e-12 || !reflect.DeepEqual(names(m, path), tc.likeliest) {
				t.Errorf("Likeliest = %v %v %v, want %v %v", names(m, path), chance, ok, tc.likeliest, tc.chance)
			}
		})
	}
	sure := load(t, `connections { a -> b { *: m (100%, 1) } }`)
	if _, _, ok := Likeliest(sure, 0, 1, All); ok {
		t.Error("Likeliest crossed an arc that always fails")
	}
}

// countingGraph counts the calls of Out.
type countingGraph struct {
	*model.Model
	outs int
}

func (g *countingGraph) Out(v int) []model.Arc { g.outs++; return g.Model.Out(v) }

// TestHostileListDeadEnds lists the paths from start to goal past a trap
// of 2^24 simple paths that never lead to the goal and come first in Out
// order: List must not walk them.
func TestHostileListDeadEnds(t *testing.T) {
	var b strings.Builder
	b.WriteString("connections {\n  start -> goal { *: m }\n")
	const layers = 24
	for l := range layers {
		for _, i := range []int{0, 1} {
			if l == 0 {
				fmt.Fprintf(&b, "  start -> a%02d_%d { *: m }\n", l, i)
				continue
			}
			for _, j := range []int{0, 1} {
				fmt.Fprintf(&b, "  a%02d_%d -> a%02d_%d { *: m }\n", l-1, j, l, i)
			}
		}
	}
	b.WriteString("}\n")
	m := load(t, b.String())
	v := ids(t, m, "start", "goal")
	g := &countingGraph{Model: m}
	if n := List(g, v[0], v[1], All, Limits{}, func([]int) bool { return true }); n != 1 {
		t.Fatalf("List found %d paths, want 1", n)
	}
	if g.outs > 10 {
		t.Errorf("List looked at the arcs of %d nodes to find one path of one arc", g.outs)
	}
}
