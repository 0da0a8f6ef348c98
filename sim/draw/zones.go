package draw

import (
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/sim/model"
)

// Free reports whether anyone may always pass along the connection: one of
// its move components has no restrictions and no risk.
func Free(c *model.Connection) bool {
	for _, comp := range c.Policies[model.Move] {
		if len(comp.Restrictions.Credentials)+len(comp.Restrictions.Roles) == 0 && comp.Annotation.Risk == 0 {
			return true
		}
	}
	return false
}

// Zones groups the locations of m into zones: the largest sets in which
// anyone can walk from every location to every other along free
// connections (see Free), so that only a credential, a role or a risk
// separates two zones. It returns the zone of each location and the
// locations of each zone, numbered in the order of their first location.
func Zones(m *model.Model) (zoneOf []int, zones [][]int) {
	// Tarjan's strongly connected components over the free arcs, iterative.
	n := m.Len()
	index, low := make([]int, n), make([]int, n)
	for v := range index {
		index[v] = -1
	}
	onStack := make([]bool, n)
	var stack []int
	comp := make([]int, n)
	var sccs [][]int
	type frame struct{ v, next int }
	counter := 0
	for root := range n {
		if index[root] >= 0 {
			continue
		}
		calls := []frame{{root, 0}}
		index[root], low[root] = counter, counter
		counter++
		stack = append(stack, root)
		onStack[root] = true
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			out := m.Out(f.v)
			if f.next < len(out) {
				a := out[f.next]
				f.next++
				if !Free(a.Conn) {
					continue
				}
				w := a.To
				switch {
				case index[w] < 0:
					index[w], low[w] = counter, counter
					counter++
					stack = append(stack, w)
					onStack[w] = true
					calls = append(calls, frame{w, 0})
				case onStack[w]:
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				p := calls[len(calls)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] != index[v] {
				continue
			}
			var scc []int
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				scc = append(scc, w)
				if w == v {
					break
				}
			}
			for _, w := range scc {
				comp[w] = len(sccs)
			}
			sccs = append(sccs, scc)
		}
	}
	// Number the zones by their first location, and list each zone's
	// locations in order.
	zoneOf = make([]int, n)
	renumber := make([]int, len(sccs))
	for i := range renumber {
		renumber[i] = -1
	}
	for v := range n {
		c := comp[v]
		if renumber[c] < 0 {
			renumber[c] = len(zones)
			zones = append(zones, nil)
		}
		zoneOf[v] = renumber[c]
		zones[renumber[c]] = append(zones[renumber[c]], v)
	}
	return zoneOf, zones
}

// Group is a set of locations drawn in one box.
type Group struct {
	Label     string // the names' common prefix, or "" for a zone
	Locations []int  // sorted
}

// Groups returns the boxes the drawing puts locations in, and the group of
// each location. A location whose name has a "." belongs with the others
// of the same name up to its last "." (hq.f1.lobby and hq.f1.kitchen in
// hq.f1), so that a model can say what belongs together by how it names
// it; the others are grouped by zone (see Zones). Groups are numbered in
// the order of their first location.
func Groups(m *model.Model) (groupOf []int, groups []Group) {
	zoneOf, _ := Zones(m)
	groupOf = make([]int, m.Len())
	byKey := map[string]int{}
	for v, name := range m.Locations() {
		key, label := "zone "+strconv.Itoa(zoneOf[v]), ""
		if i := strings.LastIndexByte(name, '.'); i > 0 {
			key, label = "name "+name[:i], name[:i]
		}
		g, ok := byKey[key]
		if !ok {
			g = len(groups)
			byKey[key] = g
			groups = append(groups, Group{Label: label})
		}
		groupOf[v] = g
		groups[g].Locations = append(groups[g].Locations, v)
	}
	return groupOf, groups
}
