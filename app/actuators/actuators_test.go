package actuators_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/app/actuators"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
)

// newHost serves the C plugin c-slpf-noop and the Go plugin basics, whose
// actuator echo has the profile x-echo.
func newHost(t *testing.T) *host.Host {
	t.Helper()
	h, err := host.New(host.Config{CacheDir: wasmbuild.CacheDir(t, "wazero"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	for _, wasm := range []string{wasmbuild.C.Plugin(t, "c-slpf-noop"), wasmbuild.Go(t, "plugins-src/go/basics")} {
		if err := h.LoadFile(t.Context(), wasm); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func handle(t *testing.T, c *consumer.Consumer, cmd string) string {
	t.Helper()
	m, err := openc2.DecodeMessage([]byte(`{"headers":{"request_id":"r-1"},"body":{"openc2":{"request":` + cmd + `}}}`))
	if err != nil {
		t.Fatal(err)
	}
	out := c.Handle(t.Context(), m)
	if out.Headers.RequestID != "r-1" {
		t.Errorf("request_id = %q", out.Headers.RequestID)
	}
	b, err := openc2.EncodeResponse(out.Response)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConsumerThroughHost(t *testing.T) {
	h := newHost(t)
	acts := actuators.New(h)
	if got := acts.Actuators(); len(got) != 2 || got[0].Ref != "basics/echo" || got[1].Ref != "c-slpf-noop/noop" {
		t.Fatalf("actuators = %+v", got)
	}
	c, err := consumer.New(acts, consumer.Config{RateLimit: 6000})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tt := range []struct{ name, cmd, want string }{
		{"features", `{"action":"query","target":{"features":["versions","profiles","pairs","rate_limit"]}}`,
			`{"status":200,"results":{"pairs":{"allow":["ipv4_connection","ipv4_net","ipv6_connection","ipv6_net"],"cancel":["command"],"delete":["slpf:rule_number"],"deny":["ipv4_connection","ipv4_net","ipv6_connection","ipv6_net"],"query":["features"]},"profiles":["slpf","x-echo"],"rate_limit":6000,"versions":["1.0"]}}`},
		{"slpf rule", `{"action":"deny","target":{"ipv4_connection":{"dst_port":22,"protocol":"tcp"}},"args":{"slpf":{"insert_rule":40}},"actuator":{"slpf":{}}}`,
			`{"status":200,"results":{"slpf":{"rule_number":40}}}`},
		{"delete", `{"action":"delete","target":{"slpf:rule_number":40},"actuator":{"slpf":{"asset_id":"c-slpf-noop/noop"}}}`, `{"status":200}`},
		{"echo", `{"action":"allow","target":{"ipv4_net":"10.0.0.1"},"actuator":{"x-echo":{}}}`,
			`{"status":200,"results":{"x-echo":{"action":"allow","target":{"ipv4_net":"10.0.0.1"}}}}`},
		// The consumer's next number: 41 went to the echo's allow, which
		// created no rule, and numbers are not handed out twice. The
		// component's own number (1) stays behind it.
		{"rule number of the consumer", `{"action":"allow","target":{"ipv4_net":"10.0.0.1"},"actuator":{"slpf":{"asset_id":"c-slpf-noop/noop"}},"args":{"response_requested":"complete"}}`,
			`{"status":200,"results":{"slpf":{"rule_number":42}}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := handle(t, c, tt.cmd); got != tt.want {
				t.Errorf("response\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// calls returns how many calls the plugin name has answered.
func calls(h *host.Host, name string) uint64 {
	for _, p := range h.Plugins() {
		if p.Name == name {
			return p.Calls
		}
	}
	return 0
}

// TestScheduledDeleteThroughHost creates a rule for 300 ms and waits for
// the consumer to delete it through the plugin.
func TestScheduledDeleteThroughHost(t *testing.T) {
	h := newHost(t)
	st, err := store.Open(filepath.Join(t.TempDir(), "openc2.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := consumer.New(actuators.New(h), consumer.Config{Store: st.Namespace("schedule"), Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	got := handle(t, c, `{"action":"allow","target":{"ipv6_net":"2001:db8::/32"},"args":{"duration":300,"slpf":{"insert_rule":5}},"actuator":{"slpf":{}}}`)
	if want := `{"status":200,"results":{"slpf":{"rule_number":5}}}`; got != want {
		t.Fatalf("response %s, want %s", got, want)
	}
	if keys, _ := st.Namespace("schedule").List([]byte("job/")); len(keys) != 1 {
		t.Fatalf("store holds %q, want the delete", keys)
	}
	deadline := time.Now().Add(10 * time.Second)
	for jobs, _ := st.Namespace("schedule").List([]byte("job/")); calls(h, "c-slpf-noop") < 2 || len(jobs) > 0; jobs, _ = st.Namespace("schedule").List([]byte("job/")) {
		if time.Now().After(deadline) {
			t.Fatal("the rule was not deleted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.Close()
	for _, prefix := range []string{"job/", "rule/"} {
		if keys, _ := st.Namespace("schedule").List([]byte(prefix)); len(keys) != 0 {
			t.Errorf("store still holds %q", keys)
		}
	}
}
