package host

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// rsBasics is the basics plugin of the Rust kit, built with the
// /usr/bin/rustc commands at the top of its src/lib.rs, the kit as an rlib
// first, so the tests prove the documented commands.
const rsBasics = "rs-basics"

// newRustHost serves rs-basics beside its Go twin basics.
func newRustHost(t testing.TB) *Host {
	t.Helper()
	return newHostWasm(t, Config{}, wasmbuild.Rust.Plugin(t, rsBasics), wasmbuild.Go(t, srcBasics))
}

func TestRustBasicsMatchGo(t *testing.T) { basicsMatchGo(t, newRustHost(t), rsBasics) }

func TestRustKitRequests(t *testing.T) { kitRequests(t, wasmbuild.Rust.Plugin(t, rsBasics), rsBasics) }

func TestRustKitMemoryIsReused(t *testing.T) {
	kitMemoryIsReused(t, wasmbuild.Rust.Plugin(t, rsBasics), "greedy")
}

// FuzzRustKit sends rs-basics arbitrary bytes on every call export.
func FuzzRustKit(f *testing.F) { fuzzKit(f, wasmbuild.Rust.Plugin(f, rsBasics)) }

// BenchmarkRustKitRawEcho calls the echo component of rs-basics directly
// through wazero, without the host: the cost of the plugin itself.
func BenchmarkRustKitRawEcho(b *testing.B) { benchRawEcho(b, wasmbuild.Rust.Plugin(b, rsBasics)) }
