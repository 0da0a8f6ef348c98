package host

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestPluginStatusDocumented checks that the README's row of GET
// /v1/plugins names every field of PluginStatus as it is in the JSON.
func TestPluginStatusDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, "| `GET /v1/plugins` |") {
			row = line
		}
	}
	if row == "" {
		t.Fatal("README.md has no row for GET /v1/plugins")
	}
	for f := range reflect.TypeFor[PluginStatus]().Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !strings.Contains(row, "`"+name+"`") {
			t.Errorf("the README's row of GET /v1/plugins does not name the field %q", name)
		}
	}
}
