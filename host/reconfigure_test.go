package host

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestReconfigure changes the grants and limits of a running host: a
// plugin refused for want of a grant loads once it is granted, a plugin
// whose entry changes loads again under it, one whose entry stays keeps
// serving the same version, and an invalid entry is refused with its key
// and changes nothing.
func TestReconfigure(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{"kvcounter.wasm": srcKVCounter, "basics.wasm": srcBasics} {
		if err := os.Rename(copyPlugin(t, wasmbuild.Go(t, src), dir), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	h := startHost(t, Config{PluginDir: dir, StorePath: filepath.Join(t.TempDir(), "store.db")})
	kv, basics := filepath.Join(dir, "kvcounter.wasm"), filepath.Join(dir, "basics.wasm")
	if st := status(t, h, "kvcounter.wasm"); st.Status != StatusError || !strings.Contains(st.Message, "capability_denied") {
		t.Fatalf("kvcounter without grants: %s %q, want it refused", st.Status, st.Message)
	}
	ctx := context.Background()

	granted := map[string]PluginConfig{"kvcounter": {Grants: Grants{Log: true, Clock: true, KV: KVGrant{Granted: true}}}}
	before := serving(h, basics)
	if err := h.Reconfigure(ctx, Limits{}, granted); err != nil {
		t.Fatal(err)
	}
	if st := status(t, h, "kvcounter.wasm"); st.Status != StatusOK {
		t.Fatalf("kvcounter granted: %s %q, want OK", st.Status, st.Message)
	}
	if serving(h, basics) != before {
		t.Error("basics, whose entry did not change, loaded again")
	}

	limited := map[string]PluginConfig{"kvcounter": granted["kvcounter"], "basics": {Limits: Limits{PoolSize: 1}}}
	kvBefore := serving(h, kv)
	if err := h.Reconfigure(ctx, Limits{}, limited); err != nil {
		t.Fatal(err)
	}
	if p := serving(h, basics); p == before || p.Limits.PoolSize != 1 {
		t.Errorf("basics after its limits changed: the same version %v, pool size %d, want a new one of pool size 1", p == before, p.Limits.PoolSize)
	}
	if serving(h, kv) != kvBefore {
		t.Error("kvcounter, whose entry did not change, loaded again")
	}

	conf := h.config()
	err := h.Reconfigure(ctx, Limits{}, map[string]PluginConfig{"basics": {Limits: Limits{PoolSize: -1}}})
	if err == nil || !strings.Contains(err.Error(), "plugins.basics.limits: pool_size -1 is negative") {
		t.Errorf("an invalid entry: %v, want it refused with its key", err)
	}
	if h.config() != conf {
		t.Error("a refused configuration took effect")
	}
}
