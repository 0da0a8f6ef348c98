package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/sys"
	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse/gatehouse/abi"
)

// Plugin is one loaded version of a plugin file: its manifest, its compiled
// module and its instance pool. A reload loads a new Plugin beside the old
// one; calls in flight finish on the old one, which is closed when idle.
type Plugin struct {
	File     string
	SHA256   string
	Binding  Binding
	Manifest abi.Manifest
	Limits   Limits
	LoadedAt time.Time

	grants Grants
	// conf is the configuration the plugin was loaded under.
	conf   *Config
	logger *slog.Logger
	// starts is whether the module exports gatehouse_start.
	starts bool

	module     compiled
	pool       *pool
	components map[componentKey]*component

	// retire is read-held by every call and write-held to close the plugin,
	// so closing waits for the calls in flight.
	retire sync.RWMutex
	closed bool

	calls      atomic.Uint64
	failures   atomic.Int64 // consecutive host-side failures
	quarantine atomic.Pointer[abi.Error]
	errs       recentErrors
	host       *Host
}

type componentKey struct {
	kind abi.Kind
	name string
}

// recentErrorsKept is how many failed calls a plugin keeps for its status.
const recentErrorsKept = 10

// recentErrors is a plugin's last failed calls, a ring of
// recentErrorsKept. Only failed calls write it.
type recentErrors struct {
	mu   sync.Mutex
	ring [recentErrorsKept]RecentError
	n    uint64 // failed calls so far; the newest is at (n-1) % recentErrorsKept
}

// RecentError is one failed call of a plugin.
type RecentError struct {
	Time      time.Time `json:"time"`
	Kind      abi.Kind  `json:"kind"`
	Component string    `json:"component"`
	Code      abi.Code  `json:"code"`
	Message   string    `json:"message"`

	err *CallError
}

// add records the failed call ce at time at.
func (r *recentErrors) add(ce *CallError, at time.Time) {
	r.mu.Lock()
	r.ring[r.n%recentErrorsKept] = RecentError{Time: at, Kind: ce.Kind, Component: ce.Component, Code: ce.Err.Code, Message: ce.Err.Message, err: ce}
	r.n++
	r.mu.Unlock()
}

// list returns the kept failed calls, newest first.
func (r *recentErrors) list() []RecentError {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]RecentError, 0, min(r.n, recentErrorsKept))
	for i := r.n; i > 0 && r.n-i < recentErrorsKept; i-- {
		out = append(out, r.ring[(i-1)%recentErrorsKept])
	}
	return out
}

// CallError is the error of a failed plugin call. It names the plugin and
// the component; errors.Is matches its *abi.Error by code.
type CallError struct {
	// Plugin is empty when no plugin provides the component.
	Plugin    string
	Kind      abi.Kind
	Component string
	Err       *abi.Error
}

// Error returns `plugin P, KIND C: code: message`, or `KIND C: code:
// message` when no plugin provides the component.
func (e *CallError) Error() string {
	if e.Plugin == "" {
		return fmt.Sprintf("%s %s: %v", e.Kind, e.Component, e.Err)
	}
	return fmt.Sprintf("plugin %s, %s %s: %v", e.Plugin, e.Kind, e.Component, e.Err)
}

// Unwrap returns the *abi.Error.
func (e *CallError) Unwrap() error { return e.Err }

// Code returns the error's ABI code.
func (e *CallError) Code() abi.Code { return e.Err.Code }

// Component returns the manifest entry of the component kind/name, if any.
func (p *Plugin) Component(kind abi.Kind, name string) (abi.Component, bool) {
	for _, c := range p.Manifest.Components {
		if c.Kind == kind && c.Name == name {
			return c, true
		}
	}
	return abi.Component{}, false
}

// Calls returns how many calls the plugin has answered or failed.
func (p *Plugin) Calls() uint64 { return p.calls.Load() }

// Quarantined returns why the plugin is quarantined, or nil.
func (p *Plugin) Quarantined() *abi.Error { return p.quarantine.Load() }

// LastError returns the plugin's last failed call and when it happened.
func (p *Plugin) LastError() (*CallError, time.Time) {
	r := &p.errs
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return nil, time.Time{}
	}
	e := r.ring[(r.n-1)%recentErrorsKept]
	return e.err, e.Time
}

// RecentErrors returns the plugin's last failed calls, up to 10, newest
// first.
func (p *Plugin) RecentErrors() []RecentError { return p.errs.list() }

// Instances returns the number of live instances.
func (p *Plugin) Instances() int { return p.pool.size() }

// callPlugin calls export on the component of kind that t reaches with
// req, on an instance of the plugin's pool, and decodes the reply into
// env, whose OK points to where the reply goes.
// With share, the component's replies alike share their value.
func callPlugin[Rep any](ctx context.Context, t target, kind abi.Kind, export string, req any, env *abi.Reply[Rep], share bool) error {
	p, name := t.p, t.name
	c := codecs.Get().(*codec)
	defer codecs.Put(c)
	body, e := p.prepare(c, req)
	if e != nil {
		return p.fail(kind, name, e)
	}
	var span trace.Span
	if t := p.host.cfg.Tracer; t != nil {
		ctx, span = p.startCallSpan(ctx, t, kind, name, export)
	}
	// The clock is read once when an idle instance is at hand, else
	// again once one is.
	start := monotonic()
	at := start
	inst, idle := p.pool.idle()
	if !idle {
		var err error
		if inst, err = p.pool.get(ctx); err != nil {
			e := p.classify(err, nil)
			p.record(t.c.metrics, e, start, callersDoing(ctx, len(body)))
			endCallSpan(span, e)
			return p.fail(kind, name, e)
		}
		at = monotonic()
	}
	var sharing *component
	if share {
		sharing = t.c
	}
	e = invoke(ctx, p, inst, c, export, body, env, sharing, at)
	p.pool.put(inst, e != nil && breaksInstance(e.Code))
	p.record(t.c.metrics, e, start, callersDoing(ctx, len(body)))
	endCallSpan(span, e)
	if e != nil {
		return p.fail(kind, name, e)
	}
	return nil
}

// prepare refuses calls to a quarantined plugin and encodes req with c.
func (p *Plugin) prepare(c *codec, req any) ([]byte, *abi.Error) {
	if q := p.quarantine.Load(); q != nil {
		return nil, q
	}
	body, err := c.encode(req)
	if err != nil {
		return nil, abi.Errorf(abi.CodeInvalidRequest, "encode request: %v", err)
	}
	return body, nil
}

// invoke calls export on inst within the plugin's time limit from start
// (by monotonic) and decodes
// the reply into env with c. With sharing, the reply's value is the one
// sharing keeps when the reply is the same again, and sharing learns of
// the replies decoded anew.
func invoke[Rep any](ctx context.Context, p *Plugin, inst instance, c *codec, export string, body []byte, env *abi.Reply[Rep], sharing *component, start int64) *abi.Error {
	raw, err := inst.call(ctx, export, body, p.Limits.Timeout, start)
	switch {
	case err != nil:
		return p.classify(err, inst)
	case uint32(len(raw)) > p.Limits.MaxReplyBytes:
		return abi.Errorf(abi.CodeReplyTooLarge, "reply of %d bytes exceeds the limit of %d", len(raw), p.Limits.MaxReplyBytes)
	case sharing == nil:
		return decodeEnvelope(c, raw, env)
	case shared(sharing, raw, env.OK):
		return nil
	}
	e := decodeEnvelope(c, raw, env)
	if e == nil {
		decoded(sharing, raw, *env.OK)
	}
	return e
}

// fail records e among the plugin's recent errors and returns it as a
// CallError.
func (p *Plugin) fail(kind abi.Kind, name string, e *abi.Error) *CallError {
	ce := &CallError{Plugin: p.Manifest.Name, Kind: kind, Component: name, Err: e}
	p.errs.add(ce, time.Now())
	return ce
}

// decodeReply decodes a reply envelope into rep, or returns the plugin's
// error or a malformed_reply error.
func decodeReply[Rep any](c *codec, raw []byte, rep *Rep) *abi.Error {
	return decodeEnvelope(c, raw, &abi.Reply[Rep]{OK: rep})
}

// decodeEnvelope is decodeReply into env, whose OK points to where the
// reply goes. Short strings of the reply are interned by c
// (abi.Codec.Decode): replies alike cost no allocation for their strings,
// and a string kept from one does not keep the whole reply.
func decodeEnvelope[Rep any](c *codec, raw []byte, env *abi.Reply[Rep]) *abi.Error {
	if err := c.Decode(raw, env); err != nil {
		return abi.Errorf(abi.CodeMalformedReply, "decode reply: %v", err)
	}
	if env.Error != nil {
		if !pluginCode(env.Error.Code) {
			env.Error.Message = fmt.Sprintf("plugin replied with code %q: %s", env.Error.Code, env.Error.Message)
			env.Error.Code = abi.CodeInternal
		}
		return env.Error
	}
	if env.OK == nil {
		return abi.Errorf(abi.CodeMalformedReply, "reply has neither %q nor %q", "ok", "error")
	}
	return nil
}

// pluginCode reports whether a plugin may reply with code; host codes,
// unknown codes and the empty code become internal.
func pluginCode(code abi.Code) bool {
	switch code {
	case abi.CodeInvalidRequest, abi.CodeNotFound, abi.CodeUnsupported, abi.CodeDenied, abi.CodeUnavailable, abi.CodeInternal:
		return true
	}
	return false
}

// classify turns an error from the runtime, or from waiting for an
// instance, into an ABI error.
func (p *Plugin) classify(err error, inst instance) *abi.Error {
	var ae *abi.Error
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return cancelled(err)
	}
	if inst != nil && nearLimit(inst.memoryPages(), p.Limits.MemoryPages) {
		return abi.Errorf(abi.CodeMemory, "module failed at %d of its %d memory pages: %v", inst.memoryPages(), p.Limits.MemoryPages, err)
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		return abi.Errorf(abi.CodeTrap, "module exited with code %d", exit.ExitCode())
	}
	return abi.Errorf(abi.CodeTrap, "%v", err)
}

// nearLimit reports whether a module of pages is so close to its limit that
// its failure is taken for memory exhaustion: within an eighth of the limit
// or 8 MiB, whichever is less (standard Go grows its heap 4 MiB at a time).
func nearLimit(pages, limit uint32) bool {
	return pages+min(limit/8, 128) >= limit
}

// breaksInstance reports whether an instance that failed with code can no
// longer be trusted and must be discarded.
func breaksInstance(code abi.Code) bool {
	switch code {
	case abi.CodeTrap, abi.CodeTimeout, abi.CodeMemory, abi.CodeMalformedReply, abi.CodeReplyTooLarge,
		abi.CodeUnavailable: // a cancelled call closes the module
		return true
	}
	return false
}

// timeoutCountsUpTo is the largest request, in bytes, whose timeout
// counts towards quarantine: 64 KiB. A plugin that cannot answer a small
// request within its time limit is stuck; a large one may be slow because
// of what it holds, which the caller chose, and a caller must not be able
// to quarantine a healthy plugin with its input.
const timeoutCountsUpTo = 64 << 10

// callersDoing reports whether a timeout of a call with a request of size
// bytes may be its caller's doing rather than the plugin's: the request is
// larger than timeoutCountsUpTo, or the caller's context ended, its
// deadline passing before the plugin's time limit.
func callersDoing(ctx context.Context, size int) bool {
	return size > timeoutCountsUpTo || ctx.Err() != nil
}

// countsAsFailure reports whether an error counts towards quarantine: it is
// the plugin misbehaving, not answering with an error of its own.
func countsAsFailure(code abi.Code) bool {
	switch code {
	case abi.CodeTrap, abi.CodeTimeout, abi.CodeMemory, abi.CodeMalformedReply, abi.CodeReplyTooLarge:
		return true
	}
	return false
}

// record counts a call in the component's metrics m, if any, and the
// quarantine counter; callers says whether a timeout may be the caller's
// doing (callersDoing).
func (p *Plugin) record(m *componentMetrics, e *abi.Error, start int64, callers bool) {
	p.calls.Add(1)
	if m != nil {
		m.latency.Observe(time.Duration(monotonic() - start).Seconds())
	}
	if e == nil {
		if m != nil {
			m.ok.Inc()
		}
		p.failures.Store(0)
		return
	}
	if m != nil {
		m.errors(e.Code).Inc()
	}
	switch {
	case e.Code == abi.CodeTimeout && callers:
		// Neither a failure of the plugin for certain nor a sign that
		// it works: the count stays.
		p.logger.Warn("plugin call failed", "code", e.Code, "error", e.Message, "counts_towards_quarantine", false)
		return
	case !countsAsFailure(e.Code):
		p.failures.Store(0)
		return
	}
	n := p.failures.Add(1)
	p.logger.Warn("plugin call failed", "code", e.Code, "error", e.Message, "consecutive", n)
	if n >= int64(p.Limits.QuarantineAfter) && p.quarantine.CompareAndSwap(nil,
		abi.Errorf(abi.CodeQuarantined, "%d consecutive failures, the last: %v", n, e)) {
		p.logger.Error("plugin quarantined", "failures", n, "last", e.Error())
		p.host.metrics.quarantines.WithLabelValues(p.Manifest.Name).Inc()
	}
}

// acquire read-locks p for a call; it returns false when p has been closed,
// and the caller must look the component up again.
func (p *Plugin) acquire() bool {
	p.retire.RLock()
	if p.closed {
		p.retire.RUnlock()
		return false
	}
	return true
}

func (p *Plugin) release() { p.retire.RUnlock() }

// close waits for the calls in flight, then closes the instances and the
// compiled module, and gives back the compilation cache of its content
// (Host.releaseCache).
func (p *Plugin) close(ctx context.Context) {
	p.retire.Lock()
	defer p.retire.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	p.pool.close()
	if err := p.module.close(ctx); err != nil {
		p.logger.Warn("close plugin", "error", err)
	}
	p.host.releaseCache(ctx, p.SHA256)
}
