package fuzz_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/gatehouse/gatehouse/sim/fuzz"
	"github.com/gatehouse/gatehouse/sim/lang"
)

func TestGenerateIsReproducible(t *testing.T) {
	o := fuzz.Options{Locations: 40, Density: 2.5, Credentials: 4, Documents: 3, Roles: 2, Actors: 5, Seed: 7, Exotic: true}
	a, err := fuzz.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := fuzz.Generate(o)
	if !a.Equal(b) {
		t.Error("the same options gave different models")
	}
	o.Seed++
	if c, _ := fuzz.Generate(o); c.Equal(a) {
		t.Error("another seed gave the same model")
	}
}

func TestGenerateShape(t *testing.T) {
	o := fuzz.Options{Locations: 200, Density: 3, Credentials: 5, Documents: 5, Roles: 3, Actors: 20, Seed: 1}
	m, err := fuzz.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Locations()) != 200 || len(m.Possessibles()) != 10 || len(m.Roles()) != 3 || len(m.Actors()) != 20 {
		t.Errorf("sizes: %d locations, %d possessibles, %d roles, %d actors",
			len(m.Locations()), len(m.Possessibles()), len(m.Roles()), len(m.Actors()))
	}
	if n := len(m.Connections()); n != 600 {
		t.Errorf("%d connections, want 600 for density 3", n)
	}
	for _, a := range m.Actors() {
		if len(a.Goals) == 0 {
			t.Errorf("actor %s has no goal", a.Name)
		}
	}
}

func TestGenerateRefusesBadOptions(t *testing.T) {
	for _, o := range []fuzz.Options{{}, {Locations: 3}, {Locations: 3, Density: 1, Actors: -1}} {
		if _, err := fuzz.Generate(o); err == nil {
			t.Errorf("Generate(%+v) succeeded", o)
		}
	}
}

// TestRoundTrip prints fuzzed models, exotic names included, and reads them
// back: the model read must equal the model printed.
func TestRoundTrip(t *testing.T) {
	for seed := range uint64(300) {
		o := fuzz.Options{Locations: 1 + int(seed%25), Density: 1 + float64(seed%4)/2, Credentials: int(seed % 4),
			Documents: int(seed % 3), Roles: int(seed % 3), Actors: int(seed % 5), Seed: seed, Exotic: seed%2 == 0}
		m, err := fuzz.Generate(o)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		src := lang.Format(m)
		back, err := lang.Parse(src)
		if err != nil {
			t.Fatalf("seed %d: printed model does not parse: %v\n%s", seed, err, src)
		}
		if !back.Equal(m) {
			t.Fatalf("seed %d: parse(print(m)) differs from m:\n%s", seed, src)
		}
	}
}

// TestWriteParsesIntoGenerate writes fuzzed models as they are generated
// and reads them back: the model read must equal Generate's.
func TestWriteParsesIntoGenerate(t *testing.T) {
	for seed := range uint64(100) {
		o := fuzz.Options{Locations: 1 + int(seed%25), Density: 1 + float64(seed%4)/2, Credentials: int(seed % 4),
			Documents: int(seed % 3), Roles: int(seed % 3), Actors: int(seed % 5), Seed: seed, Exotic: seed%2 == 0, Reachable: seed%3 == 0}
		m, err := fuzz.Generate(o)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		var b bytes.Buffer
		if err := fuzz.Write(&b, o); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		back, err := lang.Parse(b.Bytes())
		if err != nil {
			t.Fatalf("seed %d: written model does not parse: %v\n%s", seed, err, b.Bytes())
		}
		if !back.Equal(m) {
			t.Fatalf("seed %d: the written model differs from Generate's:\n%s", seed, b.Bytes())
		}
	}
	if err := fuzz.Write(io.Discard, fuzz.Options{}); err == nil {
		t.Error("Write accepted no locations")
	}
}
