package openc2

import (
	"os"
	"path/filepath"
	"testing"
)

// codecs are the two message kinds of the codec behind one shape, so that one
// benchmark body measures both.
var codecs = []struct {
	name   string
	vector string // a typical message, under vectors
	decode func([]byte) (any, error)
	encode func(any) ([]byte, error)
}{
	{
		name:   "command",
		vector: "commands/good/ls_example_deny_ipv4connection.json",
		decode: func(b []byte) (any, error) { return DecodeCommand(b) },
		encode: func(v any) ([]byte, error) { return EncodeCommand(v.(*Command)) },
	},
	{
		name:   "response",
		vector: "responses/good/query_features_all.json",
		decode: func(b []byte) (any, error) { return DecodeResponse(b) },
		encode: func(v any) ([]byte, error) { return EncodeResponse(v.(*Response)) },
	},
}

// BenchmarkCodec measures decoding (with validation), encoding (with
// validation) and both in a row, for the LS v1.0 example command "deny
// ipv4_connection" with arguments and an slpf actuator, and for a query
// features response with versions, profiles and pairs.
func BenchmarkCodec(b *testing.B) {
	for _, c := range codecs {
		data, err := os.ReadFile(filepath.Join(vectorDir, c.vector))
		if err != nil {
			b.Fatal(err)
		}
		msg, err := c.decode(data)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.encode(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/round_trip", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m, err := c.decode(data)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.encode(m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGeneric measures the generic form, in which commands and
// responses cross the plugin ABI, for the messages of BenchmarkCodec: a
// decoded message to its generic form, back (with validation), and both.
func BenchmarkGeneric(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(vectorDir, codecs[0].vector))
	if err != nil {
		b.Fatal(err)
	}
	cmd, err := DecodeCommand(data)
	if err != nil {
		b.Fatal(err)
	}
	if data, err = os.ReadFile(filepath.Join(vectorDir, codecs[1].vector)); err != nil {
		b.Fatal(err)
	}
	resp, err := DecodeResponse(data)
	if err != nil {
		b.Fatal(err)
	}
	gc, _ := CommandToGeneric(cmd)
	gr, _ := ResponseToGeneric(resp)
	for _, bm := range []struct {
		name string
		run  func() error
	}{
		{"command/to", func() error { _, err := CommandToGeneric(cmd); return err }},
		{"command/from", func() error { _, err := CommandFromGeneric(gc); return err }},
		{"response/to", func() error { _, err := ResponseToGeneric(resp); return err }},
		{"response/from", func() error { _, err := ResponseFromGeneric(gr); return err }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bm.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
