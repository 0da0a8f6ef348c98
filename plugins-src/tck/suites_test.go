package tck_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/host/hosttest"
	"github.com/gatehouse/gatehouse/plugins-src/tck"
)

// TestSuites runs every suite on every plugin it lists, each plugin built
// from its source and served alone by a host that grants it what the suite
// says, with a store of its own; a partial plugin skips the cases of the
// components it does not provide. Its subtests are LANG/PLUGIN/SUITE/CASE.
func TestSuites(t *testing.T) {
	for _, s := range tck.Suites(t) {
		if len(s.Plugins) == 0 {
			t.Errorf("%s lists no plugin that passes it", s.File)
		}
		for _, p := range s.Plugins {
			t.Run(p.Lang+"/"+p.Name+"/"+s.Name(), func(t *testing.T) {
				h := newHost(t, host.Config{
					StorePath: filepath.Join(t.TempDir(), "store.db"),
					Plugins:   map[string]host.PluginConfig{p.Name: {Grants: p.Grants}},
					Limits:    host.Limits{Timeout: time.Minute}, // the race detector is slow
				}, p.Build(t))
				mustLoad(t, h, p.Name)
				var opts []hosttest.Option
				if p.Partial {
					opts = append(opts, hosttest.SkipMissing)
				}
				hosttest.RunT(t, h, s.Path(t), opts...)
			})
		}
	}
}
