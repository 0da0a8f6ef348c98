package host

import (
	"context"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/capability"
)

// Session holds one instance of a plugin for a series of calls that share
// the plugin's state, such as one simulation run of an agent. It holds the
// plugin version too: a reload does not close it before the session ends.
// A Session is not safe for concurrent use.
type Session struct {
	p    *Plugin
	kind abi.Kind
	name string
	c    *component
	inst instance // nil once the instance broke or the session closed
}

// Session checks out an instance of the plugin serving the component
// kind/ref for the caller's exclusive use until Close.
func (h *Host) Session(ctx context.Context, kind abi.Kind, ref string) (*Session, error) {
	t, err := h.lookup(kind, ref)
	if err != nil {
		return nil, err
	}
	p, name := t.p, t.name
	if q := p.Quarantined(); q != nil {
		p.release()
		return nil, p.fail(kind, name, q)
	}
	inst, err := p.pool.get(ctx)
	if err != nil {
		p.release()
		return nil, p.fail(kind, name, p.classify(err, nil))
	}
	return &Session{p: p, kind: kind, name: name, c: t.c, inst: inst}, nil
}

// sessionCall calls export on the session's instance. After a failure that
// breaks the instance, every later call fails with code unavailable.
func sessionCall[Req, Rep any](ctx context.Context, s *Session, export string, req Req) (Rep, error) {
	if s.inst == nil {
		var zero Rep
		return zero, s.p.fail(s.kind, s.name, abi.Errorf(abi.CodeUnavailable, "the session lost its instance to an earlier failure, or is closed"))
	}
	var fs *frames[Req, Rep] // a new frame for each call
	f := fs.get(req)
	c := codecs.Get().(*codec)
	defer codecs.Put(c)
	body, e := s.p.prepare(c, &f.req)
	if e != nil {
		return f.rep, s.p.fail(s.kind, s.name, e)
	}
	start := monotonic()
	e = invoke(ctx, s.p, s.inst, c, export, body, &f.env, nil, start)
	s.p.record(s.c.metrics, e, start, callersDoing(ctx, len(body)))
	if e != nil {
		if breaksInstance(e.Code) {
			s.p.pool.put(s.inst, true)
			s.inst = nil
		}
		return f.rep, s.p.fail(s.kind, s.name, e)
	}
	return f.rep, nil
}

// CallRaw calls export with a generic request, as Host.CallRaw does.
func (s *Session) CallRaw(ctx context.Context, export string, req map[string]any) (map[string]any, error) {
	return sessionCall[map[string]any, map[string]any](ctx, s, export, rawRequest(s.name, req))
}

// AgentReset starts the session's agent on a new run.
func (s *Session) AgentReset(ctx context.Context, req abi.AgentResetRequest) error {
	req.Component = s.name
	_, err := sessionCall[abi.AgentResetRequest, abi.AgentResetReply](ctx, s, abi.ExportAgentReset, req)
	return err
}

// Planner answers an agent's plan requests (abi.FuncPlan) for the actor
// of its act, from the state the act observes. It returns when ctx ends:
// when the act passes its timeout or its caller's deadline.
type Planner = func(ctx context.Context, req abi.PlanRequest) (abi.PlanReply, error)

// WithPlanner returns a copy of ctx carrying p, for AgentAct: the agent's
// plan requests during the act go to p. Without one they fail with code
// unsupported. Plugins on the Extism binding cannot ask for plans.
func WithPlanner(ctx context.Context, p Planner) context.Context {
	return capability.WithPlanner(ctx, p)
}

// PlannerFrom returns the Planner in ctx (WithPlanner), nil if it has
// none: how an agent that is not a plugin gets its plans.
func PlannerFrom(ctx context.Context) Planner {
	return capability.PlannerFrom(ctx)
}

// AgentAct asks the session's agent for its actor's next action.
func (s *Session) AgentAct(ctx context.Context, req abi.AgentActRequest) (abi.Action, error) {
	req.Component = s.name
	rep, err := sessionCall[abi.AgentActRequest, abi.AgentActReply](ctx, s, abi.ExportAgentAct, req)
	return rep.Action, err
}

// Close returns the instance to the plugin's pool.
func (s *Session) Close() {
	if s.inst != nil {
		s.p.pool.put(s.inst, false)
		s.inst = nil
	}
	if s.p != nil {
		s.p.release()
		s.p = nil
	}
}
