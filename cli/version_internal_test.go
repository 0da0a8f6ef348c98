package cli

import (
	"runtime/debug"
	"testing"
)

// TestVersionInfo takes the version and the commit from the link-time
// variables first, then from what the Go toolchain recorded.
func TestVersionInfo(t *testing.T) {
	deps := []*debug.Module{
		{Path: wazeroModule, Version: "v1.12.0"},
		{Path: extismModule, Version: "v1.0.0", Replace: &debug.Module{Path: extismModule, Version: "v1.7.1"}},
	}
	checkout := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{
			Main: debug.Module{Version: "(devel)"},
			Deps: deps,
			Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "d94f21325561508b25383380b6cba97d645fc68b"},
				{Key: "vcs.modified", Value: "true"},
			},
		}, true
	}
	installed := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "v1.3.0"}, Deps: deps}, true
	}
	none := func() (*debug.BuildInfo, bool) { return nil, false }

	for _, tt := range []struct {
		name            string
		linked, revised string // version and commit set at link time
		read            func() (*debug.BuildInfo, bool)
		want            buildInfo
	}{
		{"checkout", "", "", checkout, buildInfo{Version: "dev", Commit: "d94f21325561508b25383380b6cba97d645fc68b", Modified: true, Wazero: "v1.12.0", Extism: "v1.7.1"}},
		{"go install", "", "", installed, buildInfo{Version: "v1.3.0", Commit: "unknown", Wazero: "v1.12.0", Extism: "v1.7.1"}},
		{"ldflags", "1.2.0", "abc", checkout, buildInfo{Version: "1.2.0", Commit: "abc", Modified: true, Wazero: "v1.12.0", Extism: "v1.7.1"}},
		{"no build info", "", "", none, buildInfo{Version: "dev", Commit: "unknown", Wazero: "unknown", Extism: "unknown"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			version, commit = tt.linked, tt.revised
			t.Cleanup(func() { version, commit = "", "" })
			got := versionInfo(tt.read)
			got.Go, got.ABI = "", ""
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
