package draw

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sim/agent"
	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/lang"
	"github.com/gatehouse/gatehouse/sim/model"
	"github.com/gatehouse/gatehouse/sim/plan"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

var update = flag.Bool("update", false, "rewrite testdata/*.svg")

func parseFile(t *testing.T, path string) *model.Model {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := lang.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// runTrace runs m with the shortest agent for every actor and returns its
// trace and result.
func runTrace(t *testing.T, m *model.Model, ticks int64) ([]byte, *simulate.Result) {
	t.Helper()
	var trace bytes.Buffer
	res, err := simulate.Run(context.Background(), m, simulate.Config{Seed: 3, Ticks: ticks, Trace: &trace,
		Agent: func(string) (simulate.Agent, error) {
			a, _ := agent.New("shortest")
			return a, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	return trace.Bytes(), res
}

// TestSVGGolden draws the example models, one with a plan and one at a
// tick of a run, and compares them with testdata (-update rewrites it).
func TestSVGGolden(t *testing.T) {
	office := parseFile(t, "../../examples/office.model")
	dc := parseFile(t, "../../examples/datacentre.model")
	trace, _ := runTrace(t, dc, 30)
	state, err := stateAt(t, dc, trace, 12)
	if err != nil {
		t.Fatal(err)
	}
	prob, err := plan.ForActor(office, "mallory")
	if err != nil {
		t.Fatal(err)
	}
	w, err := plan.Find(office, prob, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	witness, _ := json.Marshal(w)
	mallory, err := ReadPlan(office, bytes.NewReader(witness))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		m    *model.Model
		o    Options
	}{
		{"office", office, Options{Title: "office"}},
		{"office-plan", office, Options{Plan: mallory}},
		{"datacentre-tick", dc, Options{Title: "datacentre at tick 12", State: state}},
		{"campus", parseFile(t, "../../examples/campus.model"), Options{Title: "campus"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := SVG(&b, c.m, c.o); err != nil {
				t.Fatal(err)
			}
			wellFormed(t, b.Bytes())
			golden := filepath.Join("testdata", c.name+".svg")
			if *update {
				os.WriteFile(golden, b.Bytes(), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("SVG differs from %s (go test ./sim/draw -update, then look at it)", golden)
			}
		})
	}
}

// wellFormed fails unless svg is well-formed XML.
func wellFormed(t *testing.T, svg []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed: %v", err)
		}
	}
}

// texts returns the text of every text and title element of svg.
func texts(t *testing.T, svg []byte) []string {
	t.Helper()
	var out []string
	dec := xml.NewDecoder(bytes.NewReader(svg))
	in := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			in = tok.Name.Local == "text" || tok.Name.Local == "title"
		case xml.CharData:
			if in {
				out = append(out, string(tok))
			}
		case xml.EndElement:
			in = false
		}
	}
}

// TestSVGNamesAsWritten draws names that need escaping in XML: each comes
// out as written.
func TestSVGNamesAsWritten(t *testing.T) {
	m, err := lang.Parse([]byte(`
locations { hall; "<b>&amp;"; "say \"hi\""; "it's"; }
possessibles { credential "key <A>" at hall; }
actors { "e&e" { at "it's"; goals "<b>&amp;"; } }
connections { hall <-> "<b>&amp;" { "key <A>": m }  "say \"hi\"" -> "it's" { *: m } }`))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := SVG(&b, m, Options{Title: "<title>"}); err != nil {
		t.Fatal(err)
	}
	var bad bytes.Buffer
	if err := SVG(&bad, m, Options{Title: "a\x01b\xffc"}); err != nil {
		t.Fatal(err)
	}
	if got := texts(t, bad.Bytes())[0]; got != "a\uFFFDb\uFFFDc" {
		t.Errorf("title %q, want a\uFFFDb\uFFFDc", got)
	}
	got := texts(t, b.Bytes())
	for _, want := range []string{"<title>", "<b>&amp;", `say "hi"`, "it's", "key <A>", "e&e", "goal of e&e", "<b>&amp; ↔ hall\n\"key <A>\": m (0%, 1)"} {
		if !slices.Contains(got, want) {
			t.Errorf("no text %q in %q", want, got)
		}
	}
}

// TestSVGOfFuzzedModels draws fuzzed models with exotic names: each is
// well-formed, and the same model draws the same bytes.
func TestSVGOfFuzzedModels(t *testing.T) {
	for seed := range uint64(5) {
		m, err := fuzz.Generate(fuzz.Options{Locations: 100, Density: 2, Credentials: 3, Documents: 2, Roles: 2, Actors: 4, Seed: seed, Exotic: true})
		if err != nil {
			t.Fatal(err)
		}
		var a, b bytes.Buffer
		if err := SVG(&a, m, Options{}); err != nil {
			t.Fatal(err)
		}
		SVG(&b, m, Options{})
		wellFormed(t, a.Bytes())
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("seed %d: two drawings of one model differ", seed)
		}
	}
}

// TestSVGTwoWayOnce checks that a <-> connection is one line with two
// arrowheads, and a pair with different clauses two lines.
func TestSVGTwoWayOnce(t *testing.T) {
	m := parseFile(t, "../../examples/office.model")
	var b bytes.Buffer
	if err := SVG(&b, m, Options{}); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	for _, c := range []struct {
		title string
		n     int
	}{{"reception ↔ street", 1}, {"street ↔ reception", 0}, {"street → reception", 0}, {"reception → street", 0},
		{"open plan → reception", 1}, {"reception → open plan", 1}} {
		if got := strings.Count(svg, "<title>"+esc(c.title)); got != c.n {
			t.Errorf("%d lines titled %q, want %d", got, c.title, c.n)
		}
	}
	if _, line, _ := strings.Cut(svg, "<title>reception ↔ street"); !strings.Contains(line[:strings.Index(line, "\n<")], `marker-start="url(#start-free)"`) {
		t.Error("reception ↔ street has no arrowhead at its start")
	}
}

// TestSVGSmall draws models with no location, and with locations but no
// connection.
func TestSVGSmall(t *testing.T) {
	for _, src := range []string{"", "locations { a; b; c; }"} {
		m, err := lang.Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := SVG(&b, m, Options{}); err != nil {
			t.Fatalf("SVG(%q): %v", src, err)
		}
		wellFormed(t, b.Bytes())
		if got, want := strings.Count(b.String(), `class="location"`), m.Len(); got != want {
			t.Errorf("SVG(%q) draws %d locations, want %d", src, got, want)
		}
	}
}

func TestSVGTooMany(t *testing.T) {
	b := model.NewBuilder()
	for i := range MaxLocations + 1 {
		b.AddLocation("l" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)))
	}
	m, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if err := SVG(io.Discard, m, Options{}); err == nil || !strings.Contains(err.Error(), "too many to draw") {
		t.Errorf("SVG of %d locations: %v", m.Len(), err)
	}
}

// TestZones checks the zones of the data centre: only free connections
// both ways join locations.
func TestZones(t *testing.T) {
	m := parseFile(t, "../../examples/datacentre.model")
	_, zones := Zones(m)
	var got []string
	for _, z := range zones {
		var names []string
		for _, v := range z {
			names = append(names, m.Locations()[v])
		}
		got = append(got, strings.Join(names, ","))
	}
	want := []string{"cage", "gate,road", "hall", "loading dock,lobby,yard", "mantrap", "noc"}
	if !slices.Equal(got, want) {
		t.Errorf("zones = %q, want %q", got, want)
	}
}

// TestGroups checks that dotted names group by their prefix and the rest
// by zone.
func TestGroups(t *testing.T) {
	m, err := lang.Parse([]byte(`
locations { street; park; hq.lobby; hq.f1.office; hq.f1.kitchen; lab.door; }
connections { street <-> park { *: m } street <-> hq.lobby { *: m } hq.lobby <-> hq.f1.office { *: m }
  hq.f1.office <-> hq.f1.kitchen { *: m } park -> lab.door { *: m } }`))
	if err != nil {
		t.Fatal(err)
	}
	_, groups := Groups(m)
	var got []string
	for _, g := range groups {
		var names []string
		for _, v := range g.Locations {
			names = append(names, m.Locations()[v])
		}
		got = append(got, g.Label+":"+strings.Join(names, ","))
	}
	want := []string{"hq.f1:hq.f1.kitchen,hq.f1.office", "hq:hq.lobby", "lab:lab.door", ":park,street"}
	if !slices.Equal(got, want) {
		t.Errorf("groups = %q, want %q", got, want)
	}
}

// FuzzSVG draws any model that parses: the drawing never fails or panics
// and is well-formed XML.
func FuzzSVG(f *testing.F) {
	for _, name := range []string{"office", "datacentre", "social"} {
		src, err := os.ReadFile("../../examples/" + name + ".model")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(`locations { "a.b"; ".c"; "d."; "e..f"; } connections { "a.b" <-> ".c" { } "d." -> "e..f" { *: m (100%, 1) } }`))
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := lang.Parse(src)
		if err != nil || m.Len() > 200 {
			return
		}
		var b bytes.Buffer
		if err := SVG(&b, m, Options{Title: string(src[:min(len(src), 20)])}); err != nil {
			t.Fatal(err)
		}
		wellFormed(t, b.Bytes())
	})
}
