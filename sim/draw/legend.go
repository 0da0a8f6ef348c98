package draw

import (
	"bufio"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
)

// legendItem is a sample and its explanation.
type legendItem struct {
	text string
	draw func(d *drawing, x, y float64) // the sample, 40 units wide, centred on y
	show func(d *drawing) bool          // whether the drawing has one; nil for always
}

func lineSample(kind, dash string, both bool) func(d *drawing, x, y float64) {
	return func(d *drawing, x, y float64) {
		fmt.Fprintf(d.w, `<path d="M%s,%sh34" stroke="%s" stroke-width="1.3"`, f(x+2), f(y), kindColour[kind])
		if dash != "" {
			fmt.Fprintf(d.w, ` stroke-dasharray="%s"`, dash)
		}
		if both {
			fmt.Fprintf(d.w, ` marker-start="url(#start-%s)"`, kind)
		}
		fmt.Fprintf(d.w, ` marker-end="url(#end-%s)"/>`+"\n", kind)
	}
}

func markerSample(kind int) func(d *drawing, x, y float64) {
	return func(d *drawing, x, y float64) { d.marker(textLine{kind: kind}, x+20, y) }
}

var legendRows = [][]legendItem{{
	{"anyone may pass", lineSample("free", "", false), nil},
	{"anyone, at a risk", lineSample("risky", "", false), nil},
	{"only with a credential or role", lineSample("free", "6,4", false), nil},
	{"logged", lineSample("logged", "", false), nil},
	{"nobody", lineSample("nobody", "2,4", false), nil},
	{"both ways, same clauses", lineSample("free", "", true), nil},
}, {
	{"credential", markerSample(lineCredential), nil},
	{"document", markerSample(lineDocument), nil},
	{"actor", markerSample(lineActor), nil},
	{"goal", markerSample(lineGoal), nil},
	{"zone: anyone walks freely within", func(d *drawing, x, y float64) {
		fmt.Fprintf(d.w, `<rect x="%s" y="%s" width="34" height="16" rx="5" fill="%s" stroke="%s" stroke-dasharray="2,3"/>`+"\n", f(x+2), f(y-8), colZone, colZoneRim)
	}, func(d *drawing) bool {
		return slices.ContainsFunc(d.groups, func(g Group) bool { return g.Label == "" && len(g.Locations) > 1 })
	}},
	{"hq: the locations named hq.…", func(d *drawing, x, y float64) {
		fmt.Fprintf(d.w, `<rect x="%s" y="%s" width="34" height="16" rx="5" fill="%s" stroke="%s"/><text x="%s" y="%s" font-size="9" font-weight="bold" fill="#475569">hq</text>`+"\n",
			f(x+2), f(y-8), colZone, colZoneRim, f(x+5), f(y-1))
	}, func(d *drawing) bool {
		return slices.ContainsFunc(d.groups, func(g Group) bool { return g.Label != "" })
	}},
	{"plan, with its steps", func(d *drawing, x, y float64) {
		fmt.Fprintf(d.w, `<path d="M%s,%sh30" stroke="%s" stroke-width="7" stroke-opacity="0.35" stroke-linecap="round"/>`+"\n", f(x+4), f(y), colPlan)
	}, func(d *drawing) bool { return len(d.plan) > 0 }},
}}

const legendCaption = "labels: the clauses' requirements, * for anyone, | between alternatives, with their risk; hover for the clauses"

// legendWidth is the width of the legend's widest row.
var legendWidth = func() float64 {
	w := textWidth(legendCaption, labelSize, false)
	for _, row := range legendRows {
		rw := 0.0
		for _, it := range row {
			rw += 44 + textWidth(it.text, labelSize+1, false) + 18
		}
		w = max(w, rw)
	}
	return w
}()

// legend draws the legend with its top left corner at x, y.
func (d *drawing) legend(x, y float64) {
	for i, row := range legendRows {
		cx, cy := x, y+12+float64(i)*26
		for _, it := range row {
			if it.show != nil && !it.show(d) {
				continue
			}
			it.draw(d, cx, cy)
			fmt.Fprintf(d.w, `<text x="%s" y="%s" font-size="%s">%s</text>`+"\n", f(cx+44), f(cy+4), f(labelSize+1), esc(it.text))
			cx += 44 + textWidth(it.text, labelSize+1, false) + 18
		}
	}
	fmt.Fprintf(d.w, `<text x="%s" y="%s" font-size="%s" fill="#555">%s</text>`+"\n", f(x), f(y+12+2*26+4), f(labelSize), esc(legendCaption))
}

// table is a table of text drawn under the picture.
type table struct {
	title  string
	header []string
	rows   [][]string
}

// tableSet is the tables under the picture and their size.
type tableSet struct {
	tables        []table
	width, height float64
}

const (
	tableGap  = 24.0
	cellGap   = 18.0
	rowHeight = 16.0
)

func (t table) colWidths() []float64 {
	ws := make([]float64, len(t.header))
	for i, h := range t.header {
		ws[i] = textWidth(h, fontSize, true)
	}
	for _, row := range t.rows {
		for i, c := range row {
			ws[i] = max(ws[i], textWidth(c, fontSize, false))
		}
	}
	return ws
}

// tables returns the tables of the actors and of the possessibles.
func (d *drawing) tables() tableSet {
	m := d.m
	at := "at start"
	if d.st.Tick >= 0 {
		at = "at tick " + strconv.FormatInt(d.st.Tick, 10)
	}
	var ts tableSet
	if len(m.Actors()) > 0 {
		t := table{title: "Actors", header: []string{"actor", "roles", at, "holds", "goals"}}
		for a, actor := range m.Actors() {
			var holds []string
			for _, p := range d.st.Holds[a] {
				holds = append(holds, m.Possessibles()[p].Name)
			}
			t.rows = append(t.rows, []string{actor.Name, dashJoin(actor.Roles), m.Locations()[d.st.At[a]], dashJoin(holds), dashJoin(actor.Goals)})
		}
		ts.tables = append(ts.tables, t)
	}
	if w := d.witness; w != nil && w.Steps != nil {
		t := table{title: "Plan: " + w.Caption, header: []string{"step", "action", "at", "to or on", "using", "risk", "time", "logged"}}
		for i, s := range w.Steps {
			logged := "-"
			if s.Log != 0 {
				logged = "yes"
			}
			t.rows = append(t.rows, []string{strconv.Itoa(i + 1), s.Action, s.Source, s.Target + s.Possessible,
				dashJoin(append(slices.Clone(s.Credentials), s.Roles...)), strconv.FormatFloat(s.Risk, 'f', -1, 64) + "%",
				strconv.FormatInt(s.Time, 10), logged})
		}
		ts.tables = append(ts.tables, t)
	}
	if len(m.Possessibles()) > 0 {
		where := make([]string, len(m.Possessibles()))
		for i := range where {
			where[i] = "nowhere"
		}
		for v, ps := range d.st.Lying {
			for _, p := range ps {
				where[p] = "lies at " + m.Locations()[v]
			}
		}
		for a, ps := range d.st.Holds {
			for _, p := range ps {
				where[p] = "held by " + m.Actors()[a].Name
			}
		}
		t := table{title: "Possessibles and their policies", header: []string{"possessible", "kind", strings.TrimPrefix(at, "at "), "take", "read", "drop"}}
		for p, pos := range m.Possessibles() {
			def := model.DefaultPolicies(pos.Kind)
			row := []string{pos.Name, pos.Kind.String(), where[p]}
			for _, a := range []model.Action{model.Take, model.Read, model.Drop} {
				row = append(row, policyText(a, pos.Policies[a], def[a]))
			}
			t.rows = append(t.rows, row)
		}
		ts.tables = append(ts.tables, t)
	}
	for i, t := range ts.tables {
		if i > 0 {
			ts.height += tableGap
		}
		w := -cellGap
		for _, cw := range t.colWidths() {
			w += cw + cellGap
		}
		ts.width = max(ts.width, w)
		ts.height += 24 + float64(len(t.rows)+1)*rowHeight
	}
	return ts
}

// policyText is an action's policy in short: "anyone" for the default,
// "-" for none, else its clauses.
func policyText(a model.Action, p, def model.AccessPolicy) string {
	if len(p) == 0 {
		return "-"
	}
	var cl []string
	for _, c := range p {
		cl = append(cl, lang.Clause(a, c))
	}
	if len(def) == 1 && len(p) == 1 && cl[0] == lang.Clause(a, def[0]) {
		return "anyone"
	}
	return strings.Join(cl, "; ")
}

// dashJoin joins names with ", ", or returns "-" for none.
func dashJoin(names []string) string {
	if len(names) == 0 {
		return "-"
	}
	return strings.Join(names, ", ")
}

// write draws the tables from x, y down.
func (ts tableSet) write(w *bufio.Writer, x, y float64) {
	for _, t := range ts.tables {
		fmt.Fprintf(w, `<text x="%s" y="%s" font-size="14" font-weight="bold">%s</text>`+"\n", f(x), f(y+14), esc(t.title))
		y += 24
		ws := t.colWidths()
		for r, row := range append([][]string{t.header}, t.rows...) {
			cx := x
			weight := ""
			if r == 0 {
				weight = ` font-weight="bold"`
			} else if r%2 == 1 {
				total := -cellGap
				for _, cw := range ws {
					total += cw + cellGap
				}
				fmt.Fprintf(w, `<rect x="%s" y="%s" width="%s" height="%s" fill="#f8fafc"/>`+"\n", f(x-4), f(y+float64(r)*rowHeight+3), f(total+8), f(rowHeight))
			}
			for i, c := range row {
				fmt.Fprintf(w, `<text x="%s" y="%s"%s>%s</text>`+"\n", f(cx), f(y+float64(r+1)*rowHeight), weight, esc(c))
				cx += ws[i] + cellGap
			}
		}
		y += float64(len(t.rows)+1)*rowHeight + tableGap
	}
}
