package plan

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format writes the plan as text: a summary line (its criterion, actor,
// goals, steps, time, chance of success and logged steps), then each step on a
// line of its own, numbered from 1, with what it uses (credentials and
// roles), its risk and time when they are not the default (0%, 1), and
// whether it leaves a log entry.
func (p *Plan) Format(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s meets %s in %d steps, time %d, %s success, %d logged\n",
		p.Criterion, p.Actor, strings.Join(p.Goals, ", "), len(p.Steps), p.Time, percent(p.Chance*100), p.Logged)
	for i, s := range p.Steps {
		fmt.Fprintf(&b, "%4d. %s\n", i+1, s.String())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// String describes the step on one line: `take "cage key" at noc, as
// technician, logged`.
func (s Step) String() string {
	var b strings.Builder
	if s.Action == "move" {
		fmt.Fprintf(&b, "move %s -> %s", name(s.Source), name(s.Target))
	} else {
		fmt.Fprintf(&b, "%s %s at %s", s.Action, name(s.Possessible), name(s.Source))
	}
	if len(s.Credentials) > 0 {
		b.WriteString(", with " + names(s.Credentials))
	}
	if len(s.Roles) > 0 {
		b.WriteString(", as " + names(s.Roles))
	}
	if s.Risk > 0 {
		b.WriteString(", risk " + percent(s.Risk))
	}
	if s.Time != 1 {
		fmt.Fprintf(&b, ", time %d", s.Time)
	}
	if s.Log != 0 {
		b.WriteString(", logged")
	}
	return b.String()
}

// name quotes a name that has spaces, as the model language would.
func name(n string) string {
	if strings.ContainsAny(n, " \t\"\\,") {
		return strconv.Quote(n)
	}
	return n
}

func names(ns []string) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = name(n)
	}
	return strings.Join(out, " and ")
}

// percent writes a percentage with up to four significant digits.
func percent(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) + "%" }

// Route describes the plan on one line: the locations it goes through,
// with what it takes and reads at each in parentheses.
func (p *Plan) Route() string {
	var b strings.Builder
	b.WriteString(name(p.From))
	for _, s := range p.Steps {
		if s.Action == "move" {
			b.WriteString(" -> " + name(s.Target))
		} else {
			b.WriteString(" (" + s.Action + " " + name(s.Possessible) + ")")
		}
	}
	return b.String()
}
