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
	"github.com/gatehouse/gatehouse/sim/wasmagent"
)

// Defaults of Options.
const (
	DefaultMaxModelBytes = 1 << 20
	DefaultMaxTicks      = 100_000
	DefaultMaxRuns       = 4
	DefaultStallTimeout  = 10 * time.Second
)

// Options configure the endpoint.
type Options struct {
	// Agents opens a session of the agent plugin component name (as
	// `gatehouse plugin list` names it) for one run, and returns it with
	// the function that closes it when the run ends. Nil means only the
	// built-in agents are served.
	Agents func(ctx context.Context, name string) (wasmagent.Session, func(), error)
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
	// Logger logs runs that end in an error; nil means slog.Default().
	Logger *slog.Logger
}

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
	running := make(chan struct{}, opts.MaxRuns)
	e.POST("/v1/sim/runs", func(c echo.Context) error {
		select {
		case running <- struct{}{}:
			defer func() { <-running }()
			return opts.run(c)
		default:
			return echo.NewHTTPError(http.StatusServiceUnavailable, fmt.Sprintf("%d runs are going on, the most at once; try again later", opts.MaxRuns))
		}
	}, guard.JSON)
}

// badRequest is a 400 error with a message.
func badRequest(format string, args ...any) error {
	return echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf(format, args...))
}

// run checks the request, opens the sessions of its agent plugins and
// streams the run. Everything that can be wrong with the request is an
// error response before the stream starts.
func (o Options) run(c echo.Context) error {
	req, m, err := o.decode(c)
	if err != nil {
		return err
	}
	cfg := simulate.Config{Seed: req.Seed, Ticks: req.Ticks}
	if req.Conflicts == "" {
		req.Conflicts = "random"
	}
	if cfg.Conflicts, err = simulate.ParseConflicts(m, req.Conflicts); err != nil {
		return badRequest("%v", err)
	}
	assigned, err := agent.Assign(m, req.Agents)
	if err != nil {
		return badRequest("%v", err)
	}
	ctx, cancel := context.WithCancel(c.Request().Context())
	defer cancel()
	sessions := map[string]wasmagent.Session{}
	for _, name := range agent.Plugins(assigned) {
		if o.Agents == nil {
			return badRequest("agent %q is not built in (%s), and this server has no agent plugins", name, strings.Join(agent.Names, ", "))
		}
		s, closeSession, err := o.Agents(ctx, name)
		if err != nil {
			return badRequest("agent %q: %v", name, err)
		}
		defer closeSession()
		sessions[name] = s
	}
	cfg.Agent = wasmagent.Team(assigned, sessions)

	w := newStream(c.Response(), o.StallTimeout)
	w.send("start", startEvent{Seed: cfg.Seed, Ticks: cfg.Ticks, Agents: assigned})
	cfg.Listeners = []simulate.Listener{func(e simulate.Event) {
		switch e.Kind {
		case simulate.EventStep:
			w.send("step", e.Step)
		case simulate.EventGoals:
			w.send("goals", goalsEvent{Tick: e.Tick, Actor: e.Actor})
		case simulate.EventEnd:
			w.send("end", e.Result)
		}
		if w.err != nil {
			cancel() // the client is gone
		}
	}}
	if _, err := simulate.Run(ctx, m, cfg); err != nil && w.err == nil && ctx.Err() == nil {
		o.Logger.Warn("simulation run failed", "error", err)
		w.send("error", problem{Code: "run_failed", Message: err.Error()})
	}
	return nil
}

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
