package policy

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestLoadOverlay loads a folder as if a file were added, one replaced
// and one removed, and checks that the files on disk stay as they were.
func TestLoadOverlay(t *testing.T) {
	dir := writeEntities(t, map[string]string{
		"b.json": `{"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]}}`,
		"c.json": `{"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}}`,
	})
	single := filepath.Join(t.TempDir(), "single.entities")
	if err := os.WriteFile(single, []byte(`{"x": {"Type": "Rule", "Condition": "True", "Effect": "DENY"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s := LoadOverlay(map[string][]byte{
		filepath.Join(dir, "a.json"): []byte(`{"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]}}`),
		filepath.Join(dir, "c.json"): []byte(`{"r": {"Type": "Rule", "Condition": "False", "Effect": "GRANT"}}`),
		filepath.Join(dir, "z.txt"):  []byte(`{"t": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}}`),
		single:                       nil,
	}, dir, single)
	if len(s.Errors()) != 0 {
		t.Fatalf("problems: %v", s.Problems())
	}
	var files, ids []string
	for _, e := range s.Entities() {
		files, ids = append(files, filepath.Base(e.File)), append(ids, e.ID)
	}
	if !slices.Equal(files, []string{"a.json", "b.json", "c.json"}) || !slices.Equal(ids, []string{"s", "p", "r"}) {
		t.Errorf("entities %v from %v, want s, p and r from a.json, b.json and c.json in that order", ids, files)
	}
	if r, _ := s.Entity(KindRule, "r"); r.Condition != "False" {
		t.Errorf("rule r: condition %q, want that of the overlay", r.Condition)
	}
	if _, err := os.Stat(filepath.Join(dir, "a.json")); !os.IsNotExist(err) {
		t.Errorf("the overlay wrote a.json: %v", err)
	}
	if s := Load(dir, single); len(s.Entities()) != 3 {
		t.Errorf("the files after the overlay load %d entities, want 3", len(s.Entities()))
	}
	gone := LoadOverlay(map[string][]byte{filepath.Join(dir, "c.json"): nil}, dir)
	if errs := gone.Errors(); len(errs) != 1 || errs[0].Entity != "p" {
		t.Errorf("without c.json: %v, want the reference of p to r", gone.Problems())
	}
}

// TestWatcherReload loads a change at once with Reload, and checks that
// the change's own events put nothing more in use.
func TestWatcherReload(t *testing.T) {
	dir := writeEntities(t, map[string]string{
		"rules.json": `{"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}}`,
	})
	e := NewEngine(Load(), Config{})
	loads := make(chan *Snapshot, 16)
	w, err := Watch(e, []string{dir}, func(s *Snapshot) { loads <- s })
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	<-loads
	if err := os.WriteFile(filepath.Join(dir, "more.json"), []byte(`{"q": {"Type": "Rule", "Condition": "True", "Effect": "DENY"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s := w.Reload()
	if e.Snapshot() != s || len(s.Entities()) != 2 {
		t.Fatalf("Reload: %d entities in use, want 2", len(e.Snapshot().Entities()))
	}
	<-loads
	if again := w.Reload(); again != s {
		t.Error("a second Reload of unchanged files put a new snapshot in use")
	}
	select {
	case <-loads:
		t.Error("the events of the change reloaded files that Reload had loaded")
	case <-time.After(10 * settle):
	}
}
