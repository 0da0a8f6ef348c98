package attrs

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/cputime"
	"github.com/gatehouse/gatehouse/policy"
)

// echoSource answers environment.echo as c-basics does, in Go.
type echoSource struct{}

func (echoSource) Environment(_ context.Context, path string, attrs *policy.Attributes) (string, any, error) {
	if !policy.Covers("echo", path) {
		return "", nil, nil
	}
	return "echo", map[string]any{"key": "echo", "subject": attrs.Subject["id"]}, nil
}

// BenchmarkDecideEnvironment decides a request whose policy reads one
// environment attribute (testdata/echo.json), fetched from the C reference
// plugin c-basics through the host (budget: 10 µs a decision), and, side
// by side, from a Go source that answers the same. Besides the time it
// reports the process's CPU time per decision (cpu-us/op), which waiting
// for a core on a shared machine does not inflate.
func BenchmarkDecideEnvironment(b *testing.B) {
	s := policy.Load("testdata/echo.json")
	if len(s.Problems()) > 0 {
		b.Fatal(s.Problems())
	}
	h := newHost(b)
	req := policy.Request{PolicySet: "bench.policysets.echo", Attributes: policy.Attributes{
		Subject: map[string]any{"id": 42, "email": "ann@example.com"},
		Access:  map[string]any{"method": "GET"},
	}}
	for _, src := range []struct {
		name string
		env  policy.EnvironmentSource
	}{
		{"c-plugin", Environment{Host: h}},
		{"go-source", echoSource{}},
	} {
		b.Run(src.name, func(b *testing.B) {
			e := policy.NewEngine(s, policy.Config{Environment: src.env})
			ctx := context.Background()
			b.ReportAllocs()
			cpu, n := cputime.Used(b), 0
			for b.Loop() {
				d, err := e.Decide(ctx, req)
				if err != nil || d.Result != policy.Grant {
					b.Fatalf("%+v, %v", d, err)
				}
				n++
			}
			b.ReportMetric(float64(cputime.Used(b)-cpu)/float64(time.Microsecond)/float64(n), "cpu-us/op")
		})
	}
}
