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

// TestHostileLargeRequestTimeouts checks that the timeouts of large
// requests, which a caller can make slow on purpose, do not quarantine a
// plugin, while those of small requests still do.
func TestHostileLargeRequestTimeouts(t *testing.T) {
	t.Parallel()
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

	large := abi.EnvironmentRequest{Key: tc.name, Context: abi.Context{Subject: map[string]any{"pad": strings.Repeat("x", 100<<10)}}}
	for range quarantineAfter + 1 {
		_, err := h.Environment(t.Context(), tc.name, large)
		checkCallError(t, err, tc, abi.CodeTimeout)
	}
	if st := mustStatus(t, h, tc.file()); st.Status != host.StatusOK {
		t.Fatalf("after %d timeouts of 100 KiB requests: status %s %q, want OK", quarantineAfter+1, st.Status, st.Message)
	}
	for range quarantineAfter {
		_, err := h.Environment(t.Context(), tc.name, abi.EnvironmentRequest{Key: tc.name})
		checkCallError(t, err, tc, abi.CodeTimeout)
	}
	if st := mustStatus(t, h, tc.file()); st.Status != host.StatusError || !strings.HasPrefix(st.Message, string(abi.CodeQuarantined)) {
		t.Errorf("after %d timeouts of small requests: status %s %q, want quarantined", quarantineAfter, st.Status, st.Message)
	}
}
