// Package paths finds paths through a model's connection graph: a shortest
// path (Find, breadth-first), the distance of every node to the nearest of
// some (Distances), every simple path (List, depth-first, streamed), the
// fastest path by time and the likeliest path by risk. Which connections
// count is left to a Rule, so the same algorithms answer "how can this
// actor get there", "how can anyone" and "how without leaving a log
// entry".
package paths

import (
	"container/heap"
	"math"

	"github.com/gatehouse/gatehouse/sim/model"
)

// Graph is a directed graph with nodes 0 to Len()-1 and the arcs leaving
// and entering each node; *model.Model is one.
type Graph interface {
	Len() int
	Out(v int) []model.Arc
	In(v int) []model.Arc
}

// Rule reports whether component c of the move policy of arc a lets one
// cross a. An arc can be crossed when some component of it passes the rule.
type Rule func(a model.Arc, c *model.Component) bool

// All passes every component: paths through the connections regardless of
// their restrictions.
func All(model.Arc, *model.Component) bool { return true }

// Holding passes the components that an actor holding the credentials creds
// and having the roles roles meets.
func Holding(creds, roles model.Set) Rule {
	return func(_ model.Arc, c *model.Component) bool { return c.Allows(creds, roles) }
}

// Unlogged passes the components that r passes and that leave no log
// entry.
func Unlogged(r Rule) Rule {
	return func(a model.Arc, c *model.Component) bool { return c.Log == 0 && r(a, c) }
}

// crossable reports whether some component of a passes r.
func crossable(a model.Arc, r Rule) bool {
	p := a.Conn.Policies[model.Move]
	for i := range p {
		if r(a, &p[i]) {
			return true
		}
	}
	return false
}

// Find returns a shortest path from one node to another, fewest arcs
// first, as the nodes from from to to; false when there is none. Among
// paths of equal length it returns the one whose nodes come first in Out
// order. A path from a node to itself is that node alone.
func Find(g Graph, from, to int, r Rule) ([]int, bool) {
	if from == to {
		return []int{from}, true
	}
	parent := make([]int32, g.Len())
	for i := range parent {
		parent[i] = -1
	}
	parent[from] = int32(from)
	queue := make([]int32, 1, 64)
	queue[0] = int32(from)
	for head := 0; head < len(queue); head++ {
		v := int(queue[head])
		for _, a := range g.Out(v) {
			if parent[a.To] >= 0 || !crossable(a, r) {
				continue
			}
			parent[a.To] = int32(v)
			if a.To == to {
				return trace(parent, from, to), true
			}
			queue = append(queue, int32(a.To))
		}
	}
	return nil, false
}

// Distances returns, for every node, the fewest arcs on a path from it to
// the nearest of the nodes to, 0 for those, or -1 when it has no path to
// any; it searches breadth-first from to along the arcs entering each
// node. A nil rule lets one cross every arc, even one whose move policy
// has no component: the connection graph as agents are given it. The
// distances are int32s, half the size of ints, as every agent of a run
// keeps its own.
func Distances(g Graph, to []int, r Rule) []int32 {
	dist := make([]int32, g.Len())
	for i := range dist {
		dist[i] = -1
	}
	queue := make([]int32, 0, 64)
	for _, v := range to {
		if dist[v] < 0 {
			dist[v] = 0
			queue = append(queue, int32(v))
		}
	}
	for head := 0; head < len(queue); head++ {
		v := int(queue[head])
		for _, a := range g.In(v) {
			if dist[a.From] >= 0 || r != nil && !crossable(a, r) {
				continue
			}
			dist[a.From] = dist[v] + 1
			queue = append(queue, int32(a.From))
		}
	}
	return dist
}

// trace follows parent links back from to to from.
func trace(parent []int32, from, to int) []int {
	n := 1
	for v := to; v != from; v = int(parent[v]) {
		n++
	}
	path := make([]int, n)
	for v := to; ; v = int(parent[v]) {
		n--
		path[n] = v
		if v == from {
			return path
		}
	}
}

// Limits bound List. A zero field means no bound.
type Limits struct {
	MaxDepth int // the most arcs a path may have
	MaxPaths int // the most paths to list
}

// List calls yield with every simple path (no node twice) from from to to
// that the rule lets one cross, depth-first in Out order, until yield
// returns false or a limit is reached. The slice passed to yield is reused
// afterwards: copy it to keep it. List returns the number of paths it
// yielded.
//
// # Notes
//
// List first finds every node's distance to to (one search backwards,
// linear in the graph) and never walks into a node from which to cannot
// be reached within the depth left, so it spends its time on paths it
// yields rather than on dead ends: the work per path is bounded by the
// depth times the arcs per node, whatever the size of the graph.
func List(g Graph, from, to int, r Rule, lim Limits, yield func(path []int) bool) int {
	dist := Distances(g, []int{to}, r)
	onPath := make([]bool, g.Len())
	path := []int{from}
	next := []int{0} // per node of path, the index of the next arc to try
	onPath[from] = true
	n := 0
	if from == to {
		yield(path)
		return 1
	}
	for len(path) > 0 {
		top := len(path) - 1
		v := path[top]
		out := g.Out(v)
		if next[top] >= len(out) || (lim.MaxDepth > 0 && top >= lim.MaxDepth) {
			onPath[v] = false
			path, next = path[:top], next[:top]
			continue
		}
		a := out[next[top]]
		next[top]++
		if d := int(dist[a.To]); onPath[a.To] || d < 0 || lim.MaxDepth > 0 && top+1+d > lim.MaxDepth || !crossable(a, r) {
			continue
		}
		if a.To == to {
			n++
			if !yield(append(path, to)) || n == lim.MaxPaths {
				return n
			}
			continue
		}
		onPath[a.To] = true
		path, next = append(path, a.To), append(next, 0)
	}
	return n
}

// Fastest returns a path from from to to whose total time, taking on each
// arc the quickest component the rule passes, is least, and that time.
func Fastest(g Graph, from, to int, r Rule) ([]int, int64, bool) {
	path, cost, ok := cheapest(g, from, to, func(a model.Arc) (float64, bool) {
		best, found := int64(math.MaxInt64), false
		p := a.Conn.Policies[model.Move]
		for i := range p {
			if c := &p[i]; c.Annotation.Time < best && r(a, c) {
				best, found = c.Annotation.Time, true
			}
		}
		return float64(best), found
	})
	return path, int64(cost), ok
}

// Likeliest returns a path from from to to whose chance of crossing every
// arc without failing, taking on each arc the least risky component the
// rule passes, is greatest, and that chance (0 to 1). Components with 100%
// risk never succeed and do not count.
func Likeliest(g Graph, from, to int, r Rule) ([]int, float64, bool) {
	path, cost, ok := cheapest(g, from, to, func(a model.Arc) (float64, bool) {
		best := math.Inf(1)
		p := a.Conn.Policies[model.Move]
		for i := range p {
			// -log(1-p) adds up along a path as the chances multiply.
			c := &p[i]
			if w := -math.Log1p(-c.Annotation.Probability()); w < best && r(a, c) {
				best = w
			}
		}
		return best, !math.IsInf(best, 1)
	})
	return path, math.Exp(-cost), ok
}

// cheapest is Dijkstra's algorithm under the arc costs of cost, which are
// non-negative; ties go to the node with the smaller id.
func cheapest(g Graph, from, to int, cost func(model.Arc) (float64, bool)) ([]int, float64, bool) {
	dist := make([]float64, g.Len())
	parent := make([]int32, g.Len())
	for i := range dist {
		dist[i], parent[i] = math.Inf(1), -1
	}
	dist[from], parent[from] = 0, int32(from)
	q := &queue{{from, 0}}
	for q.Len() > 0 {
		it := heap.Pop(q).(item)
		if it.dist > dist[it.node] {
			continue
		}
		if it.node == to {
			return trace(parent, from, to), it.dist, true
		}
		for _, a := range g.Out(it.node) {
			w, ok := cost(a)
			if !ok {
				continue
			}
			if d := it.dist + w; d < dist[a.To] {
				dist[a.To], parent[a.To] = d, int32(it.node)
				heap.Push(q, item{a.To, d})
			}
		}
	}
	return nil, 0, false
}

type item struct {
	node int
	dist float64
}

// queue is a min-heap of items by distance, then node id.
type queue []item

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].dist != q[j].dist {
		return q[i].dist < q[j].dist
	}
	return q[i].node < q[j].node
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
