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
	nodeGapY    = 64.0 // between rows of a group
	groupPad    = 14.0
	groupGapX   = 56.0 // between groups of a row
	groupGapY   = 84.0 // between rows of groups
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
	groups []rect // by group id; zero for an unlabelled group of one location
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
//
// labelW gives the width of the widest label between two locations (the
// smaller id first); locations and groups side by side in a row are kept
// that far apart.
func place(sizes []rect, groupOf []int, groups []Group, adj [][]int, root int, labelW map[[2]int]float64) *layout {
	n := len(sizes)
	lay := &layout{nodes: slices.Clone(sizes), groups: make([]rect, len(groups))}
	if n == 0 {
		return lay
	}
	dist := bfs(n, func(v int) []int { return adj[v] }, []int{root})

	// Lay out each group on its own, at the origin.
	for z, g := range groups {
		lay.groups[z] = placeGroup(lay.nodes, g, groupOf, z, adj, dist, labelW)
	}

	// The graph of groups, its rows and their order.
	zadj := make([][]int, len(groups))
	for v := range n {
		for _, w := range adj[v] {
			if zv, zw := groupOf[v], groupOf[w]; zv != zw {
				zadj[zv] = append(zadj[zv], zw)
			}
		}
	}
	for z := range zadj {
		slices.Sort(zadj[z])
		zadj[z] = slices.Compact(zadj[z])
	}
	zlabel := map[[2]int]float64{}
	for pair, w := range labelW {
		zp := [2]int{groupOf[pair[0]], groupOf[pair[1]]}
		zlabel[zp] = max(zlabel[zp], w)
		zlabel[[2]int{zp[1], zp[0]}] = zlabel[zp]
	}
	zgap := func(a, b int) float64 { return max(groupGapX, zlabel[[2]int{a, b}]+16) }
	zdist := bfs(len(groups), func(z int) []int { return zadj[z] }, []int{groupOf[root]})
	layers := order(byLayer(zdist), zadj)

	// Wrap the rows to a width that gives the drawing its aspect.
	area, widest := 0.0, 0.0
	for _, r := range lay.groups {
		area += (r.w + groupGapX) * (r.h + groupGapY)
		widest = max(widest, r.w)
	}
	limit := max(widest, math.Sqrt(area*aspect))
	var rows [][]int
	for _, layer := range layers {
		var row []int
		w := 0.0
		for _, z := range layer {
			if len(row) > 0 && w+lay.groups[z].w > limit {
				rows = append(rows, row)
				row, w = nil, 0
			}
			row = append(row, z)
			w += lay.groups[z].w + groupGapX
		}
		rows = append(rows, row)
	}

	// Place the rows, centred, then draw each group towards its neighbours,
	// and move each group's locations with it.
	xs := make([][]float64, len(rows))
	widths := make([]float64, len(rows))
	for i, row := range rows {
		xs[i], widths[i] = rowXs(row, func(z int) float64 { return lay.groups[z].w }, zgap)
		lay.width = max(lay.width, widths[i])
	}
	y := 0.0
	for i, row := range rows {
		h := 0.0
		for _, z := range row {
			h = max(h, lay.groups[z].h)
		}
		for j, z := range row {
			r := &lay.groups[z]
			r.x, r.y = (lay.width-widths[i])/2+xs[i][j], y+(h-r.h)/2
		}
		y += h + groupGapY
	}
	straighten(lay.groups, rows, zadj, zgap)
	left, right := math.Inf(1), math.Inf(-1)
	for _, r := range lay.groups {
		left, right = min(left, r.x), max(right, r.x+r.w)
	}
	lay.width = max(0, right-left)
	for z, r := range lay.groups {
		lay.groups[z].x -= left
		for _, v := range groups[z].Locations {
			lay.nodes[v].x += r.x - left
			lay.nodes[v].y += r.y
		}
	}
	lay.height = max(0, y-groupGapY)
	for z, g := range groups {
		if len(g.Locations) == 1 && g.Label == "" {
			lay.groups[z] = rect{}
		}
	}
	return lay
}

// placeGroup lays out the locations of group z, with the group's box at the
// origin, and returns the group's box. An unlabelled group of one location
// has no box.
func placeGroup(nodes []rect, g Group, groupOf []int, z int, adj [][]int, dist []int, labelW map[[2]int]float64) rect {
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
			if groupOf[w] == z {
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
	gap := func(a, b int) float64 {
		return max(nodeGapX, labelW[[2]int{min(a, b), max(a, b)}]+16)
	}
	width := 0.0
	xs := make([][]float64, len(wrapped))
	widths := make([]float64, len(wrapped))
	for i, row := range wrapped {
		for j := range row {
			row[j] = members[row[j]]
		}
		xs[i], widths[i] = rowXs(row, func(v int) float64 { return nodes[v].w }, gap)
		width = max(width, widths[i])
	}
	top := groupPad
	if g.Label != "" {
		top += groupLabel
		width = max(width, textWidth(g.Label, fontSize, true))
	}
	y := top
	for i, row := range wrapped {
		h := 0.0
		for _, v := range row {
			h = max(h, nodes[v].h)
		}
		for j, v := range row {
			r := &nodes[v]
			r.x, r.y = groupPad+(width-widths[i])/2+xs[i][j], y+(h-r.h)/2
		}
		y += h + nodeGapY
	}
	return rect{w: width + 2*groupPad, h: y - nodeGapY + groupPad}
}

// straighten moves the boxes of each row sideways towards the mean centre
// of their neighbours, keeping their order and gaps, a few times over: of
// the placement that keeps the boxes apart pushing from the left and the
// one pushing from the right, it takes the mean (both keep the gaps, so
// the mean does), which shortens connections between rows.
func straighten(boxes []rect, rows [][]int, adj [][]int, gap func(a, b int) float64) {
	for range 12 {
		for _, row := range rows {
			want := make([]float64, len(row))
			for j, z := range row {
				want[j] = boxes[z].x
				if len(adj[z]) == 0 {
					continue
				}
				sum := 0.0
				for _, w := range adj[z] {
					sum += boxes[w].cx()
				}
				want[j] = sum/float64(len(adj[z])) - boxes[z].w/2
			}
			lefts, rights := slices.Clone(want), slices.Clone(want)
			for j := 1; j < len(row); j++ {
				lefts[j] = max(lefts[j], lefts[j-1]+boxes[row[j-1]].w+gap(row[j-1], row[j]))
			}
			for j := len(row) - 2; j >= 0; j-- {
				rights[j] = min(rights[j], rights[j+1]-boxes[row[j]].w-gap(row[j], row[j+1]))
			}
			for j, z := range row {
				boxes[z].x = (lefts[j] + rights[j]) / 2
			}
		}
	}
}

// rowXs returns the offset of each item of a row from the row's start, and
// the row's width: items of width w, apart by gap.
func rowXs(row []int, w func(int) float64, gap func(a, b int) float64) ([]float64, float64) {
	xs := make([]float64, len(row))
	x := 0.0
	for i, it := range row {
		if i > 0 {
			x += gap(row[i-1], it)
		}
		xs[i] = x
		x += w(it)
	}
	return xs, x
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
