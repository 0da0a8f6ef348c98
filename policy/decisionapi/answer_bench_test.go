package decisionapi

import (
	"log/slog"
	"testing"

	"github.com/gatehouse/gatehouse/internal/jsonio"
	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/pdp"
)

// BenchmarkAppendDecision writes the answer of a decision over ARPOC's
// sample entities (the request inTestGroup of app's BenchmarkDecideHTTP)
// as POST /v1/decide does, into a pooled buffer: with its explanation and
// without (?explain=none).
func BenchmarkAppendDecision(b *testing.B) {
	p, err := pdp.Start(pdp.Config{Entities: []string{"../../conformance/arpoc/config"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	dr, err := ReadRequest([]byte(`{"policy_set": "com.example.policysets.inTestGroup", "subject": {"email": "ann@example.com", "groups": ["/test1", "/staff"]}, "access": {"method": "GET"}}`), "body")
	if err != nil {
		b.Fatal(err)
	}
	full, err := p.Decide(b.Context(), dr.PolicyRequest(nil, nil))
	if err != nil {
		b.Fatal(err)
	}
	none := full
	none.Explanation = nil
	for _, bc := range []struct {
		name string
		d    policy.Decision
	}{{"explain=full", full}, {"explain=none", none}} {
		d := bc.d
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				buf := jsonio.GetBuffer()
				buf.Write(appendDecision(buf.AvailableBuffer(), &d))
				jsonio.PutBuffer(buf)
			}
		})
	}
}
