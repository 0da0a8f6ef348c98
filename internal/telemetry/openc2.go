package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/gatehouse/gatehouse/openc2"
)

// OpenC2Handler carries out OpenC2 command messages and keeps an account
// of those the transfer refused, as *consumer.Consumer does.
type OpenC2Handler interface {
	Handle(ctx context.Context, msg *openc2.Message) *openc2.Message
	Refused(ctx context.Context, msg *openc2.Message, resp *openc2.Response)
}

// OpenC2 returns h, each command handled in a span of its own when tracing
// is on. The consumer counts the commands (gatehouse_openc2_commands_total).
func (t *Telemetry) OpenC2(h OpenC2Handler) OpenC2Handler {
	if t.tracer == nil {
		return h
	}
	return &openc2Handler{OpenC2Handler: h, tracer: t.tracer}
}

type openc2Handler struct {
	OpenC2Handler
	tracer trace.Tracer
}

func (o *openc2Handler) Handle(ctx context.Context, msg *openc2.Message) *openc2.Message {
	name, attrs := "openc2", []attribute.KeyValue(nil)
	if cmd := msg.Request; cmd != nil {
		name += " " + string(cmd.Action)
		attrs = append(attrs, attribute.String("openc2.action", string(cmd.Action)), attribute.String("openc2.target", cmd.Target.Name))
	}
	ctx, span := o.tracer.Start(ctx, name, trace.WithAttributes(attrs...))
	defer span.End()
	out := o.OpenC2Handler.Handle(ctx, msg)
	if out != nil && out.Response != nil {
		span.SetAttributes(attribute.Int("openc2.status", out.Response.Status))
		if out.Response.Status >= 500 {
			span.SetStatus(codes.Error, out.Response.StatusText)
		}
	}
	return out
}
