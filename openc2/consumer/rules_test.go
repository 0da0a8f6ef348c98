package consumer

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/openc2"
)

// numbering answers allow and deny with a rule number counted per
// component, as real actuators do, so that two components answer the same
// numbers; fails lists the components that fail with 503.
func numbering(fails map[string]bool) func(string, ActuateRequest) (openc2.GenericResponse, error) {
	var mu sync.Mutex
	next := map[string]int64{}
	return func(ref string, req ActuateRequest) (openc2.GenericResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		if fails[ref] {
			return openc2.GenericResponse{}, &ActuatorError{Code: CodeUnavailable, Err: errors.New("unavailable: firewall busy")}
		}
		if req.Command.Action == "delete" {
			return openc2.GenericResponse{Status: 200}, nil
		}
		next[ref]++
		return openc2.GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": next[ref]}}}, nil
	}
}

// TestRuleNumbers checks the consumer's one space of rule numbers: a
// command several components carry out gets one number; commands to one
// component each get numbers of their own though the components answer
// the same; a delete deletes exactly the rules of its number, on each
// component by its own number; insert_rule in use is refused; the book
// survives a restart.
func TestRuleNumbers(t *testing.T) {
	fw3 := fw1
	fw3.Ref = "slpf-other/filter"
	fails := map[string]bool{}
	acts := &fakeActuators{list: []Actuator{fw1, fw3}, reply: numbering(fails)}
	st := openStore(t, filepath.Join(t.TempDir(), "openc2.db"))
	defer st.Close()
	c, _ := newTestConsumer(t, acts, Config{Store: st.Namespace("openc2")})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	handle := func(cmd string) string { return encode(t, c.Handle(context.Background(), message(t, cmd))) }
	to := func(ref string) string { return `,"actuator":{"slpf":{"asset_id":"` + ref + `"}}` }
	deny := func(net, extra string) string {
		return `{"action":"deny","target":{"ipv4_net":"` + net + `"}` + extra + `}`
	}
	deletes := func() map[string]any {
		out := map[string]any{}
		for _, cl := range acts.recorded() {
			if cl.Req.Command.Action == "delete" {
				out[cl.Ref] = cl.Req.Command.Target["slpf:rule_number"]
			}
		}
		return out
	}
	for _, step := range []struct{ cmd, want string }{
		{deny("10.0.0.1", to(fw1.Ref)), `{"status":200,"results":{"slpf":{"rule_number":1}}}`}, // fw1's 1
		{deny("10.0.0.2", to(fw3.Ref)), `{"status":200,"results":{"slpf":{"rule_number":2}}}`}, // fw3's 1
		{deny("10.0.0.3", ""), `{"status":200,"results":{"slpf":{"rule_number":3}}}`},          // fw1's 2, fw3's 2
		{deny("10.0.0.4", `,"args":{"slpf":{"insert_rule":3}}`), `{"status":400,"status_text":"args.slpf.insert_rule: rule number 3 is already in use (SLPF v1.0 section 2.3.1)"}`},
		{deny("10.0.0.5", `,"args":{"slpf":{"insert_rule":9}}`), `{"status":200,"results":{"slpf":{"rule_number":9}}}`},
		{`{"action":"delete","target":{"slpf:rule_number":2}}`, `{"status":200}`},
	} {
		if got := handle(step.cmd); got != step.want {
			t.Fatalf("%s\n got %s\nwant %s", step.cmd, got, step.want)
		}
	}
	if got := fmt.Sprint(deletes()); got != "map[slpf-other/filter:1]" {
		t.Errorf("the delete of 2 sent %s, want fw3's rule 1 alone", got)
	}
	// After a restart, the number of the command to both deletes both.
	c.Close()
	c, _ = newTestConsumer(t, acts, Config{Store: st.Namespace("openc2")})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := handle(`{"action":"delete","target":{"slpf:rule_number":3}}`); got != `{"status":200}` {
		t.Fatalf("delete 3 after a restart: %s", got)
	}
	if got := fmt.Sprint(deletes()); got != "map[slpf-nft/filter:2 slpf-other/filter:2]" {
		t.Errorf("the delete of 3 sent %s, want rule 2 of each", got)
	}
	if got := handle(`{"action":"delete","target":{"slpf:rule_number":3}}`); got != `{"status":500,"status_text":"firewall rule not removed or updated: no rule number 3"}` {
		t.Errorf("second delete of 3: %s", got)
	}
	// Numbers are not handed out again; one failing component does not hide
	// the rule the other created.
	fails[fw3.Ref] = true
	got := handle(deny("10.0.0.6", ""))
	if want := `{"status":503,"status_text":"slpf-other/filter: 503 unavailable: firewall busy","results":{"slpf":{"rule_number":10}}}`; got != want {
		t.Errorf("partial failure\n got %s\nwant %s", got, want)
	}
	if parts := c.rules.parts(10, nil); len(parts) != 1 || parts[0].Actuator != fw1.Ref {
		t.Errorf("rule 10 holds %+v, want fw1's rule alone", parts)
	}
}
