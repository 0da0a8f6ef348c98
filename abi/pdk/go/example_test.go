package pdk_test

import (
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
	pdk "github.com/gatehouse/gatehouse/abi/pdk/go"
)

// A plugin registers its components in init; a test drives them with Call.
func Example() {
	pdk.Plugin("hello", "1.0.0", "says hello")
	pdk.Obligation(abi.Component{Name: "grant-only"},
		func(req abi.ObligeRequest) (abi.ObligeReply, error) {
			if req.Decision != abi.DecisionGrant {
				return abi.ObligeReply{Reason: "not granted"}, nil
			}
			return abi.ObligeReply{Fulfilled: true}, nil
		})

	req, _ := msgpack.Marshal(abi.ObligeRequest{Component: "grant-only", Decision: abi.DecisionDeny})
	var rep abi.Reply[abi.ObligeReply]
	_ = msgpack.Unmarshal(pdk.Call(abi.ExportOblige, req), &rep)
	fmt.Printf("fulfilled=%v reason=%q\n", rep.OK.Fulfilled, rep.OK.Reason)

	req, _ = msgpack.Marshal(abi.DescribeRequest{HostABI: abi.Version})
	var m abi.Reply[abi.Manifest]
	_ = msgpack.Unmarshal(pdk.Call(abi.ExportDescribe, req), &m)
	fmt.Println(m.OK.Name, m.OK.Components[0].Kind, m.OK.Components[0].Name)
	// Output:
	// fulfilled=false reason="not granted"
	// hello obligation grant-only
}

// A plugin that must act before its first call, with its capabilities,
// registers a start function; the host runs it when it loads the plugin.
func ExampleOnStart() {
	starts := 0
	pdk.OnStart(func() error {
		starts++ // a plugin would restore outside state from kv here
		return nil
	})

	req, _ := msgpack.Marshal(abi.StartRequest{})
	var rep abi.Reply[abi.StartReply]
	_ = msgpack.Unmarshal(pdk.Call(abi.ExportStart, req), &rep)
	fmt.Println(rep.Error, starts)
	// Output:
	// <nil> 1
}
