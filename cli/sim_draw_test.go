package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestSimDraw draws a model to standard output and to a file, at a tick of
// a run and with a plan, and checks the errors of bad flags and inputs.
func TestSimDraw(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	office := filepath.Join(wasmbuild.ModuleRoot(t), "examples", "office.model")
	r := run(t, "", "sim", "draw", office)
	r.check(t, cli.ExitOK)
	if !strings.HasPrefix(r.stdout, "<svg ") || !strings.Contains(r.stdout, ">manager office</text>") {
		t.Errorf("sim draw printed:\n%.300s", r.stdout)
	}

	trace := filepath.Join(dir, "trace.jsonl")
	run(t, "", "sim", "run", office, "--seed", "7", "--trace", trace).check(t, cli.ExitOK)
	out := filepath.Join(dir, "office.svg")
	run(t, `["street", "reception"]`, "sim", "draw", office, "--trace", trace, "--tick", "2", "--plan", "-", "-o", out).check(t, cli.ExitOK)
	svg, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{office + " at tick 2</text>", ">at tick 2</text>", ">plan, with its steps</text>"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("the drawing lacks %s", want)
		}
	}

	// The plans of sim paths --goal, of which the shortest is drawn.
	plans := filepath.Join(dir, "plans.json")
	r = run(t, "", "sim", "paths", office, "--actor", "mallory", "--goal", "payroll", "--output", "json")
	r.check(t, cli.ExitOK)
	writeFile(t, dir, "plans.json", r.stdout)
	r = run(t, "", "sim", "draw", office, "--plan", plans)
	r.check(t, cli.ExitOK)
	if !strings.Contains(r.stdout, ">Plan: shortest plan of mallory for payroll: ") {
		t.Errorf("the drawing of a witness has no table of its steps")
	}

	dotFile := filepath.Join(dir, "office.dot")
	run(t, "", "sim", "dot", office, "-o", dotFile).check(t, cli.ExitOK)
	if src, _ := os.ReadFile(dotFile); !strings.HasPrefix(string(src), "digraph model {") {
		t.Errorf("sim dot -o wrote:\n%s", src)
	}

	plan := writeFile(t, dir, "plan.json", `["street", "kitchen"]`)
	lie := writeFile(t, dir, "lie.jsonl", `{"version":1,"kind":"trace","seed":7,"ticks":10}
{"tick":0,"actor":"mallory","action":"move","source":"street","target":"manager office","risk":0,"time":1,"outcome":"ok"}
`)
	log := writeFile(t, dir, "log.jsonl", `{"version":1,"kind":"log","seed":7,"ticks":10}`)
	bad := filepath.Join(dir, "bad.svg")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tick", "3"}, "--tick needs --trace"},
		{[]string{"--trace", trace, "--tick", "-1"}, "--tick -1: ticks count from 0"},
		{[]string{"--trace", filepath.Join(dir, "none")}, "--trace: open"},
		{[]string{"--trace", lie}, `step 1: actor "mallory" cannot move "manager office" at "street"`},
		{[]string{"--trace", log}, "line 1: a log, not a trace"},
		{[]string{"--plan", plan, "-o", bad}, `plan step 2: no connection from "street" to "kitchen"`},
	} {
		run(t, "", append([]string{"sim", "draw", office}, c.args...)...).check(t, cli.ExitUsage, c.want)
	}
	run(t, "", "sim", "draw", "-", "--plan", "-").check(t, cli.ExitUsage, "--plan -: standard input holds the model already")
	if _, err := os.Stat(bad); err == nil {
		t.Error("a failed sim draw -o left a file")
	}
}
