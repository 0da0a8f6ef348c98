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

// jsonBlock is a fenced JSON example of a Markdown file.
var jsonBlock = regexp.MustCompile("(?s)```json\n(.*?)```")

// Read returns the text of doc, a path from the module's root.
func Read(t testing.TB, doc string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(wasmbuild.ModuleRoot(t), doc))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// JSON returns the fenced JSON examples of doc, in order; a document
// without one fails the test.
func JSON(t testing.TB, doc string) [][]byte {
	t.Helper()
	var blocks [][]byte
	for _, m := range jsonBlock.FindAllSubmatch(Read(t, doc), -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) == 0 {
		t.Fatalf("%s: no JSON example", doc)
	}
	return blocks
}
