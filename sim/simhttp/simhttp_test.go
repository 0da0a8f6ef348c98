package simhttp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/sim/simhttp"
	"github.com/gatehouse/gatehouse/sim/simulate"
)

const building = `
connections {
  hall -> office { key: mlog (0%, 1) }
  office -> vault { *: m }
  hall -> yard { *: m }
}
possessibles { credential key at hall; }
actors {
  eve { at hall; goals vault; }
  bob { at yard; }
}`

// event is one server-sent event.
type event struct {
	name string
	data string
}

// post sends req to the server at url and returns the response.
func post(t *testing.T, ctx context.Context, url string, req any) *http.Response {
	t.Helper()
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/sim/runs", strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// events reads the events of a stream as they come and sends them on a
// channel, closed at the end of the stream.
func events(body io.Reader) <-chan event {
	ch := make(chan event)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(body)
		var e event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				ch <- e
				e = event{}
			case strings.HasPrefix(line, "event: "):
				e.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return ch
}

func newServer(t *testing.T, opts simhttp.Options) string {
	t.Helper()
	return newServerWith(t, opts, nil)
}

// newServerWith is newServer whose http.Server configure changes before it
// starts, when it is not nil.
func newServerWith(t *testing.T, opts simhttp.Options, configure func(*http.Server)) string {
	t.Helper()
	e := echo.New()
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	simhttp.Register(e, opts)
	srv := httptest.NewUnstartedServer(e)
	if configure != nil {
		configure(srv.Config)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestStreamsARun(t *testing.T) {
	url := newServer(t, simhttp.Options{})
	resp := post(t, t.Context(), url, simhttp.Request{Model: building, Seed: 3, Ticks: 10, Agents: []string{"*=random", "eve=shortest"}})
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var names []string
	var steps []simulate.Step
	var end simulate.Result
	for e := range events(resp.Body) {
		names = append(names, e.name)
		var err error
		switch e.name {
		case "start":
			if e.data != `{"seed":3,"ticks":10,"agents":{"bob":"random","eve":"shortest"}}` {
				t.Errorf("start data = %s", e.data)
			}
		case "step":
			var st simulate.Step
			err = json.Unmarshal([]byte(e.data), &st)
			steps = append(steps, st)
		case "goals":
			if e.data != `{"tick":2,"actor":"eve"}` {
				t.Errorf("goals data = %s", e.data)
			}
		case "end":
			err = json.Unmarshal([]byte(e.data), &end)
		default:
			t.Errorf("event %q: %s", e.name, e.data)
		}
		if err != nil {
			t.Errorf("event %s: %v", e.name, err)
		}
	}
	// eve takes the key, moves to the office and on to the vault: goals
	// met at tick 2, which ends the run.
	if names[0] != "start" || names[len(names)-1] != "end" || names[len(names)-2] != "goals" {
		t.Errorf("events %q", names)
	}
	if end.Reason != simulate.ReasonGoals || end.Ticks != 3 || int(end.Steps) != len(steps) {
		t.Errorf("end = %+v with %d steps", end, len(steps))
	}
	if steps[0].Actor != "bob" || steps[1].Actor != "eve" || steps[1].Action != simulate.KindTake || steps[1].Outcome != simulate.OK {
		t.Errorf("steps = %+v", steps)
	}
}

func TestRefusesBadRequests(t *testing.T) {
	url := newServer(t, simhttp.Options{MaxModelBytes: 1000, MaxTicks: 50})
	for _, tt := range []struct {
		name   string
		req    any
		status int
		msg    string
	}{
		{"parse error", simhttp.Request{Model: "actors {\n  eve { at ; }\n}"}, 400, `model: 2:12: expected a location, found ";"`},
		{"unknown location", simhttp.Request{Model: "locations { a; b; }\nactors { eve { at c; } }"}, 400, `model: 2:19: unknown location "c"`},
		{"no model", map[string]any{"seed": 3}, 400, "model: required"},
		{"model too large", simhttp.Request{Model: strings.Repeat("locations { a; }\n", 100)}, 413, "exceeds the limit of 1000"},
		{"too many ticks", simhttp.Request{Model: building, Ticks: 51}, 400, "ticks 51: want 1 to 50"},
		{"unknown actor", simhttp.Request{Model: building, Agents: []string{"zed=random"}}, 400, `the model has no actor "zed"`},
		{"bad agent", simhttp.Request{Model: building, Agents: []string{"eve"}}, 400, "want ACTOR=AGENT"},
		{"plugin agent without plugins", simhttp.Request{Model: building, Agents: []string{"eve=greedy"}}, 400, `agent "greedy" is not built in`},
		{"bad conflicts", simhttp.Request{Model: building, Conflicts: "coin"}, 400, "want random, fail or priority"},
		{"unknown field", map[string]any{"model": building, "tick": 3}, 400, `unknown field "tick"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := post(t, t.Context(), url, tt.req)
			defer resp.Body.Close()
			var p struct{ Message string }
			err := json.NewDecoder(resp.Body).Decode(&p)
			if err != nil || resp.StatusCode != tt.status || !strings.Contains(p.Message, tt.msg) {
				t.Errorf("status %d, message %q (%v); want %d with %q", resp.StatusCode, p.Message, err, tt.status, tt.msg)
			}
		})
	}
	resp, err := http.Post(url+"/v1/sim/runs", "text/plain", strings.NewReader(building))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: status %d", resp.StatusCode)
	}
}

// waiter is the agent of a plugin that waits one tick after the other,
// counting its calls, and tells when it is closed.
type waiter struct {
	acts   atomic.Int64
	closed chan struct{}
}

func (w *waiter) Reset(context.Context, simulate.Start) error { return nil }

func (w *waiter) Act(context.Context, simulate.Observation) (simulate.Action, error) {
	w.acts.Add(1)
	return simulate.Action{Kind: simulate.KindWait}, nil
}

// TestStopsWhenTheClientGoes runs a plugin agent for as many ticks as the
// server allows, and checks that the run stops, closing its session,
// when the client goes away after a few events.
func TestStopsWhenTheClientGoes(t *testing.T) {
	w := &waiter{closed: make(chan struct{})}
	url := newServer(t, simhttp.Options{MaxTicks: 1 << 40, Agents: func(_ context.Context, name string) (func() simulate.Agent, func(), error) {
		if name != "waiter" {
			return nil, nil, errors.New("no such agent")
		}
		return func() simulate.Agent { return w }, func() { close(w.closed) }, nil
	}})
	ctx, cancel := context.WithCancel(t.Context())
	resp := post(t, ctx, url, simhttp.Request{Model: building, Ticks: 1 << 40, Agents: []string{"*=waiter"}})
	n := 0
	for range events(resp.Body) {
		if n++; n == 5 {
			break
		}
	}
	cancel()
	resp.Body.Close()
	select {
	case <-w.closed:
	case <-time.After(time.Minute):
		t.Fatalf("the run goes on after the client left: %d acts", w.acts.Load())
	}
	if n := w.acts.Load(); n >= 1<<40 {
		t.Errorf("the run lasted all its ticks")
	}
}

// failing is the agent of a plugin that fails at its second act: the
// act of the second actor in the first tick, before any step is played.
type failing struct{ acts int }

func (f *failing) Reset(context.Context, simulate.Start) error { return nil }

func (f *failing) Act(context.Context, simulate.Observation) (simulate.Action, error) {
	if f.acts++; f.acts == 2 {
		return simulate.Action{}, errors.New("plugin trapped")
	}
	return simulate.Action{Kind: simulate.KindWait}, nil
}

// TestReportsAFailedRun checks that a run whose agent fails after the
// stream started ends with an error event.
func TestReportsAFailedRun(t *testing.T) {
	observed := make(chan string, 1)
	url := newServer(t, simhttp.Options{Agents: func(context.Context, string) (func() simulate.Agent, func(), error) {
		f := &failing{}
		return func() simulate.Agent { return f }, func() {}, nil
	}, Observe: func(outcome string, _ time.Duration) { observed <- outcome }})
	resp := post(t, t.Context(), url, simhttp.Request{Model: building, Agents: []string{"*=failing"}})
	defer resp.Body.Close()
	var names []string
	var last event
	for e := range events(resp.Body) {
		names = append(names, e.name)
		last = e
	}
	if strings.Join(names, " ") != "start error" || !strings.Contains(last.data, `"code":"run_failed"`) || !strings.Contains(last.data, "plugin trapped") {
		t.Errorf("events %q, the last %s", names, last.data)
	}
	if got := <-observed; got != simhttp.OutcomeFailed {
		t.Errorf("observed outcome %q, want %q", got, simhttp.OutcomeFailed)
	}
}

// TestLimitsRunsAtOnce holds one run going on a server that allows one,
// and checks that a second is refused until the first ends.
func TestLimitsRunsAtOnce(t *testing.T) {
	w := &waiter{closed: make(chan struct{})}
	url := newServer(t, simhttp.Options{MaxRuns: 1, MaxTicks: 1 << 40, Agents: func(context.Context, string) (func() simulate.Agent, func(), error) {
		return func() simulate.Agent { return w }, func() { close(w.closed) }, nil
	}})
	ctx, cancel := context.WithCancel(t.Context())
	resp := post(t, ctx, url, simhttp.Request{Model: building, Ticks: 1 << 40, Agents: []string{"*=waiter"}})
	<-events(resp.Body) // the run started
	second := post(t, t.Context(), url, simhttp.Request{Model: building, Ticks: 5})
	second.Body.Close()
	if second.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a second run at once: status %d", second.StatusCode)
	}
	cancel()
	resp.Body.Close()
	<-w.closed
	for range 1000 { // the handler returns just after the session closes
		third := post(t, t.Context(), url, simhttp.Request{Model: building, Ticks: 5})
		third.Body.Close()
		if third.StatusCode == http.StatusOK {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("no run is allowed after the first ended")
}

// TestStreamOutlivesServerTimeouts checks that the server's read and write
// timeouts, which bound ordinary requests, do not cut a run whose client
// reads.
func TestStreamOutlivesServerTimeouts(t *testing.T) {
	const writeTimeout = 300 * time.Millisecond
	w := &waiter{closed: make(chan struct{})}
	url := newServerWith(t, simhttp.Options{MaxTicks: 1 << 40, Agents: func(context.Context, string) (func() simulate.Agent, func(), error) {
		return func() simulate.Agent { return w }, func() { close(w.closed) }, nil
	}}, func(s *http.Server) { s.ReadTimeout, s.WriteTimeout = writeTimeout, writeTimeout })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	resp := post(t, ctx, url, simhttp.Request{Model: building, Ticks: 1 << 40, Agents: []string{"*=waiter"}})
	defer resp.Body.Close()
	start := time.Now()
	for range events(resp.Body) {
		if time.Since(start) > 5*writeTimeout {
			return
		}
	}
	t.Errorf("the stream ended after %s, with the read and write timeouts of %s", time.Since(start), writeTimeout)
}

// bigModel returns a model of n actors wandering between two rooms, whose
// goal, the vault, no connection reaches: a run lasts all its ticks.
func bigModel(n int) string {
	var b strings.Builder
	b.WriteString("connections {\n  hall -> lab { *: m }\n  lab -> hall { *: m }\n  vault -> hall { *: m }\n}\nactors {\n")
	for i := range n {
		fmt.Fprintf(&b, "  a%d { at hall; goals vault; }\n", i)
	}
	b.WriteString("}\n")
	return b.String()
}

// dialRun opens a connection to the server at url and writes a request
// for a run of req, of which it sends only the first sent bytes of the
// body, or all of it when sent is negative. It does not read the answer.
func dialRun(t *testing.T, url string, req simhttp.Request, sent int) net.Conn {
	t.Helper()
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	length := len(body)
	if sent >= 0 { // the request claims more than the client sends
		body, length = body[:sent], 1<<20
	}
	head := fmt.Sprintf("POST /v1/sim/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", length)
	if _, err := io.WriteString(c, head+string(body)); err != nil {
		t.Fatal(err)
	}
	return c
}

// runsWithin posts a short run until one is not refused for want of a
// place, within a generous bound, and returns its status.
func runsWithin(t *testing.T, url string) int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp := post(t, t.Context(), url, simhttp.Request{Model: building, Ticks: 5})
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			return resp.StatusCode
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestHostileSimSlowRequests checks that clients that send their request
// slowly, or never read the run, do not keep others from running: a
// request holds a place only once it is read, and a run whose client
// stalls ends at sim.stall_timeout.
func TestHostileSimSlowRequests(t *testing.T) {
	t.Parallel()
	const runs = 2
	url := newServer(t, simhttp.Options{MaxRuns: runs, StallTimeout: 500 * time.Millisecond})
	for range 2 * runs {
		dialRun(t, url, simhttp.Request{Model: building}, 10)
	}
	if status := runsWithin(t, url); status != http.StatusOK {
		t.Fatalf("a run beside %d clients that send their requests slowly: status %d", 2*runs, status)
	}
	for range 2 * runs {
		dialRun(t, url, simhttp.Request{Model: bigModel(50), Ticks: simhttp.DefaultMaxTicks, Agents: []string{"*=random"}}, -1)
	}
	if status := runsWithin(t, url); status != http.StatusOK {
		t.Fatalf("a run beside %d clients that read none of their runs: status %d", 2*runs, status)
	}
}

// TestHostileSimBudgets runs a big model whose goals no actor can reach,
// and checks that it ends at its time or output budget with an error
// event that says so.
func TestHostileSimBudgets(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		opts    simhttp.Options
		says    string
		outcome string
	}{
		{"time", simhttp.Options{MaxRunTime: 500 * time.Millisecond, MaxOutputBytes: 1 << 40}, "time budget of 500ms (sim.max_run_time)", simhttp.OutcomeTimeBudget},
		{"output", simhttp.Options{MaxOutputBytes: 256 << 10}, "output budget of 262144 bytes of events (sim.max_output_bytes)", simhttp.OutcomeOutputBudget},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			observed := make(chan string, 1)
			tt.opts.Observe = func(outcome string, _ time.Duration) { observed <- outcome }
			url := newServer(t, tt.opts)
			resp := post(t, t.Context(), url, simhttp.Request{Model: bigModel(200), Ticks: simhttp.DefaultMaxTicks, Agents: []string{"*=random"}})
			defer resp.Body.Close()
			counted := &countingReader{r: resp.Body}
			var last event
			for e := range events(counted) {
				last = e
			}
			if last.name != "error" || !strings.Contains(last.data, `"code":"budget_exceeded"`) || !strings.Contains(last.data, tt.says) {
				t.Errorf("the last event: %s %s, want an error budget_exceeded saying %q", last.name, last.data, tt.says)
			}
			if tt.opts.MaxOutputBytes < 1<<40 && counted.n > tt.opts.MaxOutputBytes+64<<10 {
				t.Errorf("the run wrote %d bytes, well over its budget of %d", counted.n, tt.opts.MaxOutputBytes)
			}
			if got := <-observed; got != tt.outcome {
				t.Errorf("observed outcome %q, want %q", got, tt.outcome)
			}
		})
	}
}

// countingReader counts the bytes read from r.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
