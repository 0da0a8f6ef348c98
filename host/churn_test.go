package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// churnWAT returns a plugin written by hand, churn, with one environment
// setter that answers "churn", a data segment of pad bytes and funcs more
// functions, so that a version the host fails to release shows in its heap
// and its compiled code in the cache folder.
func churnWAT(t testing.TB, pad, funcs int) string {
	t.Helper()
	describe, err := msgpack.Marshal(abi.Reply[abi.Manifest]{OK: &abi.Manifest{
		ABI: abi.Version, Name: "churn", Version: "1.0.0",
		Components: []abi.Component{{Kind: abi.KindEnvironment, Name: "churn", Attributes: []string{"churn"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	environment, err := msgpack.Marshal(abi.Reply[abi.EnvironmentReply]{OK: &abi.EnvironmentReply{Value: "churn"}})
	if err != nil {
		t.Fatal(err)
	}
	const describeAt, environmentAt, padAt = 1024, 2048, 4096
	body := strings.Repeat(" (i32.mul (local.get 0) (i32.add (local.get 0) (i32.const 7)))", 8)
	code := strings.Repeat("  (func (param i32) (result i32)"+body+strings.Repeat(" i32.add", 7)+")\n", funcs)
	return fmt.Sprintf(`(module
%s
  (memory (export "memory") %d)
  (data (i32.const %d) "%s")
  (data (i32.const %d) "%s")
  (data (i32.const %d) "%s")
  (func (export "%s"))
  (func (export "%s") (param i32) (result i32) (i32.const %d))
  (func (export "%s") (param i32 i32))
  (func (export "%s") (param i32 i32) (result i64) (i64.const %d))
  (func (export "%s") (param i32 i32) (result i64) (i64.const %d)))
`, code, (padAt+pad)/65536+2,
		describeAt, watBytes(describe), environmentAt, watBytes(environment), padAt, strings.Repeat(`\01`, pad),
		abi.Marker, abi.ExportAlloc, padAt+pad, abi.ExportFree,
		abi.ExportDescribe, abi.PackReply(describeAt, uint32(len(describe))),
		abi.ExportEnvironment, abi.PackReply(environmentAt, uint32(len(environment))))
}

// watBytes writes b as the contents of a WAT string.
func watBytes(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		fmt.Fprintf(&s, `\%02x`, c)
	}
	return s.String()
}

// TestHostileReloadChurn reloads a changed plugin hundreds of times: the
// live heap and the compilation cache on disk stay flat, as the host
// releases each version it replaced, its compiled code and its cached code.
// The cache folder ends up holding the code of the version serving alone,
// what an earlier start left there included.
func TestHostileReloadChurn(t *testing.T) {
	const warmup, reloads = 20, 200
	ctx := context.Background()
	wasm := readFile(t, wasmbuild.WAT(t, churnWAT(t, 256<<10, 100)))
	dir, cache := t.TempDir(), t.TempDir()
	stale := filepath.Join(cache, sha256Hex([]byte("a module of an earlier start")))
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(stale, time.Time{}, time.Now().Add(-sweepUnused-time.Hour)); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "churn.wasm")
	if err := os.WriteFile(file, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	h := startHost(t, Config{PluginDir: dir, CacheDir: cache, PruneCache: true, Logger: logOnFailure(t)})
	reload := func(i int) {
		if err := os.WriteFile(file, variant(wasm, strconv.Itoa(i)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := h.LoadFile(ctx, file); err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		rep, err := h.Environment(ctx, "churn", abi.EnvironmentRequest{Key: "churn"})
		if err != nil || rep.Value != "churn" {
			t.Fatalf("call after reload %d: %v, %v", i, rep.Value, err)
		}
	}
	for i := range warmup {
		reload(i)
	}
	heap0, disk0 := settled(t, h, cache)
	for i := warmup; i < warmup+reloads; i++ {
		reload(i)
	}
	heap1, disk1 := settled(t, h, cache)
	t.Logf("after %d reloads: live heap %.1f → %.1f MiB, cache %.1f → %.1f MiB", reloads, mib(heap0), mib(heap1), mib(disk0), mib(disk1))
	if heap1 > heap0+16<<20 {
		t.Errorf("live heap grew from %.1f to %.1f MiB over %d reloads", mib(heap0), mib(heap1), reloads)
	}
	if disk1 > disk0+4<<20 {
		t.Errorf("compilation cache grew from %.1f to %.1f MiB over %d reloads", mib(disk0), mib(disk1), reloads)
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	if want := serving(h, file).SHA256; len(entries) != 1 || entries[0].Name() != want {
		t.Errorf("cache folder holds %v, want only %s, the folder of the version serving", entries, want)
	}
}

// settled waits until every version h replaced is closed and returns the
// live heap after a collection and the size of the cache folder.
func settled(t *testing.T, h *Host, cache string) (heap, disk uint64) {
	t.Helper()
	h.retiring.Wait()
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	err := filepath.Walk(cache, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			disk += uint64(fi.Size())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ms.HeapAlloc, disk
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
