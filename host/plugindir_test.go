package host

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/syncbuf"
)

// TestStartMakesMissingPluginFolder warns when the plugin folder does not
// exist, a mistyped name perhaps, and makes it; an existing folder, empty
// or not, gets no warning.
func TestStartMakesMissingPluginFolder(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		exists bool
	}{{"missing", false}, {"existing", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "plugnis")
			if tt.exists {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			var logs syncbuf.Buffer
			h := startHost(t, Config{PluginDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if !h.Ready() {
				t.Error("not ready")
			}
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				t.Errorf("plugin folder: %v", err)
			}
			warned := strings.Contains(logs.String(), `level=WARN msg="the plugin folder does not exist: made it, empty; drop plugins into it or check its name" plugins=`+dir)
			if warned == tt.exists {
				t.Errorf("warned %v for a folder that exists %v:\n%s", warned, tt.exists, logs.String())
			}
		})
	}
}
