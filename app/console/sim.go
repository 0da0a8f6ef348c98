package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/sim/agent"
	"github.com/gatehouse/gatehouse/sim/analysis"
	"github.com/gatehouse/gatehouse/sim/draw"
	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/paths"
	"github.com/gatehouse/gatehouse/sim/plan"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// SimOptions configure the simulation page.
type SimOptions struct {
	// Models is the folder of models (*.model) the page offers; "" offers
	// none.
	Models string
	// Agents opens an agent plugin component for one run, as
	// simhttp.Options.Agents does; nil offers only the built-in agents.
	Agents func(ctx context.Context, name string) (func() simulate.Agent, func(), error)
	// AgentNames are the agent plugin components to offer, besides the
	// built-in agents.
	AgentNames func() []string
	// MaxModelBytes bounds a model; 0 means 1 MiB.
	MaxModelBytes int64
	// MaxTicks bounds a run's ticks, and is bounded in turn by
	// MaxConsoleTicks; 0 means MaxConsoleTicks.
	MaxTicks int64
	// MaxRunTime bounds a run, an analysis or a search for paths; 0 means
	// a minute.
	MaxRunTime time.Duration
}

// Bounds of the simulation page, past those of SimOptions: a run's
// replay is sent to the browser whole, so the page bounds its ticks and
// its trace; MaxPlanStates bounds each search for a plan; maxSimWork is
// how many runs, analyses and searches go on at once; runGrace is how
// long past MaxRunTime the page waits for a run's agent plugins to
// return once the run is cancelled.
const (
	MaxConsoleTicks  = 5000
	MaxTraceBytes    = 16 << 20
	MaxPlanStates    = 1 << 18
	maxSimWork       = 2
	runGrace         = 30 * time.Second
	defaultModelSize = 1 << 20
)

// Sim is what the simulation page shows.
type Sim struct {
	// Form is the form as it was posted.
	Form SimForm
	// Models are the files of the models folder; Agents the agents to
	// pick from.
	Models []string
	Agents []string
	// Errors are the model's errors, with their places.
	Errors []ModelError
	// Drawing is the model drawn, in SVG.
	Drawing template.HTML
	// Replay is a run step by step; nil without one.
	Replay *Replay
	// Analysis is the answer of analyze, Found the paths or plans of paths
	// (each with its route drawn when Shown), and Caption what the drawing
	// highlights.
	Analysis *Analysis
	Found    []Found
	Shown    int
	Caption  string
	// Focus is the location the drawing is scrolled to first: the start of
	// the route drawn, else the first actor's.
	Focus    string
	MaxTicks int64
}

// SimForm is the simulation page's form.
type SimForm struct {
	Do     string // draw, run, analyze or paths
	Model  string // a file of the models folder, or "" for Text
	Text   string
	Agents string
	Seed   int64
	Ticks  int64
	Actor  string
	Goal   string
	From   string
	To     string
}

// ModelError is an error of a model at a place.
type ModelError struct {
	Line, Col int
	Msg       string
}

// Replay is a run for the page's script to step through: the states at
// the start and at the end of each tick with steps, as simulate.Replay
// gives them when it plays the run's trace again.
type Replay struct {
	Seed   int64    `json:"seed"`
	Reason string   `json:"reason"`
	Actors []string `json:"actors"`
	Agents []string `json:"agents"`
	Frames []Frame  `json:"frames"`
}

// Frame is one moment of a replay.
type Frame struct {
	Tick  int64      `json:"tick"`
	At    []string   `json:"at"`    // each actor's location
	Holds [][]string `json:"holds"` // what each actor holds
	Steps []string   `json:"steps"` // the tick's steps
	Log   []string   `json:"log"`   // the log lines the tick wrote
}

// Analysis is the answer of sim analyze, with its witnesses.
type Analysis struct {
	Report    *analysis.Report
	Locations int
	Witnesses []plan.Witness
}

// Found is a path or a plan, and the route it takes.
type Found struct {
	Name, What string
	Route      []string // nil when none was found
	plan       *plan.Plan
}

// simPage shows the simulation page's empty form.
func (c *console) simPage(ctx echo.Context) error {
	s := c.newSim()
	s.Form.Agents = "*=" + agent.Default
	if len(s.Models) > 0 {
		s.Form.Model = s.Models[0]
	}
	return c.show(ctx, "sim", page{Title: "Simulation", Nav: "sim", Data: s})
}

// newSim returns the page with the models and agents to pick from.
func (c *console) newSim() *Sim {
	s := &Sim{Shown: -1, MaxTicks: c.maxTicks()}
	if dir := c.o.Sim.Models; dir != "" {
		s.Models, _ = filepath.Glob(filepath.Join(dir, "*.model")) // the only error is a bad pattern
		for i, p := range s.Models {
			s.Models[i] = filepath.Base(p)
		}
	}
	s.Agents = slices.Clone(agent.Names)
	if c.o.Sim.AgentNames != nil {
		s.Agents = append(s.Agents, c.o.Sim.AgentNames()...)
	}
	return s
}

func (c *console) maxTicks() int64 {
	if t := c.o.Sim.MaxTicks; t > 0 && t < MaxConsoleTicks {
		return t
	}
	return MaxConsoleTicks
}

// simPost draws, runs or analyses the model of the form.
func (c *console) simPost(ctx echo.Context) error {
	s := c.newSim()
	p := page{Title: "Simulation", Nav: "sim", Data: s}
	r := ctx.Request()
	f, err := readSimForm(r.PostForm, s)
	s.Form = f
	if err != nil {
		p.Error = err.Error()
		return c.showStatus(ctx, http.StatusBadRequest, "sim", p)
	}
	src, err := c.modelSource(f, c.modelLimit())
	if err != nil {
		p.Error = err.Error()
		return c.showStatus(ctx, http.StatusBadRequest, "sim", p)
	}
	m, err := lang.Parse(src)
	if err == nil && m.Len() > draw.MaxLocations {
		err = fmt.Errorf("the model has %d locations; the console draws at most %d", m.Len(), draw.MaxLocations)
	}
	if err != nil {
		// A model's errors are the answer to a check of it: the page shows
		// them with 200, and a browser logs no failed request.
		var list lang.ErrorList
		if !errors.As(err, &list) {
			p.Error = err.Error()
			return c.showStatus(ctx, http.StatusBadRequest, "sim", p)
		}
		for _, e := range list {
			s.Errors = append(s.Errors, ModelError{Line: e.Pos.Line, Col: e.Pos.Col, Msg: e.Msg})
		}
		p.Error = "The model has errors."
		return c.show(ctx, "sim", p)
	}
	shown, bad := strconv.Atoi(r.Form.Get("show"))
	if bad != nil {
		shown = -1
	}
	var o draw.Options
	switch f.Do {
	case "run":
		s.Replay, err = c.simRun(r.Context(), m, f)
	case "analyze":
		err = c.bounded(r.Context(), 0, func() error { s.Analysis = analyze(m); return nil })
		if err == nil {
			s.Found = witnesses(s.Analysis)
		}
	case "paths":
		err = c.bounded(r.Context(), 0, func() (err error) { s.Found, err = findPaths(m, f); return err })
	}
	if err != nil {
		p.Error = err.Error()
		return c.showStatus(ctx, http.StatusBadRequest, "sim", p)
	}
	if shown < 0 || shown >= len(s.Found) || s.Found[shown].Route == nil {
		shown = slices.IndexFunc(s.Found, func(x Found) bool { return x.Route != nil })
	}
	if shown >= 0 {
		s.Shown = shown
		if o.Plan, err = planOf(m, s.Found[shown]); err != nil {
			return err
		}
		s.Caption = s.Found[shown].Name + ": " + strings.Join(s.Found[shown].Route, " → ")
		s.Focus = s.Found[shown].Route[0]
	} else if len(m.Actors()) > 0 {
		s.Focus = m.Actors()[0].At
	}
	o.Markers = true
	var svg bytes.Buffer
	if err := draw.SVG(&svg, m, o); err != nil {
		return err
	}
	s.Drawing = template.HTML(svg.String()) // draw escapes every name
	return c.show(ctx, "sim", p)
}

func (c *console) modelLimit() int64 {
	if c.o.Sim.MaxModelBytes > 0 {
		return c.o.Sim.MaxModelBytes
	}
	return defaultModelSize
}

// simForm reads the simulation page's form, refusing one larger than a
// model may be, in URL encoding, and the other fields.
func (c *console) simForm(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ctx echo.Context) error {
		r := ctx.Request()
		r.Body = http.MaxBytesReader(ctx.Response(), r.Body, 3*c.modelLimit()+64<<10)
		if err := r.ParseForm(); err != nil {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("the form is too large: a model may have %d bytes (sim.max_model_bytes)", c.modelLimit()))
		}
		return next(ctx)
	}
}

// readSimForm reads the form's fields, the numbers checked.
func readSimForm(v map[string][]string, s *Sim) (SimForm, error) {
	get := func(k string) string {
		if len(v[k]) == 0 {
			return ""
		}
		return v[k][0]
	}
	f := SimForm{Do: get("do"), Model: get("model"), Text: get("text"), Agents: get("agents"),
		Actor: strings.TrimSpace(get("actor")), Goal: strings.TrimSpace(get("goal")), From: strings.TrimSpace(get("from")), To: strings.TrimSpace(get("to"))}
	switch f.Do {
	case "draw", "run", "analyze", "paths":
	default:
		return f, fmt.Errorf("do %q: want draw, run, analyze or paths", f.Do)
	}
	var err error
	if t := strings.TrimSpace(get("seed")); t != "" {
		if f.Seed, err = strconv.ParseInt(t, 10, 64); err != nil {
			return f, fmt.Errorf("seed %q: want an integer", t)
		}
	}
	if t := strings.TrimSpace(get("ticks")); t != "" {
		if f.Ticks, err = strconv.ParseInt(t, 10, 64); err != nil || f.Ticks < 1 || f.Ticks > s.MaxTicks {
			return f, fmt.Errorf("ticks %q: want 1 to %d", t, s.MaxTicks)
		}
	}
	return f, nil
}

// modelSource returns the text of the form's model: the file it picks
// from the models folder, or the text pasted.
func (c *console) modelSource(f SimForm, limit int64) ([]byte, error) {
	if f.Model == "" {
		if strings.TrimSpace(f.Text) == "" {
			return nil, errors.New("paste a model, or pick one from the folder")
		}
		if int64(len(f.Text)) > limit {
			return nil, fmt.Errorf("the model has %d bytes, more than the %d bytes a model may have (sim.max_model_bytes)", len(f.Text), limit)
		}
		return []byte(f.Text), nil
	}
	dir := c.o.Sim.Models
	if dir == "" || f.Model != filepath.Base(f.Model) || !strings.HasSuffix(f.Model, ".model") {
		return nil, fmt.Errorf("model %q: not a model of the folder", f.Model)
	}
	file, err := os.Open(filepath.Join(dir, f.Model))
	if err != nil {
		return nil, fmt.Errorf("model %q: not a model of the folder", f.Model)
	}
	defer file.Close()
	src, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		return nil, fmt.Errorf("model %q: %v", f.Model, err)
	}
	if int64(len(src)) > limit {
		return nil, fmt.Errorf("model %q has more than the %d bytes a model may have (sim.max_model_bytes)", f.Model, limit)
	}
	return src, nil
}

// errBudget ends work that reached the time budget.
var errBudget = errors.New("time budget")

// bounded runs work if fewer than maxSimWork runs, analyses and searches
// go on, and waits for it until the time budget, and grace past it. Work
// past that is left to finish on its own, still holding its place, so
// that no more than maxSimWork ever go on.
func (c *console) bounded(ctx context.Context, grace time.Duration, work func() error) error {
	select {
	case c.simWork <- struct{}{}:
	default:
		return fmt.Errorf("%d simulations or analyses are going on, the most at once; try again later", maxSimWork)
	}
	done := make(chan error, 1)
	go func() {
		defer func() { <-c.simWork }()
		done <- work()
	}()
	budget := c.runTime()
	t := time.NewTimer(budget + grace)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("the work reached its time budget of %s (sim.max_run_time)", budget)
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *console) runTime() time.Duration {
	if c.o.Sim.MaxRunTime > 0 {
		return c.o.Sim.MaxRunTime
	}
	return time.Minute
}

// simRun runs m with the form's agents, seed and ticks, writing its trace
// and log, and reads the trace back with simulate.ReadTrace and plays it
// with simulate.Replay, as gatehouse sim replay does, into a Replay.
func (c *console) simRun(ctx context.Context, m *model.Model, f SimForm) (*Replay, error) {
	assigned, err := agent.Assign(m, strings.FieldsFunc(f.Agents, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }))
	if err != nil {
		return nil, err
	}
	cfg := simulate.Config{Seed: f.Seed, Ticks: f.Ticks}
	if cfg.Ticks == 0 {
		cfg.Ticks = min(simulate.DefaultTicks, c.maxTicks())
	}
	var trace, log bytes.Buffer
	cfg.Trace = &capped{w: &trace, n: MaxTraceBytes}
	cfg.Log = &capped{w: &log, n: MaxTraceBytes}
	if err := simulate.WriteHeader(&trace, simulate.Header{Kind: simulate.HeaderTrace, Seed: cfg.Seed, Ticks: cfg.Ticks, Agents: assigned}); err != nil {
		return nil, err
	}
	run := func() error {
		// The budget cancels the run rather than setting a deadline, as
		// simhttp's does: an agent plugin's call cut short by a deadline
		// would count as the plugin's own timeout.
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		stop := time.AfterFunc(c.runTime(), func() { cancel(errBudget) })
		defer stop.Stop()
		plugins := map[string]func() simulate.Agent{}
		for _, name := range agent.Plugins(assigned) {
			if c.o.Sim.Agents == nil {
				return fmt.Errorf("agent %q is not built in (%s), and this server has no agent plugins", name, strings.Join(agent.Names, ", "))
			}
			newAgent, closeSession, err := c.o.Sim.Agents(ctx, name)
			if err != nil {
				return fmt.Errorf("agent %q: %v", name, err)
			}
			defer closeSession()
			plugins[name] = newAgent
		}
		cfg.Agent = agent.Play(assigned, plugins)
		_, err := simulate.Run(ctx, m, cfg)
		if context.Cause(ctx) == errBudget {
			return fmt.Errorf("the run reached its time budget of %s (sim.max_run_time)", c.runTime())
		}
		return err
	}
	// A run ends itself at the budget; the grace is for its agent plugins'
	// calls, which their own timeouts bound, to return.
	if err := c.bounded(ctx, runGrace, run); err != nil {
		return nil, err
	}
	h, steps, err := simulate.ReadTrace(&trace)
	if err != nil {
		return nil, fmt.Errorf("read the run's trace: %v", err)
	}
	return replay(ctx, m, h, steps, log.Bytes())
}

// replay plays steps over m with simulate.Replay into frames, each with
// the log lines of its tick.
func replay(ctx context.Context, m *model.Model, h simulate.Header, steps []simulate.Step, log []byte) (*Replay, error) {
	logs := map[int64][]string{}
	for line := range bytes.Lines(log) {
		var e struct {
			Tick int64 `json:"tick"`
		}
		if json.Unmarshal(line, &e) == nil {
			logs[e.Tick] = append(logs[e.Tick], string(bytes.TrimSpace(line)))
		}
	}
	out := &Replay{Seed: h.Seed}
	start := draw.Start(m)
	first := Frame{Tick: -1, Steps: []string{}, Log: []string{}}
	for a, actor := range m.Actors() {
		out.Actors = append(out.Actors, actor.Name)
		out.Agents = append(out.Agents, h.Agents[actor.Name])
		first.At = append(first.At, m.Locations()[start.At[a]])
		first.Holds = append(first.Holds, possessibleNames(m, start.Holds[a]))
	}
	out.Frames = append(out.Frames, first)
	next := 0
	res, err := simulate.Replay(ctx, m, steps, func(r *simulate.Result) error {
		tick := steps[next].Tick
		fr := Frame{Tick: tick, Steps: []string{}, Log: logs[tick]}
		for ; next < len(steps) && steps[next].Tick == tick; next++ {
			fr.Steps = append(fr.Steps, stepText(steps[next]))
		}
		if fr.Log == nil {
			fr.Log = []string{}
		}
		for _, a := range r.Actors {
			fr.At = append(fr.At, a.Location)
			fr.Holds = append(fr.Holds, append([]string{}, a.Holds...))
		}
		out.Frames = append(out.Frames, fr)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("replay the run's trace: %v", err)
	}
	out.Reason = res.Reason
	return out, nil
}

// possessibleNames returns the names of possessibles ps.
func possessibleNames(m *model.Model, ps []int) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, m.Possessibles()[p].Name)
	}
	return out
}

// stepText writes a step as sim replay's table does, on one line.
func stepText(s simulate.Step) string {
	what := s.Action + " at " + s.Source
	switch {
	case s.Target != "":
		what = s.Action + " " + s.Source + " → " + s.Target
	case s.Possessible != "":
		what = s.Action + " " + s.Possessible + " at " + s.Source
	}
	if len(s.Credentials) > 0 {
		what += ", with " + strings.Join(s.Credentials, ", ")
	}
	return s.Actor + ": " + what + ": " + string(s.Outcome)
}

// capped writes to w until n bytes are written, and fails after.
type capped struct {
	w io.Writer
	n int64
}

func (c *capped) Write(p []byte) (int, error) {
	if int64(len(p)) > c.n {
		return 0, fmt.Errorf("the run's trace exceeds the %d bytes the console holds: run fewer ticks", MaxTraceBytes)
	}
	c.n -= int64(len(p))
	return c.w.Write(p)
}

// analyze answers as sim analyze does, with witnesses.
func analyze(m *model.Model) *Analysis {
	rep := analysis.Analyze(m, analysis.Options{})
	return &Analysis{Report: rep, Locations: m.Len(), Witnesses: plan.Witnesses(m, rep, plan.Options{MaxStates: MaxPlanStates})}
}

// witnesses returns an analysis's witnesses as plans to draw.
func witnesses(a *Analysis) []Found {
	var out []Found
	for _, w := range a.Witnesses {
		f := Found{Name: w.Actor + " meets " + w.Goal, What: "none: " + w.Why, plan: w.Plan}
		if w.Plan != nil {
			f.Route, f.What = w.Plan.Locations(), fmt.Sprintf("%d steps: %s", len(w.Plan.Steps), w.Plan.Route())
		}
		out = append(out, f)
	}
	return out
}

// planKinds are the plans paths finds with a goal, as sim paths --goal.
var planKinds = []struct {
	name string
	o    plan.Options
}{
	{"shortest", plan.Options{Criterion: plan.Steps}},
	{"fastest", plan.Options{Criterion: plan.Time}},
	{"likeliest", plan.Options{Criterion: plan.Risk}},
	{"unlogged", plan.Options{Criterion: plan.Steps, Unlogged: true}},
}

// findPaths finds what sim paths does: with a goal, the actor's plans to
// meet it; else the paths from one location to another, for anyone or
// with what the actor holds.
func findPaths(m *model.Model, f SimForm) ([]Found, error) {
	if f.Goal != "" {
		if f.Actor == "" {
			return nil, errors.New("a goal needs an actor: whose plans to find")
		}
		pr, err := plan.ForActor(m, f.Actor)
		if err != nil {
			return nil, err
		}
		if k, ok := m.Kind(f.Goal); !ok || k != model.KindLocation && !k.Possessible() {
			return nil, fmt.Errorf("goal: no location or possessible %q", f.Goal)
		}
		pr.Goals = []string{f.Goal}
		if f.From != "" {
			pr.From = f.From
		}
		var out []Found
		for _, k := range planKinds {
			o := k.o
			o.MaxStates = MaxPlanStates
			p, err := plan.Find(m, pr, o)
			found := Found{Name: k.name}
			if err != nil {
				found.What = "none: " + err.Error()
			} else {
				found.plan, found.Route = p, p.Locations()
				found.What = fmt.Sprintf("%d steps, time %d, chance %s%%, %d logged: %s", len(p.Steps), p.Time, percent(p.Chance), p.Logged, p.Route())
			}
			out = append(out, found)
		}
		return out, nil
	}
	var ends [2]int
	for i, name := range []string{f.From, f.To} {
		v, ok := m.LocationID(name)
		if !ok {
			return nil, fmt.Errorf("%s: no location %q: give from and to, or an actor and a goal", []string{"from", "to"}[i], name)
		}
		ends[i] = v
	}
	rule := paths.All
	if f.Actor != "" {
		id, ok := m.ActorID(f.Actor)
		if !ok {
			return nil, fmt.Errorf("actor: no actor %q", f.Actor)
		}
		a := m.Actors()[id]
		rule = paths.Holding(m.Holdings(a.Holds), m.RoleSet(a.Roles))
	}
	names := func(p []int) []string {
		out := make([]string, len(p))
		for i, v := range p {
			out[i] = m.Locations()[v]
		}
		return out
	}
	var out []Found
	add := func(name string, p []int, ok bool, what string) {
		f := Found{Name: name, What: "none"}
		if ok {
			f.Route, f.What = names(p), what
		}
		out = append(out, f)
	}
	p, ok := paths.Find(m, ends[0], ends[1], rule)
	add("shortest", p, ok, fmt.Sprintf("%d moves", len(p)-1))
	p, t, ok := paths.Fastest(m, ends[0], ends[1], rule)
	add("fastest", p, ok, fmt.Sprintf("time %d", t))
	p, chance, ok := paths.Likeliest(m, ends[0], ends[1], rule)
	add("likeliest", p, ok, fmt.Sprintf("chance %s%%", percent(chance)))
	p, ok = paths.Find(m, ends[0], ends[1], paths.Unlogged(rule))
	add("unlogged", p, ok, fmt.Sprintf("%d moves", len(p)-1))
	return out, nil
}

// percent writes a chance from 0 to 1 as a percentage.
func percent(chance float64) string {
	return strconv.FormatFloat(math.Round(chance*1e4)/100, 'f', -1, 64)
}

// planOf returns what draw highlights of x: its plan, or its route.
func planOf(m *model.Model, x Found) (*draw.Plan, error) {
	var b []byte
	var err error
	if x.plan != nil {
		b, err = json.Marshal(x.plan)
	} else {
		b, err = json.Marshal(x.Route)
	}
	if err != nil {
		return nil, err
	}
	return draw.ReadPlan(m, bytes.NewReader(b))
}
