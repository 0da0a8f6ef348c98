package telemetry

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// httpMetrics are the metrics of the HTTP requests served. Their labels
// are the route templates of the server, the standard methods and the
// status codes: nothing a client chooses freely.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_http_requests_total",
			Help: "HTTP requests served, by route template (unmatched for none), method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, to the end of its answer, by route template and method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.duration)
	}
	return m
}

// unmatched is the route label of a request that matched no route.
const unmatched = "unmatched"

// Middleware returns the echo middleware that counts and times every
// request by its route template, method and status code and, with tracing
// on, serves it in a server span that continues the trace of the
// request's W3C traceparent header, and replaces that header with the
// server span's. Errors of the handlers are answered here, by the
// server's error handler, so that their status is counted.
func (t *Telemetry) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			req := c.Request()
			route, method := c.Path(), methodLabel(req.Method)
			if route == "" {
				route = unmatched
			}
			var span trace.Span
			if t.tracer != nil {
				ctx := t.propagator.Extract(req.Context(), propagation.HeaderCarrier(req.Header))
				ctx, span = t.tracer.Start(ctx, method+" "+route, trace.WithSpanKind(trace.SpanKindServer),
					trace.WithAttributes(
						attribute.String("http.request.method", method),
						attribute.String("http.route", route),
						attribute.String("url.path", req.URL.Path),
					))
				// The request carries the server span onward: a service
				// the reverse proxy forwards it to continues the trace.
				t.propagator.Inject(ctx, propagation.HeaderCarrier(req.Header))
				c.SetRequest(req.WithContext(ctx))
			}
			if err := next(c); err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			code := strconv.Itoa(status)
			t.http.requests.WithLabelValues(route, method, code).Inc()
			t.http.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
			if span != nil {
				span.SetAttributes(attribute.Int("http.response.status_code", status))
				if status >= 500 {
					span.SetStatus(codes.Error, http.StatusText(status))
				}
				span.End()
			}
			return nil
		}
	}
}

// methodLabel returns method if it is a standard HTTP method, else
// "other".
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace:
		return method
	}
	return "other"
}
