package draw

import (
	"bufio"
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
	Tick   int64   // the tick shown, or -1 for the start
	At     []int   // the location of each actor (by actor id)
	Holds  [][]int // the possessibles each actor holds, sorted
	Lying  [][]int // the possessibles lying at each location, sorted
	holder []int   // the actor holding each possessible, or -1
}

// Start returns the state of m before its first tick.
func Start(m *model.Model) *State {
	s := &State{Tick: -1, At: make([]int, len(m.Actors())), Holds: make([][]int, len(m.Actors())),
		Lying: make([][]int, m.Len()), holder: make([]int, len(m.Possessibles()))}
	for i, a := range m.Actors() {
		s.At[i], _ = m.LocationID(a.At)
	}
	for p := range m.Possessibles() {
		s.holder[p] = m.Holder(p)
		if h := s.holder[p]; h >= 0 {
			s.Holds[h] = append(s.Holds[h], p)
		}
	}
	for v := range m.Len() {
		s.Lying[v] = slices.Clone(m.LyingAt(v))
	}
	return s
}

// ReadTrace returns the state of m after every step of tick tick and the
// ticks before it, from a trace written by `gatehouse sim run --trace` (JSON
// lines of simulate.Step). Lines that name no actor (a header) are skipped.
// Errors name the trace's line: a step that does not parse, or names an
// actor, location or possessible m does not have.
func ReadTrace(m *model.Model, r io.Reader, tick int64) (*State, error) {
	s := Start(m)
	s.Tick = tick
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var st simulate.Step
		if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
			return nil, fmt.Errorf("trace line %d: %v", line, err)
		}
		if st.Actor == "" {
			continue
		}
		if st.Tick > tick {
			break
		}
		if err := s.play(m, &st); err != nil {
			return nil, fmt.Errorf("trace line %d: %v", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the trace: %v", err)
	}
	return s, nil
}

// play applies one step of the trace to s.
func (s *State) play(m *model.Model, st *simulate.Step) error {
	a, ok := m.ActorID(st.Actor)
	if !ok {
		return fmt.Errorf("unknown actor %q", st.Actor)
	}
	src, ok := m.LocationID(st.Source)
	if !ok {
		return fmt.Errorf("unknown location %q", st.Source)
	}
	s.At[a] = src
	if st.Outcome != simulate.OK {
		return nil
	}
	p := -1
	if st.Possessible != "" {
		if p, ok = m.PossessibleID(st.Possessible); !ok {
			return fmt.Errorf("unknown possessible %q", st.Possessible)
		}
	}
	switch st.Action {
	case "move":
		to, ok := m.LocationID(st.Target)
		if !ok {
			return fmt.Errorf("unknown location %q", st.Target)
		}
		s.At[a] = to
	case "take":
		if p < 0 {
			return fmt.Errorf("a take names no possessible")
		}
		s.Lying[src] = slices.DeleteFunc(s.Lying[src], func(q int) bool { return q == p })
		if h := s.holder[p]; h >= 0 {
			s.Holds[h] = slices.DeleteFunc(s.Holds[h], func(q int) bool { return q == p })
		}
		s.holder[p] = a
		s.Holds[a] = insertSorted(s.Holds[a], p)
	case "drop":
		if p < 0 {
			return fmt.Errorf("a drop names no possessible")
		}
		s.Holds[a] = slices.DeleteFunc(s.Holds[a], func(q int) bool { return q == p })
		s.holder[p] = -1
		s.Lying[src] = insertSorted(s.Lying[src], p)
	}
	return nil
}

func insertSorted(list []int, x int) []int {
	i, found := slices.BinarySearch(list, x)
	if found {
		return list
	}
	return slices.Insert(list, i, x)
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
