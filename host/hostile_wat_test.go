package host_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/syncbuf"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// The hostile plugins of this file are written by hand in the WebAssembly
// text format: they do what no compiler's output does.

// watPlugin assembles a native-binding plugin named name with one
// environment component, also named name, answering the key name. Its
// gatehouse_describe answers that manifest; $reply returns the packed
// reply {"ok": {"value": true}} for gatehouse_environment. imports go
// before, and fields after, these definitions. Memory below 1024 is free
// for fields to use; requests go to the second page.
func watPlugin(t *testing.T, name string, caps []abi.Capability, imports, fields string) string {
	t.Helper()
	manifest, answer := watReplies(name, caps)
	describe, describeAt := watData(t, 1024, manifest)
	reply, replyAt := watData(t, 3072, answer)
	return wasmbuild.WAT(t, fmt.Sprintf(`(module
  %s
  (memory (export "memory") 2)
  (func (export %q))
  (func (export %q) (param i32) (result i32) (i32.const 65536))
  (func (export %q) (param i32 i32))
  (func (export %q) (param i32 i32) (result i64) (i64.const %d))
  (func $reply (result i64) (i64.const %d))
  %s
  %s
  %s
)`, imports, abi.Marker, abi.ExportAlloc, abi.ExportFree, abi.ExportDescribe, describeAt, replyAt, describe, reply, fields))
}

// watReplies returns the replies of gatehouse_describe and of
// gatehouse_environment of a WAT plugin: a manifest of the plugin name,
// asking for caps, with one environment component name answering the key
// name, and the value true.
func watReplies(name string, caps []abi.Capability) (describe, environment any) {
	manifest := abi.Manifest{
		ABI: abi.Version, Name: name, Version: "1.0.0", Capabilities: caps,
		Components: []abi.Component{{Kind: abi.KindEnvironment, Name: name, Attributes: []string{name}}},
	}
	return abi.Reply[abi.Manifest]{OK: &manifest}, abi.Reply[abi.EnvironmentReply]{OK: &abi.EnvironmentReply{Value: true}}
}

// watData returns a data segment at offset holding v in msgpack, and the
// packed reply that points at it. v must fit in 2 KiB.
func watData(t *testing.T, offset uint32, v any) (segment string, packed uint64) {
	t.Helper()
	var c abi.Codec
	b, err := c.Append(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 2048 {
		t.Fatalf("data of %d bytes does not fit in 2 KiB", len(b))
	}
	var s strings.Builder
	for _, c := range b {
		fmt.Fprintf(&s, `\%02x`, c)
	}
	return fmt.Sprintf(`(data (i32.const %d) "%s")`, offset, s.String()), abi.PackReply(offset, uint32(len(b)))
}

// answering is the gatehouse_environment of a plugin that answers at once.
const answering = `(func (export "gatehouse_environment") (param i32 i32) (result i64) (call $reply))`

// watFile assembles the module of testdata/hostile-wat/NAME.wat.
func watFile(t *testing.T, name string) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", "hostile-wat", name+".wat"))
	if err != nil {
		t.Fatal(err)
	}
	return wasmbuild.WAT(t, string(text))
}

// initTimeout is how long the instantiation of the start-loop plugin is
// given in TestHostileStartLoop.
const initTimeout = 2 * time.Second

// TestHostileStartLoop puts plugins whose start function never returns, on
// both bindings, beside one that answers: present at start, the host
// starts, serves the other and refuses them with a timeout naming the
// limit; dropped into the folder of a running host, they are refused the
// same way and a reload finishes. With no bound but the host's life, Close
// stops their load, and so does a caller giving up, whose load is tried
// again next time. Inspect reports the timeout as a problem.
func TestHostileStartLoop(t *testing.T) {
	good := watPlugin(t, "good", nil, "", answering)
	badFiles := map[string]string{"startloop.wasm": watFile(t, "startloop"), "startloop-extism.wasm": watFile(t, "startloop-extism")}
	limits := host.Limits{Timeout: time.Second, InitTimeout: initTimeout}

	// checkRefused checks the status of a start-loop plugin's file.
	checkRefused := func(t *testing.T, h *host.Host, file string) {
		t.Helper()
		st := mustStatus(t, h, file)
		if st.Status != host.StatusError || !strings.HasPrefix(st.Message, string(abi.CodeTimeout)+": ") ||
			!strings.Contains(st.Message, "start function") || !strings.Contains(st.Message, initTimeout.String()) {
			t.Errorf("%s: status %s %q, want ERROR with code %s naming the start function and %s",
				file, st.Status, st.Message, abi.CodeTimeout, initTimeout)
		}
	}
	// checkServed checks that the plugin good answers.
	checkServed := func(t *testing.T, h *host.Host) {
		t.Helper()
		rep, err := h.Environment(context.Background(), "good", abi.EnvironmentRequest{Key: "good"})
		if err != nil || rep.Value != true {
			t.Errorf("good: %v, %v; want true", rep.Value, err)
		}
	}

	t.Run("present at start", func(t *testing.T) {
		dir := t.TempDir()
		copyFile(t, good, filepath.Join(dir, "good.wasm"))
		for file, src := range badFiles {
			copyFile(t, src, filepath.Join(dir, file))
		}
		logger := logOnFailure(t)
		h, err := host.New(host.Config{PluginDir: dir, Logger: logger, Limits: limits}, nil)
		if err != nil {
			t.Fatal(err)
		}
		within(t, "Start", func() {
			if err := h.Start(context.Background()); err != nil {
				t.Error(err)
			}
		})
		t.Cleanup(func() { h.Close(context.Background()) })
		if !h.Ready() {
			t.Error("the host is not ready after Start")
		}
		checkServed(t, h)
		for file := range badFiles {
			checkRefused(t, h, file)
		}
	})

	t.Run("dropped in", func(t *testing.T) {
		dir := t.TempDir()
		copyFile(t, good, filepath.Join(dir, "good.wasm"))
		logger := logOnFailure(t)
		h, err := host.New(host.Config{PluginDir: dir, Logger: logger, Limits: limits, Watch: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close(context.Background()) })
		if err := h.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		for file, src := range badFiles {
			copyFile(t, src, filepath.Join(dir, file))
		}
		for file := range badFiles {
			poll(t, "the host to refuse the dropped-in "+file, func() (bool, string) {
				_, ok := findStatus(h.Plugins(), file)
				return ok, fmt.Sprint(statusSummary(h.Plugins()))
			})
			checkRefused(t, h, file)
		}
		checkServed(t, h)
		within(t, "reload", func() {
			if err := h.LoadDir(context.Background()); err != nil {
				t.Errorf("reload: %v", err)
			}
		})
		checkServed(t, h)
	})

	// With no bound but the host's life, the start function runs when the
	// host closes: the load ends, and so does Start.
	t.Run("closed while loading", func(t *testing.T) {
		dir := t.TempDir()
		for file, src := range badFiles {
			copyFile(t, src, filepath.Join(dir, file))
		}
		h, err := host.New(host.Config{PluginDir: dir, Logger: logOnFailure(t),
			Limits: host.Limits{Timeout: time.Second, InitTimeout: time.Hour}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		started := make(chan error, 1)
		go func() { started <- h.Start(context.Background()) }()
		time.Sleep(100 * time.Millisecond) // let the load begin; the test holds either way
		within(t, "Close", func() { h.Close(context.Background()) })
		within(t, "Start", func() {
			if err := <-started; err != nil {
				t.Error(err)
			}
		})
	})

	// A load whose caller gives up is stopped, and tried again next time:
	// its failure says nothing of the file.
	t.Run("given up by its caller", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "startloop.wasm")
		copyFile(t, badFiles["startloop.wasm"], file)
		h, err := host.New(host.Config{PluginDir: dir, Logger: logOnFailure(t),
			Limits: host.Limits{Timeout: time.Second, InitTimeout: time.Hour}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close(context.Background()) })
		for i := range 2 {
			within(t, "LoadFile", func() {
				ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
				defer cancel()
				var le *host.LoadError
				if err := h.LoadFile(ctx, file); !errors.As(err, &le) || le.Err.Code != abi.CodeTimeout {
					t.Errorf("load %d: %v, want a LoadError with code %s", i+1, err, abi.CodeTimeout)
				}
			})
		}
	})

	t.Run("inspect", func(t *testing.T) {
		h, err := host.New(host.Config{Logger: logOnFailure(t), Limits: limits}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close(context.Background()) })
		for file, src := range badFiles {
			var in *host.Inspection
			within(t, "Inspect "+file, func() {
				if in, err = h.Inspect(context.Background(), src); err != nil {
					t.Error(err)
				}
			})
			if in == nil || len(in.Problems) != 1 || in.Problems[0].Code != abi.CodeTimeout || !strings.Contains(in.Problems[0].Message, initTimeout.String()) {
				t.Errorf("%s: inspection %+v, want one problem, a timeout naming %s", file, in, initTimeout)
			}
		}
	})
}

// within runs f and fails the test when it does not return within
// pollLimit: a guard against hangs, not a performance target.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(pollLimit):
		t.Fatalf("%s did not return within %s", what, pollLimit)
	}
}

// watExtismPlugin is watPlugin on the Extism binding: gatehouse_describe
// copies the manifest into the Extism kernel's memory and sets it as the
// output, and $reply does so for the reply {"ok": {"value": true}} and
// returns 0. Memory below 1024 is free for fields to use.
func watExtismPlugin(t *testing.T, name string, caps []abi.Capability, imports, fields string) string {
	t.Helper()
	manifest, answer := watReplies(name, caps)
	describe, describeAt := watData(t, 1024, manifest)
	reply, replyAt := watData(t, 3072, answer)
	return wasmbuild.WAT(t, fmt.Sprintf(`(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  %s
  (memory (export "memory") 1)
  (func (export %q))
  (func (export %q) (result i32) (call $output (i64.const %d)))
  (func $reply (result i32) (call $output (i64.const %d)))
  ;; output copies the data of a packed reply to the kernel's memory and
  ;; sets it as the output.
  (func $output (param $packed i64) (result i32)
    (local $at i32) (local $n i32) (local $i i32) (local $out i64)
    (local.set $at (i32.wrap_i64 (i64.shr_u (local.get $packed) (i64.const 32))))
    (local.set $n (i32.wrap_i64 (local.get $packed)))
    (local.set $out (call $alloc (i64.extend_i32_u (local.get $n))))
    (block $done (loop $copy
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (call $store_u8 (i64.add (local.get $out) (i64.extend_i32_u (local.get $i)))
        (i32.load8_u (i32.add (local.get $at) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $copy)))
    (call $output_set (local.get $out) (i64.extend_i32_u (local.get $n)))
    (i32.const 0))
  %s
  %s
  %s
)`, imports, abi.Marker, abi.ExportDescribe, describeAt, replyAt, describe, reply, fields))
}

// sleepFor is how long the sleeping plugins ask to sleep: far beyond any
// bound of the test, so that only the call's deadline can end the sleep.
const sleepFor = time.Hour

// sleeping is the text of a function $sleep that sleeps sleepFor with
// WASI's poll_oneoff, as a guest's sleep does, and the import it needs.
var sleeping = struct{ imports, fields string }{
	`(import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))`,
	fmt.Sprintf(`(func $sleep
    ;; One subscription at 0, to the relative clock: its timeout at 24. The
    ;; event goes to 64, the count of events to 96.
    (i64.store (i32.const 24) (i64.const %d))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 96))))`, sleepFor.Nanoseconds()),
}

// TestHostileSleep calls plugins granted clock that sleep far longer than
// their call timeout, on both bindings, twice at once with a pool of one
// instance: each call ends at its deadline with a timeout, and the second,
// queued behind the first, is not held up by the first one's sleep.
func TestHostileSleep(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, watPlugin(t, "hostile-sleep", []abi.Capability{abi.CapClock}, sleeping.imports,
		sleeping.fields+`
  (func (export "gatehouse_environment") (param i32 i32) (result i64) (call $sleep) (call $reply))`),
		filepath.Join(dir, "hostile-sleep.wasm"))
	copyFile(t, watExtismPlugin(t, "hostile-sleep-extism", []abi.Capability{abi.CapClock}, sleeping.imports,
		sleeping.fields+`
  (func (export "gatehouse_environment") (result i32) (call $sleep) (call $reply))`),
		filepath.Join(dir, "hostile-sleep-extism.wasm"))
	limits := host.Limits{Timeout: time.Second, PoolSize: 1}
	clock := host.Grants{Clock: true}
	h, err := host.New(host.Config{PluginDir: dir, Logger: logOnFailure(t), Limits: host.Limits{Timeout: slackTimeout},
		Plugins: map[string]host.PluginConfig{
			"hostile-sleep":        {Limits: limits, Grants: clock},
			"hostile-sleep-extism": {Limits: limits, Grants: clock},
		}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hostile-sleep", "hostile-sleep-extism"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			errs := make(chan error, 2)
			for range 2 {
				go func() {
					_, err := h.Environment(context.Background(), name, abi.EnvironmentRequest{Key: name})
					errs <- err
				}()
			}
			within(t, "two calls", func() {
				for range 2 {
					if err := <-errs; !errors.Is(err, &abi.Error{Code: abi.CodeTimeout}) || !strings.Contains(err.Error(), "call exceeded 1s") {
						t.Errorf("call: %v, want a timeout after 1s", err)
					}
				}
			})
		})
	}
}

// chatty is the text of a function $chat that prints chatLines lines of
// chatLine bytes on stdout and as many on stderr, one write each, as a
// plugin printing in a loop does, and of the import and data it needs.
var chatty = struct{ imports, fields string }{
	`(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))`,
	fmt.Sprintf(`(func $print (param $fd i32) (param $times i32)
    (block $done (loop $again
      (br_if $done (i32.eqz (local.get $times)))
      (drop (call $fd_write (local.get $fd) (i32.const 128) (i32.const 1) (i32.const 160)))
      (local.set $times (i32.sub (local.get $times) (i32.const 1)))
      (br $again))))
  (func $chat
    (call $print (i32.const 1) (i32.const %[1]d))
    (call $print (i32.const 2) (i32.const %[1]d)))
  ;; The line at 0, and the one iovec that points at it at 128.
  (data (i32.const 0) "%[2]s\n")
  (data (i32.const 128) "\00\00\00\00\%02[3]x\00\00\00")`, chatLines, strings.Repeat("x", chatLine-1), chatLine),
}

const (
	chatLines = 10000
	chatLine  = 100 // bytes, with the newline
)

// TestHostileOutput calls plugins that print 2 MB in a call, on both
// bindings: what reaches the log is one record per line, tagged with the
// plugin and the stream, and no more than the limit of bytes per call; the
// rest is dropped, with a notice saying how much, and the metric counts
// both.
func TestHostileOutput(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, watPlugin(t, "hostile-chatty", nil, chatty.imports, chatty.fields+`
  (func (export "gatehouse_environment") (param i32 i32) (result i64) (call $chat) (call $reply))`),
		filepath.Join(dir, "chatty.wasm"))
	copyFile(t, watExtismPlugin(t, "hostile-chatty-extism", nil, chatty.imports, chatty.fields+`
  (func (export "gatehouse_environment") (result i32) (call $chat) (call $reply))`),
		filepath.Join(dir, "chatty-extism.wasm"))
	var log syncbuf.Buffer
	reg := prometheus.NewRegistry()
	h, err := host.New(host.Config{PluginDir: dir, Logger: slog.New(slog.NewJSONHandler(&log, nil)),
		Limits: host.Limits{Timeout: slackTimeout}}, reg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hostile-chatty", "hostile-chatty-extism"} {
		t.Run(name, func(t *testing.T) {
			rep, err := h.Environment(context.Background(), name, abi.EnvironmentRequest{Key: name})
			if err != nil || rep.Value != true {
				t.Fatalf("call: %v, %v; want true", rep.Value, err)
			}
			const printed = 2 * chatLines * chatLine
			limit := host.DefaultLimits.MaxOutputBytes
			var logged, dropped, noticed float64
			poll(t, "the notice of the dropped output", func() (bool, string) {
				logged, dropped = outputMetric(t, reg, name, "logged"), outputMetric(t, reg, name, "dropped")
				noticed = 0
				for _, r := range logRecords(t, log.String(), name) {
					if strings.HasPrefix(r.Msg, "plugin output dropped") {
						noticed += r.Bytes
					}
				}
				return noticed == dropped, fmt.Sprintf("%v bytes dropped, %v noticed", dropped, noticed)
			})
			if logged+dropped != printed || logged > float64(limit) || logged == 0 {
				t.Errorf("metric: %v bytes logged, %v dropped; want %d in all, at most %d logged", logged, dropped, printed, limit)
			}
			var lines float64
			for _, r := range logRecords(t, log.String(), name) {
				if r.Stream == "" {
					continue
				}
				if r.Msg != strings.Repeat("x", chatLine-1) || (r.Stream == "stdout") != (r.Level == "INFO") || (r.Stream == "stderr") != (r.Level == "WARN") {
					t.Fatalf("record %+v, want a line of x at INFO on stdout or at WARN on stderr", r)
				}
				lines++
			}
			if lines*chatLine != logged {
				t.Errorf("%v lines logged, %v bytes counted as logged; want %v bytes each", lines, logged, chatLine)
			}
		})
	}
}

// logRecord is a record of the host's JSON log.
type logRecord struct {
	Level, Msg, Plugin, Stream string
	Bytes                      float64
}

// logRecords returns the records of the JSON log text about plugin.
func logRecords(t *testing.T, text, plugin string) []logRecord {
	t.Helper()
	var out []logRecord
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		var r struct {
			Level  string  `json:"level"`
			Msg    string  `json:"msg"`
			Plugin string  `json:"plugin"`
			Stream string  `json:"stream"`
			Bytes  float64 `json:"bytes"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if r.Plugin == plugin {
			out = append(out, logRecord{r.Level, r.Msg, r.Plugin, r.Stream, r.Bytes})
		}
	}
	return out
}

// outputMetric returns the bytes plugin printed on stdout and stderr with
// result, by the metric gatehouse_plugin_output_bytes_total of reg.
func outputMetric(t *testing.T, reg *prometheus.Registry, plugin, result string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != "gatehouse_plugin_output_bytes_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["plugin"] == plugin && labels["result"] == result {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}
