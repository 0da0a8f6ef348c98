package host_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// loopHost returns a started host serving the plugin hostile-loop, whose
// calls never return, with quarantineAfter and the time limit stopTimeout.
func loopHost(t *testing.T) (*host.Host, hostileCase) {
	t.Helper()
	tc := hostileCase{name: "loop"}
	dir := t.TempDir()
	copyFile(t, wasmbuild.Go(t, "host/testdata/hostile/loop"), filepath.Join(dir, tc.file()))
	h, err := host.New(host.Config{
		PluginDir: dir,
		CacheDir:  wasmbuild.CacheDir(t, "wazero"),
		Logger:    logOnFailure(t),
		Limits:    host.Limits{QuarantineAfter: quarantineAfter, Timeout: stopTimeout},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return h, tc
}

// quarantinedBySmallCalls checks that the plugin of tc is still serving,
// then that quarantineAfter timeouts of small requests do quarantine it.
func quarantinedBySmallCalls(t *testing.T, h *host.Host, tc hostileCase, before string) {
	t.Helper()
	if st := mustStatus(t, h, tc.file()); st.Status != host.StatusOK {
		t.Fatalf("after %s: status %s %q, want OK", before, st.Status, st.Message)
	}
	for range quarantineAfter {
		_, err := h.Environment(t.Context(), tc.name, abi.EnvironmentRequest{Key: tc.name})
		checkCallError(t, err, tc, abi.CodeTimeout)
	}
	if st := mustStatus(t, h, tc.file()); st.Status != host.StatusError || !strings.HasPrefix(st.Message, string(abi.CodeQuarantined)) {
		t.Errorf("after %d timeouts of small requests: status %s %q, want quarantined", quarantineAfter, st.Status, st.Message)
	}
}

// TestHostileLargeRequestTimeouts checks that the timeouts of large
// requests, which a caller can make slow on purpose, do not quarantine a
// plugin, while those of small requests still do.
func TestHostileLargeRequestTimeouts(t *testing.T) {
	t.Parallel()
	h, tc := loopHost(t)
	large := abi.EnvironmentRequest{Key: tc.name, Context: abi.Context{Subject: map[string]any{"pad": strings.Repeat("x", 100<<10)}}}
	for range quarantineAfter + 1 {
		_, err := h.Environment(t.Context(), tc.name, large)
		checkCallError(t, err, tc, abi.CodeTimeout)
	}
	quarantinedBySmallCalls(t, h, tc, "timeouts of 100 KiB requests")
}

// TestHostileCallerDeadlines checks that calls ended by their caller's
// deadline, before the plugin's own time limit, do not quarantine it.
func TestHostileCallerDeadlines(t *testing.T) {
	t.Parallel()
	h, tc := loopHost(t)
	for range quarantineAfter + 1 {
		ctx, cancel := context.WithTimeout(t.Context(), stopTimeout/10)
		_, err := h.Environment(ctx, tc.name, abi.EnvironmentRequest{Key: tc.name})
		cancel()
		checkCallError(t, err, tc, abi.CodeTimeout)
	}
	quarantinedBySmallCalls(t, h, tc, "calls ended by their caller's deadline")
}
