package slpf_test

import (
	"encoding/json"
	"fmt"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/plugins-src/go/internal/slpf"
)

func ExampleParse() {
	var c abi.Command
	_ = json.Unmarshal([]byte(`{"action":"deny","target":{"ipv4_net":"10.1.2.3/8"},"args":{"slpf":{"direction":"ingress"}}}`), &c)
	req, err := slpf.Parse(c)
	fmt.Println(req.Rule.Net, req.Rule.Hooks(), len(req.Rule.Matches()), err)

	_, err = slpf.Parse(abi.Command{Action: "update", Target: map[string]any{"file": map[string]any{"name": "rules.nft"}}})
	fmt.Println(err)
	// Output:
	// 10.0.0.0/8 [input forward] 2 <nil>
	// 501: command not supported: update file: rules are added and removed one by one with allow, deny and delete
}
