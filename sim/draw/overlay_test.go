package draw

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/plan"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// stateAt reads trace with simulate.ReadTrace and returns the state of m
// at tick.
func stateAt(t *testing.T, m *model.Model, trace []byte, tick int64) (*State, error) {
	t.Helper()
	_, steps, err := simulate.ReadTrace(bytes.NewReader(trace))
	if err != nil {
		t.Fatal(err)
	}
	return At(context.Background(), m, steps, tick)
}

// TestAtEndsWhereTheRunEnds replays a whole run: the state after its last
// tick has every actor where the run's result says, holding what it says,
// and every possessible nobody holds lying somewhere.
func TestAtEndsWhereTheRunEnds(t *testing.T) {
	for _, file := range []string{"office", "datacentre", "social"} {
		m := parseFile(t, "../../examples/"+file+".model")
		trace, res := runTrace(t, m, 200)
		st, err := stateAt(t, m, trace, res.Ticks)
		if err != nil {
			t.Fatal(err)
		}
		placed := 0
		for a, ar := range res.Actors {
			var holds []string
			for _, p := range st.Holds[a] {
				holds = append(holds, m.Possessibles()[p].Name)
			}
			slices.Sort(holds)
			want := slices.Sorted(slices.Values(ar.Holds))
			if got := m.Locations()[st.At[a]]; got != ar.Location || strings.Join(holds, ",") != strings.Join(want, ",") {
				t.Errorf("%s: %s at %s holding %q, the run says at %s holding %q", file, ar.Name, got, holds, ar.Location, want)
			}
			placed += len(holds)
		}
		for _, ps := range st.Lying {
			placed += len(ps)
		}
		if placed != len(m.Possessibles()) {
			t.Errorf("%s: %d possessibles held or lying, the model has %d", file, placed, len(m.Possessibles()))
		}
	}
}

// TestAtTick checks states within a run: what an actor takes shows from
// the tick it takes it on, where it lay is empty from then, and the steps
// after the tick shown are not played.
func TestAtTick(t *testing.T) {
	m := parseFile(t, "../../examples/social.model")
	trace, _ := runTrace(t, m, 200)
	_, steps, err := simulate.ReadTrace(bytes.NewReader(trace))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(steps, func(s simulate.Step) bool { return s.Action == simulate.KindTake && s.Outcome == simulate.OK })
	if i < 0 || steps[i].Tick == 0 {
		t.Fatal("the social model's run takes nothing after its first tick")
	}
	take := steps[i]
	a, _ := m.ActorID(take.Actor)
	p, _ := m.PossessibleID(take.Possessible)
	v, _ := m.LocationID(take.Source)
	for _, c := range []struct {
		tick int64
		held bool
	}{{take.Tick - 1, false}, {take.Tick, true}} {
		st, err := stateAt(t, m, trace, c.tick)
		if err != nil {
			t.Fatal(err)
		}
		held, lies := slices.Contains(st.Holds[a], p), slices.Contains(st.Lying[v], p)
		if held != c.held || lies == c.held {
			t.Errorf("tick %d: %s holds %s %v, it lies at %s %v; want held %v", c.tick, take.Actor, take.Possessible, held, take.Source, lies, c.held)
		}
	}
}

// TestHostileDrawLyingTrace draws from traces the model's run could not
// have written: each is refused, naming the step, even when the lie is in
// the last tick shown.
func TestHostileDrawLyingTrace(t *testing.T) {
	m := parseFile(t, "../../examples/office.model")
	for _, c := range []struct{ trace, want string }{
		{`{"tick":0,"actor":"zed","action":"wait","source":"street","outcome":"ok"}`, `step 1: no actor "zed" in the model`},
		{`{"tick":0,"actor":"mallory","action":"move","source":"street","target":"manager office","risk":0,"time":1,"outcome":"ok"}`,
			`step 1: actor "mallory" cannot move "manager office" at "street"`},
		{`{"tick":0,"actor":"mallory","action":"take","source":"reception","possessible":"office key","risk":0,"time":1,"outcome":"ok"}`,
			`step 1: actor "mallory" acts at "reception" but is at "street"`},
	} {
		if _, err := stateAt(t, m, []byte(c.trace), 5); err == nil || err.Error() != c.want {
			t.Errorf("At(%s) = %v, want %s", c.trace, err, c.want)
		}
	}
}

func TestReadPlan(t *testing.T) {
	m := parseFile(t, "../../examples/office.model")
	path := func(p *Plan) string {
		var names []string
		for _, v := range p.Path {
			names = append(names, m.Locations()[v])
		}
		return strings.Join(names, ",")
	}
	p, err := ReadPlan(m, strings.NewReader(`["street", "reception", "reception", "open plan"]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := path(p); got != "street,reception,open plan" || p.Steps != nil {
		t.Errorf("plan = %s, steps %v", got, p.Steps)
	}

	// A witness, alone and among the plans of sim paths --goal.
	prob, err := plan.ForActor(m, "mallory")
	if err != nil {
		t.Fatal(err)
	}
	prob.Goals = []string{"payroll"}
	w, err := plan.Find(m, prob, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	one, _ := json.Marshal(w)
	all, _ := json.Marshal(map[string]*plan.Plan{"fastest": {}, "shortest": w})
	for _, src := range [][]byte{one, all} {
		p, err := ReadPlan(m, bytes.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := path(p), strings.Join(w.Locations(), ","); got != want || len(p.Steps) != len(w.Steps) {
			t.Errorf("ReadPlan(%s) = %s with %d steps, want %s with %d", src, got, len(p.Steps), want, len(w.Steps))
		}
		if !strings.HasPrefix(p.Caption, "shortest plan of mallory for payroll: ") {
			t.Errorf("caption %q", p.Caption)
		}
	}

	for _, c := range []struct{ plan, want string }{
		{`["street", "moon"]`, `plan step 2: unknown location "moon"`},
		{`["street", "kitchen"]`, `plan step 2: no connection from "street" to "kitchen"`},
		{`{"steps": []}`, "plan: want a JSON array of location names, a witness or the plans of sim paths --goal"},
		{`{"fastest": {"from": "street"}}`, "plan: want a JSON array of location names, a witness or the plans of sim paths --goal"},
		{`["street"`, "plan: unexpected EOF"},
	} {
		if _, err := ReadPlan(m, strings.NewReader(c.plan)); err == nil || err.Error() != c.want {
			t.Errorf("ReadPlan(%s) = %v, want %s", c.plan, err, c.want)
		}
	}
}

// TestAtDrop checks a drop: what an actor drops lies where it stood, not
// where it lay before it was taken, and is no longer in its hands.
func TestAtDrop(t *testing.T) {
	m := parseFile(t, "../../examples/social.model")
	trace, _ := runTrace(t, m, 200)
	_, steps, err := simulate.ReadTrace(bytes.NewReader(trace))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(steps, func(s simulate.Step) bool { return s.Action == simulate.KindTake && s.Outcome == simulate.OK })
	if i < 0 {
		t.Fatal("the social model's run takes nothing")
	}
	take := steps[i]
	j := slices.IndexFunc(steps[i+1:], func(s simulate.Step) bool {
		return s.Actor == take.Actor && s.Action == simulate.KindMove && s.Outcome == simulate.OK
	})
	if j < 0 {
		t.Fatalf("%s does not move after taking %s", take.Actor, take.Possessible)
	}
	move := steps[i+1+j]
	drop := simulate.Step{Tick: move.Tick + 100, Actor: take.Actor, Action: simulate.KindDrop, Source: move.Target,
		Possessible: take.Possessible, Time: 1, Outcome: simulate.OK}
	steps = append(steps[:i+1:i+1], move, drop)
	st, err := At(context.Background(), m, steps, drop.Tick)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.ActorID(take.Actor)
	p, _ := m.PossessibleID(take.Possessible)
	v, _ := m.LocationID(move.Target)
	if slices.Contains(st.Holds[a], p) || !slices.Contains(st.Lying[v], p) {
		t.Errorf("after the drop %s holds %v, %s lies at %s: %v", take.Actor, st.Holds[a], take.Possessible, move.Target, st.Lying[v])
	}
}

// TestSVGMarkers draws the actors as markers: one group of class actor per
// actor, two at one location side by side on its box's top edge, and no
// actor's name as a line of a box.
func TestSVGMarkers(t *testing.T) {
	m, err := lang.Parse([]byte(`
locations { street; lobby; }
possessibles { credential "key <A>" at lobby; }
actors { alice { at street; } bob { at street; } carol { at lobby; } }
connections { street <-> lobby { *: m } }`))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := SVG(&b, m, Options{Markers: true}); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	wellFormed(t, b.Bytes())
	re := regexp.MustCompile(`<g class="actor" data-actor="(\w+)" transform="translate\(([-\d.]+),([-\d.]+)\)">`)
	found := re.FindAllStringSubmatch(svg, -1)
	if len(found) != 3 {
		t.Fatalf("%d actor markers, want 3:\n%s", len(found), svg)
	}
	dx0, _ := MarkerOffset(0)
	dx1, _ := MarkerOffset(1)
	if found[0][1] != "alice" || found[1][1] != "bob" || found[0][3] != found[1][3] {
		t.Errorf("alice and bob are not side by side: %q", found[:2])
	}
	if x0, x1 := parseF(t, found[0][2]), parseF(t, found[1][2]); math.Abs((x0-x1)-(dx0-dx1)) > 0.2 {
		t.Errorf("alice at x %v and bob at x %v are not %v apart", x0, x1, dx0-dx1)
	}
	if !strings.Contains(svg, `<g class="possessible" data-possessible="key &lt;A&gt;">`) {
		t.Errorf("the key's line is not a group of class possessible:\n%s", svg)
	}
	for _, box := range regexp.MustCompile(`(?s)<g class="location".*?</g>`).FindAllString(svg, -1) {
		if strings.Contains(box, ">alice<") {
			t.Errorf("alice is both a marker and a line of a box:\n%s", box)
		}
	}
}

func parseF(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
