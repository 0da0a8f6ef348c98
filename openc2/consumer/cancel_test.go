package consumer

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// hourLater is one hour after epoch, in milliseconds.
var hourLater = epoch.Add(time.Hour).UnixMilli()

func TestCancelScheduledStart(t *testing.T) {
	fail := false
	acts := &fakeActuators{list: []Actuator{fw1}, reply: ruleReplies(&fail)}
	c, clk := newTestConsumer(t, acts, Config{})
	later := fmt.Sprintf(`"args":{"start_time":%d}`, hourLater)
	for id, cmd := range map[string]string{
		"by-request": `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},` + later + `}`,
		"by-command": `{"action":"deny","target":{"ipv4_net":"10.0.0.2"},` + later + `,"command_id":"c-2"}`,
		"kept":       `{"action":"deny","target":{"ipv4_net":"10.0.0.3"},` + later + `}`,
	} {
		if r := c.Handle(context.Background(), messageID(t, id, cmd)); r.Response.Status != 102 {
			t.Fatalf("%s: %s", id, encode(t, r))
		}
	}

	for _, tt := range []struct{ name, cmd, want string }{
		{"by request_id", `{"action":"cancel","target":{"command":"by-request"}}`,
			`{"status":200,"status_text":"cancelled: \"by-request\" was to start at 2027-01-15T09:00:00Z"}`},
		{"again", `{"action":"cancel","target":{"command":"by-request"}}`,
			`{"status":404,"status_text":"no scheduled command \"by-request\" to cancel: it is unknown, done or running"}`},
		{"request_id of a command with a command_id", `{"action":"cancel","target":{"command":"by-command"}}`,
			`{"status":404,"status_text":"no scheduled command \"by-command\" to cancel: it is unknown, done or running"}`},
		{"by command_id", `{"action":"cancel","target":{"command":"c-2"},"args":{"response_requested":"complete"}}`,
			`{"status":200,"status_text":"cancelled: \"c-2\" was to start at 2027-01-15T09:00:00Z"}`},
		{"unknown", `{"action":"cancel","target":{"command":"nothing"}}`,
			`{"status":404,"status_text":"no scheduled command \"nothing\" to cancel: it is unknown, done or running"}`},
		{"with start_time", fmt.Sprintf(`{"action":"cancel","target":{"command":"kept"},"args":{"start_time":%d}}`, hourLater),
			`{"status":400,"status_text":"args: cancel command takes no argument but response_requested"}`},
		{"with slpf arguments", `{"action":"cancel","target":{"command":"kept"},"args":{"slpf":{"persistent":false}}}`,
			`{"status":400,"status_text":"args: cancel command takes no argument but response_requested"}`},
		{"for the slpf profile", `{"action":"cancel","target":{"command":"kept"},"actuator":{"slpf":{}}}`,
			`{"status":501,"status_text":"no actuator supports cancel command for profile slpf"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := encode(t, c.Handle(context.Background(), message(t, tt.cmd))); got != tt.want {
				t.Errorf("response\n got %s\nwant %s", got, tt.want)
			}
		})
	}

	if n := pending(c); n != 1 {
		t.Fatalf("%d jobs pending, want the one not cancelled", n)
	}
	clk.advance(time.Hour)
	c.sched.runDue(context.Background(), clk.now())
	calls := acts.recorded()
	if len(calls) != 1 || calls[0].Req.Command.Target["ipv4_net"] != "10.0.0.3" {
		t.Errorf("carried out %+v, want only 10.0.0.3", calls)
	}
	if got := encode(t, c.Handle(context.Background(), message(t, `{"action":"cancel","target":{"command":"kept"}}`))); got != `{"status":404,"status_text":"no scheduled command \"kept\" to cancel: it is unknown, done or running"}` {
		t.Errorf("cancel of a command carried out: %s", got)
	}
}

// TestCancelEndsCommand cancels a command in effect until its stop_time:
// its rules are deleted at once, on every component that created one.
func TestCancelEndsCommand(t *testing.T) {
	fail := false
	fw3 := fw1
	fw3.Ref = "slpf-other/filter"
	acts := &fakeActuators{list: []Actuator{fw1, fw3}, reply: ruleReplies(&fail)}
	c, clk := newTestConsumer(t, acts, Config{})
	if r := c.Handle(context.Background(), messageID(t, "timed", `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"duration":60000}}`)); r.Response.Status != 200 {
		t.Fatal(encode(t, r))
	}
	clk.advance(10 * time.Second)

	// A failing delete is answered with its status and retried later.
	fail = true
	got := encode(t, c.Handle(context.Background(), message(t, `{"action":"cancel","target":{"command":"timed"}}`)))
	if want := `{"status":503,"status_text":"slpf-nft/filter: 503 unavailable: firewall busy; slpf-other/filter: 503 unavailable: firewall busy"}`; got != want {
		t.Errorf("response to a failing cancel\n got %s\nwant %s", got, want)
	}
	if n := pending(c); n != 1 {
		t.Fatalf("%d jobs pending after failed deletes, want 1 to retry", n)
	}
	fail = false
	got = encode(t, c.Handle(context.Background(), message(t, `{"action":"cancel","target":{"command":"timed"}}`)))
	if want := `{"status":200,"status_text":"cancelled: \"timed\" ended now, its rules deleted"}`; got != want {
		t.Errorf("response\n got %s\nwant %s", got, want)
	}
	deletes := map[string]int{}
	for _, cl := range acts.recorded() {
		if cl.Req.Command.Action == "delete" {
			deletes[cl.Ref]++
		}
	}
	if deletes["slpf-nft/filter"] != 2 || deletes["slpf-other/filter"] != 2 {
		t.Errorf("deletes by component = %v, want 2 each", deletes)
	}
	if n := pending(c); n != 0 {
		t.Errorf("%d jobs pending after the cancel", n)
	}
}

// TestCancelSurvivesRestart cancels scheduled work and restarts on the same
// store: the cancelled commands do not come back, the others do.
func TestCancelSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "openc2.db")
	fail := false
	acts := &fakeActuators{list: []Actuator{fw1}, reply: ruleReplies(&fail)}

	st := openStore(t, path)
	c, clk := newTestConsumer(t, acts, Config{Store: st.Namespace("schedule")})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	for id, cmd := range map[string]string{
		"start-cancelled": fmt.Sprintf(`{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"start_time":%d}}`, hourLater),
		"stop-cancelled":  fmt.Sprintf(`{"action":"deny","target":{"ipv4_net":"10.0.0.2"},"args":{"stop_time":%d}}`, hourLater),
		"start-kept":      fmt.Sprintf(`{"action":"deny","target":{"ipv4_net":"10.0.0.3"},"args":{"start_time":%d}}`, hourLater),
	} {
		if r := c.Handle(context.Background(), messageID(t, id, cmd)); r.Response.Status >= 400 {
			t.Fatalf("%s: %s", id, encode(t, r))
		}
	}
	for _, id := range []string{"start-cancelled", "stop-cancelled"} {
		if r := c.Handle(context.Background(), message(t, `{"action":"cancel","target":{"command":"`+id+`"}}`)); r.Response.Status != 200 {
			t.Fatalf("cancel %s: %s", id, encode(t, r))
		}
	}
	c.Close()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	before := len(acts.recorded()) // the deny of stop-cancelled and its delete
	if before != 2 {
		t.Fatalf("%d calls before the restart, want 2", before)
	}

	st = openStore(t, path)
	defer st.Close()
	clk2 := &clock{t: clk.now().Add(2 * time.Hour)}
	c2, _ := newTestConsumer(t, acts, Config{Store: st.Namespace("schedule"), Now: clk2.now})
	if err := c2.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return len(acts.recorded()) > before })
	waitFor(t, func() bool { keys, _ := st.Namespace("schedule").List([]byte(keyPrefix)); return len(keys) == 0 })
	c2.Close()
	calls := acts.recorded()[before:]
	if len(calls) != 1 || calls[0].Req.Command.Target["ipv4_net"] != "10.0.0.3" {
		t.Errorf("after the restart: %+v, want only the deny of 10.0.0.3", calls)
	}
}

// undeletable is a store that cannot delete.
type undeletable struct{ Store }

func (undeletable) Delete([]byte) error { return errors.New("disk full") }

// TestCancelStoreFailure reports a start that the store could not forget:
// it would come back after a restart.
func TestCancelStoreFailure(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "openc2.db"))
	defer st.Close()
	c, _ := newTestConsumer(t, &fakeActuators{list: []Actuator{fw1}}, Config{Store: undeletable{st.Namespace("schedule")}})
	if r := c.Handle(context.Background(), messageID(t, "later", fmt.Sprintf(`{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"start_time":%d}}`, hourLater))); r.Response.Status != 102 {
		t.Fatal(encode(t, r))
	}
	got := encode(t, c.Handle(context.Background(), message(t, `{"action":"cancel","target":{"command":"later"}}`)))
	if want := `{"status":500,"status_text":"\"later\" is off the schedule but still in the store, so it would run after a restart: disk full"}`; got != want {
		t.Errorf("response\n got %s\nwant %s", got, want)
	}
}
