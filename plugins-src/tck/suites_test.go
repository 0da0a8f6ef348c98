package host_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/host/hosttest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestBasicsSuite runs the suite every basics plugin passes through
// hosttest.RunT, on the basics plugin of every language and binding; the
// plugins with some of its components only skip the cases of the others.
func TestBasicsSuite(t *testing.T) {
	suite := filepath.Join(wasmbuild.ModuleRoot(t), filepath.FromSlash(wasmbuild.BasicsSuite))
	for _, p := range wasmbuild.BasicsPlugins {
		t.Run(p.Name, func(t *testing.T) {
			wasm := p.Build(t)
			h, err := host.New(host.Config{
				CacheDir: wasmbuild.CacheDir(t, "wazero"),
				Limits:   host.Limits{Timeout: time.Minute}, // the race detector is slow
				Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close(context.Background())
			if err := h.LoadFile(t.Context(), wasm); err != nil {
				t.Fatal(err)
			}
			var opts []hosttest.Option
			if p.Partial {
				opts = append(opts, hosttest.SkipMissing)
			}
			hosttest.RunT(t, h, suite, opts...)
		})
	}
}
