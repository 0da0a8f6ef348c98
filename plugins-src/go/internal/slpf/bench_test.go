package slpf

import "testing"

// BenchmarkParse measures reading a command as the host sends it: the LS
// v1.0 example "deny ipv4_connection" with SLPF arguments and actuator.
func BenchmarkParse(b *testing.B) {
	c := command(b, `{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","src_addr":"1.2.3.4","src_port":10996,"dst_addr":"198.2.3.4","dst_port":80}},"args":{"slpf":{"direction":"ingress","persistent":true}},"actuator":{"slpf":{"asset_id":"30"}}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(c); err != nil {
			b.Fatal(err)
		}
	}
}
