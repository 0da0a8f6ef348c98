package hosttest

import (
	"testing"

	"github.com/gatehouse/gatehouse/host"
)

// RunT loads casesFile and runs each case as a subtest of t, named after
// the case, against the components h serves, with the options of Run; a
// case skipped by SkipMissing is a skipped subtest. A cases file that does
// not load fails t at once.
//
//	func TestPlugin(t *testing.T) {
//		h, err := host.New(host.Config{}, nil)
//		if err != nil {
//			t.Fatal(err)
//		}
//		defer h.Close(context.Background())
//		if err := h.LoadFile(t.Context(), "hello.wasm"); err != nil {
//			t.Fatal(err)
//		}
//		hosttest.RunT(t, h, "cases.yaml")
//	}
func RunT(t *testing.T, h *host.Host, casesFile string, opts ...Option) {
	t.Helper()
	cases, err := Load(casesFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			r := runCase(t.Context(), h, c, opts)
			if r.Skipped {
				t.Skip(r.Diff)
			}
			if !r.Passed {
				t.Errorf("%s:%d: %s\n%s", c.File, c.Line, c.Component, r.Diff)
			}
		})
	}
}
