package server_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
// plugins of host/testdata: one refused at load (abiv9), one whose calls
// trap until it is quarantined, and two whose start functions never
// return, on both bindings. The server is ready once the host has
// started; GET /v1/plugins reports each refusal and the quarantine, with
// the plugin's name and last error; POST /v1/plugins/reload lifts the
// quarantine and answers, the start loops refused again.
func TestHostilePluginRoutes(t *testing.T) {
	t.Parallel()
	const quarantineAfter = 2
	const initTimeout = 2 * time.Second
	dir := t.TempDir()
	copyPlugin(t, wasmbuild.Go(t, "host/testdata/hostile/abiv9"), filepath.Join(dir, "hostile-abiv9.wasm"))
	copyPlugin(t, wasmbuild.Go(t, "host/testdata/hostile/trap"), filepath.Join(dir, "hostile-trap.wasm"))
	for _, name := range []string{"startloop", "startloop-extism"} {
		copyPlugin(t, wasmbuild.WAT(t, readWAT(t, name+".wat")), filepath.Join(dir, name+".wasm"))
	}
	log := &syncbuf.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", log)
		}
	})
	logger := slog.New(slog.NewTextHandler(log, nil))
	h, err := host.New(host.Config{
		PluginDir: dir,
		CacheDir:  wasmbuild.CacheDir(t, "wazero"),
		// Loads under the race detector on a busy machine are slow.
		Limits:  host.Limits{Timeout: time.Minute, InitTimeout: initTimeout},
		Plugins: map[string]host.PluginConfig{"hostile-trap": {Limits: host.Limits{QuarantineAfter: quarantineAfter}}},
		Logger:  logger,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	srv := httptest.NewServer(server.New(h, prometheus.NewRegistry(), logger))
	t.Cleanup(srv.Close)
	f := &fixture{h: h, dir: dir, srv: srv, log: log}

	if status, body := f.do(t, http.MethodGet, "/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz before Start: %d %s, want 503", status, body)
	}
	f.start(t)
	if status, body := f.do(t, http.MethodGet, "/readyz"); status != http.StatusOK {
		t.Errorf("GET /readyz after Start: %d %s, want 200", status, body)
	}
	for range quarantineAfter {
		if _, err := h.Environment(t.Context(), "trap", abi.EnvironmentRequest{Key: "trap"}); !errors.Is(err, &abi.Error{Code: abi.CodeTrap}) {
			t.Fatalf("call trap: %v, want a trap", err)
		}
	}

	// check checks the plugins of the answer to method at path.
	check := func(method, path string, quarantined bool) {
		t.Helper()
		var got struct {
			Plugins []host.PluginStatus `json:"plugins"`
		}
		f.getJSON(t, method, path, http.StatusOK, &got)
		want := map[string]abi.Code{"hostile-abiv9.wasm": abi.CodeABIMismatch, "startloop.wasm": abi.CodeTimeout, "startloop-extism.wasm": abi.CodeTimeout}
		if len(got.Plugins) != len(want)+1 {
			t.Errorf("%s %s: %d plugins, want %d: %+v", method, path, len(got.Plugins), len(want)+1, got.Plugins)
		}
		for _, st := range got.Plugins {
			file := filepath.Base(st.File)
			switch code, refused := want[file]; {
			case refused:
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
	}
	check(http.MethodGet, "/v1/plugins", true)
	check(http.MethodPost, "/v1/plugins/reload", false)
}
