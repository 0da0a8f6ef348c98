package consumer

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestHistory checks what the history keeps: the newest commands up to its
// size, across a restart, with their origin, routing and outcome, filtered
// and paged; and that a scheduled start that fails shows there and in the
// metrics.
func TestHistory(t *testing.T) {
	fail := false
	acts := &fakeActuators{list: []Actuator{fw1}, reply: ruleReplies(&fail)}
	st := openStore(t, filepath.Join(t.TempDir(), "openc2.db"))
	defer st.Close()
	reg := prometheus.NewRegistry()
	c, clk := newTestConsumer(t, acts, Config{Store: st.Namespace("openc2"), History: 4, Registerer: reg})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	ctx := WithOrigin(context.Background(), &Origin{Requester: "CN=soc", Decision: "allowed"})
	for i := range 4 {
		c.Handle(ctx, messageID(t, fmt.Sprintf("r-%d", i), `{"action":"deny","target":{"ipv4_net":"10.0.0.1"}}`))
	}
	c.Handle(ctx, messageID(t, "bad", `{"action":"contain","target":{"ipv4_net":"10.0.0.1"}}`))
	c.Handle(ctx, messageID(t, "later", fmt.Sprintf(`{"action":"deny","target":{"ipv4_net":"10.0.0.2"},"args":{"start_time":%d}}`, hourLater)))

	all, next, err := c.History(HistoryQuery{})
	if err != nil || next != 0 || len(all) != 4 {
		t.Fatalf("history: %d records, next %d, %v; want the 4 newest", len(all), next, err)
	}
	got := []string{}
	for _, r := range all {
		got = append(got, fmt.Sprintf("%s %s %d", r.RequestID, r.State, r.Status))
	}
	if want := "later scheduled 102,bad done 501,r-3 done 200,r-2 done 200"; strings.Join(got, ",") != want {
		t.Errorf("history\n got %s\nwant %s", strings.Join(got, ","), want)
	}
	if r := all[2]; r.Requester != "CN=soc" || r.Decision != "allowed" || r.RuleNumber == nil || *r.RuleNumber != 4 ||
		len(r.Rules) != 1 || r.Rules[0] != (Rule{Actuator: fw1.Ref, RuleNumber: 7}) || r.Actuators[0] != fw1.Ref {
		t.Errorf("record of r-3: %+v", r)
	}
	if page, next, _ := c.History(HistoryQuery{Limit: 2}); len(page) != 2 || next != page[1].Seq {
		t.Errorf("first page of 2: %d records, next %d", len(page), next)
	} else if rest, _, _ := c.History(HistoryQuery{Before: next}); len(rest) != 2 || rest[0].RequestID != "r-3" {
		t.Errorf("second page: %+v", rest)
	}
	if failed, _, _ := c.History(HistoryQuery{Status: "failed"}); len(failed) != 1 || failed[0].RequestID != "bad" {
		t.Errorf("failed: %+v", failed)
	}

	// The scheduled start runs after a restart and fails.
	c.Close()
	fail = true
	clk.advance(2 * time.Hour)
	c, _ = newTestConsumer(t, acts, Config{Store: st.Namespace("openc2"), History: 4, Registerer: prometheus.NewRegistry(), Now: clk.now})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitFor(t, func() bool { r, _, _ := c.History(HistoryQuery{Status: "failed"}); return len(r) == 2 })
	r, _, _ := c.History(HistoryQuery{Limit: 1})
	if r[0].RequestID != "later" || r[0].State != StateDone || r[0].Status != 503 || r[0].StatusText != "unavailable: firewall busy" {
		t.Errorf("failed start: %+v", r[0])
	}
	if n := testutil.ToFloat64(c.history.metrics.scheduledFailures.WithLabelValues("start")); n != 1 {
		t.Errorf("deferred failures of kind start = %v, want 1", n)
	}
	if n := testutil.ToFloat64(c.history.metrics.commands.WithLabelValues("deny", "200")); n != 0 {
		t.Errorf("the new consumer counted %v commands of its predecessor", n)
	}
}

// TestCommandsCountedWithoutHistory counts commands by action and final
// status when the consumer keeps no history, each command once, also when
// its work goes on after the answer.
func TestCommandsCountedWithoutHistory(t *testing.T) {
	fail := false
	acts := &fakeActuators{list: []Actuator{fw1}, reply: ruleReplies(&fail)}
	c, _ := newTestConsumer(t, acts, Config{Registerer: prometheus.NewRegistry()})
	ctx := context.Background()
	c.Handle(ctx, message(t, `{"action":"deny","target":{"ipv4_net":"10.0.0.1"}}`))
	c.Handle(ctx, message(t, `{"action":"deny","target":{"ipv4_net":"10.0.0.2"},"args":{"response_requested":"none"}}`))
	c.Handle(ctx, message(t, `{"action":"deny","target":{"ipv4_net":"10.0.0.3"},"args":{"response_requested":"status"}}`))
	c.Handle(ctx, message(t, `{"action":"contain","target":{"ipv4_net":"10.0.0.1"}}`))
	c.Close() // waits for the work in the background
	for _, tt := range []struct {
		action, status string
		want           float64
	}{{"deny", "200", 3}, {"deny", "102", 0}, {"contain", "501", 1}} {
		if n := testutil.ToFloat64(c.history.metrics.commands.WithLabelValues(tt.action, tt.status)); n != tt.want {
			t.Errorf("commands %s %s = %v, want %v", tt.action, tt.status, n, tt.want)
		}
	}
}

// countingStore counts the reads of a Store.
type countingStore struct {
	Store
	gets atomic.Int64
}

func (s *countingStore) Get(key []byte) ([]byte, bool, error) {
	s.gets.Add(1)
	return s.Store.Get(key)
}

// TestHistoryFilterReadsMatchesOnly filters a long history for its one
// failed command: the records the filter does not select are passed over
// without being read, once the history knows them, also after a restart.
func TestHistoryFilterReadsMatchesOnly(t *testing.T) {
	fail := false
	acts := &fakeActuators{list: []Actuator{fw1}, reply: ruleReplies(&fail)}
	st := openStore(t, filepath.Join(t.TempDir(), "openc2.db"))
	defer st.Close()
	cs := &countingStore{Store: st.Namespace("openc2")}
	c, _ := newTestConsumer(t, acts, Config{Store: cs, History: 200})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	const n = 100
	for i := range n {
		c.Handle(context.Background(), messageID(t, fmt.Sprintf("r-%d", i), `{"action":"deny","target":{"ipv4_net":"10.0.0.1"}}`))
	}
	c.Handle(context.Background(), messageID(t, "bad", `{"action":"contain","target":{"ipv4_net":"10.0.0.1"}}`))
	filter := func(c *Consumer) int64 {
		t.Helper()
		before := cs.gets.Load()
		failed, _, err := c.History(HistoryQuery{Status: "failed"})
		if err != nil || len(failed) != 1 || failed[0].RequestID != "bad" {
			t.Fatalf("failed: %+v, %v", failed, err)
		}
		return cs.gets.Load() - before
	}
	if reads := filter(c); reads != 1 {
		t.Errorf("filtering %d records for 1 read %d of them", n+1, reads)
	}
	c.Close()
	c, _ = newTestConsumer(t, acts, Config{Store: cs, History: 200})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if reads := filter(c); reads != n+1 {
		t.Errorf("the first filter after a restart read %d records, want all %d", reads, n+1)
	}
	if reads := filter(c); reads != 1 {
		t.Errorf("the second filter after a restart read %d records, want 1", reads)
	}
}
