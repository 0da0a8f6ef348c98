package telemetry

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// newEcho returns an echo server with the middleware of t and a route
// with a parameter, which answers with the traceparent header it got.
func newEcho(t *Telemetry) *echo.Echo {
	e := echo.New()
	e.Use(t.Middleware())
	e.GET("/v1/items/:id", func(c echo.Context) error {
		return c.String(http.StatusOK, c.Request().Header.Get("traceparent"))
	})
	return e
}

// TestHostileMetricsLabels sends requests whose paths and methods a
// client made up, many of each: the HTTP metrics keep a handful of series,
// none of them naming what the client chose.
func TestHostileMetricsLabels(t *testing.T) {
	reg := prometheus.NewRegistry()
	tel, err := New(Config{}, Options{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	e := newEcho(tel)
	for i := range 500 {
		for _, r := range []*http.Request{
			httptest.NewRequest(http.MethodGet, fmt.Sprintf("/v1/items/chosen-%d", i), nil),
			httptest.NewRequest(http.MethodGet, fmt.Sprintf("/chosen-%d/x", i), nil),
			httptest.NewRequest(fmt.Sprintf("CHOSEN%d", i), "/v1/items/1", nil),
		} {
			e.ServeHTTP(httptest.NewRecorder(), r)
		}
	}
	if n := testutil.CollectAndCount(reg, "gatehouse_http_requests_total"); n != 3 {
		t.Errorf("%d series of gatehouse_http_requests_total, want 3", n)
	}
	want := `
# HELP gatehouse_http_requests_total HTTP requests served, by route template (unmatched for none), method and status code.
# TYPE gatehouse_http_requests_total counter
gatehouse_http_requests_total{code="200",method="GET",route="/v1/items/:id"} 500
gatehouse_http_requests_total{code="404",method="GET",route="unmatched"} 500
gatehouse_http_requests_total{code="405",method="other",route="/v1/items/:id"} 500
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "gatehouse_http_requests_total"); err != nil {
		t.Error(err)
	}
}

// TestMiddlewareContinuesTrace serves a request that carries a
// traceparent: its server span continues that trace, and the handler
// sees the server span's traceparent, which it would forward.
func TestMiddlewareContinuesTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tel, err := New(Config{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tel.tracer = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)).Tracer("test")
	const traceID, caller = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	r := httptest.NewRequest(http.MethodGet, "/v1/items/7", nil)
	r.Header.Set("traceparent", "00-"+traceID+"-"+caller+"-01")
	w := httptest.NewRecorder()
	newEcho(tel).ServeHTTP(w, r)
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name() != "GET /v1/items/:id" || s.SpanContext().TraceID().String() != traceID || s.Parent().SpanID().String() != caller {
		t.Errorf("span %q in trace %s, parent %s", s.Name(), s.SpanContext().TraceID(), s.Parent().SpanID())
	}
	if want := "00-" + traceID + "-" + s.SpanContext().SpanID().String() + "-01"; w.Body.String() != want {
		t.Errorf("the handler saw traceparent %q, want %q", w.Body.String(), want)
	}
}

// TestTracingOn turns tracing on by the configuration or the standard
// environment variables, and off by default and by OTEL_SDK_DISABLED.
func TestTracingOn(t *testing.T) {
	for _, tt := range []struct {
		name     string
		endpoint string
		env      map[string]string
		on       bool
	}{
		{"default", "", nil, false},
		{"endpoint", "http://127.0.0.1:4318/v1/traces", nil, true},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", "", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, true},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, true},
		{"OTEL_SDK_DISABLED", "http://127.0.0.1:4318/v1/traces", map[string]string{"OTEL_SDK_DISABLED": "true"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED"} {
				t.Setenv(k, tt.env[k])
			}
			tel, err := New(Config{Tracing: Tracing{Endpoint: tt.endpoint, SampleRatio: 1}}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer tel.Close(t.Context())
			if on := tel.Tracer() != nil; on != tt.on {
				t.Errorf("tracing on: %v, want %v", on, tt.on)
			}
		})
	}
}
