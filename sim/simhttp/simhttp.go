// Package simhttp serves simulation runs over HTTP on echo: a client posts
// a model and the options of a run, and reads the run as it goes as a
// stream of server-sent events (the HTML Living Standard, section 9.2).
// docs/simulation.md describes the endpoint.
package simhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/internal/guard"
	"github.com/gatehouse/gatehouse/sim/agent"
	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

// Defaults of Options.
const (
	DefaultMaxModelBytes  = 1 << 20
	DefaultMaxTicks       = 100_000
	DefaultMaxRuns        = 4
	DefaultStallTimeout   = 10 * time.Second
	DefaultMaxRunTime     = time.Minute
	DefaultMaxOutputBytes = 32 << 20
)

// Options configure the endpoint.
type Options struct {
	// Agents opens the agent plugin component name (as `gatehouse plugin
	// list` names it) for one run: it returns the function that makes the
	// agent of each actor that plays it, and the function that closes the
	// component when the run ends. Nil means only the built-in agents are
	// served.
	Agents func(ctx context.Context, name string) (func() simulate.Agent, func(), error)
	// MaxModelBytes is the largest model text accepted; 0 means
	// DefaultMaxModelBytes.
	MaxModelBytes int64
	// MaxTicks is the most ticks a run may ask for; 0 means
	// DefaultMaxTicks.
	MaxTicks int64
	// MaxRuns is the most runs at once; a request past it gets 503. 0
	// means DefaultMaxRuns.
	MaxRuns int
	// StallTimeout bounds the writing of each event: a run whose client
	// does not read for that long ends, and frees its place. 0 means
	// DefaultStallTimeout.
	StallTimeout time.Duration
	// MaxRunTime is the time budget of a run, its agent plugins' calls
	// included: a run that reaches it ends with an error event. 0 means
	// DefaultMaxRunTime.
	MaxRunTime time.Duration
	// MaxOutputBytes is the output budget of a run: once its events
	// exceed it, the run ends with an error event. 0 means
	// DefaultMaxOutputBytes.
	MaxOutputBytes int64
	// Logger logs runs that end in an error; nil means slog.Default().
	Logger *slog.Logger
	// Observe, when set, is told how each run ended, one of the Outcome
	// constants, and how long it took from the check of its request.
	Observe func(outcome string, elapsed time.Duration)
}

// The outcomes of a run, as Options.Observe is told them.
const (
	// OutcomeCompleted is a run that ran its ticks, or met its goals.
	OutcomeCompleted = "completed"
	// OutcomeTimeBudget and OutcomeOutputBudget are runs ended at a budget.
	OutcomeTimeBudget   = "time_budget"
	OutcomeOutputBudget = "output_budget"
	// OutcomeClientGone is a run whose client left or stalled.
	OutcomeClientGone = "client_gone"
	// OutcomeFailed is a run that failed, or whose agents could not be
	// opened.
	OutcomeFailed = "failed"
	// OutcomeBusy is a run refused because MaxRuns were going on.
	OutcomeBusy = "busy"
)

// Request is the JSON body of POST /v1/sim/runs.
type Request struct {
	// Model is the model, in the model language.
	Model string `json:"model"`
	// Agents are ACTOR=AGENT and *=AGENT, as `gatehouse sim run --agent`
	// takes them; AGENT is built in or an agent plugin component.
	Agents []string `json:"agents,omitempty"`
	// Ticks is the most ticks the run lasts; 0 means simulate.DefaultTicks.
	Ticks int64 `json:"ticks,omitempty"`
	// Seed seeds the run.
	Seed int64 `json:"seed,omitempty"`
	// Conflicts is random (the default), fail or priority:ACTOR,...
	Conflicts string `json:"conflicts,omitempty"`
}

// Register adds to e:
//
//	POST /v1/sim/runs   run a model, streaming its events as text/event-stream
func Register(e *echo.Echo, opts Options) {
	if opts.MaxModelBytes == 0 {
		opts.MaxModelBytes = DefaultMaxModelBytes
	}
	if opts.MaxTicks == 0 {
		opts.MaxTicks = DefaultMaxTicks
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxRuns == 0 {
		opts.MaxRuns = DefaultMaxRuns
	}
	if opts.StallTimeout == 0 {
		opts.StallTimeout = DefaultStallTimeout
	}
	if opts.MaxRunTime == 0 {
		opts.MaxRunTime = DefaultMaxRunTime
	}
	if opts.MaxOutputBytes == 0 {
		opts.MaxOutputBytes = DefaultMaxOutputBytes
	}
	running := make(chan struct{}, opts.MaxRuns)
	e.POST("/v1/sim/runs", func(c echo.Context) error {
		// The request is read and checked before the run takes a place:
		// a client that sends it slowly, or a bad one, holds none.
		r, err := opts.plan(c)
		if err != nil {
			return err
		}
		start := time.Now()
		select {
		case running <- struct{}{}:
			defer func() { <-running }()
			outcome, err := opts.run(c, r)
			opts.observe(outcome, start)
			return err
		default:
			opts.observe(OutcomeBusy, start)
			return echo.NewHTTPError(http.StatusServiceUnavailable, fmt.Sprintf("%d runs are going on, the most at once; try again later", opts.MaxRuns))
		}
	}, guard.SameOrigin, guard.JSON)
}

// observe tells Observe, if set, of a run that ended with outcome.
func (o Options) observe(outcome string, start time.Time) {
	if o.Observe != nil {
		o.Observe(outcome, time.Since(start))
	}
}

// badRequest is a 400 error with a message.
func badRequest(format string, args ...any) error {
	return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf(format, args...))
}

// runPlan is a checked request: the model, the run's configuration
// without its agents, and every actor's agent.
type runPlan struct {
	m        *model.Model
	cfg      simulate.Config
	assigned map[string]string
}

// plan reads and checks the request. Everything that can be wrong with it,
// short of an agent plugin that cannot be opened, is an error here.
func (o Options) plan(c echo.Context) (*runPlan, error) {
	req, m, err := o.decode(c)
	if err != nil {
		return nil, err
	}
	r := &runPlan{m: m, cfg: simulate.Config{Seed: req.Seed, Ticks: req.Ticks}}
	if req.Conflicts == "" {
		req.Conflicts = "random"
	}
	if r.cfg.Conflicts, err = simulate.ParseConflicts(m, req.Conflicts); err != nil {
		return nil, badRequest("%v", err)
	}
	if r.assigned, err = agent.Assign(m, req.Agents); err != nil {
		return nil, badRequest("%v", err)
	}
	if o.Agents == nil {
		if names := agent.Plugins(r.assigned); len(names) > 0 {
			return nil, badRequest("agent %q is not built in (%s), and this server has no agent plugins", names[0], strings.Join(agent.Names, ", "))
		}
	}
	return r, nil
}

// Errors that end a run at its budget, as the causes of its context.
var (
	errTimeBudget   = errors.New("time budget")
	errOutputBudget = errors.New("output budget")
)

// run opens the sessions of the plan's agent plugins and streams the run,
// within the time and output budgets, and returns how it ended. A failure
// to open a session is an error response before the stream starts;
// anything later ends the stream with an error event.
func (o Options) run(c echo.Context, r *runPlan) (string, error) {
	// The budget cancels the run rather than setting a deadline: a plugin
	// call cut short by its caller's deadline would count as the
	// plugin's own timeout.
	ctx, cancel := context.WithCancelCause(c.Request().Context())
	defer cancel(nil)
	budget := time.AfterFunc(o.MaxRunTime, func() { cancel(errTimeBudget) })
	defer budget.Stop()
	plugins := map[string]func() simulate.Agent{}
	for _, name := range agent.Plugins(r.assigned) {
		newAgent, closeSession, err := o.Agents(ctx, name)
		if err != nil {
			return OutcomeFailed, badRequest("agent %q: %v", name, err)
		}
		defer closeSession()
		plugins[name] = newAgent
	}
	cfg := r.cfg
	cfg.Agent = agent.Play(r.assigned, plugins)

	// The request is read: its read deadline, the server's read timeout,
	// would end the run when it passes, however fast the client reads.
	if err := http.NewResponseController(c.Response()).SetReadDeadline(time.Time{}); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return OutcomeFailed, err
	}
	w := newStream(c.Response(), o.StallTimeout)
	w.send("start", startEvent{Seed: cfg.Seed, Ticks: cfg.Ticks, Agents: r.assigned})
	ticks := int64(0)
	cfg.Progress = func(done int64) { ticks = done }
	cfg.Listeners = []simulate.Listener{func(e simulate.Event) {
		if context.Cause(ctx) != nil {
			return // the run ends at the next tick, with nothing more written
		}
		switch e.Kind {
		case simulate.EventStep:
			w.send("step", e.Step)
		case simulate.EventGoals:
			w.send("goals", goalsEvent{Tick: e.Tick, Actor: e.Actor})
		case simulate.EventEnd:
			w.send("end", e.Result)
		}
		switch {
		case w.err != nil:
			cancel(w.err) // the client is gone, or stalls
		case w.written > o.MaxOutputBytes:
			cancel(errOutputBudget)
		}
	}}
	_, err := simulate.Run(ctx, r.m, cfg)
	switch cause := context.Cause(ctx); {
	case w.err != nil || c.Request().Context().Err() != nil:
		o.Logger.Info("simulation run ended: its client is gone or stalls", "ticks", ticks, "error", w.err)
		return OutcomeClientGone, nil
	case cause == errTimeBudget:
		w.send("error", problem{Code: codeBudget, Message: fmt.Sprintf("the run reached its time budget of %s (sim.max_run_time) after %d ticks", o.MaxRunTime, ticks)})
		return OutcomeTimeBudget, nil
	case cause == errOutputBudget:
		w.send("error", problem{Code: codeBudget, Message: fmt.Sprintf("the run reached its output budget of %d bytes of events (sim.max_output_bytes) after %d ticks", o.MaxOutputBytes, ticks)})
		return OutcomeOutputBudget, nil
	case err != nil && ctx.Err() == nil:
		o.Logger.Warn("simulation run failed", "error", err)
		w.send("error", problem{Code: "run_failed", Message: err.Error()})
		return OutcomeFailed, nil
	}
	return OutcomeCompleted, nil
}

// codeBudget is the code of the error event of a run that reached its
// time or output budget.
const codeBudget = "budget_exceeded"

// decode reads and checks the request and parses its model.
func (o Options) decode(c echo.Context) (*Request, *model.Model, error) {
	r := c.Request()
	// The model's text, escaped in JSON, takes at most six bytes a byte;
	// the model itself is measured once decoded.
	body := http.MaxBytesReader(c.Response(), r.Body, 6*o.MaxModelBytes+4096)
	var req Request
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", tooLarge.Limit))
		}
		return nil, nil, badRequest("request body: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, badRequest("request body: more than one JSON value")
	}
	switch {
	case strings.TrimSpace(req.Model) == "":
		return nil, nil, badRequest("model: required: the model text, in the model language")
	case int64(len(req.Model)) > o.MaxModelBytes:
		return nil, nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge, fmt.Sprintf("model of %d bytes exceeds the limit of %d", len(req.Model), o.MaxModelBytes))
	case req.Ticks < 0 || req.Ticks > o.MaxTicks:
		return nil, nil, badRequest("ticks %d: want 1 to %d, or 0 for %d", req.Ticks, o.MaxTicks, simulate.DefaultTicks)
	case req.Ticks == 0:
		req.Ticks = min(simulate.DefaultTicks, o.MaxTicks)
	}
	m, err := lang.Parse([]byte(req.Model))
	if err != nil {
		return nil, nil, badRequest("model: %v", err)
	}
	return &req, m, nil
}

// startEvent is the data of the start event.
type startEvent struct {
	Seed   int64             `json:"seed"`
	Ticks  int64             `json:"ticks"`
	Agents map[string]string `json:"agents"`
}

// goalsEvent is the data of a goals event.
type goalsEvent struct {
	Tick  int64  `json:"tick"`
	Actor string `json:"actor"`
}

// problem is the data of an error event, shaped as the server's error
// responses.
type problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
