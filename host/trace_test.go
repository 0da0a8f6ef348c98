package host

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/gatehouse/gatehouse/abi"
)

// TestCallSpans traces plugin calls: each is a span, a child of the
// caller's, naming the plugin, component and export, and a failed call
// carries its error code.
func TestCallSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	h := newHost(t, Config{Tracer: tp.Tracer("test")}, srcBasics)
	ctx, parent := tp.Tracer("test").Start(context.Background(), "caller")
	if _, err := h.Environment(ctx, "echo", benchRequest); err != nil {
		t.Fatal(err)
	}
	_, err := h.CallRaw(ctx, abi.KindEnvironment, "echo", "no_such_export", nil)
	var ce *CallError
	if !errors.As(err, &ce) {
		t.Fatalf("a call of an export the plugin lacks: %v", err)
	}
	parent.End()
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans ended, want 2 calls and the caller", len(spans))
	}
	for i, want := range []struct{ name, kind, export, code string }{
		{"plugin environment echo", "environment", abi.ExportEnvironment, ""},
		{"plugin environment echo", "environment", "no_such_export", string(ce.Err.Code)},
	} {
		s := spans[i]
		attrs := map[string]string{}
		for _, kv := range s.Attributes() {
			attrs[string(kv.Key)] = kv.Value.AsString()
		}
		if s.Name() != want.name || s.Parent().SpanID() != parent.SpanContext().SpanID() || attrs["gatehouse.plugin"] != "basics" ||
			attrs["gatehouse.component.kind"] != want.kind || attrs["gatehouse.component.name"] != "echo" || attrs["gatehouse.export"] != want.export {
			t.Errorf("span %d: %s, parent %s, attributes %v", i, s.Name(), s.Parent().SpanID(), attrs)
		}
		if failed := s.Status().Code == codes.Error; attrs["gatehouse.error.code"] != want.code || failed != (want.code != "") {
			t.Errorf("span %s: status %v, error code %q, want %q", s.Name(), s.Status(), attrs["gatehouse.error.code"], want.code)
		}
	}
}
