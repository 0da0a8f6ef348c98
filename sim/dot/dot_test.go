package dot

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/lang"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// awkward has names that break an unescaped DOT file: quotes, a backslash
// before an n (a line break to Graphviz if left alone), and braces.
const awkward = `
locations { hall; "say \"hi\""; "C:\\new"; "{x}"; }
possessibles { credential "key \"A\"" at hall; }
actors { eve { at "C:\\new"; goals "{x}"; } }
connections {
  hall -> "say \"hi\"" { "key \"A\"": mlog (0%, 2) *: m (10%, 5) }
  "say \"hi\"" -> "C:\\new" { "key \"A\"": m }
  "C:\\new" -> "{x}" { *: m log[actor] }
}`

// TestWriteGolden writes the awkward model and the office, whose
// locations cluster in zones and whose two-way connections are one edge.
func TestWriteGolden(t *testing.T) {
	office, err := os.ReadFile("../../examples/office.model")
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string]string{"awkward": awkward, "office": string(office)} {
		m, err := lang.Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Write(&b, m); err != nil {
			t.Fatal(err)
		}
		golden := "testdata/" + name + ".golden"
		if *update {
			os.WriteFile(golden, b.Bytes(), 0o644)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("Write(%s) =\n%s\nwant\n%s", name, b.String(), want)
		}
	}
}

func TestQuote(t *testing.T) {
	cases := map[string]string{
		`plain`:      `"plain"`,
		`say "hi"`:   `"say \"hi\""`,
		`C:\new`:     `"C:\\new"`,
		"two\nlines": `"two\nlines"`,
		`end\`:       `"end\\"`,
	}
	for in, want := range cases {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// needDot skips without Graphviz, except in CI, where it must be there.
func needDot(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("graphviz dot is not installed, and CI needs it")
		}
		t.Skip("graphviz dot is not installed")
	}
}

// TestSVGShowsNamesAsWritten renders the awkward model with Graphviz: every
// name must come out as written, one text element each.
func TestSVGShowsNamesAsWritten(t *testing.T) {
	needDot(t)
	m, err := lang.Parse([]byte(awkward))
	if err != nil {
		t.Fatal(err)
	}
	var src, svg bytes.Buffer
	if err := Write(&src, m); err != nil {
		t.Fatal(err)
	}
	if err := SVG(context.Background(), &svg, src.Bytes()); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{`>hall</text>`, `>say &quot;hi&quot;</text>`, `>C:\new</text>`, `>{x}</text>`,
		`>credential key &quot;A&quot;</text>`, `>actor eve</text>`, `>&quot;key \&quot;A\&quot;&quot;: mlog (0%, 2)</text>`} {
		if !strings.Contains(svg.String(), text) {
			t.Errorf("SVG lacks %s", text)
		}
	}
}

// TestSVGOfFuzzedModels renders fuzzed models with exotic names: Graphviz
// must accept every one.
func TestSVGOfFuzzedModels(t *testing.T) {
	needDot(t)
	for seed := range uint64(5) {
		m, err := fuzz.Generate(fuzz.Options{Locations: 15, Density: 2, Credentials: 2, Documents: 2, Roles: 1, Actors: 3, Seed: seed, Exotic: true})
		if err != nil {
			t.Fatal(err)
		}
		var src bytes.Buffer
		Write(&src, m)
		if err := SVG(context.Background(), new(bytes.Buffer), src.Bytes()); err != nil {
			t.Errorf("seed %d: %v\n%s", seed, err, src.String())
		}
	}
}
