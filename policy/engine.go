package policy

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/policy/expr"
)

// EnvironmentSource supplies the environment attributes a request does not
// carry, such as the time of day. The engine asks it only when an
// expression reads such an attribute, and at most once per key per
// decision.
type EnvironmentSource interface {
	// Environment returns the environment attribute at path, the part of
	// the reference after "environment.". key is the attribute key of the
	// source that holds path (see Covers): path itself, or a prefix of it
	// that ends before a dot, in whose value the engine looks up the rest
	// of path. A nil value means that the attribute is unknown; key is
	// then the key that was asked for, or "" when no key holds path.
	// attrs are the decision's attributes so far; they must not be
	// modified. An error fails the decision.
	Environment(ctx context.Context, path string, attrs *Attributes) (key string, value any, err error)
}

// ObjectSetter supplies attributes of the object being accessed. The
// setters of a request run once per decision, and only when an expression
// reads an object attribute that is missing.
type ObjectSetter interface {
	// Priority orders the setters of a request: lower runs first.
	Priority() int
	// SetObject returns the attributes to merge over object, the object's
	// attributes left by the request and the setters before; it must not
	// modify object. path is the request's Path. Each returned attribute
	// replaces the one of its name, and a nil value removes it. An error
	// fails the decision.
	SetObject(ctx context.Context, object map[string]any, path string) (map[string]any, error)
}

// ObligationRunner runs the obligations that the entities of a decision
// name.
type ObligationRunner interface {
	// Oblige runs the obligation name after a policy set yielded effect.
	// attrs are the decision's attributes, with the environment attributes
	// fetched and the object attributes set during it; they must not be
	// modified. config is the request's configuration of the obligation.
	// It reports whether the obligation was fulfilled, and why not; an
	// error counts as not fulfilled.
	Oblige(ctx context.Context, name string, effect Result, attrs *Attributes, config map[string]any) (fulfilled bool, reason string, err error)
}

// Config configures an Engine. Every field may be nil.
type Config struct {
	// Environment supplies environment attributes that requests lack.
	// Without it, they come from requests only.
	Environment EnvironmentSource
	// Obligations runs obligations. Without it no obligation is
	// fulfilled, so no decision that carries one grants access.
	Obligations ObligationRunner
	// Compat is CompatARPOCCode to decide as ARPOC's code does where it
	// departs from its documentation; the zero value decides as
	// documented.
	Compat Compat
}

// Compat chooses between ARPOC's documentation and ARPOC's code where the
// two decide differently.
type Compat uint8

// The ways to decide.
const (
	// CompatDocumented decides as ARPOC's documentation says: a DENY rule
	// whose condition is false grants.
	CompatDocumented Compat = iota
	// CompatARPOCCode decides as ARPOC's code does: a DENY rule whose
	// condition is false denies.
	CompatARPOCCode
)

// ParseCompat reads the name of a Compat as the configuration writes it:
// "" for CompatDocumented, "arpoc-code" for CompatARPOCCode.
func ParseCompat(s string) (Compat, error) {
	switch s {
	case "":
		return CompatDocumented, nil
	case "arpoc-code":
		return CompatARPOCCode, nil
	}
	return 0, fmt.Errorf("%q is not arpoc-code (or empty, to decide as documented)", s)
}

// Decider decides access requests. *Engine is one; so are the wrappers
// that log its decisions, and the decision point of gatehouse serve
// (package policy/pdp), so that the parts of a server that ask for
// decisions need not know which they hold.
type Decider interface {
	// Decide decides req as Engine.Decide does: the error is for a
	// request that cannot be decided at all, such as one for an unknown
	// policy set; every other failure is the decision's Error.
	Decide(ctx context.Context, req Request) (Decision, error)
}

// Engine decides requests with the entities of a Snapshot, which can be
// replaced while it serves. It is safe for concurrent use.
type Engine struct {
	cfg  Config
	snap atomic.Pointer[Snapshot]
}

// NewEngine returns an engine that decides with the entities of s.
func NewEngine(s *Snapshot, cfg Config) *Engine {
	e := &Engine{cfg: cfg}
	e.snap.Store(s)
	return e
}

// Snapshot returns the entities in use.
func (e *Engine) Snapshot() *Snapshot { return e.snap.Load() }

// Swap puts s in use for the decisions that start from now on; those
// under way finish with the entities they started with. It returns the
// snapshot it replaces.
func (e *Engine) Swap(s *Snapshot) *Snapshot { return e.snap.Swap(s) }

// Request is a decision request.
type Request struct {
	// PolicySet is the id of the policy set to evaluate.
	PolicySet string
	// Attributes are the subject, object, environment and access
	// attributes the request carries. Decide does not modify them.
	Attributes Attributes
	// Path is the path of the request below the service's URL, which
	// object setters receive.
	Path string
	// ObjectSetters supply object attributes that Attributes lack.
	ObjectSetters []ObjectSetter
	// ObligationConfig holds the configuration of each obligation, by
	// name, for the service the request is for.
	ObligationConfig map[string]map[string]any
}

// Decision is the answer to a Request.
type Decision struct {
	PolicySet string `json:"policy_set"`
	// Result is Grant only when the policy set granted, every obligation
	// was fulfilled and nothing failed; it is Deny when an obligation was
	// not fulfilled or the evaluation failed, and else Effect.
	Result Result `json:"result"`
	// Effect is what the policy set yielded, the decision the obligations
	// were told; Deny when the evaluation failed.
	Effect Result `json:"effect"`
	// Obligations are the obligations of the entities that applied, each
	// once, in the order the evaluation met them.
	Obligations []ObligationResult `json:"obligations,omitempty"`
	// Missing are the attributes the evaluation needed and did not find,
	// as "subject.email", each once, in the order it met them. The
	// subject's tell a proxy which claims to ask for.
	Missing []string `json:"missing,omitempty"`
	// Error says why the evaluation failed: a type error in an expression
	// or an error of an attribute source, naming the entity and the
	// column. Obligations do not run when it is set.
	Error string `json:"error,omitempty"`
	// Explanation is the tree of the entities evaluated, from the policy
	// set down, with what each yielded and why; nil (and left out of the
	// JSON) where a caller asked for the decision alone.
	Explanation *Node `json:"explanation,omitempty"`
}

// Granted reports whether access is granted.
func (d *Decision) Granted() bool { return d.Result == Grant }

// ObligationResult is an obligation of a decision and what came of it.
type ObligationResult struct {
	Name      string `json:"name"`
	Fulfilled bool   `json:"fulfilled"`
	// Reason says why the obligation was not fulfilled.
	Reason string `json:"reason,omitempty"`
	// Entities are the ids of the entities that named it.
	Entities []string `json:"entities"`
}

// ErrUnknownPolicySet is the error of Decide for a policy set that is not
// loaded.
var ErrUnknownPolicySet = errors.New("no such policy set is loaded")

// Decide evaluates the policy set of req with req's attributes, runs the
// obligations of the entities that applied, and returns the decision. Its
// error is ErrUnknownPolicySet, wrapped, when the policy set is not
// loaded; every other failure is the decision's Error, and denies access.
func (e *Engine) Decide(ctx context.Context, req Request) (Decision, error) {
	s := e.snap.Load()
	set := s.byKind[KindPolicySet][req.PolicySet]
	if set == nil {
		return Decision{}, fmt.Errorf("policy set %q: %w", req.PolicySet, ErrUnknownPolicySet)
	}
	ev := startEvaluation(ctx, &e.cfg, s, set, req)
	defer ev.finish()
	root := ev.evaluate(set)
	d := Decision{PolicySet: req.PolicySet, Effect: root.Result, Missing: ev.missing, Explanation: root}
	if ev.err != nil {
		d.Result, d.Error = Deny, ev.err.Error()
		return d, nil
	}
	d.Obligations = ev.obligations()
	fulfilled := ev.runObligations(d.Obligations, root.Result)
	d.Result = root.Result
	if d.Result == Grant && !fulfilled {
		d.Result = Deny
	}
	return d, nil
}

// EvalError is the failure of an expression during a decision: a type
// error, or an error of the source of an attribute it read.
type EvalError struct {
	Entity string
	Kind   Kind
	// Field is "Target" or "Condition".
	Field string
	Err   error
}

// Error returns `rule "r1": Condition, column 13: > needs two numbers...`
// for a type error, `rule "r1": Condition: environment.time: ...` for an
// error of a source.
func (e *EvalError) Error() string {
	if xe, ok := e.Err.(*expr.Error); ok {
		return fmt.Sprintf("%s %q: %s, column %d: %s", e.Kind.word(), e.Entity, e.Field, xe.Column, xe.Msg)
	}
	return fmt.Sprintf("%s %q: %s: %v", e.Kind.word(), e.Entity, e.Field, e.Err)
}

// Unwrap returns the error of the expression.
func (e *EvalError) Unwrap() error { return e.Err }
