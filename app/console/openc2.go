package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/openc2"
	"github.com/gatehouse/gatehouse/openc2/consumer"
	"github.com/gatehouse/gatehouse/openc2/https"
)

// Consumer carries out the commands of the OpenC2 page's form, and keeps
// an account of those refused, as *consumer.Consumer does.
type Consumer interface {
	Handle(ctx context.Context, msg *openc2.Message) *openc2.Message
	Refused(ctx context.Context, msg *openc2.Message, resp *openc2.Response)
}

// History is the OpenC2 page: the form that sends a command and what it
// answered, the rules each actuator holds, and one page of the command
// history, newest first, under the filters of the form.
type History struct {
	On       bool
	Status   string
	Actuator string
	Commands []Command
	// Older is the address of the next page, "" on the last.
	Older template.URL

	// Send is whether the page offers the form that sends a command, and
	// Sent what the last one answered.
	Send bool
	Sent *Sent
	// RulesOn is whether the consumer lists its rules, and Rules those
	// each actuator holds.
	RulesOn bool
	Rules   []ActuatorRules
}

// Sent is a command sent from the form and its answer.
type Sent struct {
	// Command is the form's text, shown again in the form.
	Command string
	// Error is why it was not sent: where the codec found it wrong.
	Error string
	// Status and StatusText are the response's; Response is the response
	// in JSON, "" for a command that asked for none.
	Status     int
	StatusText string
	Response   string
	Failed     bool
}

// ActuatorRules are the rules one actuator holds or is to hold: the
// first maxRulesShown, and how many More there are.
type ActuatorRules struct {
	Actuator string
	Rules    []HeldRule
	More     int
}

// maxRulesShown bounds the rules the page shows of one actuator.
const maxRulesShown = 200

// HeldRule is one rule of an actuator, as the OpenC2 page shows it.
type HeldRule struct {
	// Number is the consumer's rule number, which 'delete
	// slpf:rule_number' takes; Own is the actuator's own number for it.
	Number, Own string
	Command     string
	// Start and Stop are when the rule was, or is to be, put in place and
	// deleted, in UTC; Stop "" for never.
	Start, Stop string
	State       string
}

// historyPage is how many commands one OpenC2 page shows.
const historyPage = 50

// commands shows the OpenC2 page, its history filtered by the status and
// actuator of the query, from its before on.
func (c *console) commands(ctx echo.Context) error {
	return c.openc2Page(ctx, ctx.QueryParams(), nil)
}

// openc2Page shows the OpenC2 page with the history filters of v and
// sent, the command the form sent, if any.
func (c *console) openc2Page(ctx echo.Context, v url.Values, sent *Sent) error {
	h := History{On: c.o.History != nil, Status: v.Get("status"), Actuator: v.Get("actuator"), Commands: []Command{},
		Send: c.o.Consumer != nil, Sent: sent, RulesOn: c.o.Rules != nil}
	p := page{Title: "OpenC2 commands", Nav: "openc2", Data: &h}
	status := http.StatusOK
	if sent != nil && sent.Error != "" {
		status = http.StatusBadRequest
	}
	if h.RulesOn {
		h.Rules = actuatorRules(c.o.Rules())
	}
	q, err := https.ParseHistoryQuery(url.Values{"status": {h.Status}, "actuator": {h.Actuator}, "before": {v.Get("before")}})
	if err != nil {
		p.Error = err.Error()
		return c.showStatus(ctx, http.StatusBadRequest, "openc2", p)
	}
	if !h.On {
		return c.showStatus(ctx, status, "openc2", p)
	}
	q.Limit = historyPage
	records, next, err := c.o.History(q)
	if err != nil {
		return err
	}
	for _, r := range records {
		h.Commands = append(h.Commands, commandOf(r))
	}
	if next != 0 {
		older := url.Values{"before": {strconv.FormatUint(next, 10)}}
		if h.Status != "" {
			older.Set("status", h.Status)
		}
		if h.Actuator != "" {
			older.Set("actuator", h.Actuator)
		}
		h.Older = template.URL(Path + "openc2?" + older.Encode()) // encoded by url.Values
	}
	return c.showStatus(ctx, status, "openc2", p)
}

// actuatorRules groups rules by actuator, actuators by name, and keeps
// the first maxRulesShown of each; only those are described.
func actuatorRules(held []consumer.HeldRule) []ActuatorRules {
	type ref struct {
		rule *consumer.HeldRule
		own  int64
	}
	by := map[string][]ref{}
	for i := range held {
		for _, p := range held[i].Rules {
			by[p.Actuator] = append(by[p.Actuator], ref{&held[i], p.RuleNumber})
		}
	}
	out := make([]ActuatorRules, 0, len(by))
	for _, a := range slices.Sorted(maps.Keys(by)) {
		refs := by[a]
		shown := min(len(refs), maxRulesShown)
		ar := ActuatorRules{Actuator: a, Rules: make([]HeldRule, shown), More: len(refs) - shown}
		for k, f := range refs[:shown] {
			r := f.rule
			row := HeldRule{Command: describe(r.Command), Start: formatMillis(r.Start), Stop: formatMillis(r.Stop), State: "in effect"}
			if r.Number != 0 {
				row.Number = strconv.FormatInt(r.Number, 10)
			}
			if f.own != 0 {
				row.Own = strconv.FormatInt(f.own, 10)
			}
			if r.Scheduled {
				row.State = "scheduled"
			}
			ar.Rules[k] = row
		}
		out = append(out, ar)
	}
	return out
}

// formatMillis writes milliseconds since the Unix epoch as a UTC time, 0
// as "".
func formatMillis(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format(time.DateTime)
}

// describe returns a command in a line: its action, its target's type
// and the target's value in JSON, a string without its quotes.
func describe(cmd json.RawMessage) string {
	var c struct {
		Action string                     `json:"action"`
		Target map[string]json.RawMessage `json:"target"`
	}
	if json.Unmarshal(cmd, &c) != nil {
		return ""
	}
	out := c.Action
	for k, v := range c.Target {
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		out += " " + k + " " + s
	}
	return out
}

// Check is what the codec says of the command the form holds.
type Check struct {
	Valid bool `json:"valid"`
	// Path is the JSON path of the value the codec refused, "" for the
	// document as a whole; Message says what is wrong.
	Path    string `json:"path,omitempty"`
	Message string `json:"message,omitempty"`
	// Command is the command in a line, when it is valid.
	Command string `json:"command,omitempty"`
}

// checkCommand decodes text as an OpenC2 command (LS v1.0), as the
// transfers decode the command of a message.
func checkCommand(text string) (*openc2.Command, Check) {
	if strings.TrimSpace(text) == "" {
		return nil, Check{Message: "write a command: a JSON object with action and target"}
	}
	cmd, err := openc2.DecodeCommand([]byte(text))
	if err != nil {
		var e *openc2.Error
		if errors.As(err, &e) {
			return nil, Check{Path: e.Path, Message: e.Message}
		}
		return nil, Check{Message: err.Error()}
	}
	b, _ := openc2.EncodeCommand(cmd) // it decoded, so it encodes
	return cmd, Check{Valid: true, Command: describe(b)}
}

// maxCommandBytes returns the bound of a command of the form.
func (c *console) maxCommandBytes() int64 {
	if c.o.MaxCommandBytes > 0 {
		return c.o.MaxCommandBytes
	}
	return https.DefaultMaxBytes
}

// limitCommand bounds the body of a post of the form's command, before
// its CSRF token is read from it: the bound of a command, escaped, and
// room for the token.
func (c *console) limitCommand(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ctx echo.Context) error {
		req := ctx.Request()
		req.Body = http.MaxBytesReader(ctx.Response(), req.Body, 3*c.maxCommandBytes()+maxTokenBytes) // a form escapes a byte in three
		if err := req.ParseForm(); err != nil {
			return c.tooLarge()
		}
		return next(ctx)
	}
}

// tooLarge is the error of a command past the bound.
func (c *console) tooLarge() error {
	return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "the command is larger than "+strconv.FormatInt(c.maxCommandBytes(), 10)+" bytes")
}

// formCommand returns the command field of the form, or why not.
func (c *console) formCommand(ctx echo.Context) (string, error) {
	text := ctx.Request().PostForm.Get("command")
	if int64(len(text)) > c.maxCommandBytes() {
		return "", c.tooLarge()
	}
	return text, nil
}

// check answers what the codec says of the form's command, in JSON, for
// the form's script as the command is typed.
func (c *console) check(ctx echo.Context) error {
	text, err := c.formCommand(ctx)
	if err != nil {
		return err
	}
	_, ch := checkCommand(text)
	ctx.Response().Header().Set("Cache-Control", "no-store")
	return ctx.JSON(http.StatusOK, ch)
}

// send carries the form's command out on this consumer, as the OpenC2
// transfers do: authorized by the OpenC2 policy set for the session's
// user, then handled by the consumer, which schedules it and records it
// in the history as the user's. It shows the OpenC2 page with the answer.
func (c *console) send(ctx echo.Context) error {
	if c.o.Consumer == nil {
		return echo.NewHTTPError(http.StatusNotFound, "this console sends no command: there is no OpenC2 consumer")
	}
	text, err := c.formCommand(ctx)
	if err != nil {
		return err
	}
	sent := &Sent{Command: text}
	cmd, ch := checkCommand(text)
	if !ch.Valid {
		sent.Error = ch.Message
		if ch.Path != "" {
			sent.Error = ch.Path + ": " + ch.Message
		}
		return c.openc2Page(ctx, nil, sent)
	}
	// The producer, in the headers and the history, is the console's
	// user, as the change log of the policy administration names it.
	u := userOf(ctx)
	msg := &openc2.Message{
		Headers: &openc2.Headers{RequestID: "console-" + newID(), Created: time.Now().UnixMilli(), From: u.ChangeName()},
		Request: cmd,
	}
	origin := &consumer.Origin{Requester: u.ChangeName()}
	rctx := consumer.WithOrigin(ctx.Request().Context(), origin)
	var out *openc2.Message
	if c.o.Authorize != nil {
		if err := c.o.Authorize(rctx, u, msg, ctx.Request().RemoteAddr); err != nil {
			resp := &openc2.Response{Status: openc2.StatusForbidden, StatusText: "forbidden: " + err.Error()}
			if origin.Decision == "" {
				origin.Decision = resp.StatusText
			}
			c.o.Consumer.Refused(rctx, msg, resp)
			out = &openc2.Message{Headers: &openc2.Headers{RequestID: msg.Headers.RequestID}, Response: resp}
		} else if origin.Decision == "" {
			origin.Decision = "allowed"
		}
	}
	if out == nil {
		out = c.o.Consumer.Handle(rctx, msg)
	}
	if out != nil && out.Response != nil {
		sent.Status, sent.StatusText, sent.Failed = out.Response.Status, out.Response.StatusText, out.Response.Status >= 400
		if b, err := openc2.EncodeResponse(out.Response); err == nil {
			var buf bytes.Buffer
			if json.Indent(&buf, b, "", "  ") == nil {
				sent.Response = buf.String()
			}
		}
	}
	return c.openc2Page(ctx, nil, sent)
}
