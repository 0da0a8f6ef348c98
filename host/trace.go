package host

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse/gatehouse/abi"
)

// startCallSpan starts the span of a call of export on the component
// kind/name of p, a child of ctx's, and returns ctx carrying it. Without
// Config.Tracer it returns ctx and a nil span, at the cost of one
// comparison.
func (p *Plugin) startCallSpan(ctx context.Context, kind abi.Kind, name, export string) (context.Context, trace.Span) {
	t := p.host.cfg.Tracer
	if t == nil {
		return ctx, nil
	}
	return t.Start(ctx, "plugin "+string(kind)+" "+name, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(
			attribute.String("gatehouse.plugin", p.Manifest.Name),
			attribute.String("gatehouse.component.kind", string(kind)),
			attribute.String("gatehouse.component.name", name),
			attribute.String("gatehouse.export", export),
		))
}

// endCallSpan ends span, if there is one, with the call's error e.
func endCallSpan(span trace.Span, e *abi.Error) {
	if span == nil {
		return
	}
	if e != nil {
		span.SetAttributes(attribute.String("gatehouse.error.code", string(e.Code)))
		span.SetStatus(codes.Error, e.Error())
	}
	span.End()
}
