// Package model holds socio-technical security models: locations joined by
// guarded connections, possessibles (credentials and documents) lying at
// locations or held by actors, and actors with roles, holdings and goals.
//
// A Model is built once by a Builder, which checks it, and is read-only
// afterwards. Every list it returns is sorted by name, so that whatever is
// computed from a model comes out in the same order on every run. The
// connections form a github.com/dominikbraun/graph graph (Model.Graph); the
// algorithms read the same graph through an index of integer node ids
// (Model.Len, Model.Out) that the Builder derives from it.
package model

import (
	"fmt"
	"math"
	"strings"
)

// Kind is what a declared name stands for. Locations, roles, possessibles
// and actors share one namespace: a name is declared once, as one kind.
type Kind uint8

// The kinds of names.
const (
	KindLocation Kind = iota + 1
	KindRole
	KindCredential
	KindDocument
	KindActor
)

var kindNames = [...]string{KindLocation: "location", KindRole: "role", KindCredential: "credential", KindDocument: "document", KindActor: "actor"}

// String returns the kind's name as the model language writes it.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Possessible reports whether k is a kind of possessible.
func (k Kind) Possessible() bool { return k == KindCredential || k == KindDocument }

// Action is what an actor does: move along a connection, or take, read or
// drop a possessible.
type Action uint8

// The actions. A connection's policy governs Move; a possessible's policy
// governs Take, Read (documents only) and Drop.
const (
	Move Action = iota
	Take
	Read
	Drop
	NumActions // the number of actions, for arrays indexed by Action
)

var actionNames = [...]string{Move: "move", Take: "take", Read: "read", Drop: "drop"}

// String returns the action's name: move, take, read or drop.
func (a Action) String() string {
	if a < NumActions {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", uint8(a))
}

// LogField is a detail that a log rule records of an action.
type LogField uint8

// The log fields, in the order log entries write them.
const (
	LogAction      LogField = iota // the action taken ("move")
	LogSource                      // the location of the actor when it acted
	LogTarget                      // the location moved to, if any
	LogPossessible                 // the possessible acted on, if any
	LogCredentials                 // the credentials that authorised the action
	LogActor                       // the actor
	// LogOutcome records how the action turned out (ok, or why it
	// failed); rules that record it log failed attempts as well as
	// successes.
	LogOutcome
	numLogFields
)

var logFieldNames = [...]string{"action", "source", "target", "possessible", "credentials", "actor", "outcome"}

// String returns the field's name as the model language and log entries
// write it.
func (f LogField) String() string {
	if f < numLogFields {
		return logFieldNames[f]
	}
	return fmt.Sprintf("LogField(%d)", uint8(f))
}

// ParseLogField returns the log field named s.
func ParseLogField(s string) (LogField, bool) {
	for f, n := range logFieldNames {
		if n == s {
			return LogField(f), true
		}
	}
	return 0, false
}

// LogRules is the set of fields an action's log entry records. The zero
// LogRules means the action is not logged.
type LogRules uint8

// DefaultLog is the set `log` alone stands for: action, source, target,
// possessible and credentials (every field but the actor and the
// outcome: successes only).
const DefaultLog = LogRules(1<<LogAction | 1<<LogSource | 1<<LogTarget | 1<<LogPossessible | 1<<LogCredentials)

// allLog is every field.
const allLog = LogRules(1<<numLogFields - 1)

// LogFields returns the rules that record exactly fields.
func LogFields(fields ...LogField) LogRules {
	var r LogRules
	for _, f := range fields {
		r |= 1 << f
	}
	return r
}

// Has reports whether the rules record f.
func (r LogRules) Has(f LogField) bool { return r&(1<<f) != 0 }

// Attempts reports whether the rules log failed attempts too: whether
// they record the outcome.
func (r LogRules) Attempts() bool { return r.Has(LogOutcome) }

// Fields returns the recorded fields in log order.
func (r LogRules) Fields() []LogField {
	var out []LogField
	for f := range numLogFields {
		if r.Has(f) {
			out = append(out, f)
		}
	}
	return out
}

// MarshalText writes the rules as the field names, comma-separated.
func (r LogRules) MarshalText() ([]byte, error) {
	var b []byte
	for i, f := range r.Fields() {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, f.String()...)
	}
	return b, nil
}

// UnmarshalText reads field names, comma-separated, as MarshalText writes
// them.
func (r *LogRules) UnmarshalText(b []byte) error {
	*r = 0
	if len(b) == 0 {
		return nil
	}
	for _, name := range strings.Split(string(b), ",") {
		f, ok := ParseLogField(name)
		if !ok {
			return fmt.Errorf("unknown log field %q", name)
		}
		*r |= 1 << f
	}
	return nil
}

// Annotation is the cost of an action: the chance that it fails and the
// ticks it keeps the actor busy.
type Annotation struct {
	Risk float64 // percent, 0 to 100, as the model language writes it
	Time int64   // ticks, at least 1
}

// MaxTime is the longest time an action may take, in ticks.
const MaxTime = math.MaxInt32

// DefaultAnnotation is the annotation of an action written without one:
// no risk, one tick.
var DefaultAnnotation = Annotation{Risk: 0, Time: 1}

// Probability returns the risk as a probability, 0 to 1.
func (a Annotation) Probability() float64 { return a.Risk / 100 }

func (a Annotation) check() error {
	if math.IsNaN(a.Risk) || a.Risk < 0 || a.Risk > 100 {
		return fmt.Errorf("risk %v%% is not between 0%% and 100%%", a.Risk)
	}
	if a.Time < 1 || a.Time > MaxTime {
		return fmt.Errorf("time %d is not between 1 and %d ticks", a.Time, MaxTime)
	}
	return nil
}

// Restrictions are what a component requires of an actor: every credential
// held and every role had. Empty restrictions (`*`) allow anyone. The
// Builder sorts both lists.
type Restrictions struct {
	Credentials []string
	Roles       []string
}

// Component is one way to be allowed an action: its restrictions, its
// annotation and its log rules.
type Component struct {
	Restrictions Restrictions
	Annotation   Annotation
	Log          LogRules

	// The restrictions as ids of the model the component belongs to.
	creds, roles Set
}

// Allows reports whether an actor holding the credentials creds (possessible
// ids) and having the roles roles (role ids) meets c's restrictions. It
// answers for components of a built model only.
func (c *Component) Allows(creds, roles Set) bool {
	return creds.Contains(c.creds) && roles.Contains(c.roles)
}

// AccessPolicy is what an action requires: any one of its components
// allows it. An empty policy allows nothing.
type AccessPolicy []Component

// Policies holds an access policy for each action.
type Policies [NumActions]AccessPolicy

// DefaultPolicies returns the policies of a possessible that the model
// language gives none: anyone may take and drop it, and read it if it is a
// document, with the default annotation and no log.
func DefaultPolicies(kind Kind) Policies {
	open := AccessPolicy{{Annotation: DefaultAnnotation}}
	p := Policies{Take: open, Drop: open}
	if kind == KindDocument {
		p[Read] = open
	}
	return p
}

// Possessible is a credential or a document: its name, kind, where it lies
// at the start (a location, or "" when it lies nowhere, e.g. when an actor
// holds it) and the policies of the actions on it.
type Possessible struct {
	Name     string
	Kind     Kind
	At       string
	Policies Policies
}

// Actor is someone in the model: its roles, start location, holdings and
// goals. A goal names a location (be there) or a possessible (hold it, or
// for a document, hold it or have read it).
type Actor struct {
	Name  string
	Roles []string
	At    string
	Holds []string
	Goals []string
}

// Connection is a directed edge between two locations and the policy of
// moving along it (Policies[Move]; the other actions are empty).
type Connection struct {
	From, To string
	Policies Policies
}

// Arc is a connection as the index sees it: the ids of its locations.
type Arc struct {
	From, To int
	Conn     *Connection
}
