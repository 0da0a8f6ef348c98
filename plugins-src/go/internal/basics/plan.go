package basics

import (
	"slices"

	"github.com/gatehouse/gatehouse/abi"
)

// plan finds shortest paths over the edges of a run, for greedy. It keeps
// the distance of every location to the goals it was last asked about, so
// that an actor whose goals do not change pays one breadth-first search
// for the whole run, and each step looks at its location's successors
// only.
type plan struct {
	id          map[string]int32
	names       []string
	succ, pred  [][]int32 // by location, in the order of the edges
	targets     []int32   // the goal locations dist is for
	dist        []int32   // edges from each location to the nearest target, -1 for none
	scratch     []int32
	haveTargets bool
}

func newPlan(edges []abi.Edge) *plan {
	p := &plan{id: map[string]int32{}}
	node := func(name string) int32 {
		n, ok := p.id[name]
		if !ok {
			n = int32(len(p.names))
			p.id[name] = n
			p.names = append(p.names, name)
			p.succ, p.pred = append(p.succ, nil), append(p.pred, nil)
		}
		return n
	}
	for _, e := range edges {
		from, to := node(e.From), node(e.To)
		p.succ[from] = append(p.succ[from], to)
		p.pred[to] = append(p.pred[to], from)
	}
	p.dist = make([]int32, len(p.names))
	return p
}

// nextHop returns the first location on a shortest path from from to any
// goal other than from, the first in the order of the edges among equals:
// the location a breadth-first search from from reaches a goal through
// first.
func (p *plan) nextHop(from string, goals []string) (string, bool) {
	start, ok := p.id[from]
	if !ok {
		return "", false
	}
	// A path through start is never a shortest one, so the distances to
	// the goals but start serve every location.
	p.scratch = p.scratch[:0]
	for _, g := range goals {
		if n, ok := p.id[g]; ok && n != start && !slices.Contains(p.scratch, n) {
			p.scratch = append(p.scratch, n)
		}
	}
	if !p.haveTargets || !slices.Equal(p.scratch, p.targets) {
		p.targets = append(p.targets[:0], p.scratch...)
		p.haveTargets = true
		p.measure()
	}
	best := int32(-1)
	for _, to := range p.succ[start] {
		if d := p.dist[to]; d >= 0 && (best < 0 || d < p.dist[best]) {
			best = to
		}
	}
	if best < 0 {
		return "", false
	}
	return p.names[best], true
}

// measure sets dist by a breadth-first search from the targets against
// the edges.
func (p *plan) measure() {
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
		for _, from := range p.pred[at] {
			if p.dist[from] < 0 {
				p.dist[from] = p.dist[at] + 1
				queue = append(queue, from)
			}
		}
	}
	p.scratch = queue
}
