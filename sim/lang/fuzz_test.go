package lang

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that every error names a place
// inside the input, and that a model it accepts prints into text that reads
// back into an equal model and prints the same again.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.model")
	examples, _ := filepath.Glob("../../examples/*.model")
	for _, file := range append(files, examples...) {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(`connections { a <-> "b c" { k, r: m log[actor] (1.5%, 3) } }`))
	f.Add([]byte("roles { r; } actors { x { at a; roles r; } } /* c */"))
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := Parse(src)
		if err != nil {
			lines := bytes.Count(src, []byte("\n")) + 1
			for _, e := range err.(ErrorList) {
				if e.Pos.Line < 1 || e.Pos.Col < 1 || e.Pos.Line > lines {
					t.Fatalf("error %v outside the input of %d lines", e, lines)
				}
			}
			return
		}
		out := Format(m)
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("printed model does not parse: %v\n%s", err, out)
		}
		if !back.Equal(m) {
			t.Fatalf("parse(print(m)) differs from m:\n%s", out)
		}
		if again := Format(back); !bytes.Equal(again, out) {
			t.Fatalf("printing is not stable:\n%s\nthen\n%s", out, again)
		}
	})
}
