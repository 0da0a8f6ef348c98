package deps

import "testing"

// failing records the failures of Forbid.
type failing struct {
	testing.TB
	errs []string
}

func (f *failing) Errorf(format string, args ...any) { f.errs = append(f.errs, format) }

func TestForbid(t *testing.T) {
	f := &failing{TB: t}
	Forbid(f, "github.com/gatehouse/gatehouse/internal/deps", "os/exec")
	if len(f.errs) != 1 {
		t.Errorf("Forbid found %d importers of os/exec, want 1", len(f.errs))
	}
	f.errs = nil
	Forbid(f, "github.com/gatehouse/gatehouse/internal/deps", "net/http")
	if len(f.errs) != 0 {
		t.Errorf("Forbid found importers of net/http: %v", f.errs)
	}
}
