package decisionlog_test

import (
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionlog"
)

// BenchmarkDecide decides one request over a small policy set, alone and
// through a decision log to a file with two masked paths.
func BenchmarkDecide(b *testing.B) {
	e := engine(b)
	req := policy.Request{PolicySet: "s", Attributes: policy.Attributes{
		Subject: map[string]any{"role": "admin", "email": "ann@example.com"},
		Access:  map[string]any{"method": "GET", "headers": map[string]any{"authorization": "Bearer x"}},
	}}
	log, err := decisionlog.Open(filepath.Join(b.TempDir(), "d.log"), []string{"subject.email", "access.headers.authorization"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	for _, bc := range []struct {
		name string
		d    policy.Decider
	}{{"engine", e}, {"logged", log.Decider(e, "api")}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.d.Decide(b.Context(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
