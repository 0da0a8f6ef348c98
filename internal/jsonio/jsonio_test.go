package jsonio

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestHostileLoneSurrogate checks that a lone half of a surrogate pair is
// an error naming its place, whatever comes around it, and that pairs,
// escaped backslashes and text outside strings are not.
func TestHostileLoneSurrogate(t *testing.T) {
	for _, tt := range []struct {
		text string
		at   int // -1: no error
	}{
		{`{"a": "\ud835\udd18"}`, -1},
		{`{"a": "\\ud800"}`, -1},
		{`{"a": "\u00e9\"\ud800"}`, 15},
		{`{"a": "\ud800"}`, 7},
		{`{"a": "\udd18\ud835"}`, 7},
		{`{"a": "x\ud800\u0041"}`, 8},
		{`{"a": "\ud800`, 7},
		{`{"\ud83d": 1}`, 2},
		{`["\ud83d\ude00", "\udbff\udfff", "\ud7ff\ue000"]`, -1},
		{`{"a": "\u12"}`, -1},
	} {
		err := CheckSurrogates([]byte(tt.text))
		var se *SurrogateError
		switch {
		case tt.at < 0 && err != nil:
			t.Errorf("%s: %v, want none", tt.text, err)
		case tt.at >= 0 && (!errors.As(err, &se) || se.Offset != tt.at || !strings.HasPrefix(se.Escape, `\u`)):
			t.Errorf("%s: %v, want a lone surrogate at byte %d", tt.text, err, tt.at)
		}
	}
}

// TestWriteDeep checks that Write indents as json.Indent does, and values
// nested deeper than json.Indent takes.
func TestWriteDeep(t *testing.T) {
	v := map[string]any{"a": []any{1, "x\"]{,:", map[string]any{}, []any{}}, "b": map[string]any{"c": nil}}
	var got, want bytes.Buffer
	if err := Write(&got, v, "  "); err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("got\n%s\nwant\n%s", &got, &want)
	}

	type node struct {
		Children []*node `json:"children,omitempty"`
	}
	deep := &node{}
	for range 20000 {
		deep = &node{Children: []*node{deep}}
	}
	compact, err := json.Marshal(deep)
	if err != nil {
		t.Fatal(err)
	}
	got.Reset()
	if err := Write(&got, deep, "  "); err != nil {
		t.Fatal(err)
	}
	if got.Len() > 2*len(compact)+MaxIndentDepth*MaxIndentDepth*8 {
		t.Errorf("%d bytes for %d compact: indented beyond MaxIndentDepth", got.Len(), len(compact))
	}
	if !bytes.Equal(bytes.Map(func(r rune) rune {
		if r == ' ' || r == '\n' {
			return -1
		}
		return r
	}, got.Bytes()), compact) {
		t.Error("the text is not the value's, indented")
	}
}

// TestAppendString checks that AppendString and AppendStringRaw write
// strings as encoding/json does, escapes, invalid bytes and all, the
// second as an Encoder without HTML escapes.
func TestAppendString(t *testing.T) {
	pieces := []string{"a", "é", "𝔘", "\"", "\\", "/", "<", ">", "&", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
		"\u2028", "\u2029", "\xff", "\xc3", "\xed\xa0\x80", "\xef\xbf\xbd", " "}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		var s strings.Builder
		for range rng.IntN(6) {
			s.WriteString(pieces[rng.IntN(len(pieces))])
		}
		want, err := json.Marshal(s.String())
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendString(nil, s.String()); !bytes.Equal(got, want) {
			t.Fatalf("%q: %s, want %s", s.String(), got, want)
		}
		var raw bytes.Buffer
		enc := json.NewEncoder(&raw)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s.String()); err != nil {
			t.Fatal(err)
		}
		if got := AppendStringRaw(nil, s.String()); !bytes.Equal(got, bytes.TrimSuffix(raw.Bytes(), []byte("\n"))) {
			t.Fatalf("%q: %s, want %s without HTML escapes", s.String(), got, raw.Bytes())
		}
	}
}
