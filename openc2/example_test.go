package openc2_test

import (
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/openc2"
)

func ExampleDecodeCommand() {
	c, err := openc2.DecodeCommand([]byte(`{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"},"args":{"response_requested":"ack"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Action, c.Target.Name, c.Target.Value, c.Args.ResponseRequested)

	_, err = openc2.DecodeCommand([]byte(`{"action":"deny","target":{"ipv4_net":"10.0.0.0/33"}}`))
	var e *openc2.Error
	fmt.Println(errors.As(err, &e), errors.Is(err, openc2.ErrInvalid), e.Path)
	fmt.Println(err)
	// Output:
	// deny ipv4_net 10.0.0.0/8 ack
	// true true target.ipv4_net
	// target.ipv4_net: "10.0.0.0/33": prefix length 33 exceeds 32
}

func ExampleEncodeCommand() {
	port := int64(80)
	b, err := openc2.EncodeCommand(&openc2.Command{
		Action: openc2.ActionDeny,
		Target: openc2.Target{Name: openc2.TargetIPv4Connection, Value: &openc2.Connection{DstPort: &port, Protocol: openc2.ProtocolTCP}},
	})
	fmt.Println(string(b), err)
	// Output: {"action":"deny","target":{"ipv4_connection":{"dst_port":80,"protocol":"tcp"}}} <nil>
}

func ExampleDecodeMessage() {
	m, err := openc2.DecodeMessage([]byte(`{
	  "headers": {"request_id": "d1ac0489-ed51-4345-9175-f3078f30afe5", "created": 1545257700000},
	  "body": {"openc2": {"request": {"action": "query", "target": {"features": ["versions"]}}}}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Headers.RequestID, m.Request.Action, m.Request.Target.Value)

	_, err = openc2.DecodeMessage([]byte(`{"body": {"openc2": {"request": {"action": "query", "target": {"features": ["all"]}}}}}`))
	fmt.Println(err)
	// Output:
	// d1ac0489-ed51-4345-9175-f3078f30afe5 query [versions]
	// body.openc2.request.target.features[0]: unknown feature "all" (versions, profiles, pairs or rate_limit)
}

func ExampleEncodeMessage() {
	b, err := openc2.EncodeMessage(&openc2.Message{
		Headers:  &openc2.Headers{RequestID: "d1ac0489-ed51-4345-9175-f3078f30afe5", From: "fw1.example.net"},
		Response: &openc2.Response{Status: openc2.StatusOK},
	})
	fmt.Println(string(b), err)
	// Output: {"headers":{"request_id":"d1ac0489-ed51-4345-9175-f3078f30afe5","from":"fw1.example.net"},"body":{"openc2":{"response":{"status":200}}}} <nil>
}

func ExampleDecodeResponse() {
	r, err := openc2.DecodeResponse([]byte(`{"status":200,"results":{"slpf":{"rule_number":1234}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := openc2.EncodeResponse(r)
	fmt.Println(r.Status, *r.Results.SLPF.RuleNumber, string(b))
	// Output: 200 1234 {"status":200,"results":{"slpf":{"rule_number":1234}}}
}

func ExampleCommand_ValidateSLPF() {
	c, err := openc2.DecodeCommand([]byte(`{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"},"args":{"slpf":{"insert_rule":7}}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	err = c.ValidateSLPF()
	fmt.Println(err, errors.Is(err, openc2.ErrInvalid))

	c.Action = openc2.ActionScan
	err = c.ValidateSLPF()
	fmt.Println(err, errors.Is(err, openc2.ErrUnsupported))
	// Output:
	// args.slpf.insert_rule: needs "response_requested": "complete" (SLPF v1.0 sections 2.3.1 and 2.3.2) true
	// action: "scan" is not an action of the SLPF profile (SLPF v1.0 section 2.1.1, Table 2.1.1-1) true
}

func ExampleCommandFromGeneric() {
	// A command as a MessagePack decoder gives it: integers of any width.
	c, err := openc2.CommandFromGeneric(openc2.GenericCommand{
		Action: "deny",
		Target: map[string]any{"ipv4_connection": map[string]any{"dst_port": uint16(443), "protocol": "tcp"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Action, c.Target.Name, *c.Target.Value.(*openc2.Connection).DstPort)

	_, err = openc2.CommandFromGeneric(openc2.GenericCommand{
		Action: "deny",
		Target: map[string]any{"ipv4_connection": map[string]any{"dst_port": 443.5}},
	})
	fmt.Println(err)
	// Output:
	// deny ipv4_connection 443
	// target.ipv4_connection.dst_port: expected an integer, got 443.5
}

func ExampleResponseToGeneric() {
	n := int64(7)
	g, err := openc2.ResponseToGeneric(&openc2.Response{
		Status:  openc2.StatusOK,
		Results: &openc2.Results{SLPF: &openc2.SLPFResults{RuleNumber: &n}},
	})
	fmt.Println(g.Status, g.Results, err)
	// Output: 200 map[slpf:map[rule_number:7]] <nil>
}
