package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// loadWait bounds every wait for the host to load, refuse or drop a file.
// It is a deadline against hangs, not a performance target: a load under
// the race detector on a busy machine can take seconds.
const loadWait = 2 * time.Minute

// TestReloadLosesNoCall replaces the plugin file of a watched host under
// load, atomically by rename and once by writing in place, and checks that
// no call fails, that the last version serves and that every older version
// is closed with its instances.
func TestReloadLosesNoCall(t *testing.T) {
	h := newHost(t, Config{Watch: true, Logger: logOnFailure(t)}, srcBasics)
	file := filepath.Join(h.cfg.PluginDir, "basics.wasm")
	good := readFile(t, file)

	// Two variants of the module alternate, each the module plus a custom
	// section of its own: the same plugin, other bytes. Each write changes
	// the file's content, so each is a reload. Inspecting the variants
	// first fills the compilation cache, so the reloads under load do not
	// wait for a cold compile, which takes tens of seconds under the race
	// detector.
	variants := [][]byte{variant(good, "a"), variant(good, "b")}
	for _, v := range variants {
		tmp := filepath.Join(t.TempDir(), "variant.wasm")
		if err := os.WriteFile(tmp, v, 0o644); err != nil {
			t.Fatal(err)
		}
		in, err := h.Inspect(context.Background(), tmp)
		if err != nil || len(in.Problems) > 0 {
			t.Fatalf("inspect a variant: %v, problems %v", err, in.Problems)
		}
	}

	callers := startEcho(t, h, "echo", 4)
	const writes = 6 // the last one in place
	var retired []*Plugin
	for i := range writes {
		wasm := variants[i%2]
		before := serving(h, file)
		inPlace := i == writes-1
		if inPlace {
			// Non-atomic, as cp does: the settle delay must keep the
			// host from loading the file half written.
			if err := os.WriteFile(file, wasm, 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			replaceAtomically(t, file, wasm)
		}
		want := sha256Hex(wasm)
		waitFor(t, fmt.Sprintf("write %d (in place: %v) to serve", i+1, inPlace), func() (bool, string) {
			st := status(t, h, "basics.wasm")
			return st.SHA256 == want && st.Status == StatusOK, fmt.Sprintf("%s %s %s", st.Status, st.SHA256, st.Message)
		})
		if p := serving(h, file); p == before {
			t.Fatalf("write %d: the host still serves the plugin it served before", i+1)
		}
		retired = append(retired, before)
	}

	stats := callers.stop()
	t.Logf("%d echo calls across %d reloads", stats.calls, writes)
	if stats.failures > 0 {
		t.Errorf("%d of %d calls failed during the reloads; first: %v", stats.failures, stats.calls, stats.first)
	}
	if stats.calls == 0 {
		t.Error("no call was made during the reloads")
	}

	last := variants[(writes-1)%2]
	plugins := h.Plugins()
	if len(plugins) != 1 {
		t.Fatalf("Plugins() = %d entries, want 1 for the one file: %+v", len(plugins), plugins)
	}
	st := plugins[0]
	if filepath.Base(st.File) != "basics.wasm" || st.Status != StatusOK || st.SHA256 != sha256Hex(last) {
		t.Errorf("status = %s %s sha256 %s, want basics.wasm OK sha256 %s (the last version)",
			filepath.Base(st.File), st.Status, st.SHA256, sha256Hex(last))
	}
	if limit := DefaultLimits.PoolSize; st.Instances < 1 || st.Instances > limit {
		t.Errorf("the last version has %d instances, want 1 to %d (its pool size)", st.Instances, limit)
	}
	for i, p := range retired {
		// Each version served for the settle delay and a load at least,
		// so the callers reached every one: the reloads happened under load.
		if p.Calls() == 0 {
			t.Errorf("the version before write %d answered no call", i+1)
		}
		waitFor(t, fmt.Sprintf("the version before write %d to be closed", i+1), func() (bool, string) {
			c, n := isClosed(p), p.Instances()
			return c && n == 0, fmt.Sprintf("closed %v, %d instances", c, n)
		})
	}
	if n := testutil.ToFloat64(h.metrics.reloads.WithLabelValues("failed")); n != 0 {
		t.Errorf("%v loads failed, want 0: a load saw a partial file", n)
	}
	if n := testutil.ToFloat64(h.metrics.reloads.WithLabelValues("loaded")); n != writes+1 {
		t.Errorf("%v successful loads, want %d (the first and one per write)", n, writes+1)
	}
}

// TestBrokenFileKeepsOldVersion writes what is not a plugin over the
// plugin file of a watched host: the old version keeps serving with status
// WARN until a good file comes back.
func TestBrokenFileKeepsOldVersion(t *testing.T) {
	h := newHost(t, Config{Watch: true}, srcBasics)
	file := filepath.Join(h.cfg.PluginDir, "basics.wasm")
	good := readFile(t, file)
	goodSum := sha256Hex(good)
	callers := startEcho(t, h, "echo", 1)

	for _, tc := range []struct {
		name    string
		content []byte
	}{
		{"not wasm", []byte("#!/bin/sh\necho this is not a plugin\n")},
		{"truncated module", good[:len(good)/2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := serving(h, file)
			if err := os.WriteFile(file, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			var st PluginStatus
			waitFor(t, "status WARN", func() (bool, string) {
				st = status(t, h, "basics.wasm")
				return st.Status == StatusWarn, fmt.Sprintf("%s %q", st.Status, st.Message)
			})
			if !strings.Contains(st.Message, string(abi.CodeABIMismatch)) || !strings.Contains(st.Message, "did not load") {
				t.Errorf("message = %q, want it to say the new content did not load, with code %s", st.Message, abi.CodeABIMismatch)
			}
			if st.SHA256 != goodSum {
				t.Errorf("status sha256 = %s, want %s of the version still serving", st.SHA256, goodSum)
			}
			if p := serving(h, file); p != before {
				t.Error("the plugin serving changed, want the old version to keep serving")
			}
			for _, ref := range []string{"echo", "basics/echo"} {
				if err := echo(h, ref); err != nil {
					t.Errorf("call %s on the old version: %v", ref, err)
				}
			}

			// The operator puts the good file back.
			if err := os.WriteFile(file, good, 0o644); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "status OK after restoring the file", func() (bool, string) {
				st = status(t, h, "basics.wasm")
				return st.Status == StatusOK, fmt.Sprintf("%s %q", st.Status, st.Message)
			})
			if st.Message != "" || st.SHA256 != goodSum {
				t.Errorf("restored: message %q sha256 %s, want no message and sha256 %s", st.Message, st.SHA256, goodSum)
			}
			if err := echo(h, "echo"); err != nil {
				t.Errorf("call echo after restoring: %v", err)
			}
		})
	}
	if stats := callers.stop(); stats.failures > 0 {
		t.Errorf("%d of %d calls failed while the file was broken or restored; first: %v", stats.failures, stats.calls, stats.first)
	}
}

// TestReloadEmptyFileWaits empties the plugin file of a watched host, as
// a write in place does before it writes: the host takes the file as not
// yet written, counts no failed load and keeps the old version serving
// with status OK; the content written later loads. A file that stays
// broken still counts as a failed load.
func TestReloadEmptyFileWaits(t *testing.T) {
	h := newHost(t, Config{Watch: true, Logger: logOnFailure(t)}, srcBasics)
	file := filepath.Join(h.cfg.PluginDir, "basics.wasm")
	good := readFile(t, file)
	before := serving(h, file)
	count := func(result string) float64 {
		return testutil.ToFloat64(h.metrics.reloads.WithLabelValues(result))
	}
	write := func(content []byte) {
		t.Helper()
		if err := os.WriteFile(file, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	write(nil)
	waitFor(t, "the empty file to be seen", func() (bool, string) {
		return count("incomplete") >= 1, fmt.Sprintf("%v incomplete loads", count("incomplete"))
	})
	if n := count("failed"); n != 0 {
		t.Errorf("%v loads failed, want 0: an empty file is not yet written", n)
	}
	if st := status(t, h, "basics.wasm"); st.Status != StatusOK || st.Message != "" {
		t.Errorf("status %s %q, want OK with no message", st.Status, st.Message)
	}
	if p := serving(h, file); p != before {
		t.Error("the plugin serving changed, want the old version to keep serving")
	}

	// The write comes after.
	v := variant(good, "later")
	write(v)
	waitFor(t, "the written content to serve", func() (bool, string) {
		st := status(t, h, "basics.wasm")
		return st.SHA256 == sha256Hex(v) && st.Status == StatusOK, fmt.Sprintf("%s %s %q", st.Status, st.SHA256, st.Message)
	})
	if n := count("failed"); n != 0 {
		t.Errorf("%v loads failed, want 0", n)
	}

	// A file that stays broken is refused, with its reason.
	write(good[:len(good)/2])
	waitFor(t, "the broken file to be refused", func() (bool, string) {
		st := status(t, h, "basics.wasm")
		return st.Status == StatusWarn && count("failed") == 1, fmt.Sprintf("%s %q, %v failed", st.Status, st.Message, count("failed"))
	})
	if st := status(t, h, "basics.wasm"); !strings.Contains(st.Message, string(abi.CodeABIMismatch)) {
		t.Errorf("message = %q, want code %s", st.Message, abi.CodeABIMismatch)
	}
}

// TestRemoveUnloads removes the plugin file: the plugin leaves Plugins,
// its components stop resolving and it is closed.
func TestRemoveUnloads(t *testing.T) {
	for _, tc := range []struct {
		name  string
		watch bool // the watcher notices, or else a rescan (LoadDir) does
	}{
		{"watched", true},
		{"rescan", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t, Config{Watch: tc.watch}, srcBasics)
			file := filepath.Join(h.cfg.PluginDir, "basics.wasm")
			p := serving(h, file)
			if err := echo(h, "echo"); err != nil {
				t.Fatalf("call before removing: %v", err)
			}
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			if !tc.watch {
				if err := h.LoadDir(context.Background()); err != nil {
					t.Fatalf("LoadDir: %v", err)
				}
			}
			waitFor(t, "the plugin to leave Plugins", func() (bool, string) {
				ps := h.Plugins()
				return len(ps) == 0, fmt.Sprintf("%+v", ps)
			})
			for _, ref := range []string{"echo", "basics/echo"} {
				err := echo(h, ref)
				var ce *CallError
				if !errors.As(err, &ce) || ce.Code() != abi.CodeNoComponent || ce.Component != ref {
					t.Errorf("call %s after removing: error %v, want a CallError for %s with code %s", ref, err, ref, abi.CodeNoComponent)
				}
			}
			if cs := h.Components(abi.KindEnvironment); len(cs) != 0 {
				t.Errorf("Components(environment) = %v, want none", cs)
			}
			waitFor(t, "the removed plugin to be closed", func() (bool, string) {
				c, n := isClosed(p), p.Instances()
				return c && n == 0, fmt.Sprintf("closed %v, %d instances", c, n)
			})
		})
	}
}

// TestDuplicatePluginName serves the same plugin from two files: the file
// named after the plugin keeps the name whichever came first, and the
// other is refused with bad_manifest naming it; a rescan changes nothing.
// When neither file is named after the plugin, both are refused naming
// each other, and the one left serves once the other goes.
func TestDuplicatePluginName(t *testing.T) {
	same := func(b []byte) []byte { return b }
	otherBuild := func(b []byte) []byte { return variant(b, "a") }
	for _, tc := range []struct {
		name    string
		atStart bool // both files are there when the host starts; else the copy comes later
		copy    func([]byte) []byte
	}{
		{"copy added, same bytes", false, same},
		{"copy added, other build", false, otherBuild},
		// "basics-copy.wasm" sorts before "basics.wasm", so it loads first.
		{"both at start", true, otherBuild},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const owner, copied = "basics.wasm", "basics-copy.wasm"
			var h *Host
			if tc.atStart {
				dir := t.TempDir()
				good := copyPlugin(t, wasmbuild.Go(t, srcBasics), dir)
				if err := os.WriteFile(filepath.Join(dir, copied), tc.copy(readFile(t, good)), 0o644); err != nil {
					t.Fatal(err)
				}
				h = startHost(t, Config{PluginDir: dir})
			} else {
				h = newHost(t, Config{}, srcBasics)
				file := filepath.Join(h.cfg.PluginDir, copied)
				if err := os.WriteFile(file, tc.copy(readFile(t, filepath.Join(h.cfg.PluginDir, owner))), 0o644); err != nil {
					t.Fatal(err)
				}
				err := h.LoadFile(context.Background(), file)
				var le *LoadError
				if !errors.As(err, &le) || le.File != file || le.Err.Code != abi.CodeBadManifest ||
					!strings.Contains(le.Err.Message, `"basics"`) || !strings.Contains(le.Err.Message, owner) {
					t.Fatalf("LoadFile(%s) = %v, want a LoadError for it with code %s naming plugin \"basics\" and %s",
						copied, err, abi.CodeBadManifest, owner)
				}
			}
			ownerFile := filepath.Join(h.cfg.PluginDir, owner)
			p := serving(h, ownerFile)
			if p == nil {
				t.Fatalf("%s serves nothing", owner)
			}

			if err := h.LoadDir(context.Background()); err != nil {
				t.Fatalf("LoadDir: %v", err)
			}
			checkRefusedFor(t, h, copied, abi.CodeBadManifest, owner)
			if st := status(t, h, owner); st.Status != StatusOK || st.Message != "" {
				t.Errorf("%s: %s %q, want OK", owner, st.Status, st.Message)
			}
			if serving(h, ownerFile) != p {
				t.Errorf("after a rescan, %s no longer serves the version it served", owner)
			}
			if serving(h, filepath.Join(h.cfg.PluginDir, copied)) != nil {
				t.Errorf("%s serves a plugin", copied)
			}
			for _, ref := range []string{"echo", "basics/echo"} {
				if err := echo(h, ref); err != nil {
					t.Errorf("call %s: %v", ref, err)
				}
			}
		})
	}

	t.Run("neither named after the plugin", func(t *testing.T) {
		dir := t.TempDir()
		wasm := readFile(t, wasmbuild.Go(t, srcBasics))
		for _, f := range []string{"a.wasm", "b.wasm"} {
			if err := os.WriteFile(filepath.Join(dir, f), wasm, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		h := startHost(t, Config{PluginDir: dir})
		for _, f := range []string{"a.wasm", "b.wasm"} {
			checkRefusedFor(t, h, f, abi.CodeBadManifest, "a.wasm, b.wasm", "basics.wasm")
		}
		if err := echo(h, "basics/echo"); !errors.Is(err, &abi.Error{Code: abi.CodeNoComponent}) {
			t.Errorf("call basics/echo: %v, want %s", err, abi.CodeNoComponent)
		}
		if err := os.Remove(filepath.Join(dir, "b.wasm")); err != nil {
			t.Fatal(err)
		}
		if err := h.LoadDir(context.Background()); err != nil {
			t.Fatalf("LoadDir: %v", err)
		}
		if st := status(t, h, "a.wasm"); st.Status != StatusOK {
			t.Errorf("a.wasm alone: %s %q, want OK", st.Status, st.Message)
		}
		if err := echo(h, "basics/echo"); err != nil {
			t.Errorf("call basics/echo: %v", err)
		}
	})
}

// checkRefusedFor checks that the plugin file base of h is refused with
// code and a message naming each of names.
func checkRefusedFor(t *testing.T, h *Host, base string, code abi.Code, names ...string) {
	t.Helper()
	st := status(t, h, base)
	ok := st.Status == StatusError && strings.HasPrefix(st.Message, string(code)+": ")
	for _, n := range names {
		ok = ok && strings.Contains(st.Message, n)
	}
	if !ok {
		t.Errorf("%s: %s %q, want ERROR with code %s naming %s", base, st.Status, st.Message, code, strings.Join(names, " and "))
	}
}

// TestAmbiguousComponent serves two plugins that both provide the
// environment component echo: the bare name is refused naming both, and
// each qualified name reaches its own plugin.
func TestAmbiguousComponent(t *testing.T) {
	h := newHost(t, Config{}, srcBasics, srcBasicsExtism)
	for _, tc := range []struct {
		ref    string
		plugin string   // the plugin that must answer, or "" for an error
		names  []string // what the error message must name
	}{
		{ref: "echo", names: []string{"basics", "basics-extism", "PLUGIN/echo"}},
		{ref: "basics/echo", plugin: "basics"},
		{ref: "basics-extism/echo", plugin: "basics-extism"},
		{ref: "nobody/echo", names: []string{"nobody/echo"}},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			before := callsByPlugin(h)
			err := echo(h, tc.ref)
			after := callsByPlugin(h)
			if tc.plugin == "" {
				var ce *CallError
				if !errors.As(err, &ce) || ce.Code() != abi.CodeNoComponent || ce.Component != tc.ref {
					t.Fatalf("error = %v, want a CallError for %s with code %s", err, tc.ref, abi.CodeNoComponent)
				}
				for _, n := range tc.names {
					if !strings.Contains(ce.Err.Message, n) {
						t.Errorf("message %q does not name %s", ce.Err.Message, n)
					}
				}
				if fmt.Sprint(before) != fmt.Sprint(after) {
					t.Errorf("calls by plugin went from %v to %v, want no plugin called", before, after)
				}
				return
			}
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			for name, n := range after {
				want := before[name]
				if name == tc.plugin {
					want++
				}
				if n != want {
					t.Errorf("plugin %s answered %d calls, want %d: %s must answer this one", name, n-before[name], want-before[name], tc.plugin)
				}
			}
		})
	}
}

// waitFor polls cond until it holds, and fails the test when it does not
// within loadWait. cond also describes the state it saw, for the failure.
func waitFor(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(loadWait)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; last seen: %s", loadWait, what, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logOnFailure returns a logger that keeps the host's log and writes it to
// the test's log if the test fails.
func logOnFailure(t *testing.T) *slog.Logger {
	var mu sync.Mutex
	var buf bytes.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			t.Logf("host log:\n%s", buf.Bytes())
		}
	})
	return slog.New(slog.NewTextHandler(syncWriter{&mu, &buf}, nil))
}

// syncWriter serialises the writes to w.
type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (w syncWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(b)
}

// variant returns the module wasm with a custom section gatehouse-test
// holding name: the same plugin, other bytes. The bytes are the same from
// run to run, so the persistent compilation cache keeps their compiled code.
func variant(wasm []byte, name string) []byte {
	return withCustomSection(wasm, "gatehouse-test", []byte(name))
}

// withCustomSection returns a copy of the module wasm with a custom
// section (id 0) appended: the same module to the runtime, other bytes.
func withCustomSection(wasm []byte, name string, payload []byte) []byte {
	content := appendULEB128(nil, uint32(len(name)))
	content = append(content, name...)
	content = append(content, payload...)
	out := bytes.Clone(wasm)
	out = append(out, 0)
	out = appendULEB128(out, uint32(len(content)))
	return append(out, content...)
}

func appendULEB128(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// replaceAtomically writes b to a file beside file, whose name the host
// ignores, and renames it over file.
func replaceAtomically(t testing.TB, file string, b []byte) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(file), "."+filepath.Base(file)+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serving returns the plugin the host serves from file, or nil; a plugin
// set aside for a name conflict does not serve.
func serving(h *Host, file string) *Plugin {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s := h.slots[file]; s != nil && s.conflict == nil {
		return s.plugin
	}
	return nil
}

// isClosed reports whether p has been closed; it waits for a close under
// way.
func isClosed(p *Plugin) bool {
	p.retire.RLock()
	defer p.retire.RUnlock()
	return p.closed
}

// callsByPlugin returns the calls each serving plugin has answered.
func callsByPlugin(h *Host) map[string]uint64 {
	m := map[string]uint64{}
	for _, st := range h.Plugins() {
		m[st.Name] = st.Calls
	}
	return m
}

// echoRequest is the request of the echo callers; echo answers with its key
// and subject id.
var echoRequest = abi.EnvironmentRequest{
	Key:     "echo",
	Context: abi.Context{Subject: map[string]any{"id": "alice@example.org"}},
}

// echo calls the environment component ref, which must be an echo
// component, and checks its answer.
func echo(h *Host, ref string) error {
	rep, err := h.Environment(context.Background(), ref, echoRequest)
	if err != nil {
		return err
	}
	m, ok := rep.Value.(map[string]any)
	if !ok || m["key"] != echoRequest.Key || m["subject"] != echoRequest.Context.Subject["id"] {
		return fmt.Errorf("echo answered %#v, want key %q and subject %q", rep.Value, echoRequest.Key, echoRequest.Context.Subject["id"])
	}
	return nil
}

// echoCallers call an echo component in a loop until stopped.
type echoCallers struct {
	done     chan struct{}
	wg       sync.WaitGroup
	calls    atomic.Int64
	failures atomic.Int64
	mu       sync.Mutex
	first    error
	stopOnce sync.Once
}

// echoStats is what the echo callers saw.
type echoStats struct {
	calls, failures int64
	first           error // the first failure
}

// startEcho starts n goroutines calling the echo component ref until stop
// is called, or the test ends.
func startEcho(t testing.TB, h *Host, ref string, n int) *echoCallers {
	e := &echoCallers{done: make(chan struct{})}
	for range n {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			for {
				select {
				case <-e.done:
					return
				default:
				}
				err := echo(h, ref)
				e.calls.Add(1)
				if err != nil {
					e.failures.Add(1)
					e.mu.Lock()
					if e.first == nil {
						e.first = err
					}
					e.mu.Unlock()
				}
				// A short pause leaves the loads some CPU on a small
				// machine; the callers still overlap every reload.
				time.Sleep(100 * time.Microsecond)
			}
		}()
	}
	t.Cleanup(func() { e.stop() })
	return e
}

// stop stops the callers, waits for them and reports what they saw.
func (e *echoCallers) stop() echoStats {
	e.stopOnce.Do(func() { close(e.done) })
	e.wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	return echoStats{calls: e.calls.Load(), failures: e.failures.Load(), first: e.first}
}

// TestReloadChangedSince checks how a load tells that its file was
// written after it was read: a file unchanged since is not, one that
// grew, was rewritten or went is, and so is one read short of its size.
func TestReloadChangedSince(t *testing.T) {
	file := filepath.Join(t.TempDir(), "p.wasm")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stat := func() fs.FileInfo {
		t.Helper()
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	write("part")
	read := stat()
	if changedSince(file, read, 4) {
		t.Error("an unchanged file counts as changed")
	}
	if !changedSince(file, read, 2) {
		t.Error("a file read short of its size counts as unchanged")
	}
	if !changedSince(file, nil, 4) {
		t.Error("a file that could not be stat'ed after its read counts as unchanged")
	}
	write("part and the rest")
	if !changedSince(file, read, 4) {
		t.Error("a file that grew after its read counts as unchanged")
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if !changedSince(file, read, 4) {
		t.Error("a file removed after its read counts as unchanged")
	}
}
