package cli_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// TestServeReloadKeepsServing replaces the Go plugin of a running serve
// with a new build, which the watcher compiles, cold, while OpenC2
// commands to the plugin's actuator go on: every command succeeds, some of
// them while the new build compiles, and the new build serves after.
func TestServeReloadKeepsServing(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	dir := pluginDir(t, map[string]string{"basics.wasm": fx.basics})
	config := writeFile(t, t.TempDir(), "gatehouse.yaml", fmt.Sprintf(
		"cache_dir: %q\nstore: %q\nlog: {format: json}\nlimits: {timeout: 1m}\nreload_workers: 1\n",
		t.TempDir(), filepath.Join(t.TempDir(), "store.db")))
	s := startServe(t, http.DefaultClient, "--config", config, "--plugins", dir, "--listen", "127.0.0.1:0")
	s.waitReady(t)

	var (
		calls    atomic.Int64
		mu       sync.Mutex
		failures []string
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := echoAllow(s, fmt.Sprintf("reload-%d-%d", i, n)); err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
				}
				calls.Add(1)
			}
		}()
	}

	// The new build is the old one with a custom section of its own: other
	// content, so the watcher compiles it with nothing in the cache.
	wasm, err := os.ReadFile(fx.basics)
	if err != nil {
		t.Fatal(err)
	}
	name := []byte("gatehouse-test-build")
	section := append([]byte{byte(len(name))}, name...)
	section = append(section, []byte(time.Now().String())...)
	wasm = append(append(wasm, 0, byte(len(section))), section...)
	sum := sha256.Sum256(wasm)
	tmp := filepath.Join(dir, "basics.wasm.tmp")
	if err := os.WriteFile(tmp, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	before := calls.Load()
	if err := os.Rename(tmp, filepath.Join(dir, "basics.wasm")); err != nil {
		t.Fatal(err)
	}
	s.waitFor(t, "the new build to serve", func() bool {
		_, body, err := s.get(t, "/v1/plugins")
		if err != nil {
			t.Fatal(err)
		}
		var ps struct{ Plugins []host.PluginStatus }
		if err := json.Unmarshal(body, &ps); err != nil {
			t.Fatalf("/v1/plugins: %v\n%s", err, body)
		}
		return len(ps.Plugins) == 1 && ps.Plugins[0].SHA256 == hex.EncodeToString(sum[:]) && ps.Plugins[0].Status == host.StatusOK
	})
	during := calls.Load() - before
	close(stop)
	wg.Wait()
	if len(failures) > 0 {
		t.Errorf("%d of %d commands failed during the reload, the first: %s", len(failures), calls.Load(), failures[0])
	}
	if during == 0 {
		t.Error("no command was answered while the new build compiled")
	}
	if err := echoAllow(s, "after"); err != nil {
		t.Errorf("after the reload: %v", err)
	}
	s.stop(t)
}

// echoAllow sends an allow command, which the echo actuator answers, and
// returns an error unless the answer is 200 with the echo's results.
func echoAllow(s *serving, xid string) error {
	body := []byte(`{"headers": {"request_id": "` + xid + `"}, "body": {"openc2": {"request": {"action": "allow", "target": {"ipv4_net": "10.0.0.1"}}}}}`)
	req, err := http.NewRequest(http.MethodPost, s.url+https.Path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", openc2.ContentType)
	req.Header.Set("X-Request-ID", xid)
	res, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK || !bytes.Contains(answer, []byte(`"x-echo"`)) {
		return fmt.Errorf("HTTP %d: %s", res.StatusCode, answer)
	}
	return nil
}
