package simulate

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"

	"github.com/gatehouse/gatehouse/sim/model"
)

// Outcome is how a chosen action turned out.
type Outcome string

// The outcomes.
const (
	OK         Outcome = "ok"         // done
	Failed     Outcome = "risk"       // failed by chance, as its risk allows
	Refused    Outcome = "conflict"   // failed by the conflict handler
	Impossible Outcome = "impossible" // no longer possible when played (another actor took the possessible first)
)

// Step is one entry of the trace: an action an actor chose and how it
// turned out. The trace records every step, as if everything were watched.
type Step struct {
	Tick        int64          `json:"tick"`
	Actor       string         `json:"actor"`
	Action      string         `json:"action"` // move, take, read, drop or wait
	Source      string         `json:"source"` // the actor's location when it acted
	Target      string         `json:"target,omitempty"`
	Possessible string         `json:"possessible,omitempty"`
	Credentials []string       `json:"credentials,omitempty"` // those the component required
	Risk        float64        `json:"risk"`                  // percent
	Time        int64          `json:"time"`
	Outcome     Outcome        `json:"outcome"`
	Log         model.LogRules `json:"log,omitempty"` // the fields its log entry records, if it succeeds
}

// Logged reports whether the step leaves a log entry: its component has
// log rules, and it succeeded or the rules record the outcome (and so log
// failed attempts too).
func (s *Step) Logged() bool { return s.Log != 0 && (s.Outcome == OK || s.Log.Attempts()) }

// appendLogEntry appends the step's log entry as a JSON object: "tick" and
// exactly the fields its log rules name, in log order, null where the
// action has none (the target of a take).
func (s *Step) appendLogEntry(b []byte) []byte {
	b = append(b, `{"tick":`...)
	b = strconv.AppendInt(b, s.Tick, 10)
	str := func(v string) {
		if v == "" {
			b = append(b, "null"...)
			return
		}
		b = strconv.AppendQuote(b, v)
	}
	for _, f := range s.Log.Fields() {
		b = append(b, ',')
		b = strconv.AppendQuote(b, f.String())
		b = append(b, ':')
		switch f {
		case model.LogAction:
			str(s.Action)
		case model.LogSource:
			str(s.Source)
		case model.LogTarget:
			str(s.Target)
		case model.LogPossessible:
			str(s.Possessible)
		case model.LogCredentials:
			b = append(b, '[')
			for i, c := range s.Credentials {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendQuote(b, c)
			}
			b = append(b, ']')
		case model.LogActor:
			str(s.Actor)
		case model.LogOutcome:
			str(string(s.Outcome))
		}
	}
	return append(b, "}\n"...)
}

// EventKind is the kind of an Event.
type EventKind string

// The kinds of events, in the order a run emits them.
const (
	EventStart EventKind = "start" // the run starts
	EventStep  EventKind = "step"  // an actor acted: Step is set
	EventGoals EventKind = "goals" // an actor met all its goals: Actor is set
	EventEnd   EventKind = "end"   // the run ended: Result is set
)

// Event is something that happened during a run.
type Event struct {
	Kind   EventKind
	Tick   int64
	Step   *Step
	Actor  string
	Result *Result
}

// Listener receives the events of a run as they happen, in order, on the
// goroutine running it. The pointers of an event are not reused.
type Listener func(Event)

// jsonLines writes steps as JSON lines and keeps the first write error.
type jsonLines struct {
	w   *bufio.Writer
	buf []byte
	err error
}

func newJSONLines(w io.Writer) *jsonLines { return &jsonLines{w: bufio.NewWriter(w)} }

func (j *jsonLines) write(b []byte) {
	if j.err == nil {
		_, j.err = j.w.Write(b)
	}
}

func (j *jsonLines) trace(s *Step) {
	b, err := json.Marshal(s)
	if err != nil && j.err == nil {
		j.err = err
	}
	j.write(append(b, '\n'))
}

func (j *jsonLines) log(s *Step) {
	j.buf = s.appendLogEntry(j.buf[:0])
	j.write(j.buf)
}

func (j *jsonLines) flush() error {
	if j.err == nil {
		j.err = j.w.Flush()
	}
	return j.err
}
