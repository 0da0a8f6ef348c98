package tck_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/plugins-src/tck"
)

// TestKitSinks checks the sink wrappers of the Zig and AssemblyScript kits
// through a host, with their sink plugins: a record reaches the file sink
// the grant names, at its level and tagged with the plugin; a sink the
// grant does not name, or a grant with no sink, fails with
// capability_denied; without the grant the plugin is refused.
func TestKitSinks(t *testing.T) {
	for _, p := range []tck.Plugin{{Lang: "zig", Name: "zig-sink"}, {Lang: "assemblyscript", Name: "as-sink"}} {
		t.Run(p.Lang+"/"+p.Name, func(t *testing.T) {
			wasm := p.Build(t)
			write := func(h *host.Host, sink string) abi.ObligeReply {
				t.Helper()
				rep, err := h.Oblige(t.Context(), "sink-write", abi.ObligeRequest{Decision: abi.DecisionGrant,
					Context: abi.Context{Access: map[string]any{"sink": sink, "message": "hello\nworld"}}})
				if err != nil {
					t.Fatalf("sink-write to %s: %v", sink, err)
				}
				return rep
			}
			denied := func(h *host.Host, sink string) {
				t.Helper()
				want := `capability_denied: sink_write: no sink "` + sink + `" in plugins.` + p.Name + ".grants.sink"
				if rep := write(h, sink); rep.Fulfilled || !strings.HasPrefix(rep.Reason, want) {
					t.Errorf("sink-write to %s: %+v, want unfulfilled with a reason starting %q", sink, rep, want)
				}
			}

			file := filepath.Join(t.TempDir(), "audit.log")
			h := newHost(t, host.Config{Plugins: map[string]host.PluginConfig{p.Name: {Grants: host.Grants{
				Sink: host.SinkGrant{"audit": {File: &host.SinkFile{Path: file}}},
			}}}}, wasm)
			mustLoad(t, h, p.Name)
			if rep := write(h, "audit"); !rep.Fulfilled {
				t.Errorf("sink-write to audit: %+v, want fulfilled", rep)
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(string(b), " INFO "+p.Name+` hello\x0aworld`+"\n") || strings.Count(string(b), "\n") != 1 {
				t.Errorf("the file holds %q, want one line ending with the message, its newline escaped", b)
			}
			denied(h, "other")

			h = newHost(t, host.Config{Plugins: map[string]host.PluginConfig{p.Name: {Grants: host.Grants{Sink: host.SinkGrant{}}}}}, wasm)
			mustLoad(t, h, p.Name)
			denied(h, "audit")

			h = newHost(t, host.Config{}, wasm)
			if st := status(t, h, p.Name+".wasm"); st.Status != host.StatusError || !strings.Contains(st.Message, "plugins."+p.Name+".grants.sink") {
				t.Errorf("ungranted: status %s, message %q; want ERROR naming the grant", st.Status, st.Message)
			}
		})
	}
}
