// Package trapplugin assembles plugins that fail on every call, for tests
// of quarantine. It is apart from wasmbuild, which the layers that must
// not depend on abi use.
package trapplugin

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// Actuator assembles a native-binding plugin named name with one
// OpenC2 actuator, also named name, of the profile slpf and the pair deny
// ipv4_net, whose every call traps: a plugin that fails until the host
// quarantines it.
func Actuator(t testing.TB, name string) string {
	t.Helper()
	manifest := abi.Manifest{
		ABI: abi.Version, Name: name, Version: "1.0.0",
		Components: []abi.Component{{
			Kind: abi.KindActuator, Name: name, Description: "traps on every call",
			Profiles: []string{"slpf"}, Pairs: map[string][]string{"deny": {"ipv4_net"}},
		}},
	}
	var c abi.Codec
	b, err := c.Append(nil, abi.Reply[abi.Manifest]{OK: &manifest})
	if err != nil {
		t.Fatal(err)
	}
	var data strings.Builder
	for _, c := range b {
		fmt.Fprintf(&data, `\%02x`, c)
	}
	const at = 1024
	return wasmbuild.WAT(t, fmt.Sprintf(`(module
  (memory (export "memory") 2)
  (func (export %q))
  (func (export %q) (param i32) (result i32) (i32.const 65536))
  (func (export %q) (param i32 i32))
  (func (export %q) (param i32 i32) (result i64) (i64.const %d))
  (func (export %q) (param i32 i32) (result i64) (unreachable))
  (data (i32.const %d) "%s")
)`, abi.Marker, abi.ExportAlloc, abi.ExportFree, abi.ExportDescribe, abi.PackReply(at, uint32(len(b))), abi.ExportActuate, at, data.String()))
}
