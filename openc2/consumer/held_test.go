package consumer

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestRulesHeld checks the list of rules the components hold: an allow
// or deny is listed with its rule numbers, command and schedule, one
// waiting for its start_time as scheduled with the components it would
// go to, the list survives a restart, and a delete takes the rule off.
func TestRulesHeld(t *testing.T) {
	acts := &fakeActuators{list: []Actuator{fw1}, reply: numbering(nil)}
	st := openStore(t, filepath.Join(t.TempDir(), "openc2.db"))
	defer st.Close()
	c, clk := newTestConsumer(t, acts, Config{Store: st.Namespace("openc2")})
	handle := func(c *Consumer, cmd string) string {
		t.Helper()
		return encode(t, c.Handle(context.Background(), message(t, cmd)))
	}
	now := epoch.UnixMilli()
	later := strconv.FormatInt(now+int64(time.Hour/time.Millisecond), 10)
	if got := handle(c, `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"duration":60000}}`); got != `{"status":200,"results":{"slpf":{"rule_number":1}}}` {
		t.Fatalf("deny: %s", got)
	}
	if got := handle(c, `{"action":"allow","target":{"ipv4_net":"10.0.0.2"},"args":{"start_time":`+later+`,"slpf":{"insert_rule":7}}}`); got != `{"status":102,"status_text":"scheduled to start at 2027-01-15T09:00:00Z"}` {
		t.Fatalf("scheduled allow: %s", got)
	}
	want := []HeldRule{
		{Number: 1, CommandID: "r-1", Command: json.RawMessage(`{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"duration":60000}}`),
			Rules: []Rule{{Actuator: fw1.Ref, RuleNumber: 1}}, Start: now, Stop: now + 60000},
		{Number: 7, CommandID: "r-1", Command: json.RawMessage(`{"action":"allow","target":{"ipv4_net":"10.0.0.2"},"args":{"slpf":{"insert_rule":7},"start_time":` + later + `}}`),
			Rules: []Rule{{Actuator: fw1.Ref}}, Start: now + 3600000, Scheduled: true},
	}
	check := func(c *Consumer, want []HeldRule) {
		t.Helper()
		got, _ := json.Marshal(c.Rules())
		w, _ := json.Marshal(want)
		if string(got) != string(w) {
			t.Errorf("rules\n got %s\nwant %s", got, w)
		}
	}
	check(c, want)

	// After a restart the rules are still listed.
	c.Close()
	c, _ = newTestConsumer(t, acts, Config{Store: st.Namespace("openc2"), Now: clk.now})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	check(c, want)
	// The delete takes rule 1 off.
	if got := handle(c, `{"action":"delete","target":{"slpf:rule_number":1}}`); got != `{"status":200}` {
		t.Fatalf("delete: %s", got)
	}
	check(c, want[1:])
}
