// Package tck is the conformance suite of Gatehouse's reference plugins and
// plugin development kits: every plugin of plugins-src, in every language,
// built from its source and tested through a host.
//
// Its table is the suites of cases, plugins-src/cases/*.yaml and the
// cases.yaml beside a plugin's source, each listing under plugins the
// plugins that pass it as LANGUAGE/NAME, their folder in plugins-src (see
// package host/hosttest): TestSuites builds each plugin of each suite and
// runs the suite's cases on it. Adding a plugin, or a language, is a line in
// the suites it passes. The other tests check what cases cannot, over the
// same lists: the kits driven outside the host with requests no host sends,
// the plugins of other languages compared with their Go twins on many
// requests, and the plugins that use the clock, the log, the kv store, a web
// service or a packet filter.
//
// A plugin whose language's toolchain is missing is skipped, naming what to
// install; with CI=true it fails instead. With -short every language but Go
// is skipped (internal/wasmbuild).
//
// The tests of other packages that need the reference plugins of every
// language take them from here ([Load]).
package tck

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/host/hosttest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// The suites of the reference plugins, relative to the module root.
const (
	// BasicsSuite is the suite every basics plugin passes, whatever its
	// language and binding.
	BasicsSuite = "plugins-src/cases/basics.yaml"
	// The suites of the access-control plugins, one per kind.
	ACLObligationSuite  = "plugins-src/cases/acl-obligations.yaml"
	ACLEnvironmentSuite = "plugins-src/cases/acl-environment.yaml"
	ACLObjectSuite      = "plugins-src/cases/acl-objects.yaml"
)

// suitePatterns are the cases files of the suites, relative to the module
// root: the shared suites, and each plugin's own.
var suitePatterns = []string{"plugins-src/cases/*.yaml", "plugins-src/*/*/cases.yaml"}

// Suite is a cases file and the reference plugins that pass it.
type Suite struct {
	// File is the cases file, relative to the module root, with slashes.
	File string
	// Plugins are the plugins that pass it, as it lists them.
	Plugins []Plugin
}

// Name names the suite in subtests: a shared suite by its file's name
// without .yaml, the cases of a plugin's own as "own".
func (s Suite) Name() string {
	dir, base := path.Split(s.File)
	if dir != "plugins-src/cases/" {
		return "own"
	}
	return strings.TrimSuffix(base, ".yaml")
}

// Path returns the suite's file as a path of this machine.
func (s Suite) Path(t testing.TB) string {
	return filepath.Join(wasmbuild.ModuleRoot(t), filepath.FromSlash(s.File))
}

// Plugin is a reference plugin, from the folder plugins-src/LANG/NAME, as a
// suite lists it.
type Plugin struct {
	// Lang is the language, as plugins-src names its folder.
	Lang string
	// Name is the plugin's name, and its folder's.
	Name string
	// Partial is true for a plugin that provides some of the suite's
	// components only, and passes their cases.
	Partial bool
	// Grants is what it needs granted for the suite.
	Grants host.Grants
}

// Build builds the plugin from its source and returns the .wasm file,
// named NAME.wasm: Go with the go command, the other languages with the
// build commands their sources give. It skips the test when the language's
// toolchain is missing (internal/wasmbuild).
func (p Plugin) Build(t testing.TB) string {
	t.Helper()
	if p.Lang == "go" {
		return wasmbuild.Go(t, "plugins-src/go/"+p.Name)
	}
	tc, ok := wasmbuild.Toolchains[p.Lang]
	if !ok {
		t.Fatalf("plugin %s/%s: no toolchain builds the language %q", p.Lang, p.Name, p.Lang)
	}
	return tc.Plugin(t, p.Name)
}

// Load reads the suite file, relative to the module root. A suite that is
// not valid, or lists a plugin that is not LANG/NAME of a folder in
// plugins-src, fails the test.
func Load(t testing.TB, file string) Suite {
	t.Helper()
	root := wasmbuild.ModuleRoot(t)
	hs, err := hosttest.LoadSuite(filepath.Join(root, filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	s := Suite{File: file}
	for _, sp := range hs.Plugins {
		lang, name, ok := strings.Cut(sp.Plugin, "/")
		if !ok || path.Clean(sp.Plugin) != sp.Plugin || strings.Contains(name, "/") {
			t.Fatalf("%s:%d: plugin %q: want LANGUAGE/NAME, its folder in plugins-src", file, sp.Line, sp.Plugin)
		}
		if _, err := os.Stat(filepath.Join(root, "plugins-src", lang, name)); err != nil {
			t.Fatalf("%s:%d: plugin %q: %v", file, sp.Line, sp.Plugin, err)
		}
		s.Plugins = append(s.Plugins, Plugin{Lang: lang, Name: name, Partial: sp.Partial, Grants: sp.Grants})
	}
	return s
}

// Suites reads every suite: plugins-src/cases/*.yaml and the cases.yaml of
// each plugin, in the order of their files.
func Suites(t testing.TB) []Suite {
	t.Helper()
	root := wasmbuild.ModuleRoot(t)
	var files []string
	for _, pattern := range suitePatterns {
		matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			rel, err := filepath.Rel(root, m)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, filepath.ToSlash(rel))
		}
	}
	slices.Sort(files)
	out := make([]Suite, len(files))
	for i, f := range files {
		out[i] = Load(t, f)
	}
	return out
}
