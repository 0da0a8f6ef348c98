package app

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/app/config"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/cputime"
	"github.com/gatehouse/gatehouse/internal/telemetry"
	"github.com/gatehouse/gatehouse/policy"
)

// BenchmarkDecideLayers decides one request of the decision API over
// ARPOC's sample entities through the layers serve wraps around the
// decision point: the point alone, the point in use (decisions), with
// the metrics (telemetry, tracing off), and with the metrics and a
// decision log to a file with two masked paths (logged), as
// decisions.Decider composes them. Besides the time it reports the
// process's CPU time per decision.
func BenchmarkDecideLayers(b *testing.B) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := host.New(host.Config{Logger: logger}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close(b.Context())
	tel, err := telemetry.New(telemetry.Config{}, telemetry.Options{Registerer: prometheus.NewRegistry(), Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	f := &config.File{}
	f.Policy.Entities = []string{"../conformance/arpoc/config"}
	plain, err := startDecisions(f, h, tel, logger)
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	f.Policy.DecisionLog = config.DecisionLog{
		Path: filepath.Join(b.TempDir(), "decisions.log"),
		Mask: []string{"subject.email", "access.headers.authorization"},
	}
	logged, err := startDecisions(f, h, tel, logger)
	if err != nil {
		b.Fatal(err)
	}
	defer logged.Close()
	req := policy.Request{PolicySet: "com.example.policysets.inTestGroup", Attributes: policy.Attributes{
		Subject: map[string]any{"email": "ann@example.com", "groups": []any{"/test1", "/staff"}},
		Access:  map[string]any{"method": "GET"},
	}}
	for _, bc := range []struct {
		name string
		d    policy.Decider
	}{
		{"point", plain.point.Load()},
		{"decisions", plain},
		{"telemetry", plain.Decider("api")},
		{"logged", logged.Decider("api")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu, n := cputime.Used(b), 0
			for b.Loop() {
				if _, err := bc.d.Decide(b.Context(), req); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(cputime.Used(b)-cpu)/float64(n), "cpu-ns/op")
		})
	}
}
