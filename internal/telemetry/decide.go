package telemetry

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse/gatehouse/policy"
)

// decisionMetrics are the metrics of access decisions.
type decisionMetrics struct {
	decisions *prometheus.CounterVec
	duration  *prometheus.HistogramVec
}

func newDecisionMetrics(reg prometheus.Registerer) *decisionMetrics {
	m := &decisionMetrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_decisions_total",
			Help: "Access decisions by source (api, openc2, proxy) and result (grant, deny, not_applicable, or error for a request that could not be decided or whose evaluation failed).",
		}, []string{"source", "result"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_decision_duration_seconds",
			Help:    "Time to decide, the plugins' attributes and obligations included, by source.",
			Buckets: []float64{1e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.025, 0.1, 0.5, 2.5},
		}, []string{"source"}),
	}
	if reg != nil {
		reg.MustRegister(m.decisions, m.duration)
	}
	return m
}

// Decider returns next, each decision counted and timed as coming from
// source ("api", "openc2", "proxy") and, with tracing on, made in a span
// of its own. A nil next stays nil: there is nothing to decide with.
func (t *Telemetry) Decider(next policy.Decider, source string) policy.Decider {
	if next == nil {
		return nil
	}
	return &decider{next: next, source: source, tracer: t.tracer,
		duration: t.decisions.duration.WithLabelValues(source), vec: t.decisions.decisions}
}

// results are the result labels of decisions, indexed by resultOf.
var results = [...]string{"error", "grant", "deny", "not_applicable"}

type decider struct {
	next     policy.Decider
	source   string
	tracer   trace.Tracer // nil with tracing off
	duration prometheus.Observer
	vec      *prometheus.CounterVec
	// counters count the decisions of source by result, as results, each
	// taken from vec at its first decision (so that a result not met yet
	// has no series, as with vec alone).
	counters [len(results)]atomic.Pointer[prometheus.Counter]
}

// count counts a decision of the result results[r].
func (d *decider) count(r int) {
	c := d.counters[r].Load()
	if c == nil {
		v := d.vec.WithLabelValues(d.source, results[r])
		c = &v
		d.counters[r].Store(c)
	}
	(*c).Inc()
}

func (d *decider) Decide(ctx context.Context, req policy.Request) (policy.Decision, error) {
	if d.tracer != nil {
		return d.traced(ctx, req)
	}
	start := time.Now()
	dec, err := d.next.Decide(ctx, req)
	d.duration.Observe(time.Since(start).Seconds())
	d.count(resultOf(&dec, err))
	return dec, err
}

// traced is Decide with tracing on: the decision in a span of its own.
func (d *decider) traced(ctx context.Context, req policy.Request) (policy.Decision, error) {
	ctx, span := d.tracer.Start(ctx, "decide", trace.WithAttributes(
		attribute.String("gatehouse.decision.source", d.source),
		attribute.String("gatehouse.policy_set", req.PolicySet),
	))
	start := time.Now()
	dec, err := d.next.Decide(ctx, req)
	d.duration.Observe(time.Since(start).Seconds())
	r := resultOf(&dec, err)
	d.count(r)
	span.SetAttributes(attribute.String("gatehouse.decision.result", results[r]))
	switch {
	case err != nil:
		span.SetStatus(codes.Error, err.Error())
	case dec.Error != "":
		span.SetStatus(codes.Error, dec.Error)
	}
	span.End()
	return dec, err
}

// resultOf returns the index in results of the result label of a decision.
func resultOf(dec *policy.Decision, err error) int {
	switch {
	case err != nil || dec.Error != "":
		return 0
	case dec.Result == policy.Grant:
		return 1
	case dec.Result == policy.Deny:
		return 2
	}
	return 3
}
