package host_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/host/internal/capability"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

const (
	// quarantineAfter is the hostile plugins' limit of consecutive failures.
	quarantineAfter = 2
	// stopTimeout is the call time limit of the plugins that never return
	// by themselves; their calls last that long.
	stopTimeout = time.Second
	// execTimeout is the exec grant's own limit on sleep 3600. It is far
	// above stopTimeout, so only the call's deadline can end the run: a
	// call that outlives it was not stopped by the host.
	execTimeout = time.Minute
	// slackTimeout is the time limit of every other call and of loads.
	// The plugins that fail do so by themselves, well before it; it only
	// keeps a busy machine under the race detector from turning a slow
	// call into a timeout.
	slackTimeout = 30 * time.Second
	// pollLimit bounds every wait for a load, a status or a process. It is
	// a guard against hangs, not a performance target: loads that compile
	// under the race detector on a cold cache take minutes each on a busy
	// two-core machine.
	pollLimit = 10 * time.Minute
)

// hostileCase is one plugin of testdata/hostile: a plugin named
// hostile-NAME with one environment component NAME, in hostile-NAME.wasm,
// the file its configuration applies to.
type hostileCase struct {
	name string
	// dropIn copies the file into the folder of the running host; otherwise
	// it is there when the host starts.
	dropIn bool
	// limits and grants are the plugin's configuration, besides
	// QuarantineAfter.
	limits host.Limits
	grants host.Grants
	// refused is the code the load fails with, and mentions what its
	// message must name; empty when the plugin loads.
	refused  abi.Code
	mentions []string
	// fails is the code every call of a plugin that loads fails with.
	fails abi.Code
}

func (c hostileCase) plugin() string { return "hostile-" + c.name }
func (c hostileCase) file() string   { return c.plugin() + ".wasm" }

var hostileCases = []hostileCase{
	{name: "abiv9", refused: abi.CodeABIMismatch, mentions: []string{"v9", "v1"}},
	{name: "ungranted", dropIn: true, refused: abi.CodeCapabilityDenied, mentions: []string{"plugins.hostile-ungranted.grants.exec"}},
	{name: "loop", limits: host.Limits{Timeout: stopTimeout}, fails: abi.CodeTimeout},
	// 512 pages (32 MiB) is the least limit at which the host can tell
	// memory exhaustion from a trap for certain: standard Go grows its
	// heap 4 MiB (64 pages) at a time, and the host takes a failure within
	// an eighth of the limit of it for exhaustion.
	{name: "memhog", dropIn: true, limits: host.Limits{MemoryPages: 512}, fails: abi.CodeMemory},
	{name: "trap", fails: abi.CodeTrap},
	{name: "malformed", dropIn: true, fails: abi.CodeMalformedReply},
	{name: "oversized", fails: abi.CodeReplyTooLarge}, // 8 MiB against the default 4 MiB
	{
		name: "execblock", dropIn: true,
		limits: host.Limits{Timeout: stopTimeout},
		grants: host.Grants{Exec: &capability.ExecGrant{Programs: []string{"sleep"}, Timeout: execTimeout}},
		fails:  abi.CodeTimeout,
	},
}

// TestHostile serves the reference plugin basics on one watched host beside
// every plugin of testdata/hostile, half of them present at start and half
// dropped into the running host's folder. Each hostile plugin is refused at
// load or fails its calls with the right code until it is quarantined;
// the host's statuses report it; a reload lifts the quarantines until the
// next failures. Throughout, basics answers every call.
func TestHostile(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Fatalf("the execblock case needs sleep in PATH: %v", err)
	}
	basics := wasmbuild.Go(t, "plugins-src/go/basics")
	builds := map[string]string{}
	for _, tc := range hostileCases {
		builds[tc.name] = wasmbuild.Go(t, "host/testdata/hostile/"+tc.name)
	}

	dir := t.TempDir()
	copyFile(t, basics, filepath.Join(dir, "basics.wasm"))
	for _, tc := range hostileCases {
		if !tc.dropIn {
			copyFile(t, builds[tc.name], filepath.Join(dir, tc.file()))
		}
	}
	logger := logOnFailure(t)
	cfg := host.Config{
		PluginDir: dir,
		CacheDir:  wasmbuild.CacheDir(t, "wazero"),
		Watch:     true,
		Logger:    logger,
		Limits:    host.Limits{Timeout: slackTimeout},
		Plugins:   map[string]host.PluginConfig{},
	}
	for _, tc := range hostileCases {
		l := tc.limits
		l.QuarantineAfter = quarantineAfter
		cfg.Plugins[tc.plugin()] = host.PluginConfig{Limits: l, Grants: tc.grants}
	}
	h, err := host.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	echo := startEchoCaller(t, h)

	// The drop-in path: an operator copies the files into the folder of
	// the running host (in place, as cp does).
	for _, tc := range hostileCases {
		if tc.dropIn {
			copyFile(t, builds[tc.name], filepath.Join(dir, tc.file()))
		}
	}
	for _, tc := range hostileCases {
		if tc.dropIn {
			poll(t, "the host to take up the dropped-in "+tc.file(), func() (bool, string) {
				_, ok := findStatus(h.Plugins(), tc.file())
				return ok, fmt.Sprint(statusSummary(h.Plugins()))
			})
		}
	}

	runRound(t, "at load", h)
	checkStatuses(t, "after the round at load", h.Plugins(), true)

	// A reload lifts every quarantine: the plugins serve again, and fail
	// again, until they are quarantined anew.
	if err := h.LoadDir(context.Background()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	checkStatuses(t, "after reload", h.Plugins(), false)
	runRound(t, "after reload", h)
	checkStatuses(t, "after the round after reload", h.Plugins(), true)

	stats := echo.stop()
	if stats.failures > 0 {
		t.Errorf("basics failed %d of %d echo calls beside the hostile plugins; first: %v", stats.failures, stats.calls, stats.first)
	}
	if stats.calls == 0 {
		t.Error("no echo call was made")
	}
	t.Logf("basics answered %d echo calls beside the hostile plugins", stats.calls)
}

// runRound checks every hostile case once, in parallel.
func runRound(t *testing.T, name string, h *host.Host) {
	t.Run(name, func(t *testing.T) {
		for _, tc := range hostileCases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				if tc.refused != "" {
					checkRefused(t, h, tc)
				} else {
					failUntilQuarantined(t, h, tc)
				}
			})
		}
	})
}

// checkRefused checks that the plugin of tc did not load, for the right
// reason, and that its component does not resolve.
func checkRefused(t *testing.T, h *host.Host, tc hostileCase) {
	st := mustStatus(t, h, tc.file())
	if st.Status != host.StatusError || !strings.HasPrefix(st.Message, string(tc.refused)+": ") {
		t.Errorf("status %s %q, want ERROR with code %s", st.Status, st.Message, tc.refused)
	}
	for _, m := range tc.mentions {
		if !strings.Contains(st.Message, m) {
			t.Errorf("message %q does not name %s", st.Message, m)
		}
	}
	_, err := h.Environment(context.Background(), tc.name, abi.EnvironmentRequest{Key: tc.name})
	var ce *host.CallError
	if !errors.As(err, &ce) || ce.Code() != abi.CodeNoComponent || ce.Component != tc.name {
		t.Errorf("call %s: error %v, want a CallError for it with code %s", tc.name, err, abi.CodeNoComponent)
	}
}

// failUntilQuarantined calls the component of tc until the plugin is
// quarantined, checking each failure, then checks that the quarantine
// answers at once.
func failUntilQuarantined(t *testing.T, h *host.Host, tc hostileCase) {
	if st := mustStatus(t, h, tc.file()); st.Status != host.StatusOK {
		t.Fatalf("status %s %q before any call, want OK", st.Status, st.Message)
	}
	for i := 1; i <= quarantineAfter; i++ {
		_, err := callHostile(t, h, tc)
		checkCallError(t, err, tc, tc.fails)
		st := mustStatus(t, h, tc.file())
		if i < quarantineAfter && st.Status != host.StatusOK {
			t.Errorf("after %d failure(s): status %s %q, want OK until %d", i, st.Status, st.Message, quarantineAfter)
		}
	}

	st := mustStatus(t, h, tc.file())
	if st.Status != host.StatusError || !strings.HasPrefix(st.Message, string(abi.CodeQuarantined)+": ") ||
		!strings.Contains(st.Message, string(tc.fails)) {
		t.Errorf("after %d failures: status %s %q, want ERROR with code %s naming the last failure, %s",
			quarantineAfter, st.Status, st.Message, abi.CodeQuarantined, tc.fails)
	}
	// Quarantined, the plugin is not entered: a loop or a sleep would end
	// in a timeout, not in quarantined.
	ranSleep, err := callHostile(t, h, tc)
	checkCallError(t, err, tc, abi.CodeQuarantined)
	if ranSleep {
		t.Error("the quarantined call started a sleep process")
	}
}

// callHostile calls the component of tc. For execblock it also checks that
// the sleep it runs lasts no longer than the call, and reports whether the
// call started one.
func callHostile(t *testing.T, h *host.Host, tc hostileCase) (ranSleep bool, err error) {
	t.Helper()
	req := abi.EnvironmentRequest{Key: tc.name}
	if tc.name != "execblock" || runtime.GOOS != "linux" {
		_, err = h.Environment(context.Background(), tc.name, req)
		return false, err
	}

	if pids := sleepChildren(t); len(pids) > 0 {
		t.Fatalf("sleep processes %v run before the call", pids)
	}
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := h.Environment(context.Background(), tc.name, req)
		done <- err
	}()
	// Watch for the sleep while the call runs, so that its absence after
	// the call proves something.
	seen, finished := false, false
	deadline := time.Now().Add(pollLimit)
	for !finished && time.Now().Before(deadline) {
		if !seen && len(sleepChildren(t)) > 0 {
			seen = true
		}
		select {
		case err = <-done:
			finished = true
		case <-time.After(5 * time.Millisecond):
		}
	}
	if !finished {
		t.Fatalf("the call did not return within %s", pollLimit)
	}
	if took := time.Since(start); took >= execTimeout/2 {
		t.Errorf("the call took %s: the run of sleep was not stopped at the call's deadline of %s", took, stopTimeout)
	}
	poll(t, "the sleep process to be gone after the call", func() (bool, string) {
		pids := sleepChildren(t)
		return len(pids) == 0, fmt.Sprintf("sleep processes %v", pids)
	})
	if !seen && !errors.Is(err, &abi.Error{Code: abi.CodeQuarantined}) {
		t.Errorf("the call (error %v) never ran sleep 3600 as a child of this process", err)
	}
	return seen, err
}

// checkCallError checks that err is the CallError of tc's component with
// code, naming the plugin and the component.
func checkCallError(t *testing.T, err error, tc hostileCase, code abi.Code) {
	t.Helper()
	var ce *host.CallError
	if !errors.As(err, &ce) {
		t.Fatalf("call %s: error %v (%T), want a *host.CallError with code %s", tc.name, err, err, code)
	}
	if ce.Plugin != tc.plugin() || ce.Kind != abi.KindEnvironment || ce.Component != tc.name || ce.Code() != code {
		t.Errorf("call %s: CallError{Plugin: %q, Kind: %q, Component: %q, Code: %q}, want {%q, %q, %q, %q}; error: %v",
			tc.name, ce.Plugin, ce.Kind, ce.Component, ce.Code(), tc.plugin(), abi.KindEnvironment, tc.name, code, err)
	}
	if !errors.Is(err, &abi.Error{Code: code}) {
		t.Errorf("errors.Is(%v, code %s) = false", err, code)
	}
	if msg := err.Error(); !strings.Contains(msg, "plugin "+tc.plugin()) || !strings.Contains(msg, "environment "+tc.name) {
		t.Errorf("error %q does not name plugin %s and component %s", msg, tc.plugin(), tc.name)
	}
}

// checkStatuses checks the status of every file, as of when: basics OK;
// the refused plugins ERROR with their code; the others ERROR with code
// quarantined when quarantined is set, else OK.
func checkStatuses(t *testing.T, when string, plugins []host.PluginStatus, quarantined bool) {
	t.Helper()
	if n := len(hostileCases) + 1; len(plugins) != n {
		t.Errorf("%s: %d plugins, want %d: %v", when, len(plugins), n, statusSummary(plugins))
	}

	if st, ok := findStatus(plugins, "basics.wasm"); !ok || st.Status != host.StatusOK || st.Name != "basics" || st.Calls == 0 {
		t.Errorf("%s: basics.wasm %+v, want plugin basics OK with calls", when, st)
	}
	for _, tc := range hostileCases {
		st, ok := findStatus(plugins, tc.file())
		switch {
		case !ok:
			t.Errorf("%s: no status for %s", when, tc.file())
		case tc.refused != "":
			if st.Status != host.StatusError || !strings.HasPrefix(st.Message, string(tc.refused)+": ") {
				t.Errorf("%s: %s is %s %q, want ERROR with code %s", when, tc.file(), st.Status, st.Message, tc.refused)
			}
			for _, m := range tc.mentions {
				if !strings.Contains(st.Message, m) {
					t.Errorf("%s: %s: message %q does not name %s", when, tc.file(), st.Message, m)
				}
			}
		case quarantined:
			if st.Status != host.StatusError || !strings.HasPrefix(st.Message, string(abi.CodeQuarantined)+": ") ||
				!strings.Contains(st.Message, string(tc.fails)) || st.Name != tc.plugin() || !strings.Contains(st.LastError, "plugin "+tc.plugin()) {
				t.Errorf("%s: %s is %s %q (plugin %q, last error %q), want ERROR with code %s naming %s, and a last error naming %s",
					when, tc.file(), st.Status, st.Message, st.Name, st.LastError, abi.CodeQuarantined, tc.fails, tc.plugin())
			}
		default:
			if st.Status != host.StatusOK || st.Message != "" {
				t.Errorf("%s: %s is %s %q, want OK", when, tc.file(), st.Status, st.Message)
			}
		}
	}
}

// sleepChildren returns the processes named sleep whose parent is this
// process, zombies included. It reads /proc.
func sleepChildren(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("list processes: %v", err)
	}
	me := os.Getpid()
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// "pid (comm) state ppid ...", where comm may hold spaces and parentheses.
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) < 2 {
			continue
		}
		if ppid, _ := strconv.Atoi(fields[1]); ppid == me && s[open+1:end] == "sleep" {
			pids = append(pids, pid)
		}
	}
	return pids
}

// echoCaller calls basics' echo in a loop until stopped.
type echoCaller struct {
	done           chan struct{}
	stopped        chan struct{}
	once           sync.Once
	calls, failure atomic.Int64
	first          atomic.Pointer[error]
}

// echoCallerStats is what an echoCaller saw.
type echoCallerStats struct {
	calls, failures int64
	first           error
}

// startEchoCaller starts calling echo, and checking its answers, until
// stop is called or the test ends.
func startEchoCaller(t *testing.T, h *host.Host) *echoCaller {
	e := &echoCaller{done: make(chan struct{}), stopped: make(chan struct{})}
	req := abi.EnvironmentRequest{Key: "echo", Context: abi.Context{Subject: map[string]any{"id": "alice@example.org"}}}
	go func() {
		defer close(e.stopped)
		for {
			select {
			case <-e.done:
				return
			default:
			}
			rep, err := h.Environment(context.Background(), "echo", req)
			if m, ok := rep.Value.(map[string]any); err == nil && (!ok || m["key"] != "echo" || m["subject"] != "alice@example.org") {
				err = fmt.Errorf("echo answered %#v", rep.Value)
			}
			e.calls.Add(1)
			if err != nil {
				e.failure.Add(1)
				e.first.CompareAndSwap(nil, &err)
			}
			// Pace the calls, so that they do not starve the loads and
			// the hostile calls of CPU on a small machine.
			time.Sleep(time.Millisecond)
		}
	}()
	t.Cleanup(func() { e.stop() })
	return e
}

// stop stops the caller, waits for its last call and reports what it saw.
func (e *echoCaller) stop() echoCallerStats {
	e.once.Do(func() { close(e.done) })
	<-e.stopped
	s := echoCallerStats{calls: e.calls.Load(), failures: e.failure.Load()}
	if p := e.first.Load(); p != nil {
		s.first = *p
	}
	return s
}

// poll polls cond until it holds, and fails the test when it does not
// within pollLimit. cond describes the state it saw, for the failure.
func poll(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(pollLimit)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; last seen: %s", pollLimit, what, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mustStatus returns the status of the plugin file named base.
func mustStatus(t *testing.T, h *host.Host, base string) host.PluginStatus {
	t.Helper()
	st, ok := findStatus(h.Plugins(), base)
	if !ok {
		t.Fatalf("no status for %s among %v", base, statusSummary(h.Plugins()))
	}
	return st
}

// findStatus returns the status of the plugin file named base among ps.
func findStatus(ps []host.PluginStatus, base string) (host.PluginStatus, bool) {
	for _, p := range ps {
		if filepath.Base(p.File) == base {
			return p, true
		}
	}
	return host.PluginStatus{}, false
}

// statusSummary lists "file status" of each plugin, for failure messages.
func statusSummary(ps []host.PluginStatus) []string {
	var out []string
	for _, p := range ps {
		out = append(out, filepath.Base(p.File)+" "+string(p.Status))
	}
	return out
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

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
