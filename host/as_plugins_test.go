package host

import (
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// The AssemblyScript plugins, built with the `npx asc` command at the top
// of their plugins-src/assemblyscript/<name>/index.ts, run with the asc of
// the repository root's node_modules, so the tests prove the documented
// command.
const (
	asBasics     = "as-basics"
	asEchoExtism = "as-echo-extism"
)

// newASHost serves as-basics and as-echo-extism beside the Go twin basics.
func newASHost(t testing.TB) *Host {
	t.Helper()
	return newHostWasm(t, Config{}, wasmbuild.AssemblyScript.Plugin(t, asBasics), wasmbuild.AssemblyScript.Plugin(t, asEchoExtism), wasmbuild.Go(t, srcBasics))
}

func TestASPluginsLoad(t *testing.T) {
	h := newASHost(t)
	if st := status(t, h, "as-echo-extism.wasm"); st.Status != StatusOK || st.Binding != BindingExtism {
		t.Fatalf("as-echo-extism: status %s (%s), binding %s; want OK, extism", st.Status, st.Message, st.Binding)
	}
	got, want := componentsOf(t, h, "as-echo-extism.wasm")["environment:echo"], componentsOf(t, h, "as-basics.wasm")["environment:echo"]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("as-echo-extism echo = %+v, want %+v", got, want)
	}
}

func TestASBasicsMatchGo(t *testing.T) { basicsMatchGo(t, newASHost(t), asBasics) }

// TestASEchoExtismMatchesGo checks the echo of the Extism binding, built
// from the same source.
func TestASEchoExtismMatchesGo(t *testing.T) { echoMatchesGo(t, newASHost(t), "as-echo-extism/echo") }

// FuzzASKit sends as-basics arbitrary bytes on every call export.
func FuzzASKit(f *testing.F) { fuzzKit(f, wasmbuild.AssemblyScript.Plugin(f, asBasics)) }

// BenchmarkASRawEcho calls the echo component of as-basics directly through
// wazero: the cost of the plugin itself, without the host's.
func BenchmarkASRawEcho(b *testing.B) { benchRawEcho(b, wasmbuild.AssemblyScript.Plugin(b, asBasics)) }
