package jsonform

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
		d := Decoder{Data: tok}
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
		d = Decoder{Data: enc}
		if got, err := d.Str(nil); err != nil || got != s || d.pos != len(enc) {
			t.Fatalf("appendString(%q) = %s, which the decoder reads as %q (%v)", s, enc, got, err)
		}
	})
}
