// Package telemetry is what gatehouse serve tells operators of its work
// besides its logs: Prometheus metrics of HTTP requests, access decisions
// and simulation runs, and OpenTelemetry traces of HTTP requests, access
// decisions, OpenC2 commands and plugin calls, sent to a collector over
// OTLP/HTTP. Tracing is off unless configured.
package telemetry

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Options are what New needs besides the configuration.
type Options struct {
	// Registerer takes the metrics; nil registers none.
	Registerer prometheus.Registerer
	// Logger receives the failures of the trace exporter; nil uses
	// slog.Default().
	Logger *slog.Logger
	// Version is the service version the traces name.
	Version string
}

// Telemetry holds the metrics and, when tracing is on, the tracer of a
// server. Its methods wrap the parts of the server that it observes.
type Telemetry struct {
	http      *httpMetrics
	decisions *decisionMetrics
	sim       *simMetrics

	tracer     trace.Tracer // nil when tracing is off
	propagator propagation.TextMapPropagator
	shutdown   func(context.Context) error
}

// New returns the telemetry of cfg, its metrics registered in
// opts.Registerer. With tracing on, it starts the exporter, which sends
// spans in the background until Close.
func New(cfg Config, opts Options) (*Telemetry, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	t := &Telemetry{
		http:       newHTTPMetrics(opts.Registerer),
		decisions:  newDecisionMetrics(opts.Registerer),
		sim:        newSimMetrics(opts.Registerer),
		propagator: propagation.TraceContext{},
		shutdown:   func(context.Context) error { return nil },
	}
	if err := t.startTracing(cfg.Tracing, opts); err != nil {
		return nil, err
	}
	return t, nil
}

// Tracer returns the tracer of the server, nil when tracing is off.
func (t *Telemetry) Tracer() trace.Tracer { return t.tracer }

// Close sends the spans not sent yet and stops the exporter, within ctx.
func (t *Telemetry) Close(ctx context.Context) error { return t.shutdown(ctx) }
