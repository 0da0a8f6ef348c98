package host

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse/gatehouse/abi"
)

// startCallSpan starts, with t, the span of a call of export on the
// component kind/name of p, a child of ctx's, and returns ctx carrying it.
// Callers test Config.Tracer themselves, so that a call without tracing
// pays one comparison.
func (p *Plugin) startCallSpan(ctx context.Context, t trace.Tracer, kind abi.Kind, name, export string) (context.Context, trace.Span) {
	return t.Start(ctx, "plugin "+string(kind)+" "+name, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(
			attribute.String("gatehouse.plugin", p.Manifest.Name),
			attribute.String("gatehouse.component.kind", string(kind)),
			attribute.String("gatehouse.component.name", name),
			attribute.String("gatehouse.export", export),
		))
}

// endCallSpan ends span, if there is one, with the call's error e; it is
// inlined, so that without a span it costs one comparison.
func endCallSpan(span trace.Span, e *abi.Error) {
	if span != nil {
		endSpan(span, e)
	}
}

// endSpan ends the span of a call with its error e.
func endSpan(span trace.Span, e *abi.Error) {
	if e != nil {
		span.SetAttributes(attribute.String("gatehouse.error.code", string(e.Code)))
		span.SetStatus(codes.Error, e.Error())
	}
	span.End()
}
