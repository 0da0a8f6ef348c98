package consumer

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/openc2"
)

// ruleReplies answers allow and deny with rule number 7 and delete with 200,
// or with failures while fail is set.
func ruleReplies(fail *bool) func(string, ActuateRequest) (openc2.GenericResponse, error) {
	return func(_ string, req ActuateRequest) (openc2.GenericResponse, error) {
		if *fail {
			return openc2.GenericResponse{}, &ActuatorError{Code: CodeUnavailable, Err: errors.New("unavailable: firewall busy")}
		}
		if req.Command.Action == "delete" {
			return openc2.GenericResponse{Status: 200}, nil
		}
		return openc2.GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": int64(7)}}}, nil
	}
}

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	s, err := store.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pending(c *Consumer) int {
	c.sched.mu.Lock()
	defer c.sched.mu.Unlock()
	return len(c.sched.jobs)
}

func TestScheduledStart(t *testing.T) {
	fail := false
	acts := &fakeActuators{list: []Actuator{fw1}, reply: ruleReplies(&fail)}
	c, clk := newTestConsumer(t, acts, Config{})
	start := epoch.Add(time.Hour).UnixMilli()
	got := encode(t, c.Handle(context.Background(), message(t, fmt.Sprintf(`{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"start_time":%d}}`, start))))
	if want := `{"status":102,"status_text":"scheduled to start at 2027-01-15T09:00:00Z"}`; got != want {
		t.Fatalf("response = %s, want %s", got, want)
	}
	c.sched.runDue(context.Background(), clk.now())
	if n := len(acts.recorded()); n != 0 {
		t.Fatalf("carried out %d times before start_time", n)
	}
	clk.advance(time.Hour)
	c.sched.runDue(context.Background(), clk.now())
	calls := acts.recorded()
	if len(calls) != 1 || calls[0].Req.Command.Action != "deny" || calls[0].Req.Headers.RequestID != "r-1" {
		t.Fatalf("calls = %+v", calls)
	}
	if pending(c) != 0 {
		t.Errorf("%d jobs left", pending(c))
	}

	// A command that cannot run is refused at once, not at start_time.
	got = encode(t, c.Handle(context.Background(), message(t, fmt.Sprintf(`{"action":"scan","target":{"ipv4_net":"10.0.0.1"},"args":{"start_time":%d}}`, start+int64(time.Hour/time.Millisecond)))))
	if want := `{"status":501,"status_text":"no actuator supports scan ipv4_net"}`; got != want {
		t.Errorf("response = %s, want %s", got, want)
	}
}

func TestScheduledStop(t *testing.T) {
	fail := false
	acts := &fakeActuators{list: []Actuator{fw1, fw2}, reply: ruleReplies(&fail)}
	c, clk := newTestConsumer(t, acts, Config{})
	got := encode(t, c.Handle(context.Background(), message(t, `{"action":"allow","target":{"ipv4_net":"10.0.0.1"},"args":{"duration":60000}}`)))
	if want := `{"status":200,"results":{"slpf":{"rule_number":1}}}`; got != want {
		t.Fatalf("response = %s, want %s", got, want)
	}
	clk.advance(59 * time.Second)
	c.sched.runDue(context.Background(), clk.now())
	if n := len(acts.recorded()); n != 1 {
		t.Fatalf("%d calls before stop_time", n)
	}

	// The delete fails twice, and is retried later each time.
	fail = true
	clk.advance(time.Second)
	c.sched.runDue(context.Background(), clk.now())
	c.sched.runDue(context.Background(), clk.now())
	if n := len(acts.recorded()); n != 2 {
		t.Fatalf("%d calls; the failed delete ran again at once", n)
	}
	clk.advance(2 * time.Second)
	c.sched.runDue(context.Background(), clk.now())
	if n, p := len(acts.recorded()), pending(c); n != 3 || p != 1 {
		t.Fatalf("%d calls, %d pending after the second attempt", n, p)
	}
	fail = false
	clk.advance(4 * time.Second)
	c.sched.runDue(context.Background(), clk.now())
	calls := acts.recorded()
	last := calls[len(calls)-1]
	if len(calls) != 4 || last.Ref != "slpf-nft/filter" || last.Req.Command.Action != "delete" ||
		last.Req.Command.Target["slpf:rule_number"] != int64(7) || last.Req.Profile != "slpf" {
		t.Fatalf("calls = %+v", calls)
	}
	if pending(c) != 0 {
		t.Errorf("%d jobs left", pending(c))
	}
}

// TestScheduleSurvivesRestart schedules a start and a stop, closes the
// consumer and its store, and runs them from a new consumer on the same file.
func TestScheduleSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "openc2.db")
	fail := false
	acts := &fakeActuators{list: []Actuator{fw1}, reply: ruleReplies(&fail)}

	st := openStore(t, path)
	c, clk := newTestConsumer(t, acts, Config{Store: st.Namespace("schedule")})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	start := epoch.Add(time.Hour)
	for _, cmd := range []string{
		fmt.Sprintf(`{"action":"deny","target":{"ipv4_net":"10.0.0.2"},"args":{"start_time":%d}}`, start.UnixMilli()),
		fmt.Sprintf(`{"action":"deny","target":{"ipv4_net":"10.0.0.3"},"args":{"stop_time":%d}}`, start.UnixMilli()),
	} {
		if r := c.Handle(context.Background(), message(t, cmd)); r.Response.Status >= 400 {
			t.Fatalf("%s: %s", cmd, encode(t, r))
		}
	}
	c.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(acts.recorded()); n != 1 {
		t.Fatalf("%d calls before the restart, want 1", n)
	}

	st = openStore(t, path)
	defer st.Close()
	clk2 := &clock{t: clk.now().Add(2 * time.Hour)}
	c2, _ := newTestConsumer(t, acts, Config{Store: st.Namespace("schedule"), Now: clk2.now})
	if err := c2.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		keys, _ := st.Namespace("schedule").List([]byte(keyPrefix))
		return len(acts.recorded()) == 3 && len(keys) == 0
	})
	c2.Close()
	seen := map[string]bool{}
	for _, cl := range acts.recorded()[1:] {
		seen[fmt.Sprintf("%s %v", cl.Req.Command.Action, cl.Req.Command.Target)] = true
	}
	if !seen["deny map[ipv4_net:10.0.0.2]"] || !seen["delete map[slpf:rule_number:7]"] {
		t.Errorf("after the restart: %v", seen)
	}
	if keys, _ := st.Namespace("schedule").List([]byte(keyPrefix)); len(keys) != 0 {
		t.Errorf("store still holds %q", keys)
	}
}

// TestUnreadableJob leaves a job that does not decode in the store.
func TestUnreadableJob(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "openc2.db"))
	defer st.Close()
	ns := st.Namespace("schedule")
	if err := ns.Set([]byte("job/x"), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	c, _ := newTestConsumer(t, &fakeActuators{}, Config{Store: ns})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, ok, _ := ns.Get([]byte("job/x")); !ok {
		t.Error("the unreadable job was dropped")
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline; it measures nothing.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
