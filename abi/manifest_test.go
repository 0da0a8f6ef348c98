package abi

import (
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for _, tc := range []struct {
		in           string
		major, minor int
		ok           bool
	}{
		{"1.0", 1, 0, true},
		{"1.12", 1, 12, true},
		{"0.3", 0, 3, true},
		{"1", 0, 0, false},
		{"+1.0", 0, 0, false},
		{"01.0", 0, 0, false},
		{"1.0.0", 0, 0, false},
		{"", 0, 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			major, minor, err := ParseVersion(tc.in)
			if (err == nil) != tc.ok || major != tc.major || minor != tc.minor {
				t.Errorf("ParseVersion(%q) = %d, %d, %v", tc.in, major, minor, err)
			}
		})
	}
}

func validManifest() Manifest {
	return Manifest{ABI: "1.0", Name: "demo", Version: "1.0.0", Components: []Component{
		{Kind: KindEnvironment, Name: "clock", Attributes: []string{"time"}},
		{Kind: KindObligation, Name: "clock"},
	}}
}

func TestManifestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Manifest)
		want   []string // substrings of the error; none for a valid manifest
	}{
		{"valid", func(*Manifest) {}, nil},
		{"major mismatch", func(m *Manifest) { m.ABI = "2.0" }, []string{"ABI v2", "ABI v1"}},
		{"bad version", func(m *Manifest) { m.ABI = "one" }, []string{`"one" is not MAJOR.MINOR`}},
		{"bad names", func(m *Manifest) { m.Name = "Demo"; m.Components[0].Name = "" }, []string{`plugin name "Demo"`, `component 0: name ""`}},
		{"no version", func(m *Manifest) { m.Version = "" }, []string{"version is empty"}},
		{"no components", func(m *Manifest) { m.Components = nil }, []string{"no component"}},
		{"duplicate", func(m *Manifest) { m.Components[1].Kind = KindEnvironment }, []string{`duplicate environment "clock"`}},
		{"unknown kind", func(m *Manifest) { m.Components[1].Kind = "sensor" }, []string{`unknown kind "sensor"`}},
		{"unknown capability", func(m *Manifest) { m.Capabilities = []Capability{"fs"} }, []string{`unknown capability "fs"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := validManifest()
			tc.change(&m)
			err := m.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestSkipUnknownKinds(t *testing.T) {
	newer := validManifest()
	newer.ABI = "1.7"
	newer.Components = append(newer.Components, Component{Kind: "sensor", Name: "door"})
	skipped := newer.SkipUnknownKinds()
	if len(skipped) != 1 || skipped[0].Name != "door" || len(newer.Components) != 2 || newer.Validate() != nil {
		t.Errorf("newer minor: skipped %v, kept %v, validate %v", skipped, newer.Components, newer.Validate())
	}

	same := validManifest()
	same.Components = append(same.Components, Component{Kind: "sensor", Name: "door"})
	if skipped := same.SkipUnknownKinds(); skipped != nil || same.Validate() == nil {
		t.Errorf("same minor: skipped %v; an unknown kind must stay an error", skipped)
	}
}

func TestPackReply(t *testing.T) {
	if got := PackReply(0x00011000, 12); got != 0x000110000000000c {
		t.Errorf("PackReply = %#x", got)
	}
	if ptr, n := UnpackReply(0x000110000000000c); ptr != 0x00011000 || n != 12 {
		t.Errorf("UnpackReply = %#x, %d", ptr, n)
	}
}

func TestCapabilityOf(t *testing.T) {
	for name, want := range map[string]Capability{
		FuncLog: CapLog, FuncClockWall: CapClock, FuncKVList: CapKV, FuncHTTPRequest: CapHTTP, FuncExec: CapExec, FuncResult: "",
	} {
		if got, ok := CapabilityOf(name); !ok || got != want {
			t.Errorf("CapabilityOf(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if _, ok := CapabilityOf("fs_open"); ok {
		t.Error("CapabilityOf(fs_open) is a host function")
	}
}
