package gatehouse_test

import (
	"io/fs"
	"os/exec"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse"
)

// TestABIModuleStandsAlone checks that the packages of the module abi, the
// ABI and the Go PDK, import nothing of gatehouse's own module: gatehouse
// replaces abi with its folder, so such an import builds here, but not in
// the module abi on its own, nor in the Go plugin projects that carry a
// copy of it.
func TestABIModuleStandsAlone(t *testing.T) {
	const abiModule = "github.com/gatehouse/gatehouse/abi"
	out, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}", abiModule+"/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for dep := range strings.FieldsSeq(string(out)) {
		dep, _, _ = strings.Cut(dep, " ") // a test variant: "PKG [PKG.test]"
		// The module's packages, their external tests (abi_test) and test
		// mains (abi.test).
		rest, inABI := strings.CutPrefix(dep, abiModule)
		inABI = inABI && (rest == "" || strings.ContainsAny(rest[:1], "/_."))
		if strings.HasPrefix(dep, "github.com/gatehouse/gatehouse/") && !inABI {
			t.Errorf("the module abi depends on %s, of gatehouse's module", dep)
		}
	}
}

// TestKits checks that the kits hold the files of both modules by their
// paths in the repository.
func TestKits(t *testing.T) {
	for _, name := range []string{"package.json", "abi/go.mod", "abi/abi.go", "abi/pdk/go/pdk.go", "abi/pdk/c/gatehouse.h"} {
		if _, err := fs.ReadFile(gatehouse.Kits, name); err != nil {
			t.Error(err)
		}
	}
	if _, err := fs.ReadFile(gatehouse.Kits, "abi/no-such-file"); err == nil || !strings.Contains(err.Error(), "abi/no-such-file") {
		t.Errorf("error %v, want one naming abi/no-such-file", err)
	}
}
