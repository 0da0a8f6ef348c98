package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/cli"
	"github.com/gatehouse/gatehouse/internal/store"
)

// TestHostileServeDamagedStore starts serve over a store file and an
// openc2.store file that are empty (truncated) or random bytes: serve
// refuses to start, naming the file and how to recover, and leaves the
// file as it was.
func TestHostileServeDamagedStore(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, file, key string
		content         []byte
		want            string
	}{
		{"empty store", "gatehouse.db", "store", nil, "it is empty (0 bytes)"},
		{"random store", "gatehouse.db", "store", bytes.Repeat([]byte("\x9c\x03garbage"), 4096), "store file is damaged"},
		{"empty openc2.store", "openc2.db", "openc2.store", nil, "it is empty (0 bytes)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			damaged := writeFile(t, dir, tt.file, string(tt.content))
			conf := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf("cache_dir: %q\nstore: %q\n",
				filepath.Join(dir, "cache"), filepath.Join(dir, "gatehouse.db")))
			// A serve that takes the file for a new store runs until the
			// context ends, and then exits 0.
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			code := cli.Main(ctx, []string{"serve", "--config", conf, "--plugins", t.TempDir(), "--listen", "127.0.0.1:0"},
				strings.NewReader(""), &stdout, &stderr)
			r := result{code, stdout.String(), stderr.String()}
			r.check(t, 2, tt.key+": store "+damaged+": ", tt.want, "restore it from a backup, or move it away")
			if b, err := os.ReadFile(damaged); err != nil || !bytes.Equal(b, tt.content) {
				t.Errorf("serve changed %s: %d bytes, %v", damaged, len(b), err)
			}
		})
	}
}

// TestServeClosesAfterAFailedStart makes serve fail at its listener, after
// it opened its stores and its plugin host, and checks that it closed
// them as it gave up: opening them again finds them unlocked.
func TestServeClosesAfterAFailedStart(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	conf := writeFile(t, dir, "gatehouse.yaml", fmt.Sprintf("cache_dir: %q\nstore: %q\n",
		filepath.Join(dir, "cache"), filepath.Join(dir, "gatehouse.db")))
	run(t, "", "serve", "--config", conf, "--plugins", t.TempDir(), "--listen", busy.Addr().String()).check(t, cli.ExitUsage, "listen: ")
	for _, name := range []string{"gatehouse.db", "openc2.db"} {
		st, err := store.Open(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("after serve gave up: %v", err)
			continue
		}
		st.Close()
	}
}
