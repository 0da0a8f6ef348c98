package fixpoint

import (
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
)

// distance is a test analysis: the fewest arcs from node 0, as a lattice
// ordered by "smaller is greater" (join is min).
type distance struct{}

func (distance) Entry() []Fact[int]                      { return []Fact[int]{{0, 0}} }
func (distance) Transfer(_ model.Arc, d int) (int, bool) { return d + 1, true }
func (distance) Join(old, in int) (int, bool) {
	if in < old {
		return in, true
	}
	return old, false
}

// chain: a -> b -> c -> d, a -> c, and e unreachable.
const chain = `locations { a; b; c; d; e; }
connections { a -> b { *: m } b -> c { *: m } c -> d { *: m } a -> c { *: m } }`

func TestSolve(t *testing.T) {
	m, err := lang.Parse([]byte(chain))
	if err != nil {
		t.Fatal(err)
	}
	r := Solve[int](m, distance{}, Options{})
	if !r.Done() {
		t.Fatal("not done")
	}
	for v, want := range []int{0, 1, 1, 2, -1} {
		d, ok := r.Fact(v)
		if (want < 0) == ok || (ok && d != want) {
			t.Errorf("node %s: fact %d %v, want %d", m.Locations()[v], d, ok, want)
		}
		if !r.Converged(v) {
			t.Errorf("node %s not converged after the fixpoint", m.Locations()[v])
		}
	}
}

func TestSolveStoppedEarly(t *testing.T) {
	m, err := lang.Parse([]byte(chain))
	if err != nil {
		t.Fatal(err)
	}
	r := Solve[int](m, distance{}, Options{MaxSteps: 1})
	if r.Done() || r.Steps() != 1 {
		t.Fatalf("Done %v after %d steps, want a stop after 1", r.Done(), r.Steps())
	}
	// After a's step, b and c are queued; c and d may still change, and
	// so may b; a and the unreachable e are final.
	for v, want := range []bool{true, false, false, false, true} {
		if got := r.Converged(v); got != want {
			t.Errorf("Converged(%s) = %v, want %v", m.Locations()[v], got, want)
		}
	}
	if _, ok := r.Fact(3); ok {
		t.Error("d reached before any step from c")
	}
}

// TestSolverIncremental adds entry facts one at a time, running in
// between, and finds the facts of one Solve from all of them, visiting
// each node whose fact grew.
func TestSolverIncremental(t *testing.T) {
	m, err := lang.Parse([]byte(chain))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSolver[int](m, distance{}, Options{})
	s.Add(2, 0)
	var visited []int
	r := s.Run(func(v, _ int) { visited = append(visited, v) })
	if d, ok := r.Fact(0); ok {
		t.Errorf("a reached at %d before its entry was added", d)
	}
	s.Add(0, 0)
	r = s.Run(func(v, _ int) { visited = append(visited, v) })
	if !r.Done() {
		t.Fatal("not done")
	}
	for v, want := range []int{0, 1, 0, 1, -1} {
		if d, ok := r.Fact(v); (want < 0) == ok || (ok && d != want) {
			t.Errorf("node %s: fact %d %v, want %d", m.Locations()[v], d, ok, want)
		}
	}
	// c, d from the first run; a, b from the second, whose facts at c and d
	// did not grow.
	if want := []int{2, 3, 0, 1}; !slices.Equal(visited, want) {
		t.Errorf("visited %v, want %v", visited, want)
	}
}
