package policy

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

// noopObligations fulfils every obligation and does nothing else: the
// decision's own cost, without any plugin.
type noopObligations struct{}

func (noopObligations) Oblige(context.Context, string, Result, *abi.Context, map[string]any) (bool, string, error) {
	return true, "", nil
}

// sampleRequests are decisions over ARPOC's sample entities (config/), one
// per policy set shape, with what each must give.
var sampleRequests = []struct {
	name string
	req  Request
	want Result
}{
	{"alwaysGrant", Request{PolicySet: "com.example.policysets.alwaysGrant"}, Grant},
	{"default", Request{PolicySet: "com.example.policysets.default",
		Attributes: abi.Context{Environment: map[string]any{"time": "10:25:00"}}}, Grant},
	{"inTestGroup", Request{PolicySet: "com.example.policysets.inTestGroup",
		Attributes: abi.Context{Subject: map[string]any{"groups": []any{"/staff", "/test1"}}}}, Grant},
	// Two policies, two rules, a comparison of a JSON number and two
	// obligations.
	{"loggedIn", Request{PolicySet: "com.example.policysets.loggedIn", Attributes: abi.Context{
		Subject: map[string]any{"email": "ann@example.com", "age": float64(42), "groups": []any{"/staff"}},
		Object:  map[string]any{"path": "admin/users", "service": "serviceA"},
		Access:  map[string]any{"method": "GET", "headers": map[string]any{"accept": "text/html"}},
	}}, Grant},
}

// BenchmarkDecide decides requests over ARPOC's sample entities, without
// plugins: the budget is 5 µs a decision.
func BenchmarkDecide(b *testing.B) {
	e := NewEngine(loadARPOC(b, "config"), Config{Obligations: noopObligations{}})
	for _, tt := range sampleRequests {
		b.Run(tt.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				d, err := e.Decide(ctx, tt.req)
				if err != nil || d.Result != tt.want {
					b.Fatalf("%s: %v, %v", tt.name, d.Result, err)
				}
			}
		})
	}
}

// BenchmarkLoad loads ARPOC's sample entities: parsing, checking and
// linking 21 entities from three files.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if s := loadARPOC(b, "config"); len(s.Problems()) > 0 {
			b.Fatal(s.Problems())
		}
	}
}
