package policy

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWatch changes, breaks and removes entity files under a watcher and
// checks that each change is put in use whole.
func TestWatch(t *testing.T) {
	dir := writeEntities(t, map[string]string{
		"sets.json": `{"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
		               "p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]}}`,
		"rules.json": `{"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}}`,
	})
	extra := filepath.Join(t.TempDir(), "extra.entities")
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(extra, `{"x": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}}`)

	e := NewEngine(Load(), Config{})
	loads := make(chan *Snapshot, 16)
	w, err := Watch(e, []string{dir, extra}, func(s *Snapshot) { loads <- s })
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	next := func() *Snapshot {
		t.Helper()
		select {
		case s := <-loads:
			if e.Snapshot() != s {
				t.Fatal("the snapshot reported is not the one in use")
			}
			return s
		case <-time.After(10 * time.Second):
			t.Fatal("no reload")
			return nil
		}
	}
	result := func() Result {
		t.Helper()
		d, err := e.Decide(t.Context(), Request{PolicySet: "s"})
		if err != nil {
			t.Fatal(err)
		}
		return d.Result
	}

	if s := next(); len(s.Entities()) != 4 || result() != Grant {
		t.Fatalf("first load: %d entities, %v", len(s.Entities()), s.Problems())
	}
	write(filepath.Join(dir, "rules.json"), `{"r": {"Type": "Rule", "Condition": "True", "Effect": "DENY"}}`)
	if next(); result() != Deny {
		t.Error("the changed rule is not in use")
	}
	write(filepath.Join(dir, "rules.json"), `{"r": {"Type": "Rule", "Condition": "True and", "Effect": "GRANT"}}`)
	if s := next(); len(s.Errors()) != 2 || result() != NotApplicable {
		t.Errorf("a broken rule: problems %v, result %s; want it refused and its policy not to apply", s.Problems(), result())
	}
	write(extra, `{}`)
	if s := next(); len(s.Entities()) != 2 {
		t.Errorf("a file watched by name: %d entities after emptying it, want 2", len(s.Entities()))
	}
	write(filepath.Join(dir, "notes.txt"), "not watched")
	if err := os.Remove(filepath.Join(dir, "sets.json")); err != nil {
		t.Fatal(err)
	}
	if s := next(); len(s.Entities()) != 0 {
		t.Errorf("after removing sets.json: %d entities", len(s.Entities()))
	}
	if err := w.Close(); err != nil {
		t.Error(err)
	}
}

func TestWatchMissingPath(t *testing.T) {
	if _, err := Watch(NewEngine(Load(), Config{}), []string{filepath.Join(t.TempDir(), "gone")}, nil); err == nil {
		t.Error("Watch of a missing folder did not fail")
	}
}
