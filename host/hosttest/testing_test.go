package hosttest_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/host/hosttest"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// TestRunT runs the cases of the basics reference plugin as subtests, on
// both bindings.
func TestRunT(t *testing.T) {
	t.Parallel()
	cases := filepath.Join(wasmbuild.ModuleRoot(t), "plugins-src/go/basics/cases.yaml")
	for _, src := range []string{"plugins-src/go/basics", "plugins-src/go/basics-extism"} {
		t.Run(filepath.Base(src), func(t *testing.T) {
			t.Parallel()
			h := newHost(t, wasmbuild.Go(t, src))
			hosttest.RunT(t, h, cases)
		})
	}
}

// TestRunReportsFailures checks that Run reports, without stopping, a
// wrong reply, an unknown component and a reset sent to a non-agent.
func TestRunReportsFailures(t *testing.T) {
	t.Parallel()
	h := newHost(t, wasmbuild.Go(t, "plugins-src/go/basics"))
	cases := []hosttest.Case{
		{Name: "wrong", Component: "path-segments", Request: map[string]any{"path": "/a"},
			Expect: hosttest.Expectation{Mode: hosttest.ModeReply, Reply: map[string]any{"attributes": map[string]any{"segments": []any{"b"}}}}},
		{Name: "unknown", Component: "nope", Expect: hosttest.Expectation{Mode: hosttest.ModeReply}},
		{Name: "ambiguous", Component: "echo", Expect: hosttest.Expectation{Mode: hosttest.ModeReply}},
		{Name: "reset", Component: "weekday", Reset: map[string]any{}, Expect: hosttest.Expectation{Mode: hosttest.ModeReply}},
		{Name: "export", Component: "weekday", Export: "gatehouse_oblige", Expect: hosttest.Expectation{Mode: hosttest.ModeReply}},
	}
	want := []string{
		`attributes.segments[0]: got "a", want "b"` + "\n" + `attributes.resource: not expected, got "a"`,
		`no component "nope"; the plugins provide actuator:echo`,
		`several components match "echo"; say which: actuator:echo, environment:echo`,
		`reset is for agents, not environment components`,
		`export gatehouse_oblige: environment components are called through gatehouse_environment`,
	}
	results := hosttest.Run(t.Context(), h, cases)
	for i, r := range results {
		if r.Passed || r.Name != cases[i].Name {
			t.Errorf("result %d = %+v, want a failure of %s", i, r, cases[i].Name)
		}
		if len(r.Diff) < len(want[i]) || r.Diff[:len(want[i])] != want[i] {
			t.Errorf("%s: diff = %q, want it to start with %q", r.Name, r.Diff, want[i])
		}
	}
}

// TestRunSkipMissing checks that SkipMissing skips the cases whose
// component no plugin provides, and only those.
func TestRunSkipMissing(t *testing.T) {
	t.Parallel()
	h := newHost(t, wasmbuild.Go(t, "plugins-src/go/basics"))
	reply := hosttest.Expectation{Mode: hosttest.ModePartial, Reply: map[string]any{}}
	cases := []hosttest.Case{
		{Name: "present", Component: "weekday", Request: map[string]any{"key": "weekday"}, Expect: reply},
		{Name: "missing", Component: "nope", Expect: reply},
		{Name: "missing of this kind", Component: "object:weekday", Expect: reply},
		{Name: "ambiguous", Component: "echo", Expect: reply},
	}
	for _, opts := range [][]hosttest.Option{nil, {hosttest.SkipMissing}} {
		results := hosttest.Run(t.Context(), h, cases, opts...)
		skip := len(opts) > 0
		for i, want := range []struct{ passed, skipped bool }{{true, false}, {false, skip}, {false, skip}, {false, false}} {
			if r := results[i]; r.Passed != want.passed || r.Skipped != want.skipped {
				t.Errorf("options %v: %s: passed %v, skipped %v (%s); want %v, %v", opts, r.Name, r.Passed, r.Skipped, r.Diff, want.passed, want.skipped)
			}
		}
		if r := results[1]; skip && r.Diff != `no plugin provides a component "nope"` {
			t.Errorf("skipped case: diff %q", r.Diff)
		}
	}
}

func newHost(t *testing.T, wasm string) *host.Host {
	t.Helper()
	h, err := host.New(host.Config{
		CacheDir: wasmbuild.CacheDir(t, "wazero"),
		Limits:   host.Limits{Timeout: time.Minute}, // the race detector is slow
		Logger:   slog.New(slog.DiscardHandler),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.LoadFile(t.Context(), wasm); err != nil {
		t.Fatal(err)
	}
	return h
}
