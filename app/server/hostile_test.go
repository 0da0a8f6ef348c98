package server_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/server"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/syncbuf"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestHostilePluginRoutes serves a host whose folder holds hostile
// plugins of host/testdata: one refused at load (abiv9) and one whose
// calls trap until it is quarantined. GET /v1/plugins reports the refusal
// and the quarantine, with the plugin's name and last error; POST
// /v1/plugins/reload lifts the quarantine.
func TestHostilePluginRoutes(t *testing.T) {
	t.Parallel()
	const quarantineAfter = 2
	f := hostileFixture(t, host.Config{
		// Loads under the race detector on a busy machine are slow.
		Limits:  host.Limits{Timeout: time.Minute},
		Plugins: map[string]host.PluginConfig{"hostile-trap": {Limits: host.Limits{QuarantineAfter: quarantineAfter}}},
	}, map[string]string{
		"hostile-abiv9.wasm": wasmbuild.Go(t, "host/testdata/hostile/abiv9"),
		"hostile-trap.wasm":  wasmbuild.Go(t, "host/testdata/hostile/trap"),
	})
	f.start(t)
	for range quarantineAfter {
		if _, err := f.h.Environment(t.Context(), "trap", abi.EnvironmentRequest{Key: "trap"}); !errors.Is(err, &abi.Error{Code: abi.CodeTrap}) {
			t.Fatalf("call trap: %v, want a trap", err)
		}
	}
	refused := map[string]abi.Code{"hostile-abiv9.wasm": abi.CodeABIMismatch}
	checkHostile(t, f, http.MethodGet, "/v1/plugins", refused, true)
	checkHostile(t, f, http.MethodPost, "/v1/plugins/reload", refused, false)
}

// TestHostileStartLoopRoutes serves a host whose folder holds plugins
// whose start functions never return, on both bindings: the server is
// ready once the host has started, reports them refused with a timeout,
// and a reload answers.
func TestHostileStartLoopRoutes(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	for _, name := range []string{"startloop", "startloop-extism"} {
		files[name+".wasm"] = wasmbuild.WAT(t, readWAT(t, name+".wat"))
	}
	f := hostileFixture(t, host.Config{Limits: host.Limits{Timeout: time.Second, InitTimeout: 2 * time.Second}}, files)
	if status, body := f.do(t, http.MethodGet, "/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz before Start: %d %s, want 503", status, body)
	}
	f.start(t)
	if status, body := f.do(t, http.MethodGet, "/readyz"); status != http.StatusOK {
		t.Errorf("GET /readyz after Start: %d %s, want 200", status, body)
	}
	refused := map[string]abi.Code{"startloop.wasm": abi.CodeTimeout, "startloop-extism.wasm": abi.CodeTimeout}
	checkHostile(t, f, http.MethodGet, "/v1/plugins", refused, false)
	checkHostile(t, f, http.MethodPost, "/v1/plugins/reload", refused, false)
}

// hostileFixture returns a fixture, not yet started, whose host has cfg
// on a folder of the files, by name the .wasm file to copy there. The
// logs are shown when the test fails.
func hostileFixture(t *testing.T, cfg host.Config, files map[string]string) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir(), log: &syncbuf.Buffer{}}
	for name, src := range files {
		copyPlugin(t, src, filepath.Join(f.dir, name))
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", f.log)
		}
	})
	logger := slog.New(slog.NewTextHandler(f.log, nil))
	cfg.PluginDir, cfg.CacheDir, cfg.Logger = f.dir, wasmbuild.CacheDir(t, "wazero"), logger
	h, err := host.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	f.h, f.e = h, server.New(h, prometheus.NewRegistry(), logger)
	f.srv = httptest.NewServer(f.e)
	t.Cleanup(f.srv.Close)
	return f
}

// checkHostile checks the plugins of the answer to method at path: the
// refused files ERROR with their code; hostile-trap.wasm ERROR with code
// quarantined, naming the trap, when quarantined is set, else OK.
func checkHostile(t *testing.T, f *fixture, method, path string, refused map[string]abi.Code, quarantined bool) {
	t.Helper()
	var got struct {
		Plugins []host.PluginStatus `json:"plugins"`
	}
	f.getJSON(t, method, path, http.StatusOK, &got)
	if files, err := os.ReadDir(f.dir); err != nil || len(got.Plugins) != len(files) {
		t.Errorf("%s %s: %d plugins, want one for each of the %d files (%v): %+v", method, path, len(got.Plugins), len(files), err, got.Plugins)
	}
	seen := 0
	for _, st := range got.Plugins {
		file := filepath.Base(st.File)
		switch code, ok := refused[file]; {
		case ok:
			seen++
			if st.Status != host.StatusError || !strings.HasPrefix(st.Message, string(code)+": ") {
				t.Errorf("%s %s: %s is %s %q, want ERROR with code %s", method, path, file, st.Status, st.Message, code)
			}
		case file != "hostile-trap.wasm":
			t.Errorf("%s %s: unexpected %s", method, path, file)
		case quarantined:
			if st.Status != host.StatusError || !strings.HasPrefix(st.Message, string(abi.CodeQuarantined)+": ") ||
				!strings.Contains(st.Message, string(abi.CodeTrap)) || st.Name != "hostile-trap" || !strings.Contains(st.LastError, "plugin hostile-trap") {
				t.Errorf("%s %s: %s is %s %q (plugin %q, last error %q), want ERROR with code %s naming %s, and a last error naming hostile-trap",
					method, path, file, st.Status, st.Message, st.Name, st.LastError, abi.CodeQuarantined, abi.CodeTrap)
			}
		default:
			if st.Status != host.StatusOK || st.Message != "" {
				t.Errorf("%s %s: %s is %s %q, want OK", method, path, file, st.Status, st.Message)
			}
		}
	}
	if seen != len(refused) {
		t.Errorf("%s %s: %d of the %d refused files reported: %+v", method, path, seen, len(refused), got.Plugins)
	}
}
