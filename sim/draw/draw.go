// Package draw draws models as SVG pictures with a layout of its own, so
// that no Graphviz is needed: locations grouped by name or zone (Groups),
// connections styled by who may pass, what lies where and who is where,
// goals, a legend, tables of the actors and the possessibles' policies, and
// optionally a moment of a run (State) and a plan (ReadPlan) on top.
package draw

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/sim/model"
)

// MaxLocations is the most locations SVG draws; no picture of more is
// readable, and the layout's cost grows with the square of the count.
const MaxLocations = 2000

// Options are what a drawing shows besides the model.
type Options struct {
	// State is the moment of a run to show; nil shows the start.
	State *State
	// Plan is drawn as a highlighted path with its visits numbered, and a
	// witness's steps as a table; nil draws none.
	Plan *Plan
	// Title is written above the drawing; empty writes none.
	Title string
	// Markers draws each actor as a disc on the corner of its location's
	// box, a group of class "actor" with its name in data-actor, rather
	// than as a line in the box, so that a script can move it from box to
	// box as a run goes on (see MarkerOffset); and each possessible's line
	// as a group of class "possessible" with its name in data-possessible,
	// for a script to mark when it is taken.
	Markers bool
}

// Kinds of the lines of a location's box, each with its own marker.
const (
	lineName = iota
	lineCredential
	lineDocument
	lineActor
	lineGoal
)

type textLine struct {
	text  string
	kind  int
	actor int    // the actor of a lineActor
	name  string // the possessible of a lineCredential or lineDocument
}

// Colours of the drawing.
const (
	colFree    = "#555"
	colRisky   = "#d97706"
	colLogged  = "#2563eb"
	colNobody  = "#bbb"
	colPlan    = "#e11d48"
	colCred    = "#b45309"
	colDoc     = "#15803d"
	colGoal    = "#ca8a04"
	colZone    = "#f1f5f9"
	colZoneRim = "#94a3b8"
)

// actorColours are given to the actors in turn.
var actorColours = []string{"#7c3aed", "#db2777", "#0891b2", "#65a30d", "#ea580c", "#4f46e5", "#be123c", "#0d9488"}

// SVG writes a picture of m as SVG. The same model and options give the
// same bytes. Each location is a group of class "location" with its name
// in data-location, and each connection (or pair drawn as one) a group of
// class "connection" with data-from and data-to, for scripts and tests.
func SVG(w io.Writer, m *model.Model, o Options) error {
	if m.Len() > MaxLocations {
		return fmt.Errorf("draw: %d locations are too many to draw (at most %d)", m.Len(), MaxLocations)
	}
	st := o.State
	if st == nil {
		st = Start(m)
	}
	d := &drawing{m: m, st: st, witness: o.Plan, markers: o.Markers}
	if o.Plan != nil {
		d.plan = o.Plan.Path
	}
	d.lines = d.nodeLines()
	sizes := make([]rect, m.Len())
	for v, lines := range d.lines {
		for i, l := range lines {
			tw := textWidth(l.text, fontSize, i == 0)
			if i > 0 {
				tw += markerSpace
			}
			sizes[v].w = max(sizes[v].w, tw+2*nodePadX)
		}
		sizes[v].h = float64(len(lines))*lineHeight + 2*nodePadY
	}
	groupOf, groups := Groups(m)
	d.groups = groups
	d.lay = place(sizes, groupOf, groups, d.adjacency(), d.root(), d.labelWidths())

	bw := bufio.NewWriter(w)
	d.w = bw
	d.write(o.Title)
	return bw.Flush()
}

type drawing struct {
	m       *model.Model
	st      *State
	plan    []int // the plan's path
	witness *Plan
	markers bool
	lines   [][]textLine
	groups  []Group
	lay     *layout
	w       *bufio.Writer
}

// goals returns, for each location and each possessible, the actors that
// have it as a goal.
func goals(m *model.Model) (locs, poss map[int][]string) {
	locs, poss = map[int][]string{}, map[int][]string{}
	for _, a := range m.Actors() {
		for _, g := range a.Goals {
			if v, ok := m.LocationID(g); ok {
				locs[v] = append(locs[v], a.Name)
			} else if p, ok := m.PossessibleID(g); ok {
				poss[p] = append(poss[p], a.Name)
			}
		}
	}
	return locs, poss
}

// nodeLines returns the lines of each location's box: its name, what lies
// there, who is there and whose goal it is.
func (d *drawing) nodeLines() [][]textLine {
	m := d.m
	goalLocs, goalPoss := goals(m)
	lines := make([][]textLine, m.Len())
	for v, name := range m.Locations() {
		lines[v] = []textLine{{text: name}}
		for _, p := range d.st.Lying[v] {
			pos := m.Possessibles()[p]
			l := textLine{text: pos.Name, kind: lineCredential, name: pos.Name}
			if pos.Kind == model.KindDocument {
				l.kind = lineDocument
			}
			if g := goalPoss[p]; len(g) > 0 {
				l.text += " (goal of " + strings.Join(g, ", ") + ")"
			}
			lines[v] = append(lines[v], l)
		}
	}
	for a, actor := range m.Actors() {
		if d.markers {
			break
		}
		v := d.st.At[a]
		lines[v] = append(lines[v], textLine{text: actor.Name, kind: lineActor, actor: a})
	}
	for v, names := range goalLocs {
		lines[v] = append(lines[v], textLine{text: "goal of " + strings.Join(names, ", "), kind: lineGoal})
	}
	return lines
}

// adjacency returns the undirected neighbours of each location, sorted.
func (d *drawing) adjacency() [][]int {
	adj := make([][]int, d.m.Len())
	for v := range d.m.Len() {
		for _, a := range d.m.Out(v) {
			adj[a.From] = append(adj[a.From], a.To)
			adj[a.To] = append(adj[a.To], a.From)
		}
	}
	for v := range adj {
		slices.Sort(adj[v])
		adj[v] = slices.Compact(adj[v])
	}
	return adj
}

// labelWidths returns the width of the widest label of the connections
// between each two locations, the smaller id first.
func (d *drawing) labelWidths() map[[2]int]float64 {
	ws := map[[2]int]float64{}
	for v := range d.m.Len() {
		for _, a := range d.m.Out(v) {
			if label := edgeLabel(a.Conn); label != "" {
				pair := [2]int{min(a.From, a.To), max(a.From, a.To)}
				ws[pair] = max(ws[pair], textWidth(label, labelSize, false))
			}
		}
	}
	return ws
}

// root returns the location the layout starts from: where most actors
// start (the way in, in most models), else the first.
func (d *drawing) root() int {
	count := make([]int, d.m.Len())
	best := 0
	for _, a := range d.m.Actors() {
		v, _ := d.m.LocationID(a.At)
		count[v]++
		if count[v] > count[best] || count[v] == count[best] && v < best {
			best = v
		}
	}
	return best
}

// f formats a coordinate.
func f(x float64) string { return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64) }

// esc escapes text for SVG. Invalid UTF-8 and the control characters XML
// forbids become U+FFFD.
func esc(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return html.EscapeString(s)
}

const (
	margin  = 20.0
	legendH = 96.0
)

// write writes the whole SVG document.
func (d *drawing) write(title string) {
	top := margin
	if title != "" {
		top += 28
	}
	tables := d.tables()
	graphTop := top + legendH
	width := max(d.lay.width, tables.width, legendWidth) + 2*margin
	height := graphTop + d.lay.height + 40 + tables.height + margin
	fmt.Fprintf(d.w, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" font-family="DejaVu Sans, Verdana, sans-serif" font-size="%s">`+"\n",
		f(width), f(height), f(width), f(height), f(fontSize))
	d.w.WriteString(defs)
	fmt.Fprintf(d.w, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	if title != "" {
		fmt.Fprintf(d.w, `<text x="%s" y="%s" font-size="18" font-weight="bold">%s</text>`+"\n", f(margin), f(margin+18), esc(title))
	}
	d.legend(margin, top)
	d.w.WriteString(`<g transform="translate(` + f(margin+(width-2*margin-d.lay.width)/2) + "," + f(graphTop) + `)">` + "\n")
	routes := d.routes()
	d.groupBoxes()
	d.planPath(routes)
	d.edges(routes)
	d.nodes()
	d.actorMarkers()
	d.planSteps()
	d.w.WriteString("</g>\n")
	tables.write(d.w, margin, graphTop+d.lay.height+40)
	d.w.WriteString("</svg>\n")
}

// defs are the arrowheads: one per colour of connection, and the plan's.
var defs = func() string {
	var b strings.Builder
	b.WriteString("<defs>\n")
	for _, c := range []struct{ id, col string }{{"free", colFree}, {"risky", colRisky}, {"logged", colLogged}, {"nobody", colNobody}} {
		fmt.Fprintf(&b, `<marker id="end-%s" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="%s"/></marker>`+"\n", c.id, c.col)
		fmt.Fprintf(&b, `<marker id="start-%s" viewBox="0 0 10 10" refX="0" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M10,0L0,5L10,10z" fill="%s"/></marker>`+"\n", c.id, c.col)
	}
	b.WriteString("</defs>\n")
	return b.String()
}()

// groupBoxes draws the box of each group that has one, with its label.
func (d *drawing) groupBoxes() {
	for i, z := range d.lay.groups {
		if z.w == 0 {
			continue
		}
		label := d.groups[i].Label
		dash := ` stroke-dasharray="2,3"`
		if label != "" {
			dash = ""
		}
		fmt.Fprintf(d.w, `<rect x="%s" y="%s" width="%s" height="%s" rx="10" fill="%s" stroke="%s"%s/>`+"\n",
			f(z.x), f(z.y), f(z.w), f(z.h), colZone, colZoneRim, dash)
		if label != "" {
			fmt.Fprintf(d.w, `<text x="%s" y="%s" font-weight="bold" fill="#475569">%s</text>`+"\n", f(z.x+groupPad), f(z.y+groupPad+10), esc(label))
		}
	}
}

// nodes draws each location's box and lines.
func (d *drawing) nodes() {
	goalLocs, _ := goals(d.m)
	for v, r := range d.lay.nodes {
		stroke, sw := "#334155", "1"
		if len(goalLocs[v]) > 0 {
			stroke, sw = colGoal, "2.5"
		}
		name := esc(d.m.Locations()[v])
		fmt.Fprintf(d.w, `<g class="location" data-location="%s"><title>%s</title><rect x="%s" y="%s" width="%s" height="%s" rx="5" fill="#fff" stroke="%s" stroke-width="%s"/>`+"\n",
			name, name, f(r.x), f(r.y), f(r.w), f(r.h), stroke, sw)
		for i, l := range d.lines[v] {
			base := r.y + nodePadY + float64(i)*lineHeight + 12
			if i == 0 {
				fmt.Fprintf(d.w, `<text x="%s" y="%s" font-weight="bold">%s</text>`+"\n", f(r.x+nodePadX), f(base), esc(l.text))
				continue
			}
			mx, my := r.x+nodePadX+5, base-4
			group := d.markers && l.name != ""
			if group {
				fmt.Fprintf(d.w, `<g class="possessible" data-possessible="%s">`, esc(l.name))
			}
			d.marker(l, mx, my)
			fmt.Fprintf(d.w, `<text x="%s" y="%s"%s>%s</text>`+"\n", f(r.x+nodePadX+markerSpace), f(base), lineStyle(l), esc(l.text))
			if group {
				d.w.WriteString("</g>\n")
			}
		}
		d.w.WriteString("</g>\n")
	}
}

func lineStyle(l textLine) string {
	switch l.kind {
	case lineCredential:
		return ` fill="` + colCred + `"`
	case lineDocument:
		return ` fill="` + colDoc + `"`
	case lineActor:
		return ` fill="` + actorColours[l.actor%len(actorColours)] + `" font-style="italic"`
	case lineGoal:
		return ` fill="` + colGoal + `"`
	}
	return ""
}

// marker draws the marker of a line centred at x, y: a diamond for a
// credential, a sheet for a document, a disc for an actor, a flag for a goal.
func (d *drawing) marker(l textLine, x, y float64) {
	switch l.kind {
	case lineCredential:
		fmt.Fprintf(d.w, `<path d="M%s,%sl4.5,4.5l-4.5,4.5l-4.5,-4.5z" fill="%s"/>`+"\n", f(x), f(y-4.5), colCred)
	case lineDocument:
		fmt.Fprintf(d.w, `<rect x="%s" y="%s" width="7" height="9" fill="#fff" stroke="%s" stroke-width="1.5"/>`+"\n", f(x-3.5), f(y-4.5), colDoc)
	case lineActor:
		fmt.Fprintf(d.w, `<circle cx="%s" cy="%s" r="4.5" fill="%s"/>`+"\n", f(x), f(y), actorColours[l.actor%len(actorColours)])
	case lineGoal:
		fmt.Fprintf(d.w, `<path d="M%s,%sv10M%s,%sh7l-2,2.5l2,2.5h-7z" stroke="%s" stroke-width="1.5" fill="%s"/>`+"\n", f(x-3), f(y-5), f(x-3), f(y-5), colGoal, colGoal)
	}
}

// MarkerOffset is where the marker of the k-th actor at a location (k
// from 0) is centred, from the top right corner of the location's box.
func MarkerOffset(k int) (dx, dy float64) {
	return -24 - float64(k)*14, 0
}

// actorMarkers draws each actor as a disc of its colour on the top edge
// of its location's box, the actors at one location side by side.
func (d *drawing) actorMarkers() {
	if !d.markers {
		return
	}
	count := make([]int, d.m.Len())
	for a, actor := range d.m.Actors() {
		v := d.st.At[a]
		r := d.lay.nodes[v]
		dx, dy := MarkerOffset(count[v])
		count[v]++
		name := esc(actor.Name)
		fmt.Fprintf(d.w, `<g class="actor" data-actor="%s" transform="translate(%s,%s)"><title>%s</title><circle r="6" fill="%s" stroke="#fff" stroke-width="1.5"/></g>`+"\n",
			name, f(r.x+r.w+dx), f(r.y+dy), name, actorColours[a%len(actorColours)])
	}
}
