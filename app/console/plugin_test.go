package console_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/app/console"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/trapplugin"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestConsolePluginRecentErrors checks that a plugin's page lists its
// recent errors, newest first, with their component, code and message.
func TestConsolePluginRecentErrors(t *testing.T) {
	dir := t.TempDir()
	wasm, err := os.ReadFile(trapplugin.Actuator(t, "trapper"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "trapper.wasm"), wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	e, h := handlerOver(t, host.Config{PluginDir: dir, CacheDir: wasmbuild.CacheDir(t, "wazero"), Limits: host.Limits{QuarantineAfter: 1}}, console.Options{})
	for range 2 {
		if _, err := h.Actuate(t.Context(), "trapper", abi.ActuateRequest{}); err == nil {
			t.Fatal("the trapping actuator answered")
		}
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	res, page := newBrowser(t, srv).do(t, http.MethodGet, "/ui/plugins/trapper.wasm", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /ui/plugins/trapper.wasm: %d\n%s", res.StatusCode, page)
	}
	_, table, _ := strings.Cut(page, `<h2 id="errors">`)
	refused, trapped := strings.Index(table, "<td>quarantined</td>"), strings.Index(table, "<td>trap</td>")
	if refused < 0 || trapped < refused || !strings.Contains(table, "<td>actuator trapper</td>") {
		t.Errorf("the recent errors are not the refusal, then the trap:\n%s", table)
	}
}
