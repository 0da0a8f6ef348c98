package host

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// zigBasics is the basics plugin of the Zig kit, built with the command at
// the top of its main.zig and Zig 0.11 from the npm package in the root
// package.json, so the tests prove the documented command.
const zigBasics = "zig-basics"

// newZigHost serves zig-basics beside its Go twin basics.
func newZigHost(t testing.TB) *Host {
	t.Helper()
	return newHostWasm(t, Config{}, wasmbuild.Zig.Plugin(t, zigBasics), wasmbuild.Go(t, srcBasics))
}

func TestZigBasicsMatchGo(t *testing.T) { basicsMatchGo(t, newZigHost(t), zigBasics) }

func TestZigKitRequests(t *testing.T) { kitRequests(t, wasmbuild.Zig.Plugin(t, zigBasics), zigBasics) }

func TestZigKitMemoryIsReused(t *testing.T) {
	kitMemoryIsReused(t, wasmbuild.Zig.Plugin(t, zigBasics), "greedy")
}

// FuzzZigKit sends zig-basics arbitrary bytes on every call export.
func FuzzZigKit(f *testing.F) { fuzzKit(f, wasmbuild.Zig.Plugin(f, zigBasics)) }

// BenchmarkZigKitRawEcho calls the echo component of zig-basics directly
// through wazero, without the host: the cost of the plugin itself.
func BenchmarkZigKitRawEcho(b *testing.B) { benchRawEcho(b, wasmbuild.Zig.Plugin(b, zigBasics)) }
