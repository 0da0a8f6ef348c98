package host

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// rsBasics is the reference plugin of the Rust kit, built with the
// /usr/bin/rustc commands at the top of its src/lib.rs, the kit as an rlib
// first, so the tests prove the documented commands.
const rsBasics = "rs-basics"

// newRustHost serves rs-basics beside its Go twin basics.
func newRustHost(t testing.TB) *Host {
	t.Helper()
	return newHostWasm(t, Config{}, wasmbuild.Rust.Plugin(t, rsBasics), wasmbuild.Go(t, srcBasics))
}

// rustTwins maps the components of rs-basics to their Go twins in basics.
var rustTwins = map[string]string{
	"agent/rs-greedy":              "agent/greedy",
	"obligation/rs-require-reason": "obligation/require-reason",
	"environment/echo":             "environment/echo",
}

func TestRustPluginsLoad(t *testing.T) {
	manifestMatchesGo(t, newRustHost(t), "rs-basics.wasm", rustTwins)
}

func TestRustEchoEnvironmentMatchesGo(t *testing.T) {
	echoMatchesGo(t, newRustHost(t), "rs-basics/echo")
}

func TestRustRequireReasonMatchesGo(t *testing.T) {
	requireReasonMatchesGo(t, newRustHost(t), "rs-basics/rs-require-reason")
}

func TestRustGreedyMatchesGo(t *testing.T) { greedyMatchesGo(t, newRustHost(t), "rs-basics/rs-greedy") }

// BenchmarkRustKitRawEcho calls the echo component of rs-basics directly
// through wazero, without the host: the cost of the plugin itself.
func BenchmarkRustKitRawEcho(b *testing.B) { benchRawEcho(b, wasmbuild.Rust.Plugin(b, rsBasics)) }

func TestRustKitRequests(t *testing.T) {
	kitRequests(t, wasmbuild.Rust.Plugin(t, rsBasics), rsBasics, "rs-greedy", "rs-require-reason")
}

func TestRustKitMemoryIsReused(t *testing.T) {
	kitMemoryIsReused(t, wasmbuild.Rust.Plugin(t, rsBasics), "rs-greedy")
}
