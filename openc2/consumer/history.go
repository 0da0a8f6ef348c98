package consumer

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/openc2"
)

// historyPrefix starts the store key of every history record; the key
// ends in the record's sequence number, zero-padded, so that keys sort in
// the order commands arrived.
const historyPrefix = "cmd/"

// The states of a Record.
const (
	// StatePending is a command carried out after its answer
	// (response_requested status, ack or none), not finished yet.
	StatePending = "pending"
	// StateScheduled is a command waiting for its start_time.
	StateScheduled = "scheduled"
	// StateDone is a command carried out, or refused, with Status final.
	StateDone = "done"
	// StateInEffect is a command carried out whose rule waits for its
	// stop_time.
	StateInEffect = "in_effect"
	// StateEnded is a command whose rule was deleted at its stop_time.
	StateEnded = "ended"
	// StateCancelled is a command a cancel invalidated.
	StateCancelled = "cancelled"
)

// Record is one command in the consumer's history, as GET
// /v1/openc2/commands lists it.
type Record struct {
	// Seq numbers the commands in the order they arrived, from 1.
	Seq uint64 `json:"seq"`
	// Received and Updated are in milliseconds since the Unix epoch.
	Received  int64  `json:"received"`
	Updated   int64  `json:"updated"`
	RequestID string `json:"request_id,omitempty"`
	CommandID string `json:"command_id,omitempty"`
	// From is the producer's "from" header.
	From string `json:"from,omitempty"`
	// Requester and Decision come from the transfer (see Origin).
	Requester string `json:"requester,omitempty"`
	Decision  string `json:"decision,omitempty"`
	// Command is the command in its LS v1.0 JSON.
	Command json.RawMessage `json:"command"`
	// Actuators are the components the command was routed to.
	Actuators []string `json:"actuators,omitempty"`
	// StartTime and StopTime are when the command starts and ends, in
	// milliseconds since the Unix epoch; 0 for at once and never.
	StartTime int64 `json:"start_time,omitempty"`
	StopTime  int64 `json:"stop_time,omitempty"`
	// State is one of the State constants.
	State string `json:"state"`
	// Status and StatusText are the latest answer: the response's, or the
	// outcome of the work carried out later (its start, or its end at
	// stop_time when that failed).
	Status     int    `json:"status"`
	StatusText string `json:"status_text,omitempty"`
	// RuleNumber is the consumer's rule number of an allow or deny, and
	// Rules the components' rules behind it while it holds them.
	RuleNumber *int64 `json:"rule_number,omitempty"`
	Rules      []Rule `json:"rules,omitempty"`
}

// Rule is one component's rule behind a consumer-level rule number.
type Rule struct {
	Actuator   string `json:"actuator"`
	RuleNumber int64  `json:"rule_number"`
}

// Failed reports whether the record's latest answer is an error.
func (r *Record) Failed() bool { return r.Status >= 400 }

// HistoryQuery selects records of the history.
type HistoryQuery struct {
	// Status keeps the records of that status; "failed" keeps every error
	// (400 and above); "" keeps all.
	Status string
	// Actuator keeps the records of commands routed to that component,
	// "plugin/name".
	Actuator string
	// Before keeps the records older than that sequence number; 0 starts
	// from the newest.
	Before uint64
	// Limit is the most records returned; 0 means 50.
	Limit int
}

// Origin is what the transfer knows of a command's producer, for the
// history: who sent it and what the authorization policy decided.
type Origin struct {
	// Requester is the producer's identity: the subject of its certificate
	// or of its bearer token.
	Requester string
	// Decision is the authorization policy's decision; "" when no policy
	// decides.
	Decision string
}

type originKey struct{}

// WithOrigin returns ctx carrying o, which Handle records with the
// command. The transfer fills it in; an Authorizer may add to it.
func WithOrigin(ctx context.Context, o *Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginOf returns the Origin of ctx, or nil.
func OriginOf(ctx context.Context) *Origin {
	o, _ := ctx.Value(originKey{}).(*Origin)
	return o
}

type seqKey struct{}

// withSeq returns ctx carrying the history entry of the command at work.
func withSeq(ctx context.Context, seq uint64) context.Context {
	if seq == 0 {
		return ctx
	}
	return context.WithValue(ctx, seqKey{}, seq)
}

// seqOf returns the history entry of ctx's command, 0 for none.
func seqOf(ctx context.Context) uint64 {
	s, _ := ctx.Value(seqKey{}).(uint64)
	return s
}

// history keeps the latest commands in the store, at most size of them.
type history struct {
	c       *Consumer
	store   Store // nil keeps nothing
	size    int   // 0 keeps nothing
	metrics *metrics

	mu      sync.Mutex
	seqs    []uint64 // stored records, oldest first
	next    uint64
	working map[uint64]*Record // records not stored yet
	// summaries are what History's filters read of stored records, so that
	// a filter passes over the records it does not select without reading
	// them: those stored since the start, and those History read.
	summaries map[uint64]summary
}

// summary is what History's filters read of a record.
type summary struct {
	status    int
	actuators []string
}

func newHistory(c *Consumer, store Store, size int, m *metrics) *history {
	if store == nil {
		size = 0
	}
	return &history{c: c, store: store, size: size, metrics: m, next: 1, working: map[uint64]*Record{}, summaries: map[uint64]summary{}}
}

// on reports whether the history keeps records.
func (h *history) on() bool { return h.size > 0 }

// load reads the sequence numbers of the stored records.
func (h *history) load() error {
	if !h.on() {
		return nil
	}
	keys, err := h.store.List([]byte(historyPrefix))
	if err != nil {
		return fmt.Errorf("load the command history: %w", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, k := range keys {
		seq, err := strconv.ParseUint(string(k[len(historyPrefix):]), 10, 64)
		if err != nil {
			continue // not a record of this version
		}
		h.seqs = append(h.seqs, seq)
		h.next = max(h.next, seq+1)
	}
	slices.Sort(h.seqs)
	return nil
}

// historyKey is the store key of record seq.
func historyKey(seq uint64) []byte { return fmt.Appendf(nil, "%s%020d", historyPrefix, seq) }

// begin starts the record of cmd and returns its sequence number, 0 when
// the history keeps nothing.
func (h *history) begin(ctx context.Context, hd openc2.Headers, cmd *openc2.Command) uint64 {
	if !h.on() {
		return 0
	}
	now := h.c.now().UnixMilli()
	r := &Record{Received: now, Updated: now, RequestID: hd.RequestID, CommandID: commandID(hd, cmd), From: hd.From,
		Command: mustEncode(cmd), State: StatePending, Status: openc2.StatusProcessing}
	if o := OriginOf(ctx); o != nil {
		r.Requester, r.Decision = o.Requester, o.Decision
	}
	h.mu.Lock()
	r.Seq = h.next
	h.next++
	h.working[r.Seq] = r
	h.mu.Unlock()
	return r.Seq
}

// routed records where and when the command seq is carried out.
func (h *history) routed(seq uint64, acts []Actuator, start, stop int64) {
	h.update(seq, false, func(r *Record) {
		r.Actuators = refs(acts)
		r.StartTime, r.StopTime = start, stop
	})
}

// answered records the response to the command seq, of action, nil for
// none, and stores the record.
func (h *history) answered(seq uint64, action openc2.Action, resp *openc2.Response) {
	h.metrics.count(action, resp)
	h.update(seq, true, func(r *Record) {
		if resp == nil || resp.Status == openc2.StatusProcessing && r.State != StatePending {
			return // the work goes on, or already finished, in the background
		}
		h.apply(r, resp)
	})
}

// finished records the outcome of work carried out after the answer, of
// a command of action: in the background, or at start_time.
func (h *history) finished(seq uint64, kind string, action openc2.Action, resp *openc2.Response) {
	if resp != nil && resp.Status >= 400 {
		h.metrics.scheduledFailures.WithLabelValues(kind).Inc()
	}
	h.metrics.count(action, resp)
	h.update(seq, true, func(r *Record) { h.apply(r, resp) })
}

// stopped records the outcome of the end of the command seq at its
// stop_time.
func (h *history) stopped(seq uint64, resp *openc2.Response) {
	if resp.Status >= 400 {
		h.metrics.scheduledFailures.WithLabelValues("stop").Inc()
	}
	h.update(seq, true, func(r *Record) {
		if resp.Status == openc2.StatusOK {
			r.State, r.Rules = StateEnded, nil
			return
		}
		r.Status, r.StatusText = resp.Status, "ending the command at its stop_time failed: "+resp.StatusText
		h.rules(r)
	})
}

// cancelled records that a cancel invalidated the command seq.
func (h *history) cancelled(seq uint64, resp *openc2.Response) {
	h.update(seq, true, func(r *Record) {
		r.State = StateCancelled
		r.Status, r.StatusText = resp.Status, resp.StatusText
		h.rules(r)
	})
}

// apply sets the state of r from the response resp.
func (h *history) apply(r *Record, resp *openc2.Response) {
	if resp == nil {
		return
	}
	r.Status, r.StatusText = resp.Status, resp.StatusText
	switch {
	case resp.Status == openc2.StatusProcessing && strings.HasPrefix(resp.StatusText, scheduledText):
		r.State = StateScheduled
	case resp.Status == openc2.StatusProcessing:
		r.State = StatePending
	default:
		r.State = StateDone
		if n, ok := ruleNumber(resp); ok && isRuleAction(r.Command) {
			r.RuleNumber = &n
			if r.StopTime != 0 {
				r.State = StateInEffect
			}
		}
		h.rules(r)
	}
}

// rules sets the components' rules behind r's rule number, as the rule
// book holds them now.
func (h *history) rules(r *Record) {
	if r.RuleNumber == nil {
		return
	}
	r.Rules = nil
	for _, p := range h.c.rules.parts(*r.RuleNumber, nil) {
		r.Rules = append(r.Rules, Rule(p))
	}
}

// update applies fn to the record seq, in memory or in the store, and
// stores it when store is set. A failure to store is logged: the history
// is an account, and a command never fails for it.
func (h *history) update(seq uint64, store bool, fn func(*Record)) {
	if seq == 0 || !h.on() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	r, inMemory := h.working[seq]
	if !inMemory {
		b, ok, err := h.store.Get(historyKey(seq))
		if err != nil || !ok {
			return // dropped for room, or unreadable
		}
		r = &Record{}
		if json.Unmarshal(b, r) != nil {
			return
		}
	}
	fn(r)
	r.Updated = h.c.now().UnixMilli()
	if !store && inMemory {
		return
	}
	delete(h.working, seq)
	b, err := json.Marshal(r)
	if err == nil {
		err = h.store.Set(historyKey(seq), b)
	}
	if err != nil {
		h.c.logger.Error("openc2 history: keep a command", "seq", seq, "error", err)
		return
	}
	h.summaries[seq] = summary{status: r.Status, actuators: r.Actuators}
	if inMemory {
		h.seqs = append(h.seqs, seq) // seqs are handed out in order, stored nearly so
		slices.Sort(h.seqs[max(0, len(h.seqs)-64):])
		for len(h.seqs) > h.size {
			if err := h.store.Delete(historyKey(h.seqs[0])); err != nil {
				h.c.logger.Error("openc2 history: drop the oldest command", "seq", h.seqs[0], "error", err)
				break
			}
			delete(h.summaries, h.seqs[0])
			h.seqs = h.seqs[1:]
		}
	}
}

// Refused records in the history a command the transfer refused before it
// reached the consumer, such as one the authorization policy denied, with
// the refusal resp; ctx carries its Origin.
func (c *Consumer) Refused(ctx context.Context, msg *openc2.Message, resp *openc2.Response) {
	if msg == nil || msg.Request == nil {
		return
	}
	var h openc2.Headers
	if msg.Headers != nil {
		h = *msg.Headers
	}
	c.history.answered(c.history.begin(ctx, h, msg.Request), msg.Request.Action, resp)
}

// History returns the commands of the history that q selects, newest
// first, and the Before of the next page, 0 when there is none.
func (c *Consumer) History(q HistoryQuery) ([]Record, uint64, error) {
	h := c.history
	if q.Limit <= 0 {
		q.Limit = 50
	}
	out := []Record{}
	if !h.on() {
		return out, 0, nil
	}
	h.mu.Lock()
	seqs := slices.Clone(h.seqs)
	h.mu.Unlock()
	for i := len(seqs) - 1; i >= 0; i-- {
		seq := seqs[i]
		if q.Before != 0 && seq >= q.Before {
			continue
		}
		if len(out) == q.Limit {
			return out, out[len(out)-1].Seq, nil
		}
		h.mu.Lock()
		sum, known := h.summaries[seq]
		h.mu.Unlock()
		if known && !q.selects(sum) {
			continue
		}
		b, ok, err := h.store.Get(historyKey(seq))
		if err != nil {
			return nil, 0, fmt.Errorf("read the command history: %w", err)
		}
		var r Record
		if !ok || json.Unmarshal(b, &r) != nil {
			continue
		}
		sum = summary{status: r.Status, actuators: r.Actuators}
		if !known {
			h.remember(seq, sum)
		}
		if !q.selects(sum) {
			continue
		}
		out = append(out, r)
	}
	return out, 0, nil
}

// selects reports whether q's filters select a record of summary s.
func (q HistoryQuery) selects(s summary) bool {
	if q.Actuator != "" && !slices.Contains(s.actuators, q.Actuator) {
		return false
	}
	switch q.Status {
	case "":
		return true
	case "failed":
		return s.status >= 400
	}
	return strconv.Itoa(s.status) == q.Status
}

// remember keeps the summary of a record History read, unless the record
// was dropped since, or an update stored a newer one.
func (h *history) remember(seq uint64, s summary) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.summaries[seq]; ok || len(h.seqs) == 0 || seq < h.seqs[0] {
		return
	}
	h.summaries[seq] = s
}

// commandAction returns the action of a command's JSON.
func commandAction(cmd json.RawMessage) (string, bool) {
	var a struct {
		Action string `json:"action"`
	}
	if json.Unmarshal(cmd, &a) != nil {
		return "", false
	}
	return a.Action, true
}

// isRuleAction reports whether a command's JSON is an allow or deny.
func isRuleAction(cmd json.RawMessage) bool {
	a, _ := commandAction(cmd)
	return a == string(openc2.ActionAllow) || a == string(openc2.ActionDeny)
}

// metrics are the consumer's Prometheus metrics.
type metrics struct {
	commands          *prometheus.CounterVec
	scheduledFailures *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_openc2_commands_total",
			Help: "OpenC2 commands by action and final status, counted when the status is known.",
		}, []string{"action", "status"}),
		scheduledFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_openc2_deferred_failures_total",
			Help: "OpenC2 work carried out after the response that failed: start (at start_time), stop (at stop_time), background (response_requested status, ack or none).",
		}, []string{"kind"}),
	}
	if reg != nil {
		for _, col := range []prometheus.Collector{m.commands, m.scheduledFailures} {
			if err := reg.Register(col); err != nil {
				return nil, fmt.Errorf("register the openc2 metrics: %w", err)
			}
		}
	}
	return m, nil
}

// count counts a command of action whose answer, or the outcome of its
// later work, is resp, once: when resp is final, not 102 Processing.
// Commands are counted whether or not the history keeps them.
func (m *metrics) count(action openc2.Action, resp *openc2.Response) {
	if resp == nil || resp.Status == openc2.StatusProcessing {
		return
	}
	m.commands.WithLabelValues(string(action), strconv.Itoa(resp.Status)).Inc()
}
