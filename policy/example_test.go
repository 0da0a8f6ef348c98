package policy_test

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/policy"
)

// logger is an ObligationRunner that prints the obligations it runs.
type logger struct{}

func (logger) Oblige(_ context.Context, name string, effect policy.Result, attrs *policy.Attributes, _ map[string]any) (bool, string, error) {
	fmt.Printf("obligation %s: %s for %v\n", name, effect, attrs.Subject["email"])
	return true, "", nil
}

func ExampleEngine_Decide() {
	s := policy.Load("testdata/example.json")
	for _, p := range s.Problems() {
		fmt.Println(p)
	}
	e := policy.NewEngine(s, policy.Config{Obligations: logger{}})

	d, err := e.Decide(context.Background(), policy.Request{
		PolicySet: "site",
		Attributes: policy.Attributes{
			Subject: map[string]any{"email": "ann@example.com", "groups": []any{"staff"}},
			Object:  map[string]any{"path": "/admin/users"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("result:", d.Result)
	fmt.Print(d.Explain())
	// Output:
	// obligation log: DENY for ann@example.com
	// result: DENY
	// policy set site: DENY (AND)
	//   policy admin-pages: DENY (ANY)
	//     rule admins-only: DENY (condition is false)
}

func ExampleLoad() {
	s := policy.Load("testdata/example.json", "testdata/missing")
	fmt.Println(s.PolicySets())
	for _, p := range s.Problems() {
		fmt.Println(p)
	}
	// Output:
	// [site]
	// testdata/missing: stat testdata/missing: no such file or directory
}
