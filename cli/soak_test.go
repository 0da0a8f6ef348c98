package cli_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// soakDuration is how long TestHostileSoak runs unless GATEHOUSE_SOAK
// gives another duration (for example GATEHOUSE_SOAK=10m).
const soakDuration = 20 * time.Second

// soakCommands are the OpenC2 commands the soak's producer sends, and
// mutates, to the consumer.
var soakCommands = []string{
	`{"headers":{"request_id":"%d"},"body":{"openc2":{"request":{"action":"query","target":{"features":["versions","profiles","pairs"]}}}}}`,
	`{"headers":{"request_id":"%d"},"body":{"openc2":{"request":{"action":"deny","target":{"ipv4_connection":{"protocol":"tcp","dst_addr":"192.0.2.%d","dst_port":443}},"args":{"response_requested":"complete"},"actuator":{"slpf":{}}}}}}`,
	`{"headers":{"request_id":"%d"},"body":{"openc2":{"request":{"action":"allow","target":{"ipv4_net":"198.51.100.%d/32"},"args":{"duration":60000}}}}}`,
	`{"headers":{"request_id":"%d"},"body":{"openc2":{"request":{"action":"delete","target":{"slpf:rule_number":%d},"actuator":{"slpf":{}}}}}}`,
}

// TestHostileSoak runs gatehouse serve under everything at once for a
// bounded time: a plugin file rewritten in place over and over, reloads
// through the API, connections that send headers a byte at a time or sit
// idle, and a producer sending valid and mutated OpenC2 commands. /healthz
// must answer throughout; the consumer must never answer 5xx but 503; and
// the process's memory must level off.
func TestHostileSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak runs without -short")
	}
	duration := soakDuration
	if v := os.Getenv("GATEHOUSE_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("GATEHOUSE_SOAK=%q: %v", v, err)
		}
		duration = d
	}
	fx := newFixture(t)
	basics, err := os.ReadFile(fx.basics)
	if err != nil {
		t.Fatal(err)
	}
	dir := pluginDir(t, map[string]string{
		"basics.wasm":        fx.basics,
		"slpf-nftables.wasm": wasmbuild.Go(t, "plugins-src/go/slpf-nftables"),
	})
	config := writeFile(t, t.TempDir(), "soak.yaml", fmt.Sprintf(`
cache_dir: %q
store: %q
log:
  format: json
limits:
  timeout: 1m
plugins:
  slpf-nftables:
    grants:
      log: true
      kv: true
      exec: {programs: [nft], dry_run: true}
    limits: {pool_size: 1, timeout: 1m}
openc2:
  store: %q
`, wasmbuild.CacheDir(t, "wazero"), filepath.Join(t.TempDir(), "store.db"), filepath.Join(t.TempDir(), "openc2.db")))

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	s := startServe(t, client, "--config", config, "--plugins", dir, "--listen", "127.0.0.1:0")
	s.waitReady(t)
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	loop := func(every time.Duration, f func(i int)) {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(every):
				}
				f(i)
			}
		})
	}
	var churned, reloads, slow, commands, healthChecks atomic.Int64
	var failMu sync.Mutex
	var failures []string
	fail := func(format string, args ...any) {
		failMu.Lock()
		defer failMu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}

	// Reload churn: a plugin file rewritten in place with new bytes each
	// time, as a deploy tool would, and reloads asked for through the API.
	// Each new content is compiled anew, which takes seconds under the race
	// detector on a busy machine: hence the pace, and the patient client.
	loop(time.Second, func(i int) {
		if err := os.WriteFile(filepath.Join(dir, "basics.wasm"), withCustomSection(basics, "soak", strconv.Itoa(i)), 0o644); err != nil {
			fail("rewrite basics.wasm: %v", err)
		}
		churned.Add(1)
	})
	patient := &http.Client{Transport: client.Transport, Timeout: 5 * time.Minute}
	loop(3*time.Second, func(int) {
		resp, err := patient.Post(s.url+"/v1/plugins/reload", "application/json", nil)
		if err != nil {
			fail("POST /v1/plugins/reload: %v", err)
			return
		}
		resp.Body.Close()
		reloads.Add(1)
	})

	// Simulation runs whose agent is the plugin being rewritten.
	var runs atomic.Int64
	loop(200*time.Millisecond, func(int) {
		run := `{"model": "connections { hall -> lab { *: m } }\nactors { eve { at hall; goals lab; } }", "agents": ["eve=greedy"]}`
		resp, err := client.Post(s.url+"/v1/sim/runs", "application/json", strings.NewReader(run))
		if err != nil {
			fail("POST /v1/sim/runs: %v", err)
			return
		}
		stream, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusServiceUnavailable {
			fail("POST /v1/sim/runs answered %d: %s", resp.StatusCode, stream)
		}
		runs.Add(1)
	})

	// Slow clients: connections that send a request's headers a byte at a
	// time, and connections that say nothing at all.
	for range 50 {
		wg.Go(func() {
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				fail("dial a slow client: %v", err)
				return
			}
			defer conn.Close()
			slow.Add(1)
			req := []byte("GET /healthz HTTP/1.1\r\nHost: soak\r\nX-Slow: " + strings.Repeat("a", 4096))
			for _, c := range req {
				select {
				case <-stop:
					return
				case <-time.After(500 * time.Millisecond):
				}
				if _, err := conn.Write([]byte{c}); err != nil {
					return // the server closed it: that is its right
				}
			}
		})
		wg.Go(func() {
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				fail("dial an idle client: %v", err)
				return
			}
			defer conn.Close()
			<-stop
		})
	}

	// A producer sending valid commands and mutations of them.
	rng := rand.New(rand.NewPCG(1, 2))
	var rngMu sync.Mutex
	for range 2 {
		loop(5*time.Millisecond, func(i int) {
			rngMu.Lock()
			cmd := fmt.Sprintf(soakCommands[rng.IntN(len(soakCommands))], rng.Int64(), rng.IntN(250)+1)
			body := []byte(cmd)
			if rng.IntN(2) == 0 {
				body = mutate(rng, body)
			}
			rngMu.Unlock()
			req, err := http.NewRequest(http.MethodPost, s.url+"/.well-known/openc2", bytes.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/openc2+json;version=1.0")
			req.Header.Set("X-Request-ID", "soak-"+strconv.Itoa(i))
			resp, err := client.Do(req)
			if err != nil {
				fail("POST /.well-known/openc2: %v", err)
				return
			}
			answer, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				fail("POST /.well-known/openc2: read the answer: %v", err)
				return
			}
			// Every answer is an OpenC2 response whose status the HTTP
			// status carries (but 200 for 102), whatever came in.
			var msg struct {
				Body struct {
					OpenC2 struct {
						Response struct {
							Status int `json:"status"`
						} `json:"response"`
					} `json:"openc2"`
				} `json:"body"`
			}
			if err := json.Unmarshal(answer, &msg); err != nil || msg.Body.OpenC2.Response.Status == 0 {
				fail("POST /.well-known/openc2 answered %d with no OpenC2 response to %s: %s", resp.StatusCode, body, answer)
			} else if st := msg.Body.OpenC2.Response.Status; st != resp.StatusCode && (st != 102 || resp.StatusCode != http.StatusOK) {
				fail("POST /.well-known/openc2 answered HTTP %d with OpenC2 status %d to %s", resp.StatusCode, st, body)
			}
			commands.Add(1)
		})
	}

	// Health, over fresh connections, all along.
	loop(100*time.Millisecond, func(int) {
		status, _, err := s.get(t, "/healthz")
		if err != nil || status != http.StatusOK {
			fail("/healthz: %d %v", status, err)
		}
		healthChecks.Add(1)
	})

	// Memory: a reading after a warm-up, one at the end, both after a
	// collection. Wasm code lives outside Go's heap, so the resident size
	// counts too.
	time.Sleep(min(duration/4, 10*time.Second))
	heap0, rss0 := memory(t)
	time.Sleep(duration - min(duration/4, 10*time.Second))
	close(stop)
	wg.Wait()
	heap1, rss1 := memory(t)

	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d rewrites, %d reloads, %d runs, %d slow clients, %d commands, %d health checks; heap %d → %d MiB, RSS %d → %d MiB",
		churned.Load(), reloads.Load(), runs.Load(), slow.Load(), commands.Load(), healthChecks.Load(), heap0>>20, heap1>>20, rss0>>20, rss1>>20)
	if commands.Load() == 0 || healthChecks.Load() == 0 {
		t.Error("the soak sent no commands or no health checks")
	}
	// Level off: what the first quarter settled at may grow by half, plus
	// some slack for a busy machine's garbage collector.
	const slack = 64 << 20
	if heap1 > heap0+heap0/2+slack {
		t.Errorf("the heap grew from %d to %d MiB", heap0>>20, heap1>>20)
	}
	if rss1 > rss0+rss0/2+slack {
		t.Errorf("the resident size grew from %d to %d MiB", rss0>>20, rss1>>20)
	}
	s.stop(t)
}

// withCustomSection returns the module b with a custom section name holding
// payload appended: the same plugin with other bytes.
func withCustomSection(b []byte, name, payload string) []byte {
	content := binary.AppendUvarint(nil, uint64(len(name)))
	content = append(content, name...)
	content = append(content, payload...)
	out := append(bytes.Clone(b), 0)
	out = binary.AppendUvarint(out, uint64(len(content)))
	return append(out, content...)
}

// mutate changes one to four bytes of b, drops its tail or repeats a part.
func mutate(rng *rand.Rand, b []byte) []byte {
	switch rng.IntN(3) {
	case 0:
		for range rng.IntN(4) + 1 {
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		}
	case 1:
		b = b[:rng.IntN(len(b))]
	default:
		i, j := rng.IntN(len(b)), rng.IntN(len(b))
		if i > j {
			i, j = j, i
		}
		b = append(b[:j:j], b[i:]...)
	}
	return b
}

// memory returns the live heap after a collection and the resident size
// of the process.
func memory(t *testing.T) (heap, rss uint64) {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if kb, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kb), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			rss = n << 10
		}
	}
	return ms.HeapAlloc, rss
}
