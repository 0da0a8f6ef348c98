package host

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// startTimeout is the call time limit of the starter plugin: how long its
// looping start runs before the host stops it.
const startTimeout = 2 * time.Second

// TestStart loads testdata/starter, whose gatehouse_start does what its kv
// key "mode" says, and checks that the host calls the start once per
// loaded version, on the instance that then serves, with the plugin's
// grants; that a start that fails or loops fails the load with its code
// while the version already serving keeps serving; that a reload tries
// such a file again; and that a plugin whose first start fails is not
// served at all.
func TestStart(t *testing.T) {
	cfg := Config{
		StorePath: filepath.Join(t.TempDir(), "store.db"),
		Logger:    logOnFailure(t),
		Plugins: map[string]PluginConfig{"starter": {
			Grants: Grants{KV: KVGrant{Granted: true}},
			Limits: Limits{PoolSize: 1, Timeout: startTimeout},
		}},
	}
	h := newHostWasm(t, cfg, wasmbuild.Go(t, "host/testdata/starter"))
	file := filepath.Join(h.cfg.PluginDir, "starter.wasm")
	first := serving(h, file)
	// The start counted itself in kv, which proves the grant, on the one
	// instance of the pool, which proves it ran on the instance that serves.
	checkStarts(t, h, "at load", 1)

	replaceAtomically(t, file, variant(readFile(t, file), "next"))
	for _, tt := range []struct {
		mode, code, message string
	}{
		{"fail", "unavailable", "gatehouse_start: told to fail"},
		{"loop", "timeout", "gatehouse_start: call exceeded " + startTimeout.String()},
	} {
		setKV(t, h, "starter", "mode", tt.mode)
		err := h.LoadFile(context.Background(), file)
		var le *LoadError
		if !errors.As(err, &le) || string(le.Err.Code) != tt.code || le.Err.Message != tt.message {
			t.Fatalf("start that does %s: load error %v, want %s: %s", tt.mode, err, tt.code, tt.message)
		}
		st := status(t, h, "starter.wasm")
		if st.Status != StatusWarn || !strings.Contains(st.Message, tt.message) {
			t.Errorf("start that does %s: status %s %q, want WARN naming the error", tt.mode, st.Status, st.Message)
		}
		if serving(h, file) != first {
			t.Errorf("start that does %s: the first version no longer serves", tt.mode)
		}
		checkStarts(t, h, "after a start that does "+tt.mode, 1)
	}

	// A reload tries content whose start failed again.
	setKV(t, h, "starter", "mode", "count")
	if err := h.LoadDir(context.Background()); err != nil {
		t.Fatal(err)
	}
	if serving(h, file) == first {
		t.Fatal("the reload did not replace the first version")
	}
	checkStarts(t, h, "after the reload", 2)

	// A new host on the same store, where the first start fails: nothing
	// serves.
	setKV(t, h, "starter", "mode", "fail")
	if err := h.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	h = startHost(t, h.cfg)
	if st := status(t, h, "starter.wasm"); st.Status != StatusError || st.Message != "unavailable: gatehouse_start: told to fail" {
		t.Errorf("status %s %q, want ERROR with the start's error", st.Status, st.Message)
	}
	_, err := h.Environment(context.Background(), "starts", abi.EnvironmentRequest{Key: "starts"})
	if !errors.Is(err, &abi.Error{Code: abi.CodeNoComponent}) {
		t.Errorf("call to a plugin whose start failed: %v, want %s", err, abi.CodeNoComponent)
	}
}

// checkStarts checks that the starter plugin has counted starts starts and
// that the instance it answers from ran the last one.
func checkStarts(t *testing.T, h *Host, when string, starts int64) {
	t.Helper()
	rep, err := h.Environment(context.Background(), "starts", abi.EnvironmentRequest{Key: "starts"})
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	got, _ := rep.Value.(map[string]any)
	if normalize(got["starts"]) != starts || got["here"] != true {
		t.Errorf("%s: %v, want %d starts, the last one on the instance that answers", when, rep.Value, starts)
	}
}

// setKV sets key to value in the kv namespace of plugin.
func setKV(t *testing.T, h *Host, plugin, key, value string) {
	t.Helper()
	if err := h.store.Namespace(plugin).Set([]byte(key), []byte(value)); err != nil {
		t.Fatal(err)
	}
}
