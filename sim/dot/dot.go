// Package dot draws models as Graphviz graphs: Write produces the DOT
// source and SVG renders it with the Graphviz `dot` program.
package dot

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/gatehouse/gatehouse/sim/draw"
	"github.com/gatehouse/gatehouse/sim/model"
)

// Write writes m as a Graphviz digraph. Each location is a node labelled
// with its name, the possessibles lying there, the actors starting there
// (with their roles) and whose goal it is, drawn gold when it is a goal;
// locations are clustered as sim/draw groups them (draw.Groups). Each
// connection is an edge labelled with its clauses, drawn dashed when none
// lets anyone (`*`) through and blue when one of them is logged; two
// connections between the same locations with the same clauses are one
// edge with two arrowheads. Labels are escaped, so any name draws as
// written.
func Write(w io.Writer, m *model.Model) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("digraph model {\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	lines := make([][]string, m.Len())
	for v, l := range m.Locations() {
		lines[v] = []string{l}
	}
	goalOf := make([][]string, m.Len())
	for _, p := range m.Possessibles() {
		if v, ok := m.LocationID(p.At); ok {
			lines[v] = append(lines[v], p.Kind.String()+" "+p.Name)
		}
	}
	for _, a := range m.Actors() {
		v, _ := m.LocationID(a.At)
		line := "actor " + a.Name
		if len(a.Roles) > 0 {
			line += " (" + strings.Join(a.Roles, ", ") + ")"
		}
		if len(a.Holds) > 0 {
			line += " holding " + strings.Join(a.Holds, ", ")
		}
		lines[v] = append(lines[v], line)
		for _, g := range a.Goals {
			if gv, ok := m.LocationID(g); ok {
				goalOf[gv] = append(goalOf[gv], a.Name)
			}
		}
	}
	_, groups := draw.Groups(m)
	for i, g := range groups {
		indent := "  "
		if len(g.Locations) > 1 || g.Label != "" {
			fmt.Fprintf(bw, "  subgraph cluster_%d {\n    label=%s; style=\"rounded,filled\"; fillcolor=\"#f1f5f9\"; color=\"#94a3b8\";\n", i, Quote(g.Label))
			indent = "    "
		}
		for _, v := range g.Locations {
			attrs := ""
			if len(goalOf[v]) > 0 {
				lines[v] = append(lines[v], "goal of "+strings.Join(goalOf[v], ", "))
				attrs = ", color=goldenrod, penwidth=2"
			}
			fmt.Fprintf(bw, "%sn%d [label=%s%s];\n", indent, v, Quote(strings.Join(lines[v], "\n")), attrs)
		}
		if indent != "  " {
			bw.WriteString("  }\n")
		}
	}
	for v := range m.Len() {
		for _, a := range m.Out(v) {
			both := false
			if back, ok := draw.Reverse(m, a); ok {
				if draw.Clauses(back.Conn) == draw.Clauses(a.Conn) {
					if a.From > a.To {
						continue
					}
					both = true
				}
			}
			open, logged := false, false
			for _, c := range a.Conn.Policies[model.Move] {
				open = open || len(c.Restrictions.Credentials)+len(c.Restrictions.Roles) == 0
				logged = logged || c.Log != 0
			}
			var attrs []string
			if !open {
				attrs = append(attrs, "style=dashed")
			}
			if logged {
				attrs = append(attrs, "color=blue", "fontcolor=blue")
			}
			if both {
				attrs = append(attrs, "dir=both")
			}
			fmt.Fprintf(bw, "  n%d -> n%d [label=%s", a.From, a.To, Quote(draw.Clauses(a.Conn)))
			for _, at := range attrs {
				bw.WriteString(", " + at)
			}
			bw.WriteString("];\n")
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

// Quote returns s as a DOT double-quoted string: backslashes and quotes
// escaped, and each line break written as \n so that Graphviz centres the
// lines.
func Quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// ErrNoGraphviz is returned by SVG when the Graphviz `dot` program is not
// installed.
var ErrNoGraphviz = errors.New("graphviz dot is not installed (Debian: apt-get install graphviz)")

// SVG renders DOT source as SVG with the Graphviz `dot` program.
func SVG(ctx context.Context, w io.Writer, src []byte) error {
	path, err := exec.LookPath("dot")
	if err != nil {
		return ErrNoGraphviz
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "-Tsvg")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(src), w, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dot -Tsvg: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
