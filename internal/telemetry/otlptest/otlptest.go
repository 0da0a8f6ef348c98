// Package otlptest is an OpenTelemetry collector for tests: an HTTP server
// that receives spans over OTLP/HTTP in protobuf, as an exporter sends
// them, and keeps them for the test to read.
package otlptest

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Collector receives spans at URL until the test ends.
type Collector struct {
	// URL is the traces endpoint, for telemetry.tracing.endpoint.
	URL string

	mu    sync.Mutex
	spans []Span
	err   error
}

// Span is a span received, with its IDs in hex.
type Span struct {
	*tracepb.Span
	TraceID, SpanID, ParentSpanID string
	// Service is the service.name of the span's resource.
	Service string
}

// Attr returns the value of the span's string or integer attribute key,
// as text, or "".
func (s Span) Attr(key string) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			if v, ok := kv.Value.Value.(*commonpb.AnyValue_IntValue); ok {
				return strconv.FormatInt(v.IntValue, 10)
			}
			return kv.Value.GetStringValue()
		}
	}
	return ""
}

// New starts a collector that stops when the test ends.
func New(t testing.TB) *Collector {
	c := &Collector{}
	srv := httptest.NewServer(http.HandlerFunc(c.serve))
	t.Cleanup(srv.Close)
	c.URL = srv.URL + "/v1/traces"
	return c
}

// serve receives one export request.
func (c *Collector) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
		c.fail(w, http.StatusBadRequest, "want POST /v1/traces in application/x-protobuf, got "+r.Method+" "+r.URL.Path+" in "+r.Header.Get("Content-Type"))
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		z, err := gzip.NewReader(r.Body)
		if err != nil {
			c.fail(w, http.StatusBadRequest, err.Error())
			return
		}
		body = z
	}
	b, err := io.ReadAll(body)
	if err != nil {
		c.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		c.fail(w, http.StatusBadRequest, err.Error())
		return
	}
	c.mu.Lock()
	for _, rs := range req.ResourceSpans {
		var service string
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.Key == "service.name" {
				service = kv.Value.GetStringValue()
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				c.spans = append(c.spans, Span{Span: s, TraceID: hex.EncodeToString(s.TraceId), SpanID: hex.EncodeToString(s.SpanId),
					ParentSpanID: hex.EncodeToString(s.ParentSpanId), Service: service})
			}
		}
	}
	c.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = io.Copy(w, bytes.NewReader(out))
}

// fail answers status and keeps the first error, for Err.
func (c *Collector) fail(w http.ResponseWriter, status int, msg string) {
	c.mu.Lock()
	if c.err == nil {
		c.err = &exportError{msg}
	}
	c.mu.Unlock()
	http.Error(w, msg, status)
}

type exportError struct{ msg string }

func (e *exportError) Error() string { return "otlptest: " + e.msg }

// Spans returns the spans received so far, in the order they came.
func (c *Collector) Spans() []Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Span(nil), c.spans...)
}

// Err returns the first malformed export the collector refused, or nil.
func (c *Collector) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
