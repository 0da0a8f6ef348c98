package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/gatehouse/gatehouse/openc2"
)

// fakeActuators is a set of actuator components whose replies come from a
// function; it records every call.
type fakeActuators struct {
	list  []Actuator
	reply func(ref string, req ActuateRequest) (openc2.GenericResponse, error)

	mu    sync.Mutex
	calls []call
}

type call struct {
	Ref string
	Req ActuateRequest
}

func (f *fakeActuators) Actuators() []Actuator { return f.list }

func (f *fakeActuators) Actuate(_ context.Context, ref string, req ActuateRequest) (openc2.GenericResponse, error) {
	f.mu.Lock()
	f.calls = append(f.calls, call{ref, req})
	f.mu.Unlock()
	if f.reply == nil {
		return openc2.GenericResponse{Status: 200}, nil
	}
	return f.reply(ref, req)
}

func (f *fakeActuators) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// The components of most tests: an SLPF firewall that deletes its rules,
// a second one without delete, and an x-echo component.
var (
	fw1 = Actuator{Ref: "slpf-nft/filter", Profiles: []string{"slpf"}, Pairs: map[string][]string{
		"allow": {"ipv4_net", "ipv4_connection"}, "deny": {"ipv4_net", "ipv4_connection"}, "delete": {"slpf:rule_number"}}}
	fw2 = Actuator{Ref: "slpf-ipt/filter", Profiles: []string{"slpf"}, Pairs: map[string][]string{
		"deny": {"ipv4_net", "ipv6_net"}}}
	echo = Actuator{Ref: "basics/echo", Profiles: []string{"x-echo", "not a profile"}, Pairs: map[string][]string{
		"query": {"features"}, "deny": {"ipv4_net"}, "jump": {"ipv4_net"}, "allow": {"ip_addr"}}}
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var epoch = time.UnixMilli(1_800_000_000_000)

func newTestConsumer(t *testing.T, acts Actuators, cfg Config) (*Consumer, *clock) {
	t.Helper()
	clk := &clock{t: epoch}
	if cfg.Now == nil {
		cfg.Now = clk.now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	}
	c, err := New(acts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, clk
}

// message decodes the command JSON with the headers into a message whose
// request_id is r-1.
func message(t testing.TB, cmd string) *openc2.Message {
	t.Helper()
	return messageID(t, "r-1", cmd)
}

// messageID decodes the command JSON into a message with the request_id id.
func messageID(t testing.TB, id, cmd string) *openc2.Message {
	t.Helper()
	m, err := openc2.DecodeMessage([]byte(`{"headers":{"request_id":"` + id + `","from":"producer.example"},"body":{"openc2":{"request":` + cmd + `}}}`))
	if err != nil {
		t.Fatalf("command %s: %v", cmd, err)
	}
	return m
}

// encode returns the response of m as JSON.
func encode(t *testing.T, m *openc2.Message) string {
	t.Helper()
	if m == nil {
		return "<none>"
	}
	b, err := openc2.EncodeResponse(m.Response)
	if err != nil {
		t.Fatalf("response %+v: %v", m.Response, err)
	}
	return string(b)
}

func TestHandle(t *testing.T) {
	plugin := func(code ErrorCode) func(string, ActuateRequest) (openc2.GenericResponse, error) {
		return func(ref string, _ ActuateRequest) (openc2.GenericResponse, error) {
			return openc2.GenericResponse{}, fmt.Errorf("plugin %s: %w", ref, &ActuatorError{Code: code, Err: fmt.Errorf("%s: it says no", code)})
		}
	}
	for _, tt := range []struct {
		name  string
		acts  []Actuator
		cfg   Config
		reply func(string, ActuateRequest) (openc2.GenericResponse, error)
		cmd   string
		want  string   // the response
		refs  []string // the components called
	}{
		{name: "heartbeat", cmd: `{"action":"query","target":{"features":[]}}`, want: `{"status":200}`},
		{name: "features", cfg: Config{RateLimit: 120},
			cmd:  `{"action":"query","target":{"features":["versions","profiles","pairs","rate_limit"]}}`,
			want: `{"status":200,"results":{"pairs":{"allow":["ipv4_connection","ipv4_net"],"cancel":["command"],"delete":["slpf:rule_number"],"deny":["ipv4_connection","ipv4_net","ipv6_net"],"query":["features"]},"profiles":["slpf","x-echo"],"rate_limit":120,"versions":["1.0"]}}`},
		{name: "features without rate limit", cmd: `{"action":"query","target":{"features":["rate_limit"]}}`, want: `{"status":200}`},
		{name: "features of one actuator", cmd: `{"action":"query","target":{"features":["pairs"]},"actuator":{"slpf":{"asset_id":"slpf-ipt/filter"}}}`,
			want: `{"status":200,"results":{"pairs":{"deny":["ipv4_net","ipv6_net"],"query":["features"]}}}`},
		{name: "features of no actuator", cmd: `{"action":"query","target":{"features":["pairs"]},"actuator":{"x-lock":{}}}`,
			want: `{"status":404,"status_text":"no x-lock actuator matches the command's actuator"}`},
		{name: "features complete", cmd: `{"action":"query","target":{"features":[]},"args":{"response_requested":"complete"}}`, want: `{"status":200}`},
		{name: "features with start_time", cmd: `{"action":"query","target":{"features":[]},"args":{"start_time":1}}`,
			want: `{"status":400,"status_text":"args: query features takes no argument but response_requested complete (LS v1.0 section 4.1)"}`},
		{name: "features with ack", cmd: `{"action":"query","target":{"features":[]},"args":{"response_requested":"ack"}}`,
			want: `{"status":400,"status_text":"args: query features takes no argument but response_requested complete (LS v1.0 section 4.1)"}`},
		{name: "every actuator with the pair", cmd: `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"}}`,
			want: `{"status":200}`, refs: []string{"basics/echo", "slpf-ipt/filter", "slpf-nft/filter"}},
		{name: "by profile", cmd: `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"},"actuator":{"slpf":{}}}`,
			want: `{"status":200}`, refs: []string{"slpf-ipt/filter", "slpf-nft/filter"}},
		{name: "by asset_id", cmd: `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"},"actuator":{"slpf":{"asset_id":"slpf-nft/filter"}}}`,
			want: `{"status":200}`, refs: []string{"slpf-nft/filter"}},
		{name: "by configured specifiers", cfg: Config{Specifiers: map[string]map[string]any{
			"slpf-ipt/filter": {"hostname": "fw2", "named_group": "edge"}, "slpf-nft/filter": {"hostname": "fw1", "named_group": "edge"}}},
			cmd:  `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"},"actuator":{"slpf":{"hostname":"fw2","named_group":"edge"}}}`,
			want: `{"status":200}`, refs: []string{"slpf-ipt/filter"}},
		{name: "by asset tuple", cfg: Config{Specifiers: map[string]map[string]any{"slpf-ipt/filter": {"asset_tuple": []string{"a", "b"}}}},
			cmd:  `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"},"actuator":{"slpf":{"asset_tuple":["a","b"]}}}`,
			want: `{"status":200}`, refs: []string{"slpf-ipt/filter"}},
		{name: "no match for specifiers", cmd: `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"},"actuator":{"slpf":{"hostname":"fw9"}}}`,
			want: `{"status":404,"status_text":"no slpf actuator matches the specifiers {\"hostname\":\"fw9\"}"}`},
		{name: "unknown profile", cmd: `{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"},"actuator":{"x-lock":{"id":"a"}}}`,
			want: `{"status":404,"status_text":"no actuator implements profile x-lock"}`},
		{name: "no pair", cmd: `{"action":"contain","target":{"ipv4_net":"10.0.0.0/8"}}`,
			want: `{"status":501,"status_text":"no actuator supports contain ipv4_net"}`},
		{name: "no pair for profile", cmd: `{"action":"allow","target":{"ipv6_net":"::1"},"actuator":{"slpf":{}}}`,
			want: `{"status":501,"status_text":"no actuator supports allow ipv6_net for profile slpf"}`},
		{name: "no actuator at all", acts: []Actuator{}, cmd: `{"action":"deny","target":{"ipv4_net":"10.0.0.1"}}`,
			want: `{"status":501,"status_text":"no actuator supports deny ipv4_net"}`},
		{name: "results", reply: func(string, ActuateRequest) (openc2.GenericResponse, error) {
			return openc2.GenericResponse{Status: 200, StatusText: "done", Results: map[string]any{"slpf": map[string]any{"rule_number": int64(7)}}}, nil
		}, cmd: `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"actuator":{"slpf":{"asset_id":"slpf-nft/filter"}}}`,
			want: `{"status":200,"status_text":"done","results":{"slpf":{"rule_number":1}}}`, refs: []string{"slpf-nft/filter"}},
		{name: "results merged", reply: func(ref string, _ ActuateRequest) (openc2.GenericResponse, error) {
			return openc2.GenericResponse{Status: 200, Results: map[string]any{"slpf": map[string]any{"rule_number": ruleOf(ref)}, "x-acme": map[string]any{"ok": true}}}, nil
		}, cmd: `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"actuator":{"slpf":{}}}`,
			want: `{"status":200,"results":{"slpf":{"rule_number":1},"x-acme":{"ok":true}}}`, refs: []string{"slpf-ipt/filter", "slpf-nft/filter"}},
		{name: "one of several fails", reply: func(ref string, req ActuateRequest) (openc2.GenericResponse, error) {
			if ref == "slpf-ipt/filter" {
				return plugin(CodeUnavailable)(ref, req)
			}
			return openc2.GenericResponse{Status: 200}, nil
		}, cmd: `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"actuator":{"slpf":{}}}`,
			want: `{"status":503,"status_text":"slpf-ipt/filter: 503 plugin slpf-ipt/filter: unavailable: it says no"}`, refs: []string{"slpf-ipt/filter", "slpf-nft/filter"}},
		{name: "invalid_request", reply: plugin(CodeInvalidRequest), cmd: `{"action":"allow","target":{"ipv4_net":"10.0.0.1"}}`,
			want: `{"status":400,"status_text":"plugin slpf-nft/filter: invalid_request: it says no"}`, refs: []string{"slpf-nft/filter"}},
		{name: "denied", reply: plugin(CodeDenied), cmd: `{"action":"allow","target":{"ipv4_net":"10.0.0.1"}}`,
			want: `{"status":403,"status_text":"plugin slpf-nft/filter: denied: it says no"}`, refs: []string{"slpf-nft/filter"}},
		{name: "not_found", reply: plugin(CodeNotFound), cmd: `{"action":"allow","target":{"ipv4_net":"10.0.0.1"}}`,
			want: `{"status":404,"status_text":"plugin slpf-nft/filter: not_found: it says no"}`, refs: []string{"slpf-nft/filter"}},
		{name: "unsupported", reply: plugin(CodeUnsupported), cmd: `{"action":"allow","target":{"ipv4_net":"10.0.0.1"}}`,
			want: `{"status":501,"status_text":"plugin slpf-nft/filter: unsupported: it says no"}`, refs: []string{"slpf-nft/filter"}},
		{name: "host code", reply: plugin("trap"), cmd: `{"action":"allow","target":{"ipv4_net":"10.0.0.1"}}`,
			want: `{"status":500,"status_text":"plugin slpf-nft/filter: trap: it says no"}`, refs: []string{"slpf-nft/filter"}},
		{name: "plain error", reply: func(string, ActuateRequest) (openc2.GenericResponse, error) {
			return openc2.GenericResponse{}, errors.New("boom")
		},
			cmd: `{"action":"allow","target":{"ipv4_net":"10.0.0.1"}}`, want: `{"status":500,"status_text":"boom"}`, refs: []string{"slpf-nft/filter"}},
		{name: "status outside LS", reply: func(string, ActuateRequest) (openc2.GenericResponse, error) {
			return openc2.GenericResponse{Status: 201}, nil
		},
			cmd:  `{"action":"allow","target":{"ipv4_net":"10.0.0.1"}}`,
			want: `{"status":500,"status_text":"actuator slpf-nft/filter answered a response that is not LS v1.0: status: 201: not a status code of LS v1.0 (102, 200, 400, 401, 403, 404, 500, 501, 503)"}`, refs: []string{"slpf-nft/filter"}},
		{name: "results outside LS", reply: func(string, ActuateRequest) (openc2.GenericResponse, error) {
			return openc2.GenericResponse{Status: 200, Results: map[string]any{"colour": "red"}}, nil
		}, cmd: `{"action":"allow","target":{"ipv4_net":"10.0.0.1"}}`,
			want: `{"status":500,"status_text":"actuator slpf-nft/filter answered a response that is not LS v1.0: results.colour: unknown result: \"colour\": not a namespace identifier (a registered profile or \"x-\" followed by letters, digits and underscores)"}`, refs: []string{"slpf-nft/filter"}},
		{name: "insert_rule complete", cmd: `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"slpf":{"insert_rule":3}},"actuator":{"slpf":{"asset_id":"slpf-nft/filter"}}}`,
			want: `{"status":200}`, refs: []string{"slpf-nft/filter"}},
		{name: "insert_rule ack", cmd: `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"response_requested":"ack","slpf":{"insert_rule":3}}}`,
			want: `{"status":400,"status_text":"args.slpf.insert_rule: needs response_requested complete, got ack (SLPF v1.0 section 2.3.1)"}`},
		{name: "drop_process on allow", cmd: `{"action":"allow","target":{"ipv4_net":"10.0.0.1"},"args":{"slpf":{"drop_process":"reject"}}}`,
			want: `{"status":400,"status_text":"args.slpf.drop_process: applies to deny only (SLPF v1.0 Table 2.3-2)"}`},
		{name: "slpf args on delete", cmd: `{"action":"delete","target":{"slpf:rule_number":3},"args":{"slpf":{"direction":"both"}}}`,
			want: `{"status":400,"status_text":"args.slpf: the slpf arguments apply to allow and deny only (SLPF v1.0 Table 2.3-2)"}`},
		{name: "delete with duration", cmd: `{"action":"delete","target":{"slpf:rule_number":3},"args":{"duration":5}}`,
			want: `{"status":400,"status_text":"args: delete slpf:rule_number takes no argument but response_requested and start_time (SLPF v1.0 section 2.3.4.1)"}`},
		{name: "duration on contain", cmd: `{"action":"contain","target":{"ipv4_net":"10.0.0.1"},"args":{"duration":5}}`,
			want: `{"status":400,"status_text":"args: stop_time and duration apply to allow and deny only; the consumer ends a command by deleting its rule (SLPF v1.0 Table 2.3-2)"}`},
		{name: "delete of a number not in use", cmd: `{"action":"delete","target":{"slpf:rule_number":3},"args":{"response_requested":"complete"}}`,
			want: `{"status":500,"status_text":"firewall rule not removed or updated: no rule number 3"}`},
		{name: "stop without delete", cmd: `{"action":"deny","target":{"ipv6_net":"::1"},"args":{"duration":5000}}`,
			want: `{"status":501,"status_text":"actuator slpf-ipt/filter cannot end a command at stop_time: it does not support delete slpf:rule_number"}`},
		{name: "stop passed", cmd: fmt.Sprintf(`{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"stop_time":%d}}`, epoch.UnixMilli()),
			want: `{"status":400,"status_text":"args: the command would end at 2027-01-15T08:00:00Z, which has passed"}`},
		{name: "stop without rule number", cmd: `{"action":"allow","target":{"ipv4_net":"10.0.0.1"},"args":{"duration":5000}}`,
			want: `{"status":500,"status_text":"actuator slpf-nft/filter carried the command out but returned no slpf rule_number, so it cannot be ended at 2027-01-15T08:00:05Z"}`, refs: []string{"slpf-nft/filter"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			acts := &fakeActuators{list: tt.acts, reply: tt.reply}
			if acts.list == nil {
				acts.list = []Actuator{echo, fw1, fw2}
			}
			c, _ := newTestConsumer(t, acts, tt.cfg)
			in := message(t, tt.cmd)
			before := encodeMessage(t, in)
			got := c.Handle(context.Background(), in)
			if encodeMessage(t, in) != before {
				t.Error("the command message was modified")
			}
			if s := encode(t, got); s != tt.want {
				t.Errorf("response\n got %s\nwant %s", s, tt.want)
			}
			var refs []string
			for _, cl := range acts.recorded() {
				refs = append(refs, cl.Ref)
			}
			slices.Sort(refs)
			if !slices.Equal(refs, tt.refs) {
				t.Errorf("called %v, want %v", refs, tt.refs)
			}
		})
	}
}

// ruleOf returns a rule number that differs between the two firewalls.
func ruleOf(ref string) int64 {
	if strings.Contains(ref, "nft") {
		return 1
	}
	return 2
}

func encodeMessage(t *testing.T, m *openc2.Message) string {
	t.Helper()
	b, err := openc2.EncodeMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandleRequest(t *testing.T) {
	acts := &fakeActuators{list: []Actuator{fw1}}
	c, _ := newTestConsumer(t, acts, Config{ID: "consumer.example"})
	got := c.Handle(context.Background(), message(t, `{"action":"deny","target":{"ipv4_connection":{"dst_port":443,"protocol":"tcp"}},"args":{"slpf":{"direction":"ingress"}},"actuator":{"slpf":{"asset_id":"slpf-nft/filter"}}}`))
	want := openc2.Headers{RequestID: "r-1", Created: epoch.UnixMilli(), From: "consumer.example", To: []string{"producer.example"}}
	if !reflect.DeepEqual(*got.Headers, want) {
		t.Errorf("response headers = %+v, want %+v", *got.Headers, want)
	}
	calls := acts.recorded()
	if len(calls) != 1 {
		t.Fatalf("calls = %+v", calls)
	}
	wantReq := ActuateRequest{
		Command: openc2.GenericCommand{
			Action:    "deny",
			Target:    map[string]any{"ipv4_connection": map[string]any{"dst_port": int64(443), "protocol": "tcp"}},
			Args:      map[string]any{"slpf": map[string]any{"direction": "ingress"}},
			Actuator:  map[string]any{"slpf": map[string]any{"asset_id": "slpf-nft/filter"}},
			CommandID: "r-1",
		},
		Headers:    openc2.Headers{RequestID: "r-1", From: "producer.example"},
		Profile:    "slpf",
		Specifiers: map[string]any{"asset_id": "slpf-nft/filter"},
	}
	if !reflect.DeepEqual(calls[0].Req, wantReq) {
		t.Errorf("request\n got %#v\nwant %#v", calls[0].Req, wantReq)
	}

	// A message without a command, and a command_id of the command's own.
	if r := encode(t, c.Handle(context.Background(), &openc2.Message{Response: &openc2.Response{Status: 200}})); r != `{"status":400,"status_text":"the message holds no command"}` {
		t.Errorf("response to a response = %s", r)
	}
	c.Handle(context.Background(), message(t, `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"command_id":"c-9"}`))
	if calls := acts.recorded(); calls[1].Req.Command.CommandID != "c-9" {
		t.Errorf("command_id = %q, want c-9", calls[1].Req.Command.CommandID)
	}
}

// blockingActuators answers only when released, to show which responses
// come before the command is carried out.
func blockingActuators() (*fakeActuators, chan struct{}, chan string) {
	release, started := make(chan struct{}), make(chan string, 10)
	acts := &fakeActuators{list: []Actuator{fw1}}
	acts.reply = func(ref string, req ActuateRequest) (openc2.GenericResponse, error) {
		started <- req.Command.Action
		<-release
		return openc2.GenericResponse{Status: 200}, nil
	}
	return acts, release, started
}

func TestResponseRequested(t *testing.T) {
	for _, tt := range []struct {
		rr, cmd, want string
	}{
		{"ack", `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"response_requested":"ack"}}`, `{"status":102}`},
		{"ack before routing", `{"action":"scan","target":{"ipv4_net":"10.0.0.1"},"args":{"response_requested":"ack"}}`, `{"status":102}`},
		{"status", `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"response_requested":"status"}}`, `{"status":102}`},
		{"status after routing", `{"action":"scan","target":{"ipv4_net":"10.0.0.1"},"args":{"response_requested":"status"}}`, `{"status":501,"status_text":"no actuator supports scan ipv4_net"}`},
		{"none", `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"response_requested":"none"}}`, `<none>`},
	} {
		t.Run(tt.rr, func(t *testing.T) {
			acts, release, started := blockingActuators()
			c, _ := newTestConsumer(t, acts, Config{})
			// The response comes while the actuator is still blocked.
			if got := encode(t, c.Handle(context.Background(), message(t, tt.cmd))); got != tt.want {
				t.Errorf("response = %s, want %s", got, tt.want)
			}
			if !strings.Contains(tt.cmd, "scan") {
				if a := <-started; a != "deny" {
					t.Errorf("actuator got %s", a)
				}
			}
			close(release)
			c.Close() // waits for the background work
			if n := len(acts.recorded()); n != 1 && !strings.Contains(tt.cmd, "scan") {
				t.Errorf("%d calls, want 1", n)
			}
		})
	}
}

func TestRateLimit(t *testing.T) {
	acts := &fakeActuators{list: []Actuator{fw1}}
	c, _ := newTestConsumer(t, acts, Config{RateLimit: 60})
	cmd := `{"action":"deny","target":{"ipv4_net":"10.0.0.1"}}`
	if got := encode(t, c.Handle(context.Background(), message(t, cmd))); got != `{"status":200}` {
		t.Fatalf("first = %s", got)
	}
	if got := encode(t, c.Handle(context.Background(), message(t, cmd))); got != `{"status":503,"status_text":"rate limit of 60 commands per minute exceeded; retry later"}` {
		t.Fatalf("second = %s", got)
	}
	if len(acts.recorded()) != 1 {
		t.Errorf("the refused command reached the actuator")
	}
	if _, err := New(acts, Config{RateLimit: -1}); err == nil || err.Error() != "rate limit -1 is negative" {
		t.Errorf("negative rate limit: %v", err)
	}
}

// requestKey keys a value of a request's context in tests.
type requestKey struct{}

// valueActuators sends the requestKey value of each call's context on got.
type valueActuators struct {
	fakeActuators
	got chan any
}

func (v *valueActuators) Actuate(ctx context.Context, ref string, req ActuateRequest) (openc2.GenericResponse, error) {
	v.got <- ctx.Value(requestKey{})
	return v.fakeActuators.Actuate(ctx, ref, req)
}

// TestBackgroundKeepsRequestValues carries out a command acknowledged at
// once: its work sees the values of the request's context, such as the
// trace it belongs to, and goes on after the request ended.
func TestBackgroundKeepsRequestValues(t *testing.T) {
	acts := &valueActuators{fakeActuators: fakeActuators{list: []Actuator{fw1}}, got: make(chan any, 1)}
	c, _ := newTestConsumer(t, acts, Config{Registerer: prometheus.NewRegistry()})
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), requestKey{}, "request-1"))
	c.Handle(ctx, message(t, `{"action":"deny","target":{"ipv4_net":"10.0.0.1"},"args":{"response_requested":"ack"}}`))
	cancel() // the request ends with its answer
	if got := <-acts.got; got != "request-1" {
		t.Errorf("the work's context holds %v, want the request's value", got)
	}
	c.Close()
	if n := testutil.ToFloat64(c.history.metrics.commands.WithLabelValues("deny", "200")); n != 1 {
		t.Errorf("%v commands deny 200, want the work done after the request ended", n)
	}
}
