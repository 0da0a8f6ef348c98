package registry_test

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

func ExampleRegistry_Call() {
	r := registry.New()
	r.Plugin("hello", "1.0.0", "")
	r.Environment(abi.Component{Name: "greeting", Attributes: []string{"greeting"}},
		func(req abi.EnvironmentRequest) (any, error) { return "hello, " + req.Key, nil })

	for _, name := range []string{"greeting", "farewell"} {
		req, _ := msgpack.Marshal(abi.EnvironmentRequest{Component: name, Key: "world"})
		var rep abi.Reply[abi.EnvironmentReply]
		_ = msgpack.Unmarshal(r.Call(abi.ExportEnvironment, req), &rep)
		if rep.Error != nil {
			fmt.Println("error:", rep.Error)
			continue
		}
		fmt.Println("ok:", rep.OK.Value)
	}
	// Output:
	// ok: hello, world
	// error: not_found: no environment "farewell"
}

func ExampleRegistry_OnStart() {
	r := registry.New()
	r.Plugin("warden", "1.0.0", "")
	r.OnStart(func() error { return abi.Errorf(abi.CodeUnavailable, "no firewall program") })

	req, _ := msgpack.Marshal(abi.StartRequest{})
	var rep abi.Reply[abi.StartReply]
	_ = msgpack.Unmarshal(r.Call(abi.ExportStart, req), &rep)
	fmt.Println("error:", rep.Error)
	// Output:
	// error: unavailable: no firewall program
}
