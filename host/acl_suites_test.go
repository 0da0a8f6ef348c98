package host_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/host/hosttest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestACLSuites runs the access-control suites through hosttest.RunT on
// the plugins of every language that pass them. The plugins are granted
// what the embedded configuration grants them: log and clock, or http to
// no host.
func TestACLSuites(t *testing.T) {
	for _, p := range wasmbuild.ACLPlugins {
		t.Run(p.Name, func(t *testing.T) {
			grants := host.Grants{Log: true, Clock: true}
			if p.HTTP {
				grants = host.Grants{HTTP: &host.HTTPGrant{}}
			}
			h, err := host.New(host.Config{
				CacheDir: wasmbuild.CacheDir(t, "wazero"),
				Limits:   host.Limits{Timeout: time.Minute}, // the race detector is slow
				Plugins:  map[string]host.PluginConfig{p.Name: {Grants: grants}},
				Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close(context.Background())
			if err := h.LoadFile(t.Context(), p.Build(t)); err != nil {
				t.Fatal(err)
			}
			for _, s := range p.Suites {
				t.Run(strings.TrimSuffix(filepath.Base(s.File), ".yaml"), func(t *testing.T) {
					var opts []hosttest.Option
					if s.Partial {
						opts = append(opts, hosttest.SkipMissing)
					}
					hosttest.RunT(t, h, filepath.Join(wasmbuild.ModuleRoot(t), filepath.FromSlash(s.File)), opts...)
				})
			}
		})
	}
}
