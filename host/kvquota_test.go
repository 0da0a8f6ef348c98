package host

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/capability"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestHostileKVQuota serves testdata/hostile/kvhog, which stores values of
// 1 MiB in its kv namespace until a write fails. The namespace stops at
// the default quota, with capability_denied naming the grant's max_bytes;
// later calls store nothing, before and after a restart of the host on the
// same store, until the quota is raised.
func TestHostileKVQuota(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hostile-kvhog.wasm"), readFile(t, wasmbuild.Go(t, "host/testdata/hostile/kvhog")), 0o644); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(t.TempDir(), "store.db")
	hog := func(t *testing.T, kv KVGrant, key string) (*Host, map[any]any) {
		t.Helper()
		h := startHost(t, Config{
			PluginDir: dir,
			StorePath: store,
			Logger:    logOnFailure(t),
			Plugins:   map[string]PluginConfig{"hostile-kvhog": {Grants: Grants{KV: kv}}},
		})
		rep, err := h.Environment(context.Background(), "kvhog", abi.EnvironmentRequest{Key: key})
		if err != nil {
			t.Fatal(err)
		}
		return h, normalize(rep.Value).(map[any]any)
	}
	size := func(t *testing.T, h *Host) int64 {
		t.Helper()
		n, err := h.store.Namespace("hostile-kvhog").Size()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	h, got := hog(t, KVGrant{Granted: true}, "a")
	if got["stored"] != int64(15) || got["code"] != string(abi.CodeCapabilityDenied) ||
		!strings.Contains(got["message"].(string), "plugins.hostile-kvhog.grants.kv.max_bytes") {
		t.Fatalf("first fill: %v, want 15 values stored and then %s naming plugins.hostile-kvhog.grants.kv.max_bytes", got, abi.CodeCapabilityDenied)
	}
	if n := size(t, h); n > capability.DefaultKVMaxBytes || n < 15<<20 {
		t.Errorf("namespace size %d after the first fill, want 15 MiB and some, within %d", n, capability.DefaultKVMaxBytes)
	}
	rep, err := h.Environment(context.Background(), "kvhog", abi.EnvironmentRequest{Key: "b"})
	if err != nil || normalize(rep.Value).(map[any]any)["stored"] != int64(0) {
		t.Errorf("second fill: %v, %v; want nothing stored", rep.Value, err)
	}
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	h, got = hog(t, KVGrant{Granted: true}, "c")
	if got["stored"] != int64(0) || got["code"] != string(abi.CodeCapabilityDenied) {
		t.Errorf("fill after a restart: %v, want nothing stored and %s", got, abi.CodeCapabilityDenied)
	}
	h.Close(context.Background())
	h, got = hog(t, KVGrant{Granted: true, MaxBytes: 20 << 20}, "d")
	if got["stored"] != int64(4) {
		t.Errorf("fill with max_bytes 20 MiB: %v, want 4 more values stored", got)
	}
	if n := size(t, h); n > 20<<20 {
		t.Errorf("namespace size %d, over max_bytes %d", n, 20<<20)
	}
}
