package draw

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sim/plan"
)

// TestReadTraceEndsWhereTheRunEnds replays a whole run: the state after
// its last tick has every actor where the run's result says, holding what
// it says.
func TestReadTraceEndsWhereTheRunEnds(t *testing.T) {
	for _, file := range []string{"office", "datacentre", "social"} {
		m := parseFile(t, "../../examples/"+file+".model")
		trace, res := runTrace(t, m, 200)
		st, err := ReadTrace(m, bytes.NewReader(trace), res.Ticks)
		if err != nil {
			t.Fatal(err)
		}
		for a, ar := range res.Actors {
			var holds []string
			for _, p := range st.Holds[a] {
				holds = append(holds, m.Possessibles()[p].Name)
			}
			if got := m.Locations()[st.At[a]]; got != ar.Location || strings.Join(holds, ",") != strings.Join(ar.Holds, ",") {
				t.Errorf("%s: %s at %s holding %q, the run says at %s holding %q", file, ar.Name, got, holds, ar.Location, ar.Holds)
			}
		}
	}
}

// TestReadTraceAtTick checks a state within a run: the office's take of
// the visitor badge shows from its tick on, where it lay is empty, and the
// steps after the tick are not played.
func TestReadTraceAtTick(t *testing.T) {
	m := parseFile(t, "../../examples/office.model")
	trace := `{"version":1}
{"tick":0,"actor":"mallory","action":"move","source":"street","target":"reception","risk":0,"time":1,"outcome":"ok"}
{"tick":1,"actor":"mallory","action":"take","source":"reception","possessible":"visitor badge","risk":0,"time":2,"outcome":"ok","log":"action,source,possessible"}
{"tick":3,"actor":"mallory","action":"move","source":"reception","target":"open plan","risk":40,"time":3,"outcome":"risk"}
{"tick":6,"actor":"mallory","action":"move","source":"reception","target":"open plan","risk":0,"time":1,"outcome":"ok"}
`
	mallory, _ := m.ActorID("mallory")
	reception, _ := m.LocationID("reception")
	badge, _ := m.PossessibleID("visitor badge")
	for _, c := range []struct {
		tick  int64
		at    string
		holds bool
	}{{0, "reception", false}, {1, "reception", true}, {5, "reception", true}, {6, "open plan", true}} {
		st, err := ReadTrace(m, strings.NewReader(trace), c.tick)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Locations()[st.At[mallory]]; got != c.at {
			t.Errorf("tick %d: mallory at %s, want %s", c.tick, got, c.at)
		}
		held := len(st.Holds[mallory]) == 1 && st.Holds[mallory][0] == badge
		lies := false
		for _, p := range st.Lying[reception] {
			lies = lies || p == badge
		}
		if held != c.holds || lies == c.holds {
			t.Errorf("tick %d: mallory holds the badge %v, it lies at reception %v; want held %v", c.tick, held, lies, c.holds)
		}
	}
}

func TestReadTraceErrors(t *testing.T) {
	m := parseFile(t, "../../examples/office.model")
	for _, c := range []struct{ trace, want string }{
		{`{"tick":0,"actor":"zed","action":"wait","source":"street","outcome":"ok"}`, `trace line 1: unknown actor "zed"`},
		{"\n" + `{"tick":0,"actor":"mallory","action":"move","source":"street","target":"moon","outcome":"ok"}`, `trace line 2: unknown location "moon"`},
		{`{"tick":0,"actor":"mallory","action":"take","source":"street","possessible":"gold","outcome":"ok"}`, `trace line 1: unknown possessible "gold"`},
		{`{"tick":0,`, "trace line 1: unexpected end of JSON input"},
	} {
		if _, err := ReadTrace(m, strings.NewReader(c.trace), 5); err == nil || err.Error() != c.want {
			t.Errorf("ReadTrace(%s) = %v, want %s", c.trace, err, c.want)
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
