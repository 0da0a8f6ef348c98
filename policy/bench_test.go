package policy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// noopObligations fulfils every obligation and does nothing else: the
// decision's own cost, without any plugin.
type noopObligations struct{}

func (noopObligations) Oblige(context.Context, string, Result, *Attributes, map[string]any) (bool, string, error) {
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
		Attributes: Attributes{Environment: map[string]any{"time": "10:25:00"}}}, Grant},
	{"inTestGroup", Request{PolicySet: "com.example.policysets.inTestGroup",
		Attributes: Attributes{Subject: map[string]any{"groups": []any{"/staff", "/test1"}}}}, Grant},
	// Two policies, two rules, a comparison of a JSON number and two
	// obligations.
	{"loggedIn", Request{PolicySet: "com.example.policysets.loggedIn", Attributes: Attributes{
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

// oneLineRules returns an entity file on one line: a policy set, a policy
// and n rules, rule i with the condition condition formats with i, such as
// "subject.a%[1]d == %[1]d".
func oneLineRules(n int, condition string) []byte {
	b := []byte(`{"set": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]}, "p": {"Type": "Policy", "Resolver": "ANY", "Rules": [`)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, `"r%d"`, i)
	}
	b = append(b, "]}"...)
	for i := range n {
		b = fmt.Appendf(b, `, "r%d": {"Type": "Rule", "Condition": "%s", "Effect": "GRANT"}`, i, fmt.Sprintf(condition, i))
	}
	return append(b, '}')
}

// BenchmarkLoadOneLine loads one-line entity files of 4,000 and 10,000
// rules.
func BenchmarkLoadOneLine(b *testing.B) {
	for _, n := range []int{4_000, 10_000} {
		file := filepath.Join(b.TempDir(), "e.json")
		if err := os.WriteFile(file, oneLineRules(n, "subject.a%[1]d == %[1]d"), 0o644); err != nil {
			b.Fatal(err)
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if s := Load(file); len(s.Problems()) > 0 || len(s.Entities()) != n+2 {
					b.Fatal(s.Problems())
				}
			}
		})
	}
}

// refusedRules returns an entity file on one line: a policy whose 2n
// rules are missing, n refused for a broken condition and n not defined,
// all with ids of 306 characters that differ only in their last 6.
func refusedRules(n int) []byte {
	prefix := strings.Repeat("x", 300)
	data := []byte(`{"p": {"Type": "Policy", "Resolver": "ANY", "Rules": [`)
	for i := range 2 * n {
		data = fmt.Appendf(data, `"%s%06d",`, prefix, i)
	}
	data = append(data, `"last"]}`...)
	for i := range n {
		data = fmt.Appendf(data, `, "%s%06d": {"Type": "Rule", "Condition": "subject.a ==", "Effect": "GRANT"}`, prefix, i)
	}
	return append(data, '}')
}

// BenchmarkLoadRefused loads refusedRules(20,000): the reason given for
// each missing rule is looked up by its id.
func BenchmarkLoadRefused(b *testing.B) {
	const n = 20_000
	file := filepath.Join(b.TempDir(), "e.json")
	if err := os.WriteFile(file, refusedRules(n), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if s := Load(file); len(s.Problems()) != 3*n+1 {
			b.Fatal(len(s.Problems()))
		}
	}
}
