package pdp

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/syncbuf"

	"github.com/gatehouse/gatehouse/policy"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPoint loads a folder with a broken file, decides with the rest,
// and follows a change of the files.
func TestPoint(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "sets.json"), `{"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
		"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
		"r": {"Type": "Rule", "Condition": "subject.name == 'ann'", "Effect": "GRANT"}}`)
	write(t, filepath.Join(dir, "broken.json"), `{"x": `)
	var log syncbuf.Buffer
	p, err := Start(Config{Entities: []string{dir}, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	st := p.Status()
	if st.State != StateError || len(st.Problems) != 1 || st.Problems[0].File != filepath.Join(dir, "broken.json") {
		t.Errorf("status after a broken file: %+v", st)
	}
	if len(st.PolicySets) != 1 || st.Policies != 1 || st.Rules != 1 {
		t.Errorf("status counts: %+v", st)
	}
	if !strings.Contains(log.String(), "broken.json") {
		t.Errorf("the log does not name the refused file:\n%s", log.String())
	}
	decide := func(name string) policy.Result {
		t.Helper()
		d, err := p.Decide(t.Context(), policy.Request{PolicySet: "s", Attributes: policyAttrs(name)})
		if err != nil {
			t.Fatal(err)
		}
		return d.Result
	}
	if got := decide("ann"); got != policy.Grant {
		t.Errorf("ann: %s, want GRANT", got)
	}

	loaded := st.Loaded
	if err := os.Remove(filepath.Join(dir, "broken.json")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "sets.json"), `{"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
		"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
		"r": {"Type": "Rule", "Condition": "subject.name == 'bob'", "Effect": "GRANT"}}`)
	deadline := time.Now().Add(10 * time.Second)
	for p.Status().Loaded.Equal(loaded) || p.Status().State != StateOK {
		if time.Now().After(deadline) {
			t.Fatalf("no reload; status %+v", p.Status())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := decide("ann"); got != policy.Deny {
		t.Errorf("ann after the change: %s, want DENY", got)
	}
	if got := decide("bob"); got != policy.Grant {
		t.Errorf("bob after the change: %s, want GRANT", got)
	}
}

func policyAttrs(name string) (c policy.Attributes) {
	c.Subject = map[string]any{"name": name}
	return c
}

func TestStartErrors(t *testing.T) {
	if _, err := Start(Config{}); err == nil {
		t.Error("Start without entities did not fail")
	}
	if _, err := Start(Config{Entities: []string{filepath.Join(t.TempDir(), "gone")}}); err == nil {
		t.Error("Start with a missing folder did not fail")
	}
}
