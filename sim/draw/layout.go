package draw

import (
	"cmp"
	"math"
	"slices"
	"unicode/utf8"
)

// Sizes of the drawing, in SVG user units (pixels).
const (
	fontSize    = 12.0
	labelSize   = 10.0
	lineHeight  = 16.0
	nodePadX    = 8.0
	nodePadY    = 5.0
	markerSpace = 14.0 // room for the marker before a line of a node
	nodeGapX    = 36.0 // between locations of a row
	nodeGapY    = 64.0 // between rows of a zone
	zonePad     = 14.0
	zoneGapX    = 56.0 // between groups of a row
	zoneGapY    = 84.0 // between rows of groups
	aspect      = 1.5  // width to height that the rows of groups aim for
	groupLabel  = 18.0 // room for a group's label
)

// textWidth estimates the width of s in a sans-serif font of the size.
func textWidth(s string, size float64, bold bool) float64 {
	w := 0.6
	if bold {
		w = 0.66
	}
	return float64(utf8.RuneCountInString(s)) * size * w
}

// rect is a box: its top left corner and its size.
type rect struct{ x, y, w, h float64 }

func (r rect) cx() float64 { return r.x + r.w/2 }
func (r rect) cy() float64 { return r.y + r.h/2 }

// layout is where everything goes: a box for each location and each group
// (see Groups) of more than one location or with a label.
type layout struct {
	nodes  []rect // by location id
	zones  []rect // by group id; zero for an unlabelled group of one location
	width  float64
	height float64
}

// place lays out locations of the sizes given, in the groups given, with
// the undirected adjacency adj. Groups are laid out in rows by their
// distance from the group of root in the graph of groups (so that a
// connection joins groups of the same or neighbouring rows), ordered within
// a row to keep connections short, and rows too wide for the drawing's
// aspect are wrapped. Within a group, the locations are laid out in the
// same way by their distance from the one nearest root.
func place(sizes []rect, zoneOf []int, groups []Group, adj [][]int, root int) *layout {
	n := len(sizes)
	lay := &layout{nodes: slices.Clone(sizes), zones: make([]rect, len(groups))}
	dist := bfs(n, func(v int) []int { return adj[v] }, []int{root})
	zones := make([][]int, len(groups))
	for z, g := range groups {
		zones[z] = g.Locations
	}

	// Lay out each group on its own, at the origin.
	for z, g := range groups {
		lay.zones[z] = placeZone(lay.nodes, g, zoneOf, z, adj, dist)
	}

	// The graph of zones, its rows and their order.
	zadj := make([][]int, len(zones))
	for v := range n {
		for _, w := range adj[v] {
			if zv, zw := zoneOf[v], zoneOf[w]; zv != zw {
				zadj[zv] = append(zadj[zv], zw)
			}
		}
	}
	for z := range zadj {
		slices.Sort(zadj[z])
		zadj[z] = slices.Compact(zadj[z])
	}
	zdist := bfs(len(zones), func(z int) []int { return zadj[z] }, []int{zoneOf[root]})
	layers := order(byLayer(zdist), zadj)

	// Wrap the rows to a width that gives the drawing its aspect.
	area, widest := 0.0, 0.0
	for _, r := range lay.zones {
		area += (r.w + zoneGapX) * (r.h + zoneGapY)
		widest = max(widest, r.w)
	}
	limit := max(widest, math.Sqrt(area*aspect))
	var rows [][]int
	for _, layer := range layers {
		var row []int
		w := 0.0
		for _, z := range layer {
			if len(row) > 0 && w+lay.zones[z].w > limit {
				rows = append(rows, row)
				row, w = nil, 0
			}
			row = append(row, z)
			w += lay.zones[z].w + zoneGapX
		}
		rows = append(rows, row)
	}

	// Place the rows, centred, and move each zone's locations with it.
	for _, row := range rows {
		w := -zoneGapX
		for _, z := range row {
			w += lay.zones[z].w + zoneGapX
		}
		lay.width = max(lay.width, w)
	}
	y := 0.0
	for _, row := range rows {
		w, h := -zoneGapX, 0.0
		for _, z := range row {
			w += lay.zones[z].w + zoneGapX
			h = max(h, lay.zones[z].h)
		}
		x := (lay.width - w) / 2
		for _, z := range row {
			r := &lay.zones[z]
			dx, dy := x, y+(h-r.h)/2
			r.x, r.y = dx, dy
			for _, v := range zones[z] {
				lay.nodes[v].x += dx
				lay.nodes[v].y += dy
			}
			x += r.w + zoneGapX
		}
		y += h + zoneGapY
	}
	lay.height = max(0, y-zoneGapY)
	for z, g := range groups {
		if len(g.Locations) == 1 && g.Label == "" {
			lay.zones[z] = rect{}
		}
	}
	return lay
}

// placeZone lays out the locations of group z, with the group's box at the
// origin, and returns the group's box. An unlabelled group of one location
// has no box.
func placeZone(nodes []rect, g Group, zoneOf []int, z int, adj [][]int, dist []int) rect {
	members := g.Locations
	if len(members) == 1 && g.Label == "" {
		v := members[0]
		nodes[v].x, nodes[v].y = 0, 0
		return rect{w: nodes[v].w, h: nodes[v].h}
	}
	// Local ids: the index in members.
	local := make(map[int]int, len(members))
	for i, v := range members {
		local[v] = i
	}
	ladj := make([][]int, len(members))
	for i, v := range members {
		for _, w := range adj[v] {
			if zoneOf[w] == z {
				ladj[i] = append(ladj[i], local[w])
			}
		}
	}
	start := 0
	for i, v := range members {
		if dist[v] < dist[members[start]] {
			start = i
		}
	}
	ldist := bfs(len(members), func(i int) []int { return ladj[i] }, []int{start})
	rows := order(byLayer(ldist), ladj)
	cols := int(math.Ceil(math.Sqrt(float64(len(members)) * aspect)))
	var wrapped [][]int
	for l, row := range rows {
		for chunk := 0; len(row) > 0; chunk++ {
			k := min(cols, len(row))
			if l == 1 && chunk == 1 && len(rows[0]) == 1 {
				// A hub: its neighbours above it as well as below.
				wrapped = slices.Insert(wrapped, 0, row[:k])
			} else {
				wrapped = append(wrapped, row[:k])
			}
			row = row[k:]
		}
	}
	width := 0.0
	for _, row := range wrapped {
		w := -nodeGapX
		for _, i := range row {
			w += nodes[members[i]].w + nodeGapX
		}
		width = max(width, w)
	}
	top := zonePad
	if g.Label != "" {
		top += groupLabel
		width = max(width, textWidth(g.Label, fontSize, true))
	}
	y := top
	for _, row := range wrapped {
		w, h := -nodeGapX, 0.0
		for _, i := range row {
			w += nodes[members[i]].w + nodeGapX
			h = max(h, nodes[members[i]].h)
		}
		x := zonePad + (width-w)/2
		for _, i := range row {
			r := &nodes[members[i]]
			r.x, r.y = x, y+(h-r.h)/2
			x += r.w + nodeGapX
		}
		y += h + nodeGapY
	}
	return rect{w: width + 2*zonePad, h: y - nodeGapY + zonePad}
}

// bfs returns the distance of every vertex from the nearest source over
// the undirected adjacency next. A vertex that no source reaches is given
// the distance of a further search started from it, so that every
// component of the graph starts at 0.
func bfs(n int, next func(int) []int, sources []int) []int {
	dist := make([]int, n)
	for v := range dist {
		dist[v] = -1
	}
	var queue []int
	visit := func(s int) {
		dist[s] = 0
		queue = append(queue[:0], s)
		for len(queue) > 0 {
			v := queue[0]
			queue = queue[1:]
			for _, w := range next(v) {
				if dist[w] < 0 {
					dist[w] = dist[v] + 1
					queue = append(queue, w)
				}
			}
		}
	}
	for _, s := range sources {
		if dist[s] < 0 {
			visit(s)
		}
	}
	for v := range n {
		if dist[v] < 0 {
			visit(v)
		}
	}
	return dist
}

// byLayer returns the vertices of each distance, in order of their ids.
func byLayer(dist []int) [][]int {
	var layers [][]int
	for v, d := range dist {
		for len(layers) <= d {
			layers = append(layers, nil)
		}
		layers[d] = append(layers[d], v)
	}
	return layers
}

// order orders the vertices within each layer to cut crossings: a few
// sweeps down and up the layers, each sorting a layer by the mean position
// of its vertices' neighbours in the layer before (the barycentre
// heuristic of Sugiyama, Tagawa and Toda). Ties keep their order, so the
// result is deterministic.
func order(layers [][]int, adj [][]int) [][]int {
	pos := make(map[int]float64)
	for _, layer := range layers {
		for i, v := range layer {
			pos[v] = float64(i)
		}
	}
	layerOf := make(map[int]int)
	for l, layer := range layers {
		for _, v := range layer {
			layerOf[v] = l
		}
	}
	sweep := func(l, from int) {
		bary := make(map[int]float64, len(layers[l]))
		for _, v := range layers[l] {
			sum, k := 0.0, 0
			for _, w := range adj[v] {
				if layerOf[w] == from {
					sum += pos[w]
					k++
				}
			}
			if k == 0 {
				bary[v] = pos[v] * float64(len(layers[from])) / float64(max(1, len(layers[l])))
			} else {
				bary[v] = sum / float64(k)
			}
		}
		slices.SortStableFunc(layers[l], func(a, b int) int { return cmp.Compare(bary[a], bary[b]) })
		for i, v := range layers[l] {
			pos[v] = float64(i)
		}
	}
	for range 4 {
		for l := 1; l < len(layers); l++ {
			sweep(l, l-1)
		}
		for l := len(layers) - 2; l >= 0; l-- {
			sweep(l, l+1)
		}
	}
	return layers
}
