package host

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// zigBasics is the reference plugin of the Zig kit, built with the command
// at the top of its main.zig and Zig 0.11 from the npm package in the root
// package.json, so the tests prove the documented command.
const zigBasics = "zig-basics"

// newZigHost serves zig-basics beside its Go twin basics.
func newZigHost(t testing.TB) *Host {
	t.Helper()
	return newHostWasm(t, Config{}, wasmbuild.Zig.Plugin(t, zigBasics), wasmbuild.Go(t, srcBasics))
}

// zigTwins maps the components of zig-basics to their Go twins in basics.
var zigTwins = map[string]string{
	"agent/zig-greedy":              "agent/greedy",
	"obligation/zig-require-reason": "obligation/require-reason",
	"environment/echo":              "environment/echo",
}

func TestZigPluginsLoad(t *testing.T) {
	manifestMatchesGo(t, newZigHost(t), "zig-basics.wasm", zigTwins)
}

func TestZigEchoEnvironmentMatchesGo(t *testing.T) {
	echoMatchesGo(t, newZigHost(t), "zig-basics/echo")
}

func TestZigRequireReasonMatchesGo(t *testing.T) {
	requireReasonMatchesGo(t, newZigHost(t), "zig-basics/zig-require-reason")
}

func TestZigGreedyMatchesGo(t *testing.T) {
	greedyMatchesGo(t, newZigHost(t), "zig-basics/zig-greedy")
}

// BenchmarkZigKitRawEcho calls the echo component of zig-basics directly
// through wazero, without the host: the cost of the plugin itself.
func BenchmarkZigKitRawEcho(b *testing.B) { benchRawEcho(b, wasmbuild.Zig.Plugin(b, zigBasics)) }

func TestZigKitRequests(t *testing.T) {
	kitRequests(t, wasmbuild.Zig.Plugin(t, zigBasics), zigBasics, "zig-greedy", "zig-require-reason")
}

func TestZigKitMemoryIsReused(t *testing.T) {
	kitMemoryIsReused(t, wasmbuild.Zig.Plugin(t, zigBasics), "zig-greedy")
}
