// Package doctest reads the examples of the Markdown documents under docs/
// for the tests that check them.
package doctest

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// fenced is a fenced block of a Markdown file, with its language.
var fenced = regexp.MustCompile("(?s)```([a-z]*)\n(.*?)```")

// Example is a fenced block of a document.
type Example struct {
	Lang string // its language: json, sh, yaml, or empty
	Text []byte
}

// Read returns the text of doc, a path from the module's root.
func Read(t testing.TB, doc string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(wasmbuild.ModuleRoot(t), doc))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Examples returns the fenced blocks of doc, in order.
func Examples(t testing.TB, doc string) []Example {
	t.Helper()
	var examples []Example
	for _, m := range fenced.FindAllSubmatch(Read(t, doc), -1) {
		examples = append(examples, Example{Lang: string(m[1]), Text: m[2]})
	}
	return examples
}

// JSON returns the fenced JSON examples of doc, in order; a document
// without one fails the test.
func JSON(t testing.TB, doc string) [][]byte {
	t.Helper()
	var blocks [][]byte
	for _, ex := range Examples(t, doc) {
		if ex.Lang == "json" {
			blocks = append(blocks, ex.Text)
		}
	}
	if len(blocks) == 0 {
		t.Fatalf("%s: no JSON example", doc)
	}
	return blocks
}
