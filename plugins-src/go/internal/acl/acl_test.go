package acl

import (
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/abi/pdk/go/registry"
)

func TestManifest(t *testing.T) {
	r := registry.New()
	Register(r)
	m := r.Manifest()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.Name != Name || !slices.Equal(m.Capabilities, []abi.Capability{abi.CapLog, abi.CapClock, abi.CapSink}) {
		t.Errorf("plugin %s asks for %v, want %s asking for log, clock and sink", m.Name, m.Capabilities, Name)
	}
	var names []string
	for _, c := range m.Components {
		names = append(names, string(c.Kind)+":"+c.Name)
		if c.Kind == abi.KindEnvironment && !slices.Equal(c.Attributes, []string{c.Name}) {
			t.Errorf("environment setter %s provides %v, want its own name", c.Name, c.Attributes)
		}
	}
	want := []string{"obligation:obl_log", "obligation:obl_log_successful", "obligation:obl_log_failed",
		"environment:time", "environment:datetime", "environment:time_hour", "environment:time_minute", "environment:time_second",
		"object:urlmap"}
	if !slices.Equal(names, want) {
		t.Errorf("components = %v, want %v", names, want)
	}
}
