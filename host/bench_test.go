package host

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

// benchRequest is a ~100-byte environment request; the echo component
// answers with a reply of about the same size.
var benchRequest = abi.EnvironmentRequest{
	Key: "echo",
	Context: abi.Context{
		Subject: map[string]any{"id": "alice@example.org", "role": "operator"},
		Access:  map[string]any{"method": "GET"},
	},
}

func benchCall(b *testing.B, src, component string) {
	h := newHost(b, Config{}, src)
	ctx := context.Background()
	if _, err := h.Environment(ctx, component, benchRequest); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Environment(ctx, component, benchRequest); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallNative calls the echo environment component of the Go PDK
// plugin on the native binding.
func BenchmarkCallNative(b *testing.B) { benchCall(b, srcBasics, "echo") }

// BenchmarkCallExtism calls the same component, same logic, of the Extism
// Go PDK plugin.
func BenchmarkCallExtism(b *testing.B) { benchCall(b, srcBasicsExtism, "echo") }
