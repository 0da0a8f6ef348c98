// Package doctest reads the examples of the Markdown documents for the
// tests that check them, and the marks that say how each shell example
// runs.
package doctest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
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

// A shell block is marked by how it runs with an HTML comment on the line
// before its opening fence, which Markdown does not show:
//
//	<!-- doctest: HOW (reason) -->
//
// HOW is one of the constants below; an unmarked block runs on its own.
const (
	// RunAlone is an unmarked block: it runs on its own and must succeed.
	RunAlone = ""
	// RunServer is a block of requests to the server that the document
	// describes, which the test starts.
	RunServer = "server"
	// RunGoTest is a block of go test commands: the packages and the tests
	// they name must exist; the test suite itself runs them.
	RunGoTest = "go-test"
	// RunToolchain is a block that builds with the toolchain of a language
	// other than Go: it runs where the toolchain is installed.
	RunToolchain = "toolchain"
	// RunSkip is a block that cannot run in a test, for the reason given:
	// a command of a host outside, one that runs until stopped, one that
	// needs root.
	RunSkip = "skip"
)

// mark is the comment that marks a block.
var mark = regexp.MustCompile(`^<!-- doctest: ([a-z-]+)(?: \((.+)\))? -->$`)

// Block is a fenced block of a document, with how its mark says it runs.
type Block struct {
	Doc    string // the document, a path from the module's root
	Line   int    // the line of its opening fence, from 1
	Lang   string // its language: json, sh, yaml, or empty
	Text   string
	Run    string // how it runs: RunAlone, RunServer, RunGoTest, RunToolchain or RunSkip
	Reason string // why, in the mark's parentheses
}

// String names the block by document and line.
func (b Block) String() string { return fmt.Sprintf("%s:%d", b.Doc, b.Line) }

// Blocks returns the fenced blocks of doc, in order, with their marks. A
// mark that is not one, or that stands before no block, fails the test, as
// does a skip without a reason.
func Blocks(t testing.TB, doc string) []Block {
	t.Helper()
	var blocks []Block
	var cur *Block
	var marked *Block // the mark of the next block
	for i, line := range strings.Split(string(Read(t, doc)), "\n") {
		switch {
		case cur != nil && strings.HasPrefix(line, "```"):
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.Text += line + "\n"
		case strings.HasPrefix(line, "```"):
			cur = &Block{Doc: doc, Line: i + 1, Lang: strings.TrimPrefix(line, "```")}
			if marked != nil {
				cur.Run, cur.Reason = marked.Run, marked.Reason
				marked = nil
			}
		case marked != nil:
			t.Fatalf("%s: the mark <!-- doctest: %s --> is not right before a block's fence", marked, marked.Run)
		case strings.HasPrefix(line, "<!-- doctest:"):
			m := mark.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("%s:%d: %q is not <!-- doctest: HOW (reason) -->", doc, i+1, line)
			}
			switch m[1] {
			case RunServer, RunGoTest, RunToolchain, RunSkip:
			default:
				t.Fatalf("%s:%d: doctest: %q is not %s, %s, %s or %s", doc, i+1, m[1], RunServer, RunGoTest, RunToolchain, RunSkip)
			}
			if m[1] == RunSkip && m[2] == "" {
				t.Fatalf("%s:%d: doctest: skip says not why: <!-- doctest: skip (reason) -->", doc, i+1)
			}
			marked = &Block{Doc: doc, Line: i + 1, Run: m[1], Reason: m[2]}
		}
	}
	if cur != nil {
		t.Fatalf("%s: the block is not closed", cur)
	}
	if marked != nil {
		t.Fatalf("%s: the mark stands before no block", marked)
	}
	return blocks
}

// Section returns the first fenced block of doc after its heading (a
// whole line, as "## Example"); none fails the test.
func Section(t testing.TB, doc, heading string) Block {
	t.Helper()
	at := slices.Index(strings.Split(string(Read(t, doc)), "\n"), heading)
	if at < 0 {
		t.Fatalf("%s: no heading %q", doc, heading)
	}
	for _, b := range Blocks(t, doc) {
		if b.Line > at {
			return b
		}
	}
	t.Fatalf("%s: no block after %q", doc, heading)
	return Block{}
}
