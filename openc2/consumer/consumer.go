// Package consumer is the OpenC2 consumer (LS v1.0 section 1.6): it takes
// command messages from any transfer, answers 'query features' itself
// (LS v1.0 section 4.1), routes the other commands to actuator components by
// profile, actuator specifiers and action/target pair, honours the
// response_requested argument, schedules start_time, stop_time and duration
// (LS v1.0 section 3.3.1.4), keeps scheduled work across restarts, and
// answers with LS v1.0 responses whose request_id is the command's.
//
// The consumer depends on two small interfaces: Actuators, the components
// that carry commands out (the plugin host in production, fakes in tests),
// and Store, where scheduled work is kept.
//
// # Routing
//
// A command goes to every actuator component that
//
//   - lists the command's actuator profile among its profiles, when the
//     command names an actuator (LS v1.0 section 3.3.1.3);
//   - matches every actuator specifier the command gives: each specifier
//     must equal the one configured for the component (Config.Specifiers),
//     and asset_id defaults to the component's reference "plugin/name";
//   - declares the command's action and target type among its pairs.
//
// A command that names a profile no component implements, or specifiers no
// component of that profile matches, gets 404 Not Found; a command no
// matching component has the pair for gets 501 Not Implemented. A command
// without an actuator goes to every component with the pair. When several
// components match, all of them carry the command out, concurrently; the
// response's status is the highest of theirs (so one failure is never
// reported as success), its status_text names each component whose status
// differs from 200, and its results hold the result fields every component
// answered alike.
//
// # Rule numbers
//
// The consumer numbers every allow and deny it carries out in one space
// (SLPF v1.0 section 2.1.3.2), whichever components carried it out, and
// maps the number to the rule each component answered with; a delete by
// that number deletes exactly those rules. See createRule and deleteRule.
//
// # Responses
//
// response_requested (LS v1.0 section 3.3.1.4) decides when the consumer
// answers: "complete" (the default) after the command is carried out;
// "status" with 102 Processing once the command passed the consumer's checks
// and routing, carrying it out afterwards; "ack" with 102 at once, before
// routing; "none" never. Work the producer does not wait for is logged.
//
// # Scheduling
//
// Time is the consumer's: actuators never see start_time, stop_time or
// duration. A command whose start_time is in the future is checked and
// routed at once and answered 102 Processing, and carried out at
// start_time. A command with stop_time or duration is ended at stop_time
// (start_time + duration) by deleting its rule number, which sends 'delete
// slpf:rule_number' to each component with its own number (SLPF v1.0
// section 2.3.4.1); so it is accepted only by components that declare that
// pair, and only for allow and deny. Both kinds of
// scheduled work are written to the Store before the response is sent, and
// picked up again by Start after a restart. A due delete that fails with a
// 5xx status is retried with a growing delay, up to five minutes apart.
//
// # Cancel
//
// 'cancel command' naming no actuator is the consumer's own (LS v1.0
// section 3.3.1.1): it invalidates scheduled work of the command whose
// command_id (else request_id) the target names. A command waiting for its
// start_time is dropped; one in effect until its stop_time is ended at
// once. Either way the work leaves the Store, so it does not come back
// after a restart. The answer is 200 when a command was cancelled, 404 when
// no pending work has that identifier, 400 for arguments other than
// response_requested. 'query features' lists the pair unless it names an
// actuator.
package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/gatehouse/gatehouse/openc2"
)

// Actuators are the actuator components the consumer routes commands to. The
// plugin host provides them in production.
type Actuators interface {
	// Actuators returns the actuator components available now.
	Actuators() []Actuator
	// Actuate asks the component ref ("plugin/name") to carry out req. An
	// error that wraps an *ActuatorError maps to a status by its code (see
	// StatusOf); any other error is a 500.
	Actuate(ctx context.Context, ref string, req ActuateRequest) (openc2.GenericResponse, error)
}

// Actuator describes one actuator component, from its manifest.
type Actuator struct {
	// Ref is the component's reference, "plugin/name".
	Ref string
	// Profiles are the actuator profiles it implements, by namespace
	// identifier ("slpf").
	Profiles []string
	// Pairs maps each action it supports to the target types it accepts.
	Pairs map[string][]string
}

// Store keeps scheduled work across restarts. A *store.Namespace of package
// internal/store is one.
type Store interface {
	Get(key []byte) ([]byte, bool, error)
	Set(key, value []byte) error
	Delete(key []byte) error
	List(prefix []byte) ([][]byte, error)
}

// Config configures a Consumer. The zero Config is usable: no identifier, no
// rate limit, no configured specifiers, scheduled work kept in memory only.
type Config struct {
	// ID is the consumer's identifier, sent as "from" in the headers of its
	// responses (LS v1.0 section 3.2). Empty leaves "from" out.
	ID string
	// RateLimit is the most commands per minute the consumer accepts; more
	// are answered 503 Service Unavailable. It is reported by 'query
	// features' as rate_limit (LS v1.0 section 3.3.2.2). 0 means no limit.
	RateLimit float64
	// Specifiers holds the actuator specifiers that identify each component,
	// by reference "plugin/name", such as {"hostname": "fw1", "named_group":
	// "edge"}; values are compared as JSON values.
	Specifiers map[string]map[string]any
	// Store keeps scheduled work; nil keeps it in memory, lost on restart.
	Store Store
	// Logger receives the outcome of work no producer waits for; nil uses
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil uses time.Now.
	Now func() time.Time
	// History is how many commands the history keeps in Store (see
	// Consumer.History); 0 keeps none.
	History int
	// Registerer takes the consumer's metrics; nil registers none.
	Registerer prometheus.Registerer
}

// Consumer carries out OpenC2 commands. It is safe for concurrent use.
type Consumer struct {
	acts       Actuators
	id         string
	rateLimit  float64
	limiter    *rate.Limiter
	specifiers map[string]map[string]any
	logger     *slog.Logger
	now        func() time.Time

	sched   *scheduler
	rules   *ruleBook
	history *history

	ctx    context.Context // ends at Close; background work runs under it
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a consumer that routes commands to acts. Call Start to carry
// out scheduled work, and Close when done.
func New(acts Actuators, cfg Config) (*Consumer, error) {
	if cfg.RateLimit < 0 {
		return nil, fmt.Errorf("rate limit %v is negative", cfg.RateLimit)
	}
	c := &Consumer{acts: acts, id: cfg.ID, rateLimit: cfg.RateLimit, logger: cfg.Logger, now: cfg.Now}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if cfg.RateLimit > 0 {
		// A burst of a second's worth (at least one) smooths clients that
		// send in small bunches without exceeding the rate over a minute.
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RateLimit/60), max(1, int(cfg.RateLimit/60)))
	}
	specs, err := normalizeSpecifiers(cfg.Specifiers)
	if err != nil {
		return nil, err
	}
	c.specifiers = specs
	c.ctx, c.cancel = context.WithCancel(context.Background())
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	c.sched = newScheduler(c, cfg.Store)
	c.rules = newRuleBook(cfg.Store)
	c.history = newHistory(c, cfg.Store, max(0, cfg.History), m)
	return c, nil
}

// Start loads the scheduled work kept in the store and carries it out when
// due, in the background, until Close. Work that fell due while the consumer
// was down is carried out at once.
func (c *Consumer) Start() error {
	for _, load := range []func() error{c.rules.load, c.history.load, c.sched.load} {
		if err := load(); err != nil {
			return err
		}
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.sched.run(c.ctx)
	}()
	return nil
}

// Close stops the scheduler and waits for work in flight. Scheduled work
// stays in the store.
func (c *Consumer) Close() error {
	c.cancel()
	c.wg.Wait()
	return nil
}

// Handle carries out the command of msg as its args ask and returns the
// response message to send, or nil when the command asked for none
// (response_requested "none"). The response's headers carry the command's
// request_id (LS v1.0 section 3.2), the time, the consumer's ID as "from" and
// the producer's "from" as "to". A message that holds a response rather than
// a command is answered 400.
func (c *Consumer) Handle(ctx context.Context, msg *openc2.Message) *openc2.Message {
	var h openc2.Headers
	if msg.Headers != nil {
		h = *msg.Headers
	}
	var resp *openc2.Response
	if msg.Request == nil {
		resp = status(openc2.StatusBadRequest, "the message holds no command")
	} else {
		seq := c.history.begin(ctx, h, msg.Request)
		resp = c.handle(withSeq(ctx, seq), h, msg.Request)
		c.history.answered(seq, msg.Request.Action, resp)
		if resp == nil {
			return nil
		}
	}
	// One allocation holds the message, its headers and their to.
	out := &struct {
		m  openc2.Message
		h  openc2.Headers
		to [1]string
	}{h: openc2.Headers{RequestID: h.RequestID, Created: c.now().UnixMilli(), From: c.id}}
	if h.From != "" {
		out.to[0] = h.From
		out.h.To = out.to[:]
	}
	out.m.Headers, out.m.Response = &out.h, resp
	return &out.m
}

// handle returns the response to cmd, nil for none.
func (c *Consumer) handle(ctx context.Context, h openc2.Headers, cmd *openc2.Command) *openc2.Response {
	if c.limiter != nil && !c.limiter.Allow() {
		return status(openc2.StatusUnavailable, fmt.Sprintf("rate limit of %v commands per minute exceeded; retry later", c.rateLimit))
	}
	if r := check(cmd); r != nil {
		return r
	}
	rr := responseRequested(cmd)
	seq := seqOf(ctx)
	if rr == openc2.ResponseAck || rr == openc2.ResponseNone {
		c.background(ctx, "command", seq, cmd.Action, func(ctx context.Context) *openc2.Response { return c.carryOut(ctx, h, cmd) })
		return answer(rr, status(openc2.StatusProcessing, ""))
	}
	if rr == openc2.ResponseStatus {
		if isCancel(cmd) {
			c.background(ctx, "cancel", seq, cmd.Action, func(ctx context.Context) *openc2.Response { return c.carryOut(ctx, h, cmd) })
			return status(openc2.StatusProcessing, "")
		}
		p, r := c.prepare(ctx, h, cmd)
		if r != nil {
			return r
		}
		c.background(ctx, "command", seq, cmd.Action, func(ctx context.Context) *openc2.Response { return c.execute(ctx, p) })
		return status(openc2.StatusProcessing, "")
	}
	return c.carryOut(ctx, h, cmd)
}

// carryOut answers 'query features' and 'cancel command', or prepares cmd
// and carries it out unless it is scheduled for later.
func (c *Consumer) carryOut(ctx context.Context, h openc2.Headers, cmd *openc2.Command) *openc2.Response {
	switch {
	case isQueryFeatures(cmd):
		return c.features(cmd)
	case isCancel(cmd):
		return c.cancelCommand(cmd)
	}
	p, r := c.prepare(ctx, h, cmd)
	if r != nil {
		return r
	}
	return c.execute(ctx, p)
}

// answer returns r unless rr asks for no response.
func answer(rr openc2.ResponseType, r *openc2.Response) *openc2.Response {
	if rr == openc2.ResponseNone {
		return nil
	}
	return r
}

// background runs work under the consumer's lifetime, logs its outcome
// and records it in the history entry seq, of a command of action. The
// work's context holds the values of ctx, the request's, such as the
// trace it belongs to, but ends with the consumer, not with the request.
func (c *Consumer) background(ctx context.Context, what string, seq uint64, action openc2.Action, work func(ctx context.Context) *openc2.Response) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(c.ctx, cancel)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer cancel()
		defer stop()
		r := work(withSeq(ctx, seq))
		c.logOutcome(what, r)
		c.history.finished(seq, "background", action, r)
	}()
}

// logOutcome logs the response to work no producer waits for.
func (c *Consumer) logOutcome(what string, r *openc2.Response) {
	if r == nil {
		return
	}
	level := slog.LevelInfo
	if r.Status >= 400 {
		level = slog.LevelError
	}
	c.logger.Log(c.ctx, level, "openc2 "+what+" done", "status", r.Status, "status_text", r.StatusText)
}

// responseRequested returns the command's response type; absent means
// complete (LS v1.0 section 3.3.1.4).
func responseRequested(cmd *openc2.Command) openc2.ResponseType {
	if cmd.Args == nil || cmd.Args.ResponseRequested == "" {
		return openc2.ResponseComplete
	}
	return cmd.Args.ResponseRequested
}

func status(code int, text string) *openc2.Response {
	return &openc2.Response{Status: code, StatusText: text}
}

// StatusOf maps an error of Actuators.Actuate to an OpenC2 status by the
// code of the *ActuatorError it wraps (abi/README.md, section 6.2):
// invalid_request → 400, denied → 403, not_found → 404, unsupported → 501,
// unavailable → 503, anything else → 500.
func StatusOf(err error) int {
	var e *ActuatorError
	if !errors.As(err, &e) {
		return openc2.StatusInternalError
	}
	switch e.Code {
	case CodeInvalidRequest:
		return openc2.StatusBadRequest
	case CodeDenied:
		return openc2.StatusForbidden
	case CodeNotFound:
		return openc2.StatusNotFound
	case CodeUnsupported:
		return openc2.StatusNotImplemented
	case CodeUnavailable:
		return openc2.StatusUnavailable
	}
	return openc2.StatusInternalError
}
