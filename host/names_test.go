package host

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestHostileNameTakeover puts beside kvcounter.wasm the same plugin under
// a file name that sorts first, so that it loads first. The copy declares
// the name kvcounter, but the configuration of kvcounter applies to
// kvcounter.wasm only: the copy is refused with capability_denied naming
// that file, and kvcounter.wasm serves with its grants and its kv
// namespace. The sha256 pin of the configuration then refuses other
// content in kvcounter.wasm, while the pinned version keeps serving.
func TestHostileNameTakeover(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	file := copyPlugin(t, wasmbuild.Go(t, srcKVCounter), dir)
	wasm := readFile(t, file)
	if err := os.WriteFile(filepath.Join(dir, "aaa.wasm"), wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	h := startHost(t, Config{
		PluginDir: dir,
		StorePath: filepath.Join(t.TempDir(), "store.db"),
		Plugins: map[string]PluginConfig{"kvcounter": {
			Grants: Grants{Log: true, Clock: true, KV: KVGrant{Granted: true}},
			SHA256: strings.ToUpper(sha256Hex(wasm)),
		}},
	})
	checkRefusedFor(t, h, "aaa.wasm", abi.CodeCapabilityDenied, `"kvcounter"`, "plugins.kvcounter", "kvcounter.wasm")
	if st := status(t, h, "kvcounter.wasm"); st.Status != StatusOK {
		t.Fatalf("kvcounter.wasm: %s %q, want OK", st.Status, st.Message)
	}
	first := serving(h, file)
	for want := int64(1); want <= 2; want++ {
		rep, err := h.Environment(ctx, "counter", abi.EnvironmentRequest{Key: "hits"})
		if err != nil {
			t.Fatal(err)
		}
		if got := normalize(rep.Value); got != want {
			t.Fatalf("count = %v, want %d", got, want)
		}
	}
	if keys, err := h.store.Namespace("kvcounter").List(nil); err != nil || len(keys) == 0 {
		t.Errorf("namespace kvcounter holds %q (%v), want the counter", keys, err)
	}

	replaceAtomically(t, file, variant(wasm, "unpinned"))
	err := h.LoadFile(ctx, file)
	var le *LoadError
	if !errors.As(err, &le) || le.Err.Code != abi.CodeCapabilityDenied || !strings.Contains(le.Err.Message, "plugins.kvcounter.sha256") {
		t.Fatalf("load of unpinned content: %v, want %s naming plugins.kvcounter.sha256", err, abi.CodeCapabilityDenied)
	}
	if st := status(t, h, "kvcounter.wasm"); st.Status != StatusWarn || !strings.Contains(st.Message, "sha256") {
		t.Errorf("kvcounter.wasm with unpinned content: %s %q, want WARN naming the pin", st.Status, st.Message)
	}
	if serving(h, file) != first {
		t.Error("the pinned version no longer serves")
	}
}

// TestPluginConfigBinding checks which files a plugin's configuration
// applies to: in the plugin folder only NAME.wasm, outside it any file,
// and with a pin only the pinned content; plugins the configuration does
// not name load from any file.
func TestPluginConfigBinding(t *testing.T) {
	dir := t.TempDir()
	const sum = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	cfg := Config{PluginDir: dir, Plugins: map[string]PluginConfig{"p": {}, "pinned": {SHA256: sum}}}
	for _, tc := range []struct {
		name, plugin, file, sum, refused string
	}{
		{"own file", "p", filepath.Join(dir, "p.wasm"), "", ""},
		{"other file in the folder", "p", filepath.Join(dir, "q.wasm"), "", "applies to the file p.wasm only"},
		{"file named on its own", "p", filepath.Join(t.TempDir(), "q.wasm"), "", ""},
		{"unconfigured", "q", filepath.Join(dir, "r.wasm"), "", ""},
		{"pinned content", "pinned", filepath.Join(dir, "pinned.wasm"), sum, ""},
		{"other content", "pinned", filepath.Join(t.TempDir(), "pinned.wasm"), strings.Repeat("0", 64), "is not the one plugins.pinned.sha256 pins"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := cfg.checkBinding(tc.plugin, tc.file, tc.sum)
			if tc.refused == "" && err != nil || tc.refused != "" && (err == nil || !strings.Contains(err.Error(), tc.refused)) {
				t.Errorf("checkBinding(%s, %s) = %v, want %q", tc.plugin, tc.file, err, tc.refused)
			}
		})
	}
	if err := (PluginConfig{SHA256: "abc"}).Validate(); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Errorf("Validate of a short sha256 = %v, want an error naming sha256", err)
	}
}
