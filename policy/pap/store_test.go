package pap

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/policy"
)

// newStore returns a store over a folder of entities that hold a policy
// set s of a policy p of a rule r, and the number of its reloads.
func newStore(t *testing.T) (*Store, *int) {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "base.json"), `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]}
}`)
	write(t, filepath.Join(dir, "r.json"), `{"r": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}}`)
	reloads := 0
	clock := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	return &Store{Dir: dir, Paths: func() []string { return []string{dir} }, Reload: func() { reloads++ },
		Now: func() time.Time { clock = clock.Add(time.Second); return clock }}, &reloads
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestApply replaces, creates and deletes entities and checks the files,
// the history and the change log.
func TestApply(t *testing.T) {
	s, reloads := newStore(t)
	res, err := s.Apply([]Change{{ID: "r", Definition: json.RawMessage(`{"Type": "Rule", "Condition": "False", "Effect": "GRANT"}`)}}, "ann", false)
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Changes[0]; a.Action != "replaced" || a.Kind != "Rule" || a.Previous == "" || a.ETag == "" {
		t.Errorf("replace r: %+v", a)
	}
	if prev, err := os.ReadFile(res.Changes[0].Previous); err != nil || !strings.Contains(string(prev), `"True"`) {
		t.Errorf("the previous version: %q %v", prev, err)
	}
	snap := policy.Load(s.Dir)
	if r, _ := snap.Entity(policy.KindRule, "r"); r.Condition != "False" || len(snap.Problems()) != 0 {
		t.Errorf("after the change: rule r %+v, problems %v", r, snap.Problems())
	}
	res, err = s.Apply([]Change{{ID: "q", Definition: json.RawMessage(`{"Type": "Rule", "Condition": "True", "Effect": "DENY"}`)}}, "bob", false)
	if err != nil || res.Changes[0].Action != "created" || res.Changes[0].Previous != "" {
		t.Fatalf("create q: %+v %v", res, err)
	}
	if _, err := s.Apply([]Change{{ID: "q"}}, "bob", false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "q.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("q.json after its deletion: %v", err)
	}
	if *reloads != 3 {
		t.Errorf("%d reloads for 3 changes", *reloads)
	}
	f, err := os.Open(filepath.Join(s.Dir, HistoryDir, ChangeLog))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		got = append(got, l.Subject+" "+l.Action+" "+l.ID)
		if l.Time.IsZero() || l.File == "" || (l.Action != "deleted") == (l.SHA256 == "") {
			t.Errorf("change log line: %s", sc.Bytes())
		}
	}
	if strings.Join(got, ", ") != "ann replaced r, bob created q, bob deleted q" {
		t.Errorf("change log: %v", got)
	}
}

// TestApplyRefuses checks every refusal, and that none writes anything.
func TestApplyRefuses(t *testing.T) {
	rule := json.RawMessage(`{"Type": "Rule", "Condition": "True", "Effect": "GRANT"}`)
	for _, tt := range []struct {
		name    string
		changes []Change
		want    error
		message string
	}{
		{"defined in another file", []Change{{ID: "p", Definition: rule}}, ErrConflict, "base.json:3"},
		{"delete from another file", []Change{{ID: "s"}}, ErrConflict, "base.json:2"},
		{"delete what is not there", []Change{{ID: "nope"}}, ErrNotFound, "nope.json"},
		{"a dangling reference", []Change{{ID: "r"}}, nil, `no rule "r" is loaded`},
		{"a broken condition", []Change{{ID: "r", Definition: json.RawMessage(`{"Type": "Rule", "Condition": "True and", "Effect": "GRANT"}`)}}, nil, "r.json:4"},
		{"a cycle", []Change{{ID: "t", Definition: json.RawMessage(`{"Type": "PolicySet", "Resolver": "ANY", "PolicySets": ["t"]}`)}}, nil, "contains itself"},
		{"not JSON", []Change{{ID: "t", Definition: json.RawMessage(`{"Type"`)}}, ErrInvalidDefinition, ""},
		{"changed twice", []Change{{ID: "r", Definition: rule}, {ID: "r"}}, ErrConflict, "twice"},
		{"If-Match of another version", []Change{{ID: "r", Definition: rule, IfMatch: `"abc"`}}, ErrPrecondition, "If-Match"},
		{"If-Match * of a new entity", []Change{{ID: "t", Definition: rule, IfMatch: `*`}}, ErrPrecondition, "If-Match"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, reloads := newStore(t)
			before := listFiles(t, s.Dir)
			_, err := s.Apply(tt.changes, "ann", false)
			var invalid *InvalidError
			switch {
			case tt.want == nil && !errors.As(err, &invalid):
				t.Fatalf("error %v, want an InvalidError", err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if after := listFiles(t, s.Dir); after != before || *reloads != 0 {
				t.Errorf("a refused change wrote files (%s, was %s) or reloaded (%d)", after, before, *reloads)
			}
		})
	}
}

// TestApplyFileOfOthers refuses to replace a file named as the entity
// that holds other entities too.
func TestApplyFileOfOthers(t *testing.T) {
	s, _ := newStore(t)
	write(t, filepath.Join(s.Dir, "x.json"), `{"y": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"}}`)
	_, err := s.Apply([]Change{{ID: "x", Definition: json.RawMessage(`{"Type": "Rule", "Condition": "True", "Effect": "GRANT"}`)}}, "ann", false)
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "x.json holds other entities") {
		t.Errorf("error %v", err)
	}
}

// TestApplyDryRun checks a change without making it.
func TestApplyDryRun(t *testing.T) {
	s, reloads := newStore(t)
	before := listFiles(t, s.Dir)
	res, err := s.Apply([]Change{{ID: "r", Definition: json.RawMessage(`{"Type": "Rule", "Condition": "True and False or True", "Effect": "DENY"}`)}}, "ann", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || res.Changes[0].Action != "replaced" {
		t.Errorf("dry run: %+v, want one warning (and and or mixed)", res)
	}
	if after := listFiles(t, s.Dir); after != before || *reloads != 0 {
		t.Errorf("a dry run wrote files or reloaded")
	}
}

// TestHostileEntityID refuses ids that are not a file's name in the
// folder, before anything is read or written.
func TestHostileEntityID(t *testing.T) {
	for _, id := range []string{"", "../x", "..", ".", ".history", "a/b", `a\b`, "a\x00b", "a\nb", strings.Repeat("x", MaxIDBytes+1), "\xff"} {
		s, _ := newStore(t)
		before := listFiles(t, s.Dir)
		_, err := s.Apply([]Change{{ID: id, Definition: json.RawMessage(`{"Type": "Rule", "Condition": "True", "Effect": "GRANT"}`)}}, "ann", false)
		if !errors.Is(err, ErrInvalidID) {
			t.Errorf("id %q: error %v, want ErrInvalidID", id, err)
		}
		if after := listFiles(t, s.Dir); after != before {
			t.Errorf("id %q: files %s, were %s", id, after, before)
		}
	}
}

// listFiles returns every file under dir, with its size.
func listFiles(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(filepath.Dir(dir), func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b.WriteString(path + " ")
			b.WriteString(fi.ModTime().String() + "\n")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestHostileConcurrentApply makes changes of one entity and of others at
// once: each is made whole, with its previous version and its line in
// the change log.
func TestHostileConcurrentApply(t *testing.T) {
	s, reloads := newStore(t)
	s.Now = func() time.Time { return time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC) } // a clock that does not move
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.Apply([]Change{{ID: "r", Definition: json.RawMessage(fmt.Sprintf(`{"Type": "Rule", "Condition": "subject.n == %d", "Effect": "GRANT"}`, i))}}, "ann", false)
		})
		wg.Go(func() {
			_, errs[n+i] = s.Apply([]Change{{ID: fmt.Sprintf("q%d", i), Definition: json.RawMessage(`{"Type": "Rule", "Condition": "True", "Effect": "GRANT"}`)}}, "bob", false)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("change %d: %v", i, err)
		}
	}
	if snap := policy.Load(s.Dir); len(snap.Problems()) != 0 || len(snap.Entities()) != 3+n {
		t.Errorf("after the changes: %d entities, problems %v", len(snap.Entities()), snap.Problems())
	}
	if entries, _ := os.ReadDir(filepath.Join(s.Dir, HistoryDir, "r")); len(entries) != n {
		t.Errorf("%d previous versions of r, want %d", len(entries), n)
	}
	b, _ := os.ReadFile(filepath.Join(s.Dir, HistoryDir, ChangeLog))
	if lines := strings.Count(string(b), "\n"); lines != 2*n || *reloads != 2*n {
		t.Errorf("%d lines in the change log and %d reloads for %d changes", lines, *reloads, 2*n)
	}
}

// TestApplyFile writes a file as it was typed, so that the loader's
// problems name the lines and columns of the text, and refuses a file
// that holds another entity or more than one.
func TestApplyFile(t *testing.T) {
	s, _ := newStore(t)
	typed := "{\"q\":\n\n  {\"Type\": \"Rule\", \"Effect\": \"GRANT\",\n   \"Condition\": \"subject.x ==\"}}\n"
	_, err := s.Apply([]Change{{ID: "q", File: []byte(typed)}}, "ann", true)
	var invalid *InvalidError
	if !errors.As(err, &invalid) || invalid.Problems[0].Line != 4 || invalid.Problems[0].Column == 0 || invalid.Problems[0].Field != "Condition" {
		t.Fatalf("a broken condition: %v", err)
	}
	typed = "{\"q\":\n  {\"Type\": \"Rule\", \"Effect\": \"GRANT\", \"Condition\": \"True\"}}\n"
	res, err := s.Apply([]Change{{ID: "q", File: []byte(typed)}}, "ann", false)
	if err != nil || res.Changes[0].Action != "created" || res.Changes[0].Kind != "Rule" {
		t.Fatalf("create q from its file: %+v %v", res, err)
	}
	if b, _ := os.ReadFile(filepath.Join(s.Dir, "q.json")); string(b) != typed {
		t.Errorf("q.json holds %q, not the text typed", b)
	}
	for _, file := range []string{`{"other": {"Type": "Rule"}}`, `{"q": {"Type": "Rule"}, "q2": {"Type": "Rule"}}`, `[]`} {
		if _, err := s.Apply([]Change{{ID: "q", File: []byte(file)}}, "ann", true); !errors.Is(err, ErrInvalidDefinition) {
			t.Errorf("file %s: %v, want ErrInvalidDefinition", file, err)
		}
	}
}
