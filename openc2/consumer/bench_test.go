package consumer

import (
	"context"
	"testing"
)

// BenchmarkHandle measures the consumer alone: checks, routing, the request
// to the actuator and the response, with an actuator that answers at once.
func BenchmarkHandle(b *testing.B) {
	fail := false
	c, err := New(&fakeActuators{list: []Actuator{echo, fw1, fw2}, reply: ruleReplies(&fail)}, Config{ID: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	msg := message(b, `{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","src_addr":"1.2.3.4","src_port":10996,"dst_addr":"198.2.3.4","dst_port":80}},"actuator":{"slpf":{"asset_id":"slpf-nft/filter"}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if r := c.Handle(context.Background(), msg); r.Response.Status != 200 {
			b.Fatal(r.Response.StatusText)
		}
	}
}
