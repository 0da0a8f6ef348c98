package openc2

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/openc2/internal/vectors"
)

const vectorDir = "../conformance/openc2/bberliner"

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
				t.Fatalf("no vectors in %s", filepath.Join(vectorDir, kind, label))
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

// seedVectors adds the conformance vectors of kind ("commands" or
// "responses") to the fuzz corpus.
func seedVectors(f *testing.F, kind string) {
	files, _ := filepath.Glob(filepath.Join(vectorDir, kind, "*", "*.json"))
	if len(files) == 0 {
		f.Fatalf("no vectors in %s", filepath.Join(vectorDir, kind))
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// fuzzRoundTrip checks what every fuzzed message must satisfy: decoding
// fails with an *Error or succeeds on valid JSON only; a decoded value
// encodes, and its encoding decodes to the same value and encodes to the
// same bytes.
func fuzzRoundTrip[T any](t *testing.T, data []byte, decode func([]byte) (T, error), encode func(T) ([]byte, error)) {
	v, err := decode(data)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Message == "" || !errors.Is(err, ErrInvalid) {
			t.Fatalf("rejection is not a clear *Error: %#v", err)
		}
		if json.Valid(data) && strings.HasPrefix(e.Message, "invalid JSON") {
			t.Fatalf("valid JSON called invalid: %v", err)
		}
		return
	}
	if !json.Valid(data) {
		t.Fatalf("accepted invalid JSON %q", data)
	}
	enc, err := encode(v)
	if err != nil {
		t.Fatalf("encode of a decoded value: %v", err)
	}
	v2, err := decode(enc)
	if err != nil {
		t.Fatalf("re-decode %s: %v", enc, err)
	}
	if !reflect.DeepEqual(v, v2) {
		t.Fatalf("re-decoded value differs:\n%#v\n%#v", v, v2)
	}
	enc2, err := encode(v2)
	if err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("re-encoding differs (%v):\n%s\n%s", err, enc, enc2)
	}
}

func FuzzDecodeCommand(f *testing.F) {
	seedVectors(f, "commands")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, DecodeCommand, EncodeCommand)
	})
}

func FuzzDecodeResponse(f *testing.F) {
	seedVectors(f, "responses")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, DecodeResponse, EncodeResponse)
	})
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
