package policy

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/policy/expr"
)

// evaluation is the state of one decision. It is the expr.Env of the
// expressions it evaluates.
type evaluation struct {
	ctx context.Context
	cfg *Config
	// req is the request; its attributes are in attrs.
	req Request
	// attrs are the request's attributes, with Object and Environment
	// replaced by copies once setters or sources add to them.
	attrs Attributes
	// nodes are the nodes of the entities evaluated, in order, with room
	// for every entity the decision may reach, so that they never move;
	// kids holds their Children. memo maps each entity's index to 1 + its
	// position in nodes, or 0 before it is evaluated.
	nodes   []Node
	kids    []*Node
	memo    []int32
	missing []string
	uses    []obligationUse // the obligations of the entities that applied
	err     error           // the failure that stopped the evaluation

	objectSet bool           // the object setters have run
	fetched   []fetchedValue // environment attributes from the source
	merged    int            // how many of fetched attrs.Environment holds
	unknown   []string       // environment keys the source does not know
}

// obligationUse is an obligation named by an entity that applied.
type obligationUse struct {
	name, entity string
}

// fetchedValue is an environment attribute fetched during a decision.
type fetchedValue struct {
	key   string
	value any
}

// evaluations are reused across decisions; see startEvaluation and finish.
var evaluations = sync.Pool{New: func() any { return new(evaluation) }}

// startEvaluation returns an evaluation of req from the entity top, in s.
func startEvaluation(ctx context.Context, cfg *Config, s *Snapshot, top *entity, req Request) *evaluation {
	ev := evaluations.Get().(*evaluation)
	ev.ctx, ev.cfg, ev.req, ev.attrs = ctx, cfg, req, req.Attributes
	ev.nodes = make([]Node, 0, top.reach)
	ev.kids = make([]*Node, 0, top.reachKids)
	if cap(ev.memo) < len(s.entities) {
		ev.memo = make([]int32, len(s.entities))
	}
	ev.memo = ev.memo[:len(s.entities)]
	return ev
}

// finish puts ev back for another decision. What ev handed to the
// decision (nodes, missing attributes, obligations) stays the decision's.
func (ev *evaluation) finish() {
	for i := range ev.nodes {
		ev.memo[ev.nodes[i].entity] = 0
	}
	clear(ev.fetched)
	clear(ev.unknown)
	clear(ev.uses)
	*ev = evaluation{memo: ev.memo, fetched: ev.fetched[:0], unknown: ev.unknown[:0], uses: ev.uses[:0]}
	evaluations.Put(ev)
}

// evaluate evaluates e, once per decision, and returns its node.
func (ev *evaluation) evaluate(e *entity) *Node {
	if i := ev.memo[e.index]; i > 0 {
		return &ev.nodes[i-1]
	}
	ev.nodes = append(ev.nodes, Node{ID: e.ID, Kind: e.Kind, entity: int32(e.index)})
	ev.memo[e.index] = int32(len(ev.nodes))
	n := &ev.nodes[len(ev.nodes)-1]
	applies, ok := ev.test(n, e, e.target, "Target")
	switch {
	case !ok:
		if ev.err == nil {
			n.Incomplete, n.Reason = true, ReasonTargetMissing
		}
		return n
	case !applies:
		n.Reason = ReasonTargetFalse
		return n
	}
	if e.Kind == KindRule {
		holds, ok := ev.test(n, e, e.condition, "Condition")
		switch {
		case !ok:
			if ev.err == nil {
				n.Result, n.Incomplete, n.Reason = Deny, true, ReasonConditionMissing
			}
			return n
		case holds:
			n.Result, n.Reason = e.Effect, ReasonConditionTrue
		case e.Effect == Deny && ev.cfg.Compat == CompatARPOCCode:
			n.Result, n.Reason, n.Detail = Deny, ReasonConditionFalse, "ARPOC's code: a false condition of a DENY rule denies"
		default:
			n.Result, n.Reason = e.Effect.inverse(), ReasonConditionFalse
		}
	} else {
		n.Resolver = e.Resolver
		start := len(ev.kids)
		ev.kids = ev.kids[:start+len(e.children)]
		n.Children = ev.kids[start:start:len(ev.kids)]
		c := combiner{alg: e.Resolver}
		for _, ch := range e.children {
			if ch.e == nil {
				n.Incomplete, n.Reason, n.Detail = true, ReasonMissingReference, fmt.Sprintf("no %s %q is loaded", ch.kind.word(), ch.id)
				return n
			}
			cn := ev.evaluate(ch.e)
			n.Children = append(n.Children, cn)
			if ev.err != nil {
				n.Result, n.Reason = Deny, ReasonFailed
				return n
			}
			if c.add(cn.Result, cn.Incomplete) {
				break
			}
		}
		n.Result, n.Incomplete = c.result()
		n.Reason = ReasonCombined
	}
	ev.oblige(e)
	return n
}

// test evaluates the expression x, the field of e, for e's node n. ok is
// false when x needed an attribute that is missing, which n records, or
// when the evaluation failed, which sets ev.err.
func (ev *evaluation) test(n *Node, e *entity, x *expr.Expr, field string) (truth, ok bool) {
	truth, err := x.Eval(ev)
	if err == nil {
		return truth, true
	}
	if m, isMissing := err.(*expr.MissingError); isMissing {
		name := m.Attribute.String()
		n.Detail = name
		if !slices.Contains(ev.missing, name) {
			ev.missing = append(ev.missing, name)
		}
		return false, false
	}
	ev.err = &EvalError{Entity: e.ID, Kind: e.Kind, Field: field, Err: err}
	n.Result, n.Reason, n.Detail = Deny, ReasonFailed, ev.err.Error()
	return false, false
}

// oblige records the obligations of e, which applied.
func (ev *evaluation) oblige(e *entity) {
	for _, name := range e.Obligations {
		ev.uses = append(ev.uses, obligationUse{name, e.ID})
	}
}

// obligations returns the obligations recorded, each name once, in the
// order first met, with the entities that named it.
func (ev *evaluation) obligations() []ObligationResult {
	if len(ev.uses) == 0 {
		return nil
	}
	out := make([]ObligationResult, 0, len(ev.uses))
	entities := make([]string, len(ev.uses)) // every Entities, one after another
	k := 0
	for i, u := range ev.uses {
		if slices.ContainsFunc(ev.uses[:i], func(v obligationUse) bool { return v.name == u.name }) {
			continue
		}
		start := k
		for _, v := range ev.uses[i:] {
			if v.name == u.name {
				entities[k] = v.entity
				k++
			}
		}
		out = append(out, ObligationResult{Name: u.name, Entities: entities[start:k:k]})
	}
	return out
}

// runObligations runs every obligation in obs, one after another, and
// reports whether all were fulfilled.
func (ev *evaluation) runObligations(obs []ObligationResult, effect Result) bool {
	all := true
	for i := range obs {
		o := &obs[i]
		if ev.cfg.Obligations == nil {
			o.Reason = "no obligation can run: no obligation runner is configured"
		} else {
			ok, reason, err := ev.cfg.Obligations.Oblige(ev.ctx, o.Name, effect, ev.context(), ev.req.ObligationConfig[o.Name])
			o.Fulfilled, o.Reason = ok && err == nil, reason
			if err != nil {
				o.Reason = err.Error()
			}
		}
		all = all && o.Fulfilled
	}
	return all
}

// Attribute returns the value of the attribute a: from the request, else,
// for the object, from the object setters, and for the environment, from
// the environment source.
func (ev *evaluation) Attribute(a *expr.Attribute) (any, bool, error) {
	switch a.Category {
	case expr.Subject:
		v, ok := lookup(ev.attrs.Subject, a.Segments)
		return v, ok, nil
	case expr.Access:
		v, ok := lookup(ev.attrs.Access, a.Segments)
		return v, ok, nil
	case expr.Object:
		v, ok := lookup(ev.attrs.Object, a.Segments)
		if ok || ev.objectSet || len(ev.req.ObjectSetters) == 0 {
			return v, ok, nil
		}
		if err := ev.setObject(); err != nil {
			return nil, false, fmt.Errorf("%s: %w", a, err)
		}
		v, ok = lookup(ev.attrs.Object, a.Segments)
		return v, ok, nil
	default:
		if v, ok := lookup(ev.attrs.Environment, a.Segments); ok {
			return v, true, nil
		}
		return ev.environment(a)
	}
}

// setObject runs the object setters of the request, lowest priority
// first, each over the attributes the ones before left.
func (ev *evaluation) setObject() error {
	ev.objectSet = true
	setters := slices.Clone(ev.req.ObjectSetters)
	slices.SortStableFunc(setters, func(a, b ObjectSetter) int { return cmp.Compare(a.Priority(), b.Priority()) })
	object := maps.Clone(ev.attrs.Object)
	if object == nil {
		object = map[string]any{}
	}
	for _, s := range setters {
		set, err := s.SetObject(ev.ctx, object, ev.req.Path)
		if err != nil {
			return err
		}
		for k, v := range set {
			if v == nil {
				delete(object, k)
			} else {
				object[k] = v
			}
		}
	}
	ev.attrs.Object = object
	return nil
}

// environment returns the environment attribute a, which the request
// lacks: from a value fetched before in this decision, or from the
// source, which is asked once per key.
func (ev *evaluation) environment(a *expr.Attribute) (any, bool, error) {
	path := a.Path
	for _, f := range ev.fetched {
		if Covers(f.key, path) {
			v, ok := lookupValue(f.value, a.Segments[strings.Count(f.key, ".")+1:])
			return v, ok, nil
		}
	}
	if ev.cfg.Environment == nil || slices.ContainsFunc(ev.unknown, func(key string) bool { return Covers(key, path) }) {
		return nil, false, nil
	}
	key, v, err := ev.cfg.Environment.Environment(ev.ctx, path, ev.context())
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", a, err)
	}
	if key == "" {
		key = path
	}
	if !Covers(key, path) {
		return nil, false, fmt.Errorf("%s: the environment source answered with the attribute %q", a, key)
	}
	if v == nil {
		ev.unknown = append(ev.unknown, key)
		return nil, false, nil
	}
	ev.fetched = append(ev.fetched, fetchedValue{key, v})
	v, ok := lookupValue(v, a.Segments[strings.Count(key, ".")+1:])
	return v, ok, nil
}

// context returns the decision's attributes so far, for sources and
// obligations: the environment attributes fetched are merged into a copy
// of the request's when first needed.
func (ev *evaluation) context() *Attributes {
	for _, f := range ev.fetched[ev.merged:] {
		ev.attrs.Environment = withPath(ev.attrs.Environment, strings.Split(f.key, "."), f.value)
	}
	ev.merged = len(ev.fetched)
	return &ev.attrs
}

// Covers reports whether the environment attribute key holds the
// attribute at path: key is path, or a prefix of it that ends before a
// dot ("geo" holds "geo.country"). An EnvironmentSource answers with such
// a key.
func Covers(key, path string) bool {
	return strings.HasPrefix(path, key) && (len(path) == len(key) || path[len(key)] == '.')
}

// lookup follows path through nested maps from m; ok is false when a key
// is absent, a value on the way is not a map, or the value is nil.
func lookup(m map[string]any, path []string) (any, bool) {
	v, ok := m[path[0]]
	if !ok {
		return nil, false
	}
	return lookupValue(v, path[1:])
}

// lookupValue follows path through nested maps from v.
func lookupValue(v any, path []string) (any, bool) {
	for _, key := range path {
		switch m := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = m[key]; !ok {
				return nil, false
			}
		default:
			rv := reflect.ValueOf(v)
			if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
				return nil, false
			}
			mv := rv.MapIndex(reflect.ValueOf(key).Convert(rv.Type().Key()))
			if !mv.IsValid() {
				return nil, false
			}
			v = mv.Interface()
		}
	}
	return v, v != nil
}

// withPath returns a copy of m with v at the dotted path, copying the maps
// on the way so that m and the maps in it stay as they were. When a value
// on the way is not a map, m is returned as it is.
func withPath(m map[string]any, path []string, v any) map[string]any {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]any{}
	}
	if len(path) == 1 {
		out[path[0]] = v
		return out
	}
	inner, isMap := out[path[0]].(map[string]any)
	if _, present := out[path[0]]; present && !isMap {
		return m
	}
	out[path[0]] = withPath(inner, path[1:], v)
	return out
}
