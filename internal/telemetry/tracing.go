package telemetry

import (
	"context"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Config configures telemetry beyond the metrics, which are always on.
type Config struct {
	Tracing Tracing `yaml:"tracing"`
}

// Tracing configures the OpenTelemetry traces. The zero Tracing traces
// nothing unless the standard environment variables name a collector.
type Tracing struct {
	// Endpoint is the URL of the OTLP/HTTP traces endpoint of a
	// collector, such as http://127.0.0.1:4318/v1/traces; an http URL
	// sends without TLS. Empty, the default, takes the standard
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT;
	// with neither, tracing is off. OTEL_SDK_DISABLED=true turns it off
	// whatever is set. The exporter honours the other standard
	// OTEL_EXPORTER_OTLP_* variables, such as _HEADERS and _CERTIFICATE.
	Endpoint string `yaml:"endpoint"`
	// SampleRatio is the share of traces recorded, from 0 to 1, among
	// those that a request's traceparent header has not decided. The
	// default configuration sets 1, all.
	SampleRatio float64 `yaml:"sample_ratio"`
	// ServiceName is the service.name of the traces. Default: the
	// standard OTEL_SERVICE_NAME, else gatehouse.
	ServiceName string `yaml:"service_name"`
}

// Validate reports a setting out of its range, naming its key.
func (t Tracing) Validate() error {
	if t.SampleRatio < 0 || t.SampleRatio > 1 {
		return fmt.Errorf("telemetry.tracing.sample_ratio %v is not between 0 and 1", t.SampleRatio)
	}
	if t.Endpoint != "" && !strings.HasPrefix(t.Endpoint, "http://") && !strings.HasPrefix(t.Endpoint, "https://") {
		return fmt.Errorf("telemetry.tracing.endpoint %q is not an http or https URL", t.Endpoint)
	}
	return nil
}

// on reports whether tracing is on, by cfg and the environment.
func (t Tracing) on() bool {
	if strings.EqualFold(strings.TrimSpace(os.Getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	return t.Endpoint != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != ""
}

// startTracing sets up the tracer of cfg, if tracing is on.
func (t *Telemetry) startTracing(cfg Tracing, opts Options) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if !cfg.on() {
		return nil
	}
	var exporterOpts []otlptracehttp.Option
	if cfg.Endpoint != "" {
		exporterOpts = append(exporterOpts, otlptracehttp.WithEndpointURL(cfg.Endpoint))
	}
	// The exporter connects lazily: a collector that is down costs
	// dropped spans and a logged error, not the server.
	exporter, err := otlptracehttp.New(context.Background(), exporterOpts...)
	if err != nil {
		return fmt.Errorf("telemetry.tracing: %w", err)
	}
	name := cfg.ServiceName
	if name == "" {
		name = os.Getenv("OTEL_SERVICE_NAME")
	}
	if name == "" {
		name = "gatehouse"
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", name)}
	if opts.Version != "" {
		attrs = append(attrs, attribute.String("service.version", opts.Version))
	}
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewSchemaless(attrs...)),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))),
	)
	logger := opts.Logger
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { logger.Warn("tracing", "error", err) }))
	t.tracer = provider.Tracer("github.com/gatehouse/gatehouse")
	t.shutdown = provider.Shutdown
	return nil
}
