package pdp_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/pdp"
)

func ExampleStart() {
	dir, err := os.MkdirTemp("", "acl")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	entities := `{
"staff": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "'/staff' in subject.groups", "Effect": "GRANT"}}`
	if err := os.WriteFile(filepath.Join(dir, "acl.json"), []byte(entities), 0o644); err != nil {
		panic(err)
	}
	p, err := pdp.Start(pdp.Config{Entities: []string{dir}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	defer p.Close()
	fmt.Println(p.Status().State, p.Status().Message)

	// Any part of a server holds the point as a policy.Decider.
	var d policy.Decider = p
	dec, err := d.Decide(context.Background(), policy.Request{
		PolicySet:  "staff",
		Attributes: policy.Attributes{Subject: map[string]any{"groups": []any{"/staff"}}},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(dec.Result)
	// Output:
	// OK 1 policy sets, 1 policies, 1 rules; 0 errors, 0 warnings
	// GRANT
}
