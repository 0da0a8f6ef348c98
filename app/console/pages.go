package console

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/openc2/consumer"
)

// parsePages parses each page with the layout around it.
func parsePages() map[string]*template.Template {
	pages := map[string]*template.Template{}
	for _, name := range []string{"login", "overview", "plugins", "plugin", "openc2", "sim"} {
		pages[name] = template.Must(template.New(name).ParseFS(files, "templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}

// Overview is the state the overview page shows and its event stream
// sends.
type Overview struct {
	Ready   bool `json:"ready"`
	Plugins int  `json:"plugins"`
	// OK, Warn and Error count the plugins by status.
	OK    int `json:"ok"`
	Warn  int `json:"warn"`
	Error int `json:"error"`
	// Failing counts the plugins whose last call failed, Quarantined
	// those set aside.
	Failing     int `json:"failing"`
	Quarantined int `json:"quarantined"`
	// CallsPerSecond are the plugin calls of every plugin since the last
	// look, per second.
	CallsPerSecond string `json:"calls_per_second"`
	// HistoryOn is whether there is a command history, and Commands its
	// newest records.
	HistoryOn bool      `json:"history_on"`
	Commands  []Command `json:"commands"`
	// DecisionsOn is whether there is a decision log, and Decisions its
	// newest entries.
	DecisionsOn bool       `json:"decisions_on"`
	Decisions   []Decision `json:"decisions"`
}

// Decision is one access decision of the log, as the overview shows it.
type Decision struct {
	Time      string `json:"time"`
	Source    string `json:"source"`
	PolicySet string `json:"policy_set"`
	// Result is the decision, or the error that kept it from being made.
	Result string `json:"result"`
	Denied bool   `json:"denied"`
}

// Command is one command of the history, as the pages show it.
type Command struct {
	Seq      uint64 `json:"seq"`
	Received string `json:"received"`
	Command  string `json:"command"`
	Status   int    `json:"status"`
	State    string `json:"state"`
	Failed   bool   `json:"failed"`
	// Actuators are the components the command went to, and Rule its rule
	// number; neither is in the overview's events.
	Actuators string `json:"-"`
	Rule      string `json:"-"`
}

// lastCommands and lastDecisions are how many commands and decisions
// the overview shows.
const (
	lastCommands  = 10
	lastDecisions = 10
)

// snapshot returns the overview now.
func (c *console) snapshot() (Overview, error) {
	ps := c.o.Host.Plugins()
	o := Overview{Ready: c.o.Host.Ready(), Plugins: len(ps), HistoryOn: c.o.History != nil, Commands: []Command{},
		DecisionsOn: c.o.Decisions != nil, Decisions: []Decision{}}
	var calls uint64
	for _, p := range ps {
		switch p.Status {
		case host.StatusOK:
			o.OK++
		case host.StatusWarn:
			o.Warn++
		default:
			o.Error++
		}
		if p.LastError != "" {
			o.Failing++
		}
		if p.Quarantined {
			o.Quarantined++
		}
		calls += p.Calls
	}
	o.CallsPerSecond = strconv.FormatFloat(c.rate.sample(calls, time.Now()), 'f', 1, 64)
	if o.DecisionsOn {
		for _, e := range c.o.Decisions(lastDecisions) {
			d := Decision{Time: e.Time.UTC().Format(time.DateTime), Source: e.Source, PolicySet: e.PolicySet, Result: e.Result, Denied: e.Result != "GRANT"}
			if e.Error != "" {
				d.Result = "error: " + e.Error
			}
			o.Decisions = append(o.Decisions, d)
		}
	}
	if o.HistoryOn {
		records, _, err := c.o.History(consumer.HistoryQuery{Limit: lastCommands})
		if err != nil {
			return o, err
		}
		for _, r := range records {
			o.Commands = append(o.Commands, commandOf(r))
		}
	}
	return o, nil
}

// commandOf returns the command of a history record, as the pages show
// it: its action and the kind of its target.
func commandOf(r consumer.Record) Command {
	var cmd struct {
		Action string                     `json:"action"`
		Target map[string]json.RawMessage `json:"target"`
	}
	_ = json.Unmarshal(r.Command, &cmd) // a record holds a command that was parsed
	text := cmd.Action
	for k := range cmd.Target {
		text += " " + k
	}
	out := Command{
		Seq: r.Seq, Received: time.UnixMilli(r.Received).UTC().Format(time.DateTime),
		Command: text, Status: r.Status, State: r.State, Failed: r.Failed(),
		Actuators: strings.Join(r.Actuators, ", "),
	}
	if r.RuleNumber != nil {
		out.Rule = strconv.FormatInt(*r.RuleNumber, 10)
	}
	return out
}

// rate turns a growing count of calls into calls per second since the
// previous sample.
type rate struct {
	mu    sync.Mutex
	at    time.Time
	calls uint64
	last  float64
}

// minRateInterval is the shortest time between two samples: a sample
// sooner answers the previous rate.
const minRateInterval = time.Second

// sample returns the calls per second from the previous sample to calls
// at now. A count that fell, as a reload resets a plugin's, counts as 0.
func (r *rate) sample(calls uint64, now time.Time) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := now.Sub(r.at)
	if d < minRateInterval {
		return r.last
	}
	if !r.at.IsZero() && calls >= r.calls {
		r.last = float64(calls-r.calls) / d.Seconds()
	} else {
		r.last = 0
	}
	r.at, r.calls = now, calls
	return r.last
}

func (c *console) overview(ctx echo.Context) error {
	o, err := c.snapshot()
	if err != nil {
		return err
	}
	return c.show(ctx, "overview", page{Title: "Overview", Nav: "overview", Data: o})
}

// eventInterval is the time between two updates of an event stream.
const eventInterval = 2 * time.Second

// maxStreamTime ends an event stream, which the browser opens again: a
// stream does not hold a connection forever.
const maxStreamTime = 5 * time.Minute

// maxStreams bounds the event streams open at once.
const maxStreams = 64

// events streams the overview as server-sent events named overview,
// one every eventInterval.
func (c *console) events(ctx echo.Context) error {
	if c.streams.Add(1) > maxStreams {
		c.streams.Add(-1)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "too many console event streams open")
	}
	defer c.streams.Add(-1)
	w := ctx.Response()
	rc := http.NewResponseController(w)
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	end := time.After(maxStreamTime)
	tick := time.NewTicker(eventInterval)
	defer tick.Stop()
	for {
		o, err := c.snapshot()
		if err != nil {
			c.o.Logger.Error("console events", "error", err)
			return nil
		}
		b, _ := json.Marshal(o)
		_ = rc.SetWriteDeadline(time.Now().Add(eventInterval + 10*time.Second))
		if _, err := fmt.Fprintf(w, "retry: 2000\nevent: overview\ndata: %s\n\n", b); err != nil {
			return nil
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
		select {
		case <-ctx.Request().Context().Done():
			return nil
		case <-end:
			return nil
		case <-tick.C:
		}
	}
}

// Plugin is one plugin file as the plugins pages show it.
type Plugin struct {
	host.PluginStatus
	// Base is the file's name in the folder, which names its page.
	Base string
	// P50 and P99 are the latency of its calls, from the buckets of
	// gatehouse_plugin_call_duration_seconds; "" without calls.
	P50, P99 string
	// Asked are the capabilities its manifest asks for, each with whether
	// its grants give it.
	Asked []Asked
	// Manifest is its status in JSON, for the plugin's page.
	JSON string
}

// Asked is a capability a plugin asks for.
type Asked struct {
	Capability string
	Granted    bool
}

// pluginsNow returns every plugin file with its latency.
func (c *console) pluginsNow() []Plugin {
	lat := latencies(c.o.Gatherer)
	var out []Plugin
	for _, st := range c.o.Host.Plugins() {
		p := Plugin{PluginStatus: st, Base: filepath.Base(st.File)}
		if h, ok := lat[st.Name]; ok && st.Calls > 0 {
			p.P50, p.P99 = h.quantile(0.5), h.quantile(0.99)
		}
		for _, a := range st.Capabilities {
			p.Asked = append(p.Asked, Asked{Capability: string(a), Granted: slices.Contains(st.Granted, a)})
		}
		out = append(out, p)
	}
	return out
}

func (c *console) plugins(ctx echo.Context) error {
	return c.show(ctx, "plugins", page{Title: "Plugins", Nav: "plugins", Data: c.pluginsNow()})
}

func (c *console) plugin(ctx echo.Context) error {
	file := ctx.Param("file")
	for _, p := range c.pluginsNow() {
		if p.Base == file {
			b, err := json.MarshalIndent(p.PluginStatus, "", "  ")
			if err != nil {
				return err
			}
			p.JSON = string(b)
			return c.show(ctx, "plugin", page{Title: p.Base, Nav: "plugins", Data: p})
		}
	}
	return echo.NewHTTPError(http.StatusNotFound, "no plugin file "+strconv.Quote(file)+" in the folder")
}

// histogram is the cumulative buckets of one plugin's call latency.
type histogram struct {
	count  uint64
	bounds []float64 // upper bounds, ascending
	cum    []uint64  // cumulative counts of bounds
}

// quantile returns the upper bound of the bucket that holds quantile q.
func (h histogram) quantile(q float64) string {
	want := uint64(math.Ceil(q * float64(h.count)))
	for i, b := range h.bounds {
		if h.cum[i] >= want {
			return "≤ " + formatSeconds(b)
		}
	}
	if len(h.bounds) == 0 {
		return ""
	}
	return "> " + formatSeconds(h.bounds[len(h.bounds)-1])
}

// formatSeconds writes s seconds as a duration.
func formatSeconds(s float64) string {
	return time.Duration(s * float64(time.Second)).String()
}

// latencyMetric is the host's histogram of plugin calls.
const latencyMetric = "gatehouse_plugin_call_duration_seconds"

// latencies returns the latency histogram of each plugin by name, its
// components' added up.
func latencies(g prometheus.Gatherer) map[string]histogram {
	out := map[string]histogram{}
	if g == nil {
		return out
	}
	mfs, _ := g.Gather() // what was gathered is shown, even after an error
	for _, mf := range mfs {
		if mf.GetName() != latencyMetric {
			continue
		}
		for _, m := range mf.GetMetric() {
			var plugin string
			for _, l := range m.GetLabel() {
				if l.GetName() == "plugin" {
					plugin = l.GetValue()
				}
			}
			h, hm := out[plugin], m.GetHistogram()
			h.count += hm.GetSampleCount()
			for i, b := range hm.GetBucket() {
				if i == len(h.bounds) {
					h.bounds, h.cum = append(h.bounds, b.GetUpperBound()), append(h.cum, 0)
				}
				h.cum[i] += b.GetCumulativeCount()
			}
			out[plugin] = h
		}
	}
	return out
}
