package openc2

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/openc2/internal/vectors"
)

const vectorDir = "../../shared/conformance/openc2/bberliner"

// checkRejection asserts that err is an *Error with a message.
func checkRejection(t *testing.T, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Message == "" || !errors.Is(err, ErrInvalid) {
		t.Fatalf("rejection is not a clear *Error: %#v", err)
	}
	t.Logf("rejected: %v", err)
}

func generic(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	return v
}

func TestConformance(t *testing.T) {
	for _, kind := range []string{"commands", "responses"} {
		for _, label := range []string{"good", "bad"} {
			files, _ := filepath.Glob(filepath.Join(vectorDir, kind, label, "*.json"))
			if len(files) == 0 {
				t.Fatalf("no vectors in %s: the conformance data (shared/conformance) must sit beside the repository", filepath.Join(vectorDir, kind, label))
			}
			for _, f := range files {
				name := kind + "/" + label + "/" + filepath.Base(f)
				t.Run(name, func(t *testing.T) {
					data, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					want := label == "good"
					if reason, ok := vectors.Exceptions[name]; ok {
						want = !want
						t.Logf("exception: %s", reason)
					}
					var enc []byte
					if kind == "commands" {
						c, err := DecodeCommand(data)
						if !want {
							if err == nil {
								t.Fatalf("accepted: %+v", c)
							}
							checkRejection(t, err)
							return
						}
						if err != nil {
							t.Fatalf("rejected: %v", err)
						}
						if enc, err = EncodeCommand(c); err != nil {
							t.Fatal(err)
						}
						if _, err := DecodeCommand(enc); err != nil {
							t.Fatalf("re-decode %s: %v", enc, err)
						}
					} else {
						r, err := DecodeResponse(data)
						if !want {
							if err == nil {
								t.Fatalf("accepted: %+v", r)
							}
							checkRejection(t, err)
							return
						}
						if err != nil {
							t.Fatalf("rejected: %v", err)
						}
						if enc, err = EncodeResponse(r); err != nil {
							t.Fatal(err)
						}
					}
					if got, orig := generic(t, enc), generic(t, data); !reflect.DeepEqual(got, orig) {
						t.Fatalf("round trip changed:\n got %s\nwant %s", enc, data)
					}
				})
			}
		}
	}
}

func FuzzDecodeCommand(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(vectorDir, "commands", "*", "*.json"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCommand(data)
		if err != nil {
			return
		}
		enc, err := EncodeCommand(c)
		if err != nil {
			t.Fatalf("encode of decoded command: %v", err)
		}
		c2, err := DecodeCommand(enc)
		if err != nil {
			t.Fatalf("re-decode %s: %v", enc, err)
		}
		enc2, _ := EncodeCommand(c2)
		if !reflect.DeepEqual(generic(t, enc), generic(t, enc2)) {
			t.Fatalf("not stable: %s vs %s", enc, enc2)
		}
	})
}

func BenchmarkCodec(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(vectorDir, "commands/good/ls_example_deny_ipv4connection.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := DecodeCommand(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := EncodeCommand(c); err != nil {
			b.Fatal(err)
		}
	}
}

func TestErrorPath(t *testing.T) {
	_, err := DecodeCommand([]byte(`{"action":"allow","target":{"ipv4_net":"10.0.0.0/33"}}`))
	want := `target.ipv4_net: "10.0.0.0/33": prefix length 33 exceeds 32`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if _, err := DecodeCommand([]byte(`{"action":"allow","action":"deny","target":{"uri":"http://a"}}`)); err == nil {
		t.Fatal("duplicate key accepted")
	}
}
