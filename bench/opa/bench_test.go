package opa

import (
	"context"
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/gatehouse/gatehouse/policy"
)

// arpocConfig holds ARPOC's sample entities (see conformance/README.md).
const arpocConfig = "../../conformance/arpoc/config"

const setID = "com.example.policysets.loggedIn"

// fulfil fulfils every obligation: the decision's own cost.
type fulfil struct{}

func (fulfil) Oblige(context.Context, string, policy.Result, *policy.Attributes, map[string]any) (bool, string, error) {
	return true, "", nil
}

func gatehouse(t testing.TB) *policy.Engine {
	t.Helper()
	s := policy.Load(arpocConfig)
	if len(s.Problems()) > 0 || len(s.Entities()) == 0 {
		t.Fatalf("%s: %v", arpocConfig, s.Problems())
	}
	return policy.NewEngine(s, policy.Config{Obligations: fulfil{}})
}

func prepare(t testing.TB) rego.PreparedEvalQuery {
	t.Helper()
	pq, err := rego.New(rego.Query("data.arpoc.loggedin.decision"), rego.Module("arpoc.rego", Rego)).PrepareForEval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return pq
}

// opaDecide evaluates the prepared query on the input attrs.
func opaDecide(t testing.TB, pq rego.PreparedEvalQuery, attrs map[string]any) (string, []string) {
	rs, err := pq.Eval(context.Background(), rego.EvalInput(attrs))
	if err != nil || len(rs) != 1 {
		t.Fatalf("opa: %v, %v", rs, err)
	}
	d := rs[0].Expressions[0].Value.(map[string]any)
	var obligations []string
	for _, o := range d["obligations"].([]any) {
		obligations = append(obligations, o.(string))
	}
	slices.Sort(obligations)
	return d["effect"].(string), obligations
}

// requests are inputs of the decision; the first is the one measured.
var requests = []policy.Attributes{
	{
		Subject: map[string]any{"email": "ann@example.com", "age": float64(42), "groups": []any{"/staff"}},
		Object:  map[string]any{"path": "admin/users", "service": "serviceA"},
		Access:  map[string]any{"method": "GET", "headers": map[string]any{"accept": "text/html"}},
	},
	{Subject: map[string]any{"email": "tim@example.com", "age": float64(9)}, Object: map[string]any{"path": "admin/users"}},
	{Subject: map[string]any{"email": "tim@example.com"}, Object: map[string]any{"path": "admin/users"}},
	{Subject: map[string]any{"email": "tim@example.com"}, Object: map[string]any{"path": "docs/a"}},
	{Subject: map[string]any{"email": ""}, Object: map[string]any{"path": "docs/a"}},
	{Subject: map[string]any{}, Object: map[string]any{"path": "admin"}},
	{Subject: map[string]any{"email": "ann@example.com"}},
}

// input returns attrs as OPA's input document.
func input(attrs policy.Attributes) map[string]any {
	return map[string]any{"subject": attrs.Subject, "object": attrs.Object, "environment": attrs.Environment, "access": attrs.Access}
}

// TestSameDecisions checks that both engines give the same effect and
// obligations for every request.
func TestSameDecisions(t *testing.T) {
	e, pq := gatehouse(t), prepare(t)
	for i, attrs := range requests {
		d, err := e.Decide(t.Context(), policy.Request{PolicySet: setID, Attributes: attrs})
		if err != nil {
			t.Fatal(err)
		}
		var obligations []string
		for _, o := range d.Obligations {
			obligations = append(obligations, o.Name)
		}
		slices.Sort(obligations)
		effect, opaObligations := opaDecide(t, pq, input(attrs))
		if effect != d.Effect.String() || !slices.Equal(obligations, opaObligations) {
			t.Errorf("request %d: gatehouse %s %v, opa %s %v\n%s", i, d.Effect, obligations, effect, opaObligations, d.Explain())
		}
	}
}

// BenchmarkLoggedIn decides the first request with each engine, in one
// run: Gatehouse's Decide, and OPA's prepared query with the same Go maps
// as input (OPA converts them to its values on each evaluation, as a
// server handing it request attributes would), and with the input
// converted once beforehand (OPA's evaluation alone).
func BenchmarkLoggedIn(b *testing.B) {
	ctx := context.Background()
	b.Run("gatehouse", func(b *testing.B) {
		e := gatehouse(b)
		req := policy.Request{PolicySet: setID, Attributes: requests[0]}
		b.ReportAllocs()
		for b.Loop() {
			if d, err := e.Decide(ctx, req); err != nil || !d.Granted() {
				b.Fatal(d, err)
			}
		}
	})
	b.Run("opa", func(b *testing.B) {
		pq := prepare(b)
		in := input(requests[0])
		b.ReportAllocs()
		for b.Loop() {
			rs, err := pq.Eval(ctx, rego.EvalInput(in))
			if err != nil || rs[0].Expressions[0].Value.(map[string]any)["effect"] != "GRANT" {
				b.Fatal(rs, err)
			}
		}
	})
	b.Run("opa-parsed-input", func(b *testing.B) {
		pq := prepare(b)
		in, err := ast.InterfaceToValue(input(requests[0]))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			rs, err := pq.Eval(ctx, rego.EvalParsedInput(in))
			if err != nil || rs[0].Expressions[0].Value.(map[string]any)["effect"] != "GRANT" {
				b.Fatal(rs, err)
			}
		}
	})
}
