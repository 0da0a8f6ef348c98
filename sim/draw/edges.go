package draw

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
)

type point struct{ x, y float64 }

// route is how a connection, or both connections between two locations,
// are drawn: a quadratic curve from p0 to p1 through control point c (a
// straight line when c is the midpoint).
type route struct {
	from, to  int // location ids; from < to when both ways are drawn as one
	both      bool
	p0, c, p1 point
	conn      *model.Connection
	beside    bool // one of two lines side by side: its label goes on its right
}

// edgeKind returns the marker and dash of a connection: who may pass.
func edgeKind(c *model.Connection) (kind, dash string) {
	comps := c.Policies[model.Move]
	if len(comps) == 0 {
		return "nobody", "2,4"
	}
	open, logged := false, false
	for _, comp := range comps {
		open = open || len(comp.Restrictions.Credentials)+len(comp.Restrictions.Roles) == 0
		logged = logged || comp.Log != 0
	}
	if !open {
		dash = "6,4"
	}
	switch {
	case logged:
		kind = "logged"
	case open && !Free(c):
		kind = "risky"
	default:
		kind = "free"
	}
	return kind, dash
}

var kindColour = map[string]string{"free": colFree, "risky": colRisky, "logged": colLogged, "nobody": colNobody}

// edgeLabel returns the short label of a connection: each clause's
// requirement (`*` for anyone) and its risk when it has one; nothing for a
// connection anyone may always pass without a log.
func edgeLabel(c *model.Connection) string {
	comps := c.Policies[model.Move]
	if len(comps) == 1 && Free(c) && comps[0].Log == 0 {
		return ""
	}
	if len(comps) == 0 {
		return "nobody"
	}
	parts := make([]string, len(comps))
	for i, comp := range comps {
		req := strings.Join(append(slices.Clone(comp.Restrictions.Credentials), comp.Restrictions.Roles...), "+")
		if req == "" {
			req = "*"
		}
		if comp.Annotation.Risk > 0 {
			req += " " + strconv.FormatFloat(comp.Annotation.Risk, 'f', -1, 64) + "%"
		}
		parts[i] = req
	}
	return strings.Join(parts, " | ")
}

// Clauses returns a connection's clauses in the model language, one a line.
func Clauses(c *model.Connection) string {
	var lines []string
	for _, comp := range c.Policies[model.Move] {
		lines = append(lines, lang.Clause(model.Move, comp))
	}
	return strings.Join(lines, "\n")
}

// Reverse returns the connection back along arc a, if m has one.
func Reverse(m *model.Model, a model.Arc) (model.Arc, bool) {
	for _, b := range m.Out(a.To) {
		if b.To == a.From {
			return b, true
		}
	}
	return model.Arc{}, false
}

// routes returns how every connection is drawn: two connections between
// the same locations with the same clauses as one line with two
// arrowheads, with different clauses as two lines side by side.
func (d *drawing) routes() []route {
	m := d.m
	grid := newGrid(d.lay.nodes)
	var routes []route
	for v := range m.Len() {
		for _, a := range m.Out(v) {
			back, ok := Reverse(m, a)
			switch {
			case !ok:
				routes = append(routes, d.route(grid, a.From, a.To, 0, a.Conn))
			case Clauses(back.Conn) == Clauses(a.Conn):
				if a.From < a.To {
					r := d.route(grid, a.From, a.To, 0, a.Conn)
					r.both = true
					routes = append(routes, r)
				}
			default:
				r := d.route(grid, a.From, a.To, 3.5, a.Conn)
				r.beside = true
				routes = append(routes, r)
			}
		}
	}
	return routes
}

// route returns the route from location u to v, shifted sideways by
// offset (to its right): a straight line unless that crosses another
// location, else the least crossing of a few curves.
func (d *drawing) route(grid *grid, u, v int, offset float64, c *model.Connection) route {
	a, b := d.lay.nodes[u], d.lay.nodes[v]
	ca, cb := point{a.cx(), a.cy()}, point{b.cx(), b.cy()}
	dx, dy := cb.x-ca.x, cb.y-ca.y
	length := math.Hypot(dx, dy)
	if length == 0 {
		length = 1
	}
	nx, ny := -dy/length, dx/length // the left normal
	ca = point{ca.x - nx*offset, ca.y - ny*offset}
	cb = point{cb.x - nx*offset, cb.y - ny*offset}
	mid := point{(ca.x + cb.x) / 2, (ca.y + cb.y) / 2}
	best, bestHits := mid, grid.hits(ca, mid, cb, u, v)
	if bestHits > 0 {
		h := min(0.3*length, 140)
		for _, k := range []float64{h, -h, 2 * h, -2 * h} {
			c := point{mid.x + nx*k, mid.y + ny*k}
			if hits := grid.hits(ca, c, cb, u, v); hits < bestHits {
				best, bestHits = c, hits
				if hits == 0 {
					break
				}
			}
		}
	}
	return route{from: u, to: v, p0: clip(a, ca, best), c: best, p1: clip(b, cb, best), conn: c}
}

// clip returns where the line from p (inside r) towards q leaves r.
func clip(r rect, p, q point) point {
	dx, dy := q.x-p.x, q.y-p.y
	t := math.Inf(1)
	if dx != 0 {
		t = min(t, (r.w/2+2)/math.Abs(dx))
	}
	if dy != 0 {
		t = min(t, (r.h/2+2)/math.Abs(dy))
	}
	if math.IsInf(t, 1) || t > 1 {
		return p
	}
	return point{p.x + dx*t, p.y + dy*t}
}

// at returns the point of the route's curve at t in [0, 1].
func bezier(p0, c, p1 point, t float64) point {
	s := 1 - t
	return point{s*s*p0.x + 2*s*t*c.x + t*t*p1.x, s*s*p0.y + 2*s*t*c.y + t*t*p1.y}
}

// grid finds the locations near a point.
type grid struct {
	nodes []rect
	cells map[[2]int][]int
}

const cell = 120.0

func newGrid(nodes []rect) *grid {
	g := &grid{nodes: nodes, cells: map[[2]int][]int{}}
	for v, r := range nodes {
		for x := int(math.Floor(r.x / cell)); x <= int(math.Floor((r.x+r.w)/cell)); x++ {
			for y := int(math.Floor(r.y / cell)); y <= int(math.Floor((r.y+r.h)/cell)); y++ {
				g.cells[[2]int{x, y}] = append(g.cells[[2]int{x, y}], v)
			}
		}
	}
	return g
}

// hits counts the points of the curve p0, c, p1 (every few units) that lie
// in a location other than u and v.
func (g *grid) hits(p0, c, p1 point, u, v int) int {
	steps := int(math.Hypot(p1.x-p0.x, p1.y-p0.y)/6) + 2
	n := 0
	for i := 1; i < steps; i++ {
		p := bezier(p0, c, p1, float64(i)/float64(steps))
		for _, w := range g.cells[[2]int{int(math.Floor(p.x / cell)), int(math.Floor(p.y / cell))}] {
			r := g.nodes[w]
			if w != u && w != v && p.x >= r.x-3 && p.x <= r.x+r.w+3 && p.y >= r.y-3 && p.y <= r.y+r.h+3 {
				n++
				break
			}
		}
	}
	return n
}

// path returns the SVG path data of a route.
func (r route) path() string {
	return "M" + f(r.p0.x) + "," + f(r.p0.y) + "Q" + f(r.c.x) + "," + f(r.c.y) + " " + f(r.p1.x) + "," + f(r.p1.y)
}

// edges draws every connection with its label and, as a tooltip, its
// clauses. A label goes at the first of a few places along its line where
// it covers no location and no label placed before it.
func (d *drawing) edges(routes []route) {
	taken := slices.Clone(d.lay.nodes)
	for _, r := range routes {
		kind, dash := edgeKind(r.conn)
		col := kindColour[kind]
		title := d.m.Locations()[r.from] + " → " + d.m.Locations()[r.to]
		if r.both {
			title = d.m.Locations()[r.from] + " ↔ " + d.m.Locations()[r.to]
		}
		if cl := Clauses(r.conn); cl != "" {
			title += "\n" + cl
		}
		fmt.Fprintf(d.w, `<g class="connection" data-from="%s" data-to="%s"><title>%s</title><path d="%s" fill="none" stroke="%s" stroke-width="1.3"`,
			esc(d.m.Locations()[r.from]), esc(d.m.Locations()[r.to]), esc(title), r.path(), col)
		if dash != "" {
			fmt.Fprintf(d.w, ` stroke-dasharray="%s"`, dash)
		}
		if r.both {
			fmt.Fprintf(d.w, ` marker-start="url(#start-%s)"`, kind)
		}
		fmt.Fprintf(d.w, ` marker-end="url(#end-%s)"/>`, kind)
		if label := edgeLabel(r.conn); label != "" {
			box := labelBox(r, label, taken)
			taken = append(taken, box)
			fmt.Fprintf(d.w, `<text x="%s" y="%s" text-anchor="middle" font-size="%s" fill="%s" stroke="#fff" stroke-width="3" paint-order="stroke">%s</text>`,
				f(box.cx()), f(box.y+labelSize-1), f(labelSize), col, esc(label))
		}
		d.w.WriteString("</g>\n")
	}
}

// labelTs are the places along a line tried for its label, in order.
var labelTs = []float64{0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8}

// labelBox returns the box of a route's label: centred on the line (beside
// it, on its right, for one of two lines side by side) at the first place
// where it overlaps no box of taken, else in the middle.
func labelBox(r route, label string, taken []rect) rect {
	w, h := textWidth(label, labelSize, false)+4, labelSize+2
	var first rect
	for i, t := range labelTs {
		p := bezier(r.p0, r.c, r.p1, t)
		if r.beside {
			dx, dy := r.p1.x-r.p0.x, r.p1.y-r.p0.y
			l := math.Max(math.Hypot(dx, dy), 1)
			nx, ny := -dy/l, dx/l
			p = point{p.x - nx*(w/2+4)*math.Abs(nx) - nx*6, p.y - ny*10}
		}
		box := rect{p.x - w/2, p.y - h/2, w, h}
		if i == 0 {
			first = box
		}
		if !slices.ContainsFunc(taken, box.overlaps) {
			return box
		}
	}
	return first
}

func (r rect) overlaps(o rect) bool {
	return r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h
}

// planPath draws the plan as a broad band along its connections, under
// them.
func (d *drawing) planPath(routes []route) {
	if len(d.plan) == 0 {
		return
	}
	for i := 1; i < len(d.plan); i++ {
		u, v := d.plan[i-1], d.plan[i]
		for _, r := range routes {
			if r.from == u && r.to == v || r.both && r.from == v && r.to == u {
				fmt.Fprintf(d.w, `<path d="%s" fill="none" stroke="%s" stroke-width="7" stroke-opacity="0.35" stroke-linecap="round"/>`+"\n", r.path(), colPlan)
				break
			}
		}
	}
}

// planSteps numbers the plan's visits at its locations, the start 1.
func (d *drawing) planSteps() {
	steps := map[int][]string{}
	var order []int
	for i, v := range d.plan {
		if steps[v] == nil {
			order = append(order, v)
		}
		steps[v] = append(steps[v], strconv.Itoa(i+1))
	}
	for _, v := range order {
		r := d.lay.nodes[v]
		text := strings.Join(steps[v], ",")
		w := textWidth(text, labelSize, true) + 8
		x, y := r.x+r.w-w+6, r.y-8
		fmt.Fprintf(d.w, `<rect x="%s" y="%s" width="%s" height="15" rx="7.5" fill="%s"/><text x="%s" y="%s" text-anchor="middle" font-size="%s" font-weight="bold" fill="#fff">%s</text>`+"\n",
			f(x), f(y), f(w), colPlan, f(x+w/2), f(y+11), f(labelSize), text)
	}
}
