package decisionlog_test

import (
	"encoding/json"
	"fmt"

	"github.com/gatehouse/gatehouse/policy"
	"github.com/gatehouse/gatehouse/policy/decisionlog"
)

func ExampleMask() {
	m, err := decisionlog.NewMask([]string{"subject.email", "access.headers.authorization", "subject.phone"})
	if err != nil {
		panic(err)
	}
	attrs := policy.Attributes{
		Subject: map[string]any{"email": "ann@example.com", "role": "admin"},
		Access:  map[string]any{"headers": map[string]any{"authorization": "Bearer x"}},
	}
	b, _ := json.Marshal(m.Apply(attrs))
	fmt.Println(string(b))
	// Output: {"access":{"headers":{"authorization":"[masked]"}},"subject":{"email":"[masked]","role":"admin"}}
}
