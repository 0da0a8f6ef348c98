package pap_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/pap"
)

func ExampleStore_Apply() {
	dir, err := os.MkdirTemp("", "acl")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	base := `{"staff": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]}}`
	if err := os.WriteFile(filepath.Join(dir, "base.json"), []byte(base), 0o644); err != nil {
		panic(err)
	}
	s := &pap.Store{Dir: dir, Paths: func() []string { return []string{dir} }, Reload: func() {}}

	// The rule r does not exist yet: the policy p names it.
	rule := json.RawMessage(`{"Type": "Rule", "Effect": "GRANT", "Condition": "'/staff' in subject.groups"}`)
	res, err := s.Apply([]pap.Change{{ID: "r", Definition: rule}}, "ann", false)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Changes[0].Action, res.Changes[0].Kind, filepath.Base(res.Changes[0].File))

	// Deleting it would leave p with a reference to nothing.
	_, err = s.Apply([]pap.Change{{ID: "r"}}, "ann", false)
	if invalid, ok := err.(*pap.InvalidError); ok {
		fmt.Println(invalid.Problems[0].Message)
	}
	fmt.Println(len(policy.Load(dir).Entities()), "entities")
	// Output:
	// created Rule r.json
	// no rule "r" is loaded
	// 3 entities
}
