// Package fixpoint solves forward data-flow analyses over a directed graph:
// each node holds a fact from a lattice, facts flow along arcs through a
// transfer function and join where they meet, and a worklist repeats until
// no fact grows. It keeps the facts by node and tracks which nodes were
// reached and which facts are final, so that an analysis needs to define
// only its lattice and its transfer.
package fixpoint

import (
	"context"

	"github.com/gatehouse/gatehouse/sim/model"
)

// Graph is a directed graph with nodes 0 to Len()-1 and the arcs leaving
// each node; *model.Model is one.
type Graph interface {
	Len() int
	Out(v int) []model.Arc
}

// Fact is a fact at a node.
type Fact[F any] struct {
	Node  int
	Value F
}

// Flow is a forward data-flow analysis with facts of type F. Join must
// be monotone and the lattice of finite height, or Solve may not finish
// (Options.MaxSteps bounds it).
type Flow[F any] interface {
	// Entry returns the facts the analysis starts from.
	Entry() []Fact[F]
	// Transfer returns the fact that reaches a.To along arc a from a node
	// whose fact is f, or false when none does.
	Transfer(a model.Arc, f F) (F, bool)
	// Join returns the join of old, the fact at a node, and in, and whether
	// it is greater than old. Facts may be shared between nodes: Join must
	// not modify old or in.
	Join(old, in F) (F, bool)
}

// Options bound Solve.
type Options struct {
	// MaxSteps is the most nodes Solve takes from its worklist; 0 means no
	// bound. A Result that stopped at the bound is not Done.
	MaxSteps int
}

// Result holds the facts Solve found.
type Result[F any] struct {
	facts     []F
	reached   []bool
	unsettled []bool // nodes whose facts may still grow, when Solve stopped early
	done      bool
	steps     int
}

// Solve runs the analysis p on g to its least fixpoint, first in first out from
// the entry facts, so that the same analysis takes the same steps.
func Solve[F any](g Graph, p Flow[F], o Options) *Result[F] {
	r, _ := SolveContext(context.Background(), g, p, o)
	return r
}

// SolveContext is Solve that stops once ctx is done, as RunContext does.
func SolveContext[F any](ctx context.Context, g Graph, p Flow[F], o Options) (*Result[F], error) {
	s := NewSolver(g, p, o)
	for _, e := range p.Entry() {
		s.Add(e.Node, e.Value)
	}
	return s.RunContext(ctx, nil)
}

// checkEvery is how many steps a Run takes between looks at its context.
const checkEvery = 1024

// Solver solves an analysis incrementally: facts added after a Run are
// joined into the facts found so far, and the next Run carries on from
// them instead of starting again. A Solver ignores its Flow's Entry.
//
// # Notes
//
// Each Run costs the steps it takes, not the size of the graph, so a
// sequence of Adds and Runs costs no more than one Solve from all the
// facts added: with a lattice of height h, at most h steps per node and
// h visits per arc.
type Solver[F any] struct {
	g      Graph
	p      Flow[F]
	o      Options
	r      *Result[F]
	queued []bool
	queue  []int // the worklist is queue[head:]
	head   int
}

// NewSolver returns a Solver of p on g with no facts.
func NewSolver[F any](g Graph, p Flow[F], o Options) *Solver[F] {
	n := g.Len()
	return &Solver[F]{g: g, p: p, o: o, r: &Result[F]{facts: make([]F, n), reached: make([]bool, n)}, queued: make([]bool, n)}
}

// Add joins f into the fact at node v, to flow on at the next Run.
func (s *Solver[F]) Add(v int, f F) {
	r := s.r
	if !r.reached[v] {
		r.facts[v], r.reached[v] = f, true
	} else if joined, grew := s.p.Join(r.facts[v], f); grew {
		r.facts[v] = joined
	} else {
		r.facts[v] = joined
		return
	}
	r.done = false
	if !s.queued[v] {
		s.queued[v] = true
		if s.head > 0 && s.head == len(s.queue) {
			s.queue, s.head = s.queue[:0], 0
		}
		s.queue = append(s.queue, v)
	}
}

// Run runs the worklist until no fact grows or Options.MaxSteps steps
// have been taken in all, calling visit (when not nil) with each node it
// takes from the worklist and its fact, before the fact flows on. It returns the
// result so far, which later calls of Add and Run update in place.
func (s *Solver[F]) Run(visit func(v int, f F)) *Result[F] {
	r, _ := s.RunContext(context.Background(), visit)
	return r
}

// RunContext is Run that stops once ctx is done, looking at it every
// checkEvery steps, with the result so far (not Done, as at
// Options.MaxSteps) and ctx's error.
func (s *Solver[F]) RunContext(ctx context.Context, visit func(v int, f F)) (*Result[F], error) {
	r := s.r
	for n := 0; s.head < len(s.queue); n++ {
		if s.o.MaxSteps > 0 && r.steps >= s.o.MaxSteps {
			r.unsettled = downstream(s.g, s.queue[s.head:])
			return r, nil
		}
		if n%checkEvery == 0 && ctx.Err() != nil {
			r.unsettled = downstream(s.g, s.queue[s.head:])
			return r, ctx.Err()
		}
		v := s.queue[s.head]
		s.head++
		s.queued[v] = false
		r.steps++
		if visit != nil {
			visit(v, r.facts[v])
		}
		for _, a := range s.g.Out(v) {
			if f, ok := s.p.Transfer(a, r.facts[v]); ok {
				s.Add(a.To, f)
			}
		}
	}
	r.done, r.unsettled = true, nil
	return r, nil
}

// downstream returns the nodes reachable from the nodes of queue over any
// arc: those whose facts may still change.
func downstream(g Graph, queue []int) []bool {
	seen := make([]bool, g.Len())
	stack := append([]int(nil), queue...)
	for _, v := range queue {
		seen[v] = true
	}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, a := range g.Out(v) {
			if !seen[a.To] {
				seen[a.To] = true
				stack = append(stack, a.To)
			}
		}
	}
	return seen
}

// Fact returns the fact at node v, and false when no fact reached v.
func (r *Result[F]) Fact(v int) (F, bool) { return r.facts[v], r.reached[v] }

// Converged reports whether the fact at node v (or its absence) is final:
// always when Solve reached the fixpoint, and otherwise when no node left
// in the worklist leads to v.
func (r *Result[F]) Converged(v int) bool { return r.done || r.unsettled != nil && !r.unsettled[v] }

// Done reports whether Solve reached the fixpoint.
func (r *Result[F]) Done() bool { return r.done }

// Steps returns the number of nodes Solve took from its worklist.
func (r *Result[F]) Steps() int { return r.steps }
