package tck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/plugins-src/tck"
)

// kvCounterSuite is the suite of the kvcounter plugins.
const kvCounterSuite = "plugins-src/cases/kvcounter.yaml"

// TestKVCounter checks each plugin of the kvcounter suite end to end
// (kvCounterWorks): twins that call the host functions of the capabilities
// log, clock and kv through their kit's wrappers.
func TestKVCounter(t *testing.T) {
	for _, p := range tck.Load(t, kvCounterSuite).Plugins {
		t.Run(p.Lang+"/"+p.Name, func(t *testing.T) { kvCounterWorks(t, p.Build(t), p.Name) })
	}
}

// kvCounterWorks checks the kvcounter plugin file wasm, named plugin,
// through hosts that grant it log, clock and kv in their configuration: its
// counters count per key in kv and survive a restart, are listed and
// deleted; its log records reach the host's log tagged with the plugin, at
// their levels, with the host's wall clock and a monotonic duration.
// Ungranted, it is refused, naming each capability's grant.
func kvCounterWorks(t *testing.T, wasm, plugin string) {
	var mu sync.Mutex
	var logs bytes.Buffer
	cfg := host.Config{
		StorePath: filepath.Join(t.TempDir(), "store.db"),
		Plugins:   map[string]host.PluginConfig{plugin: {Grants: host.Grants{Log: true, Clock: true, KV: host.KVGrant{Granted: true}}}},
		Logger:    slog.New(slog.NewJSONHandler(&lockedWriter{mu: &mu, w: &logs}, nil)),
	}
	ctx := context.Background()
	h := newHost(t, cfg, wasm)
	if st := status(t, h, plugin+".wasm"); st.Status != host.StatusOK {
		t.Fatalf("status %s: %s", st.Status, st.Message)
	}
	count := func(h *host.Host, key string, want int64) {
		t.Helper()
		rep, err := h.Environment(ctx, "counter", abi.EnvironmentRequest{Key: key})
		if err != nil {
			t.Fatal(err)
		}
		if got := normalize(rep.Value); got != want {
			t.Fatalf("count(%s) = %v, want %d", key, got, want)
		}
	}
	counters := func(h *host.Host, want ...any) {
		t.Helper()
		rep, err := h.Environment(ctx, "counters", abi.EnvironmentRequest{Key: "counters"})
		if err != nil {
			t.Fatal(err)
		}
		if got := normalize(rep.Value); !reflect.DeepEqual(got, normalize(want)) {
			t.Fatalf("counters = %v, want %v", got, want)
		}
	}

	before := time.Now().UnixNano()
	for i, key := range []string{"hits", "hits", "other", "hits"} {
		count(h, key, []int64{1, 2, 1, 3}[i])
	}
	after := time.Now().UnixNano()
	counters(h, "hits", "other")
	rep, err := h.Oblige(ctx, "reset-counter", abi.ObligeRequest{Decision: abi.DecisionGrant, Context: abi.Context{Access: map[string]any{"key": "hits"}}})
	if err != nil || !rep.Fulfilled {
		t.Fatalf("reset-counter = %+v, %v", rep, err)
	}
	counters(h, "other")
	count(h, "hits", 1)
	rep, err = h.Oblige(ctx, "reset-counter", abi.ObligeRequest{Decision: abi.DecisionGrant})
	if err != nil || rep.Fulfilled || rep.Reason != "access.key is not a string" {
		t.Fatalf("reset-counter without a key = %+v, %v", rep, err)
	}

	// The counts are in kv, not in the instance: a new host on the same
	// store goes on counting.
	if err := h.Close(ctx); err != nil {
		t.Fatal(err)
	}
	h = newHost(t, cfg, wasm)
	count(h, "other", 2)
	counters(h, "hits", "other")

	mu.Lock()
	records := logs.String()
	mu.Unlock()
	counted := logRecord(t, records, plugin, "counted key=hits count=3 ")
	if counted["level"] != "INFO" {
		t.Errorf("counted: level %v, want INFO", counted["level"])
	}
	var at, took int64
	if _, err := fmt.Sscanf(counted["msg"].(string), "counted key=hits count=3 at=%d took=%d", &at, &took); err != nil {
		t.Fatalf("counted: %v: %q", err, counted["msg"])
	}
	if at < before || at > after || took < 0 || took > after-before {
		t.Errorf("counted at %d, took %d ns; want the host's wall clock in [%d, %d] and a duration within it", at, took, before, after)
	}
	if reset := logRecord(t, records, plugin, "reset key=hits"); reset["level"] != "WARN" {
		t.Errorf("reset: level %v, want WARN", reset["level"])
	}

	// Ungranted, it is refused for each capability it imports.
	h = newHost(t, host.Config{}, wasm)
	st := status(t, h, plugin+".wasm")
	for _, want := range []string{"capability_denied", "plugins." + plugin + ".grants.kv", "plugins." + plugin + ".grants.log", "plugins." + plugin + ".grants.clock"} {
		if st.Status != host.StatusError || !strings.Contains(st.Message, want) {
			t.Errorf("ungranted: status %s, message %q; want ERROR naming %q", st.Status, st.Message, want)
		}
	}
}

// logRecord returns the first JSON record of logs tagged with the plugin
// whose message starts with msg.
func logRecord(t *testing.T, logs, plugin, msg string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(logs))
	for {
		var r map[string]any
		if err := dec.Decode(&r); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("log: %v", err)
		}
		if m, _ := r["msg"].(string); r["plugin"] == plugin && strings.HasPrefix(m, msg) {
			return r
		}
	}
	t.Fatalf("no record of plugin %s starting with %q in the log:\n%s", plugin, msg, logs)
	return nil
}
