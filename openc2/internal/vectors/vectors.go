// Package vectors locates the OpenC2 conformance vectors of the repository
// (conformance/openc2/bberliner) and says which of
// them the codec judges against their label, and why. Every test that runs
// the vectors, at any layer, uses it.
package vectors

import (
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// Exceptions lists the vectors whose label contradicts LS v1.0 CS02, by
// name ("commands/good/x.json"); the value is the reason. These vectors get
// the opposite outcome of their label.
var Exceptions = map[string]string{
	"commands/bad/query_features_notunique.json":            "LS v1.0 3.4.1.5: a Consumer SHOULD ignore duplicate features, so duplicates are accepted",
	"commands/good/deny_uri_actuator_multiple.json":         "LS v1.0 3.3.1.3: Actuator is a Choice, one profile only",
	"commands/good/query_features_ext_args_all.json":        "LS v1.0 3.4.2 Nsid is String (1..16); this one has 31 characters",
	"commands/good/query_features_ext_args_underscore.json": "LS v1.0 3.4.2 Nsid is String (1..16); this one has 27 characters",
	"responses/good/results_empty.json":                     "LS v1.0 3.3.2.2: Results is Map{1..*}, as Args is (3.3.1.4), which commands/bad/args_empty.json refuses",
	"responses/good/results_ext_multiple.json":              "LS v1.0 3.3.2.1: 201 is not a status code of LS v1.0",
	"responses/good/results_ext_single.json":                "LS v1.0 3.3.2.1: 201 is not a status code of LS v1.0",
}

// Dir returns the folder of the vectors: conformance/openc2/bberliner in
// the repository.
func Dir(t testing.TB) string {
	t.Helper()
	return filepath.Join(wasmbuild.ModuleRoot(t), "conformance", "openc2", "bberliner")
}

// Vector is one file of the vectors.
type Vector struct {
	Name  string // kind/label/file, as Exceptions names it
	Path  string
	Valid bool // what LS v1.0 says: the label, unless Exceptions reverses it
}

// Commands returns the command vectors, good and bad. It fails t when there
// are none.
func Commands(t testing.TB) []Vector {
	t.Helper()
	return list(t, "commands")
}

// Responses returns the response vectors, good and bad. It fails t when
// there are none.
func Responses(t testing.TB) []Vector {
	t.Helper()
	return list(t, "responses")
}

// list returns the vectors of kind, "commands" or "responses".
func list(t testing.TB, kind string) []Vector {
	t.Helper()
	var out []Vector
	for _, label := range []string{"good", "bad"} {
		files, _ := filepath.Glob(filepath.Join(Dir(t), kind, label, "*.json"))
		if len(files) == 0 {
			t.Fatalf("no vectors in %s", filepath.Join(Dir(t), kind, label))
		}
		for _, f := range files {
			name := kind + "/" + label + "/" + filepath.Base(f)
			_, reversed := Exceptions[name]
			out = append(out, Vector{Name: name, Path: f, Valid: (label == "good") != reversed})
		}
	}
	return out
}
