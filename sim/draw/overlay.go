package draw

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/plan"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// State is a moment of a run as the drawing shows it: where each actor is,
// what it holds, and where each possessible lies.
type State struct {
	Tick  int64   // the tick shown, or -1 for the start
	At    []int   // the location of each actor (by actor id)
	Holds [][]int // the possessibles each actor holds, sorted
	Lying [][]int // the possessibles lying at each location, sorted
}

// Start returns the state of m before its first tick.
func Start(m *model.Model) *State {
	s := &State{Tick: -1, At: make([]int, len(m.Actors())), Holds: make([][]int, len(m.Actors())),
		Lying: make([][]int, m.Len())}
	for i, a := range m.Actors() {
		s.At[i], _ = m.LocationID(a.At)
	}
	for p := range m.Possessibles() {
		if h := m.Holder(p); h >= 0 {
			s.Holds[h] = append(s.Holds[h], p)
		}
	}
	for v := range m.Len() {
		s.Lying[v] = slices.Clone(m.LyingAt(v))
	}
	return s
}

// At returns the state of m after the steps of tick tick and the ticks
// before it, from the steps of a trace of a run of m as simulate.ReadTrace
// reads them. It plays those steps over m with simulate.Replay, so a step
// the run could not have played is refused with Replay's error, which
// names the step; the steps after tick are not played.
func At(ctx context.Context, m *model.Model, steps []simulate.Step, tick int64) (*State, error) {
	n := 0
	for n < len(steps) && steps[n].Tick <= tick {
		n++
	}
	steps = steps[:n]
	res, err := simulate.Replay(ctx, m, steps, nil)
	if err != nil {
		return nil, err
	}
	s := &State{Tick: tick, At: make([]int, len(m.Actors())), Holds: make([][]int, len(m.Actors())), Lying: make([][]int, m.Len())}
	// Where each possessible lies: where it lay at the start, or where it
	// was last dropped; none for one held now.
	lies := make([]int, len(m.Possessibles()))
	for p := range lies {
		lies[p] = -1
	}
	for v := range m.Len() {
		for _, p := range m.LyingAt(v) {
			lies[p] = v
		}
	}
	for _, st := range steps {
		if st.Outcome == simulate.OK && st.Action == simulate.KindDrop {
			p, _ := m.PossessibleID(st.Possessible)
			lies[p], _ = m.LocationID(st.Source)
		}
	}
	for _, ar := range res.Actors {
		a, _ := m.ActorID(ar.Name)
		s.At[a], _ = m.LocationID(ar.Location)
		for _, name := range ar.Holds {
			p, _ := m.PossessibleID(name)
			s.Holds[a] = append(s.Holds[a], p)
			lies[p] = -1
		}
		slices.Sort(s.Holds[a])
	}
	for p, v := range lies {
		if v >= 0 {
			s.Lying[v] = append(s.Lying[v], p)
		}
	}
	return s, nil
}

// Plan is a plan to highlight: the locations it goes through, in order,
// and, for a witness, its steps and what it is.
type Plan struct {
	Path    []int       // location ids, the start first
	Steps   []plan.Step // nil for a plan given as location names
	Caption string      // what the plan is, for a witness: criterion, actor, goals
}

// ReadPlan reads a plan to highlight, in one of three shapes:
//
//   - a JSON array of location names, in the order the plan visits them
//     (["street", "lobby", "office"]); a name repeated in a row is one visit;
//   - a witness, as sim/plan writes it (plan.Plan: "from" and "steps");
//   - the plans of `gatehouse sim paths --actor X --goal G --output json`, an
//     object of witnesses by criterion, of which the shortest is drawn.
//
// Each location must exist in m and each one after the first must be
// reachable from the one before by a connection.
func ReadPlan(m *model.Model, r io.Reader) (*Plan, error) {
	var raw json.RawMessage
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return nil, fmt.Errorf("plan: %v", err)
	}
	var names []string
	out := &Plan{}
	if err := json.Unmarshal(raw, &names); err != nil {
		var w plan.Plan
		if json.Unmarshal(raw, &w) != nil || w.From == "" {
			var byCriterion map[string]*plan.Plan
			if json.Unmarshal(raw, &byCriterion) != nil || byCriterion["shortest"] == nil || byCriterion["shortest"].From == "" {
				return nil, fmt.Errorf("plan: want a JSON array of location names, a witness or the plans of sim paths --goal")
			}
			w = *byCriterion["shortest"]
		}
		names, out.Steps = w.Locations(), w.Steps
		out.Caption = fmt.Sprintf("%s plan of %s for %s: %d steps, time %d, chance %s%%, %d logged",
			w.Criterion, w.Actor, strings.Join(w.Goals, ", "), len(w.Steps), w.Time, strconv.FormatFloat(math.Round(w.Chance*1e4)/100, 'f', -1, 64), w.Logged)
	}
	for i, name := range names {
		v, ok := m.LocationID(name)
		if !ok {
			return nil, fmt.Errorf("plan step %d: unknown location %q", i+1, name)
		}
		if len(out.Path) > 0 {
			last := out.Path[len(out.Path)-1]
			if last == v {
				continue
			}
			if !slices.ContainsFunc(m.Out(last), func(a model.Arc) bool { return a.To == v }) {
				return nil, fmt.Errorf("plan step %d: no connection from %q to %q", i+1, names[i-1], name)
			}
		}
		out.Path = append(out.Path, v)
	}
	return out, nil
}
