package consumer_test

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
)

// firewall is an actuator written in Go: it numbers the rules it is asked
// to create.
type firewall struct{ rules int64 }

func (f *firewall) Actuators() []consumer.Actuator {
	return []consumer.Actuator{{Ref: "native/fw", Profiles: []string{"slpf"}, Pairs: map[string][]string{"deny": {"ipv4_net"}}}}
}

func (f *firewall) Actuate(_ context.Context, _ string, req consumer.ActuateRequest) (openc2.GenericResponse, error) {
	f.rules++
	return openc2.GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": f.rules}}}, nil
}

func ExampleConsumer_Handle() {
	c, err := consumer.New(&firewall{}, consumer.Config{ID: "fw.example.net"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	for _, body := range []string{
		`{"action":"query","target":{"features":["profiles","pairs"]}}`,
		`{"action":"deny","target":{"ipv4_net":"192.0.2.0/24"},"actuator":{"slpf":{"asset_id":"native/fw"}}}`,
		`{"action":"deny","target":{"ipv4_net":"192.0.2.0/24"},"actuator":{"slpf":{"asset_id":"elsewhere"}}}`,
	} {
		msg, err := openc2.DecodeMessage([]byte(`{"headers":{"request_id":"r-1"},"body":{"openc2":{"request":` + body + `}}}`))
		if err != nil {
			fmt.Println(err)
			return
		}
		out := c.Handle(context.Background(), msg)
		b, _ := openc2.EncodeResponse(out.Response)
		fmt.Println(out.Headers.RequestID, out.Headers.From, string(b))
	}
	// Output:
	// r-1 fw.example.net {"status":200,"results":{"pairs":{"cancel":["command"],"deny":["ipv4_net"],"query":["features"]},"profiles":["slpf"]}}
	// r-1 fw.example.net {"status":200,"results":{"slpf":{"rule_number":1}}}
	// r-1 fw.example.net {"status":404,"status_text":"no slpf actuator matches the specifiers {\"asset_id\":\"elsewhere\"}"}
}
