package openc2

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScan compares the decoder's reading of JSON with encoding/json: it
// accepts only valid JSON and never calls valid JSON invalid, it decodes
// strings and compacts values the same way, and appendString writes what
// both read back.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		`{"a":[1,-2.5e+3,true,false,null,{"b":"c"}]}`, ` [ ] `, `"\u00e9\ud83d\ude00\n\t\"\\\/"`,
		`{"a":1,"a":2}`, `"\ud800"`, `"\udc00x"`, `"\uffff"`, "\"\xff\"", `{"\u0061":1,"a":2}`,
		`[1,]`, `{"a":1,}`, `01`, `-`, `1.`, `1e`, "{\"a\":\"\x01\"}", `"` + strings.Repeat("[", 70) + `"`,
		strings.Repeat("[", 70) + strings.Repeat("]", 70),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkDocument(data, nil)
		valid := json.Valid(data)
		switch {
		case err == nil && !valid:
			t.Fatalf("accepted invalid JSON %q", data)
		case err != nil && valid && strings.HasPrefix(err.(*Error).Message, "invalid JSON"):
			t.Fatalf("valid JSON %q called invalid: %v", data, err)
		case err == nil:
			var want bytes.Buffer
			if err := json.Compact(&want, data); err != nil {
				t.Fatal(err)
			}
			if got := appendCompact(nil, data); !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("compact %q = %q, want %q", data, got, want.Bytes())
			}
		}

		// data as the contents of a string token
		tok := append(append([]byte{'"'}, data...), '"')
		d := decoder{data: tok}
		raw, _, err := d.stringToken(nil)
		var want string
		jerr := json.Unmarshal(tok, &want)
		switch {
		case err == nil && d.pos != len(tok):
			// data holds an unescaped quote: the token ended early
		case err == nil && jerr != nil:
			t.Fatalf("string %q accepted, encoding/json: %v", tok, jerr)
		case err == nil && unquote(raw) != want:
			t.Fatalf("string %q = %q, want %q", tok, unquote(raw), want)
		case err != nil && jerr == nil && strings.HasPrefix(err.(*Error).Message, "invalid JSON"):
			t.Fatalf("valid string %q called invalid: %v", tok, err)
		}

		// data as a Go string to write
		s := string(data)
		enc, ok := appendString(nil, s)
		if want := utf8.ValidString(s) && !strings.ContainsFunc(s, noncharacter); ok != want {
			t.Fatalf("appendString(%q) ok = %v, want %v", s, ok, want)
		}
		if !ok {
			return
		}
		var back string
		if err := json.Unmarshal(enc, &back); err != nil || back != s {
			t.Fatalf("appendString(%q) = %s, which encoding/json reads as %q (%v)", s, enc, back, err)
		}
		d = decoder{data: enc}
		if got, err := d.str(nil); err != nil || got != s || d.pos != len(enc) {
			t.Fatalf("appendString(%q) = %s, which the decoder reads as %q (%v)", s, enc, got, err)
		}
	})
}

// TestFaultOrder pins which fault a message with several is reported by:
// syntax first, then duplicate keys, nesting and I-JSON text in document
// order, then the first structural fault in document order, then validation.
func TestFaultOrder(t *testing.T) {
	tests := []struct{ name, in, err string }{
		{"empty", " \n", "empty document"},
		{"nothing", "", "empty document"},
		{"syntax after a type fault", `{"target":{"uri":1},"action":"deny"} x`, "invalid JSON at offset 38: invalid character 'x' after top-level value"},
		{"NUL after the message", "{\"action\":\"deny\",\"target\":{\"uri\":\"https://a\"}}\x00", "invalid JSON at offset 47: invalid character '\\x00' after top-level value"},
		{"duplicate after a type fault", `{"target":{"uri":1},"action":"deny","action":"deny"}`, "action: duplicate key"},
		{"nesting after a type fault", `{"target":{"uri":1},"action":"deny","args":{"x-a":{"b":` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}}}`, "args.x-a.b" + strings.Repeat("[0]", 61) + ": nesting deeper than 64 levels"},
		{"text after a type fault", "{\"target\":{\"uri\":1},\"action\":\"de\xffny\"}", "action: invalid UTF-8 in string (RFC 7493 section 2.1)"},
		{"type faults in document order", `{"target":{"uri":1},"action":5}`, "target.uri: expected a string, got number"},
		{"unknown field before missing one", `{"target":{"uri":"https://a"},"x":1}`, "x: unknown field"},
		{"missing field", `{"target":{"uri":"https://a"}}`, "action: missing required field"},
		{"type fault before validation", `{"action":"block","target":{"uri":1}}`, "target.uri: expected a string, got number"},
		{"validation", `{"action":"block","target":{"uri":"https://a"}}`, `action: unknown action "block"`},
		{"choice lists its members", `{"action":"deny","target":{"uri":"https://a","ipv4_net":"10.0.0.1"}}`, "target: must hold exactly one target type, got 2 (ipv4_net, uri)"},
		{"empty choice", `{"action":"deny","target":{}}`, "target: must hold exactly one target type, got none"},
		{"actuator choice", `{"action":"deny","target":{"uri":"https://a"},"actuator":{"slpf":{},"x-a":{}}}`, "actuator: must hold exactly one actuator profile, got 2 (slpf, x-a)"},
		{"top level array", `[{"action":"deny"}]`, "expected an object, got array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeCommand([]byte(tt.in))
			if err == nil || err.Error() != tt.err {
				t.Fatalf("error %v, want %s", err, tt.err)
			}
		})
	}
}
