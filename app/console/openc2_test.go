package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/app/console"
	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
)

// fakeConsumer answers each command 200 with rule number 3 and keeps
// what it handled and what was refused, with the command's origin.
type fakeConsumer struct {
	mu               sync.Mutex
	handled, refused []string
	origins          []consumer.Origin
}

func (f *fakeConsumer) Handle(ctx context.Context, msg *openc2.Message) *openc2.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handled = append(f.handled, string(msg.Request.Action)+" "+msg.Headers.From)
	f.origins = append(f.origins, *consumer.OriginOf(ctx))
	n := int64(3)
	return &openc2.Message{Headers: &openc2.Headers{RequestID: msg.Headers.RequestID},
		Response: &openc2.Response{Status: 200, Results: &openc2.Results{SLPF: &openc2.SLPFResults{RuleNumber: &n}}}}
}

func (f *fakeConsumer) Refused(ctx context.Context, msg *openc2.Message, resp *openc2.Response) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refused = append(f.refused, string(msg.Request.Action)+": "+resp.StatusText)
	f.origins = append(f.origins, *consumer.OriginOf(ctx))
}

// TestConsoleOpenC2Check asks the console, as the form's script does,
// about a command being typed: a valid one is named, a malformed one gets
// the codec's error with its JSON path; a check without the session's
// CSRF token is refused.
func TestConsoleOpenC2Check(t *testing.T) {
	b := serveWith(t, console.Options{Consumer: &fakeConsumer{}})
	_, page := b.do(t, http.MethodGet, "/ui/openc2", nil)
	token := csrf(t, page)
	for _, c := range []struct{ command, want string }{
		{`{"action": "deny", "target": {"ipv4_net": "198.51.100.0/24"}}`, `{"valid":true,"command":"deny ipv4_net 198.51.100.0/24"}`},
		{`{"action": "deny", "target": {"ipv4_net": "198.51.100.0/99"}}`, `{"valid":false,"path":"target.ipv4_net","message":"\"198.51.100.0/99\": prefix length 99 exceeds 32"}`},
		{`{"action": "deny", "target": {"ipv4_net": "198.51.100.0/24"}, "args": {"duration": -1}}`, `{"valid":false,"path":"args.duration",`},
		{`{"action": "deny"`, `{"valid":false,`},
		{``, `{"valid":false,"message":"write a command: a JSON object with action and target"}`},
	} {
		res, body := b.do(t, http.MethodPost, "/ui/openc2/check", url.Values{"command": {c.command}}, "X-CSRF-Token", token)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(body, c.want) {
			t.Errorf("check %s: %d %s, want %s", c.command, res.StatusCode, body, c.want)
		}
	}
	res, body := b.do(t, http.MethodPost, "/ui/openc2/check", url.Values{"command": {"{}"}})
	expect(t, res, body, http.StatusForbidden, "")
}

// TestConsoleOpenC2Send sends commands from the OpenC2 page's form: the
// authorization decides with the user and the browser's address, a command it refuses
// is recorded as refused and shows the refusal, one it allows goes to the
// consumer from the console and shows the response; a malformed command
// shows the codec's error with its path and reaches no one. The page
// lists the rules of each actuator.
func TestConsoleOpenC2Send(t *testing.T) {
	f := &fakeConsumer{}
	var addrs []string
	b := serveWith(t, console.Options{Consumer: f,
		Authorize: func(_ context.Context, u *console.User, msg *openc2.Message, remoteAddr string) error {
			addrs = append(addrs, u.Login+" "+remoteAddr)
			if msg.Request.Action == openc2.ActionAllow {
				return errors.New(`policy set "openc2": DENY`)
			}
			return nil
		},
		Rules: func() []consumer.HeldRule {
			return []consumer.HeldRule{
				{Number: 3, Command: json.RawMessage(`{"action":"deny","target":{"ipv4_net":"198.51.100.0/24"}}`),
					Rules: []consumer.Rule{{Actuator: "c-slpf-noop/noop", RuleNumber: 1}}, Start: 1_700_000_000_000, Stop: 1_700_000_600_000},
				{Number: 4, Command: json.RawMessage(`{"action":"allow","target":{"ipv4_net":"192.0.2.0/24"}}`),
					Rules: []consumer.Rule{{Actuator: "c-slpf-noop/noop"}}, Start: 1_700_001_000_000, Scheduled: true},
			}
		}})
	_, page := b.do(t, http.MethodGet, "/ui/openc2", nil)
	token := csrf(t, page)
	for _, want := range []string{`<h3 class="actuator">c-slpf-noop/noop</h3>`,
		"<td>3</td><td>1</td><td>deny ipv4_net 198.51.100.0/24</td><td>2023-11-14 22:13:20</td><td>2023-11-14 22:23:20</td><td>in effect</td>",
		"<td>4</td><td></td><td>allow ipv4_net 192.0.2.0/24</td><td>2023-11-14 22:30:00</td><td>never</td><td>scheduled</td>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the OpenC2 page has no %s:\n%s", want, page)
		}
	}

	res, body := b.do(t, http.MethodPost, "/ui/openc2", url.Values{"csrf": {token}, "command": {`{"action":"deny","target":{"ipv4_net":"198.51.100.0/24"}}`}})
	expect(t, res, body, http.StatusOK, "")
	if !strings.Contains(body, "Status 200") || !strings.Contains(body, `&#34;rule_number&#34;: 3`) {
		t.Errorf("the answer to a deny:\n%s", body)
	}
	res, body = b.do(t, http.MethodPost, "/ui/openc2", url.Values{"csrf": {token}, "command": {`{"action":"allow","target":{"ipv4_net":"198.51.100.0/24"}}`}})
	expect(t, res, body, http.StatusOK, "")
	if !strings.Contains(body, "Status 403: forbidden: policy set &#34;openc2&#34;: DENY") {
		t.Errorf("the answer to a refused allow:\n%s", body)
	}
	res, body = b.do(t, http.MethodPost, "/ui/openc2", url.Values{"csrf": {token}, "command": {`{"action":"deny","target":{"ipv4_net":"198.51.100.0/99"}}`}})
	expect(t, res, body, http.StatusBadRequest, "")
	if !strings.Contains(body, `target.ipv4_net: &#34;198.51.100.0/99&#34;: prefix length 99 exceeds 32`) || !strings.Contains(body, `198.51.100.0/99&#34;}}</textarea>`) {
		t.Errorf("the answer to a malformed deny:\n%s", body)
	}
	if got := strings.Join(f.handled, "; "); got != "deny console:local" {
		t.Errorf("the consumer handled %q, want the deny from the console alone", got)
	}
	if got := strings.Join(f.refused, "; "); got != `allow: forbidden: policy set "openc2": DENY` {
		t.Errorf("the consumer recorded as refused %q", got)
	}
	for _, o := range f.origins {
		if o.Requester != "console:local" {
			t.Errorf("origin %+v, want the console as requester", o)
		}
	}
	if len(addrs) != 2 || !strings.HasPrefix(addrs[0], "none 127.0.0.1:") {
		t.Errorf("authorized %v, want the user without a login at the browser's address, twice", addrs)
	}
	res, body = b.do(t, http.MethodPost, "/ui/openc2", url.Values{"command": {`{"action":"deny","target":{"ipv4_net":"198.51.100.0/24"}}`}})
	expect(t, res, body, http.StatusForbidden, "")
}

// TestHostileConsoleCommandBody posts a command larger than the bound of
// a command: it is refused with 413 before its CSRF token is read, and
// reaches no one.
func TestHostileConsoleCommandBody(t *testing.T) {
	f := &fakeConsumer{}
	b := serveWith(t, console.Options{Consumer: f, MaxCommandBytes: 1024})
	_, page := b.do(t, http.MethodGet, "/ui/openc2", nil)
	token := csrf(t, page)
	big := `{"action":"deny","target":{"ipv4_net":"198.51.100.0/24"},"command_id":"` + strings.Repeat("x", 2048) + `"}`
	for _, path := range []string{"/ui/openc2", "/ui/openc2/check"} {
		res, body := b.do(t, http.MethodPost, path, url.Values{"csrf": {token}, "command": {big}})
		expect(t, res, body, http.StatusRequestEntityTooLarge, "")
		// Without the token: the body is bounded before the token is read.
		res, body = b.do(t, http.MethodPost, path, url.Values{"command": {strings.Repeat("%", 8<<20)}})
		expect(t, res, body, http.StatusRequestEntityTooLarge, "")
	}
	if len(f.handled) != 0 {
		t.Errorf("a command past the bound was handled: %v", f.handled)
	}
}

// TestConsoleOpenC2ManyRules shows the first 200 rules of an actuator
// and says how many more it holds.
func TestConsoleOpenC2ManyRules(t *testing.T) {
	held := make([]consumer.HeldRule, 250)
	for i := range held {
		held[i] = consumer.HeldRule{Number: int64(i + 1), Command: json.RawMessage(`{"action":"deny","target":{"ipv4_net":"10.0.0.0/8"}}`),
			Rules: []consumer.Rule{{Actuator: "fw/a", RuleNumber: int64(i + 1)}}}
	}
	b := serveWith(t, console.Options{Rules: func() []consumer.HeldRule { return held }})
	res, body := b.do(t, http.MethodGet, "/ui/openc2", nil)
	expect(t, res, body, http.StatusOK, "")
	if n := strings.Count(body, "deny ipv4_net 10.0.0.0/8"); n != 200 || !strings.Contains(body, "And 50 more rules of fw/a") || strings.Contains(body, "<td>201</td>") {
		t.Errorf("%d rules shown of 250:\n%s", n, body)
	}
}
