package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/slpftest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestSimExamples checks every example model; TestDocShellBlocks runs the
// commands of examples/README.md.
func TestSimExamples(t *testing.T) {
	root := wasmbuild.ModuleRoot(t)
	models, _ := filepath.Glob(filepath.Join(root, "examples", "*.model"))
	if len(models) < 3 {
		t.Fatalf("%d example models, want at least 3", len(models))
	}
	for _, m := range models {
		run(t, "", "sim", "check", m).check(t, cli.ExitOK)
	}
}

func writeModel(t *testing.T, src string) string {
	t.Helper()
	return writeFile(t, t.TempDir(), "test.model", src)
}

func TestSimCheck(t *testing.T) {
	t.Parallel()
	good := writeModel(t, "connections {\n  hallway -> office {\n    key: mlog (0%, 2)\n    *: m (10%, 5)\n  };\n}\n")
	r := run(t, "", "sim", "check", good)
	r.check(t, cli.ExitOK)
	if want := good + ": ok: 2 locations, 0 roles, 1 possessibles, 0 actors, 1 connections\n"; r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
	r = run(t, "", "sim", "check", good, "--output", "json")
	r.check(t, cli.ExitOK)
	assertJSON(t, r.stdout, `{"file":"`+good+`","locations":2,"roles":0,"possessibles":1,"actors":0,"connections":1}`)

	bad := writeModel(t, "locations { a; }\nconnections {\n  a -> b { *: m }\n  a -> a { *: t }\n}\n")
	r = run(t, "", "sim", "check", bad)
	r.check(t, cli.ExitFinding, bad+`:3:8: unknown location "b"`, bad+`:4:3: connection from "a" to itself`, bad+":4:15: a connection's policy governs move, not take")

	r = run(t, "locations { a }", "sim", "check", "-")
	r.check(t, cli.ExitFinding, `<stdin>:1:15: expected ";" after a location`)
	// To the other sim commands an invalid model is bad input.
	run(t, "", "sim", "analyze", bad).check(t, cli.ExitUsage, bad+`:3:8: unknown location "b"`)
	run(t, "", "sim", "check", filepath.Join(t.TempDir(), "none.model")).check(t, cli.ExitUsage, "no such file")
}

const building = `
locations { hall; office; vault; }
possessibles { credential key at hall; }
actors { eve { at hall; goals vault; } }
connections {
  hall -> office { key: mlog (0%, 1) *: m (50%, 4) }
  office -> vault { *: m (0%, 1) }
}`

func TestSimPaths(t *testing.T) {
	t.Parallel()
	file := writeModel(t, building)
	r := run(t, "", "sim", "paths", file, "--from", "hall", "--to", "vault", "--output", "json")
	r.check(t, cli.ExitOK)
	assertJSON(t, r.stdout, `{
	  "shortest": {"path": ["hall", "office", "vault"], "steps": 2},
	  "fastest": {"path": ["hall", "office", "vault"], "steps": 2, "time": 2},
	  "likeliest": {"path": ["hall", "office", "vault"], "steps": 2, "chance": 1},
	  "unlogged": {"path": ["hall", "office", "vault"], "steps": 2}}`)
	r = run(t, "", "sim", "paths", file, "--from", "hall", "--to", "vault", "--actor", "eve")
	r.check(t, cli.ExitOK)
	for _, want := range []string{"fastest    hall -> office -> vault  (time 5)", "likeliest  hall -> office -> vault  (50% success)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	r = run(t, "", "sim", "paths", file, "--from", "vault", "--to", "hall")
	r.check(t, cli.ExitFinding, "no path from vault to hall")
	r = run(t, "", "sim", "paths", file, "--from", "hall", "--to", "vault", "--all", "--output", "json")
	r.check(t, cli.ExitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("--all --output json wrote %d lines, want a path and the count:\n%s", len(lines), r.stdout)
	}
	assertJSON(t, lines[0], `{"path": ["hall", "office", "vault"], "steps": 2}`)
	assertJSON(t, lines[1], `{"count": 1, "limited": false, "max_depth": 6}`)
	r = run(t, "", "sim", "paths", file, "--from", "hall", "--to", "vault", "--all", "--max-depth", "1")
	r.check(t, cli.ExitFinding)
	run(t, "", "sim", "paths", file, "--from", "hall", "--to", "roof").check(t, cli.ExitUsage, `--to: no location "roof"`)
	run(t, "", "sim", "paths", file, "--from", "hall", "--to", "vault", "--actor", "bob").check(t, cli.ExitUsage, `no actor "bob"`)
	run(t, "", "sim", "paths", file, "--to", "vault").check(t, cli.ExitUsage, `--from is required`)
}

// TestSimPlans checks that sim paths --goal plans to take the key on the
// way, where --actor alone counts only what eve holds at the start.
func TestSimPlans(t *testing.T) {
	t.Parallel()
	file := writeModel(t, building)
	r := run(t, "", "sim", "paths", file, "--actor", "eve", "--goal", "vault")
	r.check(t, cli.ExitOK)
	for _, want := range []string{
		"likeliest: eve meets vault in 3 steps, time 3, 100% success, 1 logged\n   1. take key at hall\n   2. move hall -> office, with key, logged\n   3. move office -> vault\n",
		"unlogged shortest: eve meets vault in 2 steps, time 5, 50% success, 0 logged\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	r = run(t, "", "sim", "paths", file, "--actor", "eve", "--goal", "vault", "--output", "json")
	r.check(t, cli.ExitOK)
	var plans map[string]struct {
		Steps []struct{ Action, Source, Target, Possessible string }
		Time  int64
	}
	if err := json.Unmarshal([]byte(r.stdout), &plans); err != nil {
		t.Fatal(err)
	}
	if p := plans["fastest"]; len(p.Steps) != 3 || p.Steps[0].Action != "take" || p.Steps[0].Possessible != "key" || p.Time != 3 {
		t.Errorf("fastest plan = %+v", p)
	}
	run(t, "", "sim", "paths", file, "--actor", "eve", "--goal", "vault", "--from", "vault").check(t, cli.ExitOK)
	locked := writeModel(t, strings.Replace(building, "*: m (50%, 4)", "", 1))
	run(t, "", "sim", "paths", locked, "--from", "hall", "--to", "vault", "--actor", "eve").check(t, cli.ExitFinding,
		`no path from hall to vault for eve with what it holds at the start (--goal "vault" plans to pick up what it needs)`)
	run(t, "", "sim", "paths", locked, "--actor", "eve", "--goal", "vault").check(t, cli.ExitOK)
	run(t, "", "sim", "paths", file, "--actor", "eve", "--goal", "hall", "--from", "vault").check(t, cli.ExitFinding, "eve has no plan to meet hall")
	run(t, "", "sim", "paths", file, "--actor", "eve", "--goal", "vault", "--max-states", "1").check(t, cli.ExitFinding, "within --max-states 1")
	run(t, "", "sim", "paths", file, "--goal", "vault").check(t, cli.ExitUsage, "--goal needs --actor")
	run(t, "", "sim", "paths", file, "--actor", "eve", "--goal", "roof").check(t, cli.ExitUsage, `no location or possessible "roof"`)
}

func TestSimAnalyze(t *testing.T) {
	t.Parallel()
	file := writeModel(t, building)
	r := run(t, "", "sim", "analyze", file, "--output", "json")
	r.check(t, cli.ExitOK)
	var rep struct {
		Actors []struct {
			Actor     string
			Locations []string
			Obtains   []string
			Goals     []struct {
				Name string
				Met  bool
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if a := rep.Actors[0]; a.Actor != "eve" || len(a.Locations) != 3 || a.Obtains[0] != "key" || !a.Goals[0].Met {
		t.Errorf("report = %+v", rep)
	}
	r = run(t, "", "sim", "analyze", file, "--fixed")
	r.check(t, cli.ExitOK)
	if !strings.Contains(r.stdout, "eve    3 of 3   -        -      vault: yes") {
		t.Errorf("stdout =\n%s", r.stdout)
	}
	r = run(t, "", "sim", "analyze", file)
	r.check(t, cli.ExitOK)
	if !strings.Contains(r.stdout, "vault  eve    hall -> office -> vault  (2 steps)") {
		t.Errorf("stdout lacks the witness:\n%s", r.stdout)
	}
}

func TestSimRun(t *testing.T) {
	t.Parallel()
	// Only the key opens the office, so eve takes it first.
	file := writeModel(t, strings.Replace(building, "*: m (50%, 4)", "", 1))
	dir := t.TempDir()
	trace, log := filepath.Join(dir, "trace.jsonl"), filepath.Join(dir, "log.jsonl")
	r := run(t, "", "sim", "run", file, "--seed", "3", "--trace", trace, "--log", log, "--output", "json")
	r.check(t, cli.ExitOK)
	assertJSON(t, r.stdout, `{"ticks": 3, "steps": 3, "reason": "goals",
	  "actors": [{"name": "eve", "location": "vault", "holds": ["key"], "goals_met": 2}]}`)
	header := `{"version":1,"kind":"%s","seed":3,"ticks":1000,"conflicts":"random","agents":{"eve":"shortest"},"model":"sha256:`
	b, _ := os.ReadFile(log)
	first, rest, _ := strings.Cut(string(b), "\n")
	if want := `{"tick":1,"action":"move","source":"hall","target":"office","possessible":null,"credentials":["key"]}` + "\n"; rest != want || !strings.HasPrefix(first, fmt.Sprintf(header, "log")) {
		t.Errorf("log = %s, want a header and %s", b, want)
	}
	b, _ = os.ReadFile(trace)
	if n := strings.Count(string(b), "\n"); n != 4 || !strings.HasPrefix(string(b), fmt.Sprintf(header, "trace")) {
		t.Errorf("trace has %d lines, want a header and 3:\n%s", n, b)
	}
	r = run(t, "", "sim", "replay", trace, "--model", file)
	r.check(t, cli.ExitOK)
	for _, want := range []string{"1     eve    move hall -> office, with key  ok", "replay ended after 3 ticks (goals) with 3 steps", "eve    shortest  vault     key    -     met at tick 2"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("replay's stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	r = run(t, "q\n", "sim", "replay", trace, "--model", file, "--step")
	r.check(t, cli.ExitOK)
	if !strings.Contains(r.stdout, "eve    shortest  hall      key    -     not met") || strings.Contains(r.stdout, "vault") {
		t.Errorf("replay --step's stdout, stopped after tick 1:\n%s", r.stdout)
	}
	// A trace without a header reads as version 1; one that does not fit the model is a finding.
	_, steps, _ := strings.Cut(string(b), "\n")
	r = run(t, steps, "sim", "replay", "-", "--output", "json")
	r.check(t, cli.ExitOK)
	assertJSON(t, r.stdout, `{"header": {"version": 1, "kind": "trace", "seed": 0, "ticks": 0}, "steps": [
	  {"tick": 0, "actor": "eve", "action": "take", "source": "hall", "possessible": "key", "risk": 0, "time": 1, "outcome": "ok"},
	  {"tick": 1, "actor": "eve", "action": "move", "source": "hall", "target": "office", "credentials": ["key"], "risk": 0, "time": 1, "outcome": "ok", "log": "action,source,target,possessible,credentials"},
	  {"tick": 2, "actor": "eve", "action": "move", "source": "office", "target": "vault", "risk": 0, "time": 1, "outcome": "ok"}]}`)
	run(t, strings.Replace(steps, "office", "vault", 1), "sim", "replay", "-", "--model", file).check(t, cli.ExitFinding, `<stdin>: step 2: actor "eve" cannot move "vault" at "hall"`)
	run(t, `{"version":2,"kind":"trace"}`, "sim", "replay", "-").check(t, cli.ExitUsage, "line 1: version 2: this gatehouse reads versions 1 to 1")
	r = run(t, "", "sim", "run", file, "--agent", "*=random", "--ticks", "5")
	r.check(t, cli.ExitOK)
	if !strings.HasPrefix(r.stdout, "run ended after") || !strings.Contains(r.stdout, "eve    random") {
		t.Errorf("stdout =\n%s", r.stdout)
	}
	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--agent", "bob=random"}, `the model has no actor "bob"`},
		{[]string{"--agent", "eve"}, `want ACTOR=AGENT`},
		{[]string{"--agent", "eve=oracle", "--plugins", filepath.Join(dir, "none")}, `agents oracle are not built in`},
		{[]string{"--conflicts", "coin"}, `want random, fail or priority:ACTOR,...`},
		{[]string{"--conflicts", "priority:eve,zed"}, `no actor "zed"`},
		{[]string{"--ticks", "0"}, "at least 1 tick"},
		{[]string{"--trace", filepath.Join(dir, "no", "such", "dir")}, "--trace"},
	} {
		run(t, "", append([]string{"sim", "run", file}, tt.args...)...).check(t, cli.ExitUsage, tt.stderr)
	}
}

// TestSimRunPluginAgent drives an actor with the greedy agent of the
// basics plugin.
func TestSimRunPluginAgent(t *testing.T) {
	t.Parallel()
	plugins := pluginDir(t, map[string]string{"basics.wasm": wasmbuild.Go(t, srcBasics)})
	config := writeFile(t, t.TempDir(), "gatehouse.yaml", "cache_dir: "+wasmbuild.CacheDir(t, "wazero")+"\nlimits:\n  timeout: 1m\n")
	file := writeModel(t, `connections { hall -> lab { *: m } lab -> vault { *: m } hall -> office { *: m } }
actors { eve { at hall; goals vault; } }`)
	r := run(t, "", "sim", "run", file, "--config", config, "--plugins", plugins, "--agent", "eve=greedy")
	r.check(t, cli.ExitOK)
	if !strings.Contains(r.stdout, "eve    greedy  vault     -      -     met at tick 1") {
		t.Errorf("stdout =\n%s", r.stdout)
	}
	run(t, "", "sim", "run", file, "--config", config, "--plugins", plugins, "--agent", "eve=nobody").check(t, cli.ExitUsage, `agent "nobody"`)
}

// TestSimRunAgentsOfTwoPlugins drives two actors with the greedy agents of
// the Go and C basics plugins, which both provide one, so each is named
// with its plugin.
func TestSimRunAgentsOfTwoPlugins(t *testing.T) {
	t.Parallel()
	plugins := pluginDir(t, map[string]string{"basics.wasm": wasmbuild.Go(t, srcBasics), "c-basics.wasm": wasmbuild.C.Plugin(t, "c-basics")})
	config := writeFile(t, t.TempDir(), "gatehouse.yaml", "cache_dir: "+wasmbuild.CacheDir(t, "wazero")+"\nlimits:\n  timeout: 1m\n")
	file := writeModel(t, `connections { hall -> lab { *: m } lab -> vault { *: m } hall -> office { *: m } office -> hall { *: m } }
actors { eve { at hall; goals vault; } joe { at office; goals vault; } }`)
	r := run(t, "", "sim", "run", file, "--config", config, "--plugins", plugins, "--agent", "eve=basics/greedy", "--agent", "joe=c-basics/greedy")
	r.check(t, cli.ExitOK)
	for _, want := range []string{"eve    basics/greedy    vault     -      -     met at tick 1", "joe    c-basics/greedy  vault     -      -     met at tick 2"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	run(t, "", "sim", "run", file, "--config", config, "--plugins", plugins, "--agent", "eve=greedy").check(t, cli.ExitUsage, "name one as PLUGIN/greedy")
}

// TestSimRunPlannerAgents runs examples/datacentre.model with every actor
// played by the agent planner of the basics plugin of each language, which
// follows the host's plans: the technician takes the cage key at tick 6 and
// is in the cage at tick 8, as with the built-in planner, and every
// language writes the same trace.
func TestSimRunPlannerAgents(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds plugins in every language")
	}
	plugins := pluginDir(t, map[string]string{
		"basics.wasm":     wasmbuild.Go(t, srcBasics),
		"c-basics.wasm":   wasmbuild.C.Plugin(t, "c-basics"),
		"rs-basics.wasm":  wasmbuild.Rust.Plugin(t, "rs-basics"),
		"zig-basics.wasm": wasmbuild.Zig.Plugin(t, "zig-basics"),
		"as-basics.wasm":  wasmbuild.AssemblyScript.Plugin(t, "as-basics"),
	})
	dir := t.TempDir()
	config := writeFile(t, dir, "gatehouse.yaml", "cache_dir: "+wasmbuild.CacheDir(t, "wazero")+"\nlimits:\n  timeout: 1m\n")
	model := filepath.Join(wasmbuild.ModuleRoot(t), "examples", "datacentre.model")
	var want []byte
	for _, plugin := range []string{"basics", "c-basics", "rs-basics", "zig-basics", "as-basics"} {
		trace := filepath.Join(dir, plugin+".jsonl")
		r := run(t, "", "sim", "run", model, "--config", config, "--plugins", plugins, "--agent", "*="+plugin+"/planner",
			"--ticks", "60", "--trace", trace)
		r.check(t, cli.ExitOK)
		if !regexp.MustCompile(`tech +` + plugin + `/planner +cage +cage key, pin, site badge +- +met at tick 8`).MatchString(r.stdout) {
			t.Errorf("%s: stdout =\n%s", plugin, r.stdout)
		}
		b, err := os.ReadFile(trace)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`{"tick":6,"actor":"tech","action":"take","source":"noc","possessible":"cage key"`)) {
			t.Errorf("%s: the technician did not take the cage key at tick 6", plugin)
		}
		_, steps, _ := bytes.Cut(b, []byte("\n")) // after the header, which names the agents
		if want == nil {
			want = steps
		} else if !bytes.Equal(steps, want) {
			t.Errorf("%s: the trace differs from the Go plugin's", plugin)
		}
	}
}

func TestSimFuzzAndDot(t *testing.T) {
	t.Parallel()
	r := run(t, "", "sim", "fuzz", "--locations", "12", "--actors", "2", "--seed", "5", "--exotic")
	r.check(t, cli.ExitOK)
	again := run(t, "", "sim", "fuzz", "--locations", "12", "--actors", "2", "--seed", "5", "--exotic")
	if again.stdout != r.stdout {
		t.Error("sim fuzz is not reproducible")
	}
	c := run(t, r.stdout, "sim", "check", "-")
	c.check(t, cli.ExitOK)
	if !strings.Contains(c.stdout, "12 locations, 2 roles, 5 possessibles, 2 actors, 24 connections") {
		t.Errorf("check of the fuzzed model: %s", c.stdout)
	}
	run(t, "", "sim", "fuzz", "--density", "0.5").check(t, cli.ExitUsage, "density of at least 1")

	d := run(t, r.stdout, "sim", "dot", "-")
	d.check(t, cli.ExitOK)
	if !strings.HasPrefix(d.stdout, "digraph model {") {
		t.Errorf("dot output:\n%s", d.stdout)
	}
	if _, err := exec.LookPath("dot"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("graphviz dot is not installed, and CI needs it")
		}
		t.Skip("graphviz dot is not installed")
	}
	s := run(t, r.stdout, "sim", "dot", "-", "--svg")
	s.check(t, cli.ExitOK)
	if !strings.Contains(s.stdout, "<svg") {
		t.Errorf("no SVG:\n%s", s.stdout)
	}
}

// TestSimJSONEmptyLists checks that empty lists print as [], not null.
func TestSimJSONEmptyLists(t *testing.T) {
	t.Parallel()
	file := writeModel(t, "locations { a; b; }\npossessibles { document note at b; }\nactors { ann { at a; }; }\n")
	for _, args := range [][]string{
		{"sim", "analyze", file, "--output", "json"},
		{"sim", "run", file, "--ticks", "3", "--output", "json"},
		{"sim", "run", writeModel(t, "locations { a; }\n"), "--ticks", "3", "--output", "json"},
	} {
		r := run(t, "", args...)
		r.check(t, cli.ExitOK)
		if strings.Contains(r.stdout, "null") {
			t.Errorf("%v prints null:\n%s", args, r.stdout)
		}
	}
}

// TestSimRunStartsNoPlugin runs a model with a plugin agent from a folder
// that also holds an SLPF actuator: a one-shot command serves no
// actuator, so it must not start one (a start restores packet filter
// rules from a store the command does not open), and an unknown agent's
// error must not name an empty plugin.
func TestSimRunStartsNoPlugin(t *testing.T) {
	t.Parallel()
	plugins := pluginDir(t, map[string]string{"basics.wasm": wasmbuild.Go(t, srcBasics), "slpf-nftables.wasm": slpftest.Actuators[0].Build(t)})
	config := writeFile(t, t.TempDir(), "gatehouse.yaml", "cache_dir: "+wasmbuild.CacheDir(t, "wazero")+"\nlimits:\n  timeout: 1m\n")
	file := writeModel(t, `connections { hall -> vault { *: m } }
actors { eve { at hall; goals vault; } }`)
	r := run(t, "", "sim", "run", file, "--config", config, "--plugins", plugins, "--agent", "eve=greedy")
	r.check(t, cli.ExitOK)
	if r.stderr != "" {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	r = run(t, "", "sim", "run", file, "--config", config, "--plugins", plugins, "--agent", "eve=nosuch")
	r.check(t, cli.ExitUsage, `gatehouse: agent nosuch: no_component: no plugin provides agent "nosuch"`)
	if strings.Contains(r.stderr, "plugin ,") || strings.Contains(r.stderr, "gatehouse_start") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}
