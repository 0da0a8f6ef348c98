package telemetry

import (
	"context"
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
	return &decider{next: next, source: source, t: t, duration: t.decisions.duration.WithLabelValues(source)}
}

type decider struct {
	next     policy.Decider
	source   string
	t        *Telemetry
	duration prometheus.Observer
}

func (d *decider) Decide(ctx context.Context, req policy.Request) (policy.Decision, error) {
	var span trace.Span
	if d.t.tracer != nil {
		ctx, span = d.t.tracer.Start(ctx, "decide", trace.WithAttributes(
			attribute.String("gatehouse.decision.source", d.source),
			attribute.String("gatehouse.policy_set", req.PolicySet),
		))
	}
	start := time.Now()
	dec, err := d.next.Decide(ctx, req)
	d.duration.Observe(time.Since(start).Seconds())
	result := resultLabel(dec, err)
	d.t.decisions.decisions.WithLabelValues(d.source, result).Inc()
	if span != nil {
		span.SetAttributes(attribute.String("gatehouse.decision.result", result))
		switch {
		case err != nil:
			span.SetStatus(codes.Error, err.Error())
		case dec.Error != "":
			span.SetStatus(codes.Error, dec.Error)
		}
		span.End()
	}
	return dec, err
}

// resultLabel returns the result label of a decision.
func resultLabel(dec policy.Decision, err error) string {
	switch {
	case err != nil || dec.Error != "":
		return "error"
	case dec.Result == policy.Grant:
		return "grant"
	case dec.Result == policy.Deny:
		return "deny"
	}
	return "not_applicable"
}
