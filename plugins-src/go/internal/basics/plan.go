package basics

import (
	"slices"

	"github.com/gatehouse/gatehouse/abi"
)

// graph is the edges of a reset with their locations numbered: each
// location's successors and predecessors, in the order of the edges. It
// is read only once made, so the runs of every actor reset with the same
// edges share one (graphs), and a step does integer work on it.
type graph struct {
	edges      []abi.Edge // a copy of the edges it was made from
	id         map[string]int32
	names      []string // by number
	succ, pred adjacency
}

// adjacency lists the neighbours of the locations of a graph in one
// list: those of location n are to[first[n]:first[n+1]].
type adjacency struct{ first, to []int32 }

// of returns the neighbours of location n.
func (a adjacency) of(n int32) []int32 { return a.to[a.first[n]:a.first[n+1]] }

func newGraph(edges []abi.Edge) *graph {
	g := &graph{edges: slices.Clone(edges), id: make(map[string]int32)}
	from, to := make([]int32, len(edges)), make([]int32, len(edges))
	for i, e := range edges {
		from[i], to[i] = g.node(e.From), g.node(e.To)
	}
	g.succ = newAdjacency(len(g.names), from, to)
	g.pred = newAdjacency(len(g.names), to, from)
	return g
}

// node returns the number of location name, numbering it if new.
func (g *graph) node(name string) int32 {
	n, ok := g.id[name]
	if !ok {
		n = int32(len(g.names))
		g.id[name] = n
		g.names = append(g.names, name)
	}
	return n
}

// newAdjacency returns the lists of the edges a[i] -> b[i] by a, each in
// the order of the edges (a stable counting sort).
func newAdjacency(nodes int, a, b []int32) adjacency {
	first := make([]int32, nodes+1)
	for _, n := range a {
		first[n+1]++
	}
	for n := range nodes {
		first[n+1] += first[n]
	}
	fill := slices.Clone(first[:nodes])
	to := make([]int32, len(a))
	for i, n := range a {
		to[fill[n]] = b[i]
		fill[n]++
	}
	return adjacency{first: first, to: to}
}

// graphs keeps the graph of the last reset, for the next resets of the
// same edges: every actor of a run is reset with the model's edges.
type graphs struct{ last *graph }

// of returns the graph of edges.
func (gs *graphs) of(edges []abi.Edge) *graph {
	if gs.last == nil || !slices.Equal(gs.last.edges, edges) {
		gs.last = newGraph(edges)
	}
	return gs.last
}

// plan finds shortest paths over a graph for one actor, for greedy. It
// keeps the distance of every location to the goals it was last asked
// about, so that an actor whose goals do not change pays one
// breadth-first search for the whole run, and each step looks at its
// location's successors only. It remembers the numbers of the last
// location and goals it was asked about, which change less often than
// steps are taken.
type plan struct {
	g           *graph
	targets     []int32 // the goal locations dist is for
	dist        []int32 // edges from each location to the nearest target, -1 for none
	scratch     []int32
	haveTargets bool

	from    string // the last location asked about
	start   int32  // its number, -1 for none
	goals   []string
	goalIDs []int32 // the numbers of the goals on g
}

// reset starts p on g, keeping its buffers.
func (p *plan) reset(g *graph) {
	*p = plan{g: g, targets: p.targets[:0], dist: p.dist[:0], scratch: p.scratch[:0], goals: p.goals[:0], goalIDs: p.goalIDs[:0]}
	p.start = p.lookup("")
}

// lookup returns the number of location name, -1 for none.
func (p *plan) lookup(name string) int32 {
	if n, ok := p.g.id[name]; ok {
		return n
	}
	return -1
}

// nextHop returns the first location on a shortest path from from to any
// goal other than from, the first in the order of the edges among equals:
// the location a breadth-first search from from reaches a goal through
// first.
func (p *plan) nextHop(from string, goals []string) (string, bool) {
	if from != p.from {
		p.from, p.start = from, p.lookup(from)
	}
	if !slices.Equal(goals, p.goals) {
		p.goals, p.goalIDs = append(p.goals[:0], goals...), p.goalIDs[:0]
		for _, g := range goals {
			if n := p.lookup(g); n >= 0 {
				p.goalIDs = append(p.goalIDs, n)
			}
		}
	}
	start := p.start
	if start < 0 {
		return "", false
	}
	// A path through start is never a shortest one, so the distances to
	// the goals but start serve every location.
	p.scratch = p.scratch[:0]
	for _, n := range p.goalIDs {
		if n != start && !slices.Contains(p.scratch, n) {
			p.scratch = append(p.scratch, n)
		}
	}
	if !p.haveTargets || !slices.Equal(p.scratch, p.targets) {
		p.targets = append(p.targets[:0], p.scratch...)
		p.haveTargets = true
		p.measure()
	}
	best := int32(-1)
	for _, to := range p.g.succ.of(start) {
		if d := p.dist[to]; d >= 0 && (best < 0 || d < p.dist[best]) {
			best = to
		}
	}
	if best < 0 {
		return "", false
	}
	return p.g.names[best], true
}

// measure sets dist by a breadth-first search from the targets against
// the edges.
func (p *plan) measure() {
	p.dist = slices.Grow(p.dist[:0], len(p.g.names))[:len(p.g.names)]
	for i := range p.dist {
		p.dist[i] = -1
	}
	queue := p.scratch[:0]
	for _, t := range p.targets {
		p.dist[t] = 0
		queue = append(queue, t)
	}
	for head := 0; head < len(queue); head++ {
		at := queue[head]
		for _, from := range p.g.pred.of(at) {
			if p.dist[from] < 0 {
				p.dist[from] = p.dist[at] + 1
				queue = append(queue, from)
			}
		}
	}
	p.scratch = queue
}
