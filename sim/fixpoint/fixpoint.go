// Package fixpoint solves forward data-flow analyses over a directed graph:
// each node holds a fact from a lattice, facts flow along arcs through a
// transfer function and join where they meet, and a worklist repeats until
// no fact grows. It keeps the facts by node and tracks which nodes were
// reached and which facts are final, so that an analysis needs to define
// only its lattice and its transfer.
package fixpoint

import "github.com/gatehouse/gatehouse/sim/model"

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
	n := g.Len()
	r := &Result[F]{facts: make([]F, n), reached: make([]bool, n)}
	queued := make([]bool, n)
	var queue []int // the worklist is queue[head:]
	head := 0
	add := func(v int, f F) {
		if !r.reached[v] {
			r.facts[v], r.reached[v] = f, true
		} else if joined, grew := p.Join(r.facts[v], f); grew {
			r.facts[v] = joined
		} else {
			r.facts[v] = joined
			return
		}
		if !queued[v] {
			queued[v] = true
			if head > 0 && head == len(queue) {
				queue, head = queue[:0], 0
			}
			queue = append(queue, v)
		}
	}
	for _, e := range p.Entry() {
		add(e.Node, e.Value)
	}
	for head < len(queue) {
		if o.MaxSteps > 0 && r.steps == o.MaxSteps {
			r.unsettled = downstream(g, queue[head:])
			return r
		}
		v := queue[head]
		head++
		queued[v] = false
		r.steps++
		for _, a := range g.Out(v) {
			if f, ok := p.Transfer(a, r.facts[v]); ok {
				add(a.To, f)
			}
		}
	}
	r.done = true
	return r
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
func (r *Result[F]) Converged(v int) bool { return r.done || !r.unsettled[v] }

// Done reports whether Solve reached the fixpoint.
func (r *Result[F]) Done() bool { return r.done }

// Steps returns the number of nodes Solve took from its worklist.
func (r *Result[F]) Steps() int { return r.steps }
