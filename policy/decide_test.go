package policy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// engineFor loads entities from text and returns an engine over them.
func engineFor(t *testing.T, entities string, cfg Config) *Engine {
	t.Helper()
	s, problems := loadText(t, map[string]string{"e.json": entities})
	for _, p := range problems {
		if !strings.HasPrefix(p, "warning: ") {
			t.Fatalf("problem: %s", p)
		}
	}
	return NewEngine(s, cfg)
}

func decide(t *testing.T, e *Engine, req Request) Decision {
	t.Helper()
	d, err := e.Decide(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRuleEffects checks rules as ARPOC documents them: a true condition
// gives the effect, a false one the opposite, a missing attribute a deny.
func TestRuleEffects(t *testing.T) {
	e := engineFor(t, `{
"grant": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["pg"]},
"deny": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["pd"]},
"pg": {"Type": "Policy", "Resolver": "ANY", "Rules": ["g"]},
"pd": {"Type": "Policy", "Resolver": "ANY", "Rules": ["d"]},
"g": {"Type": "Rule", "Condition": "subject.ok", "Effect": "GRANT"},
"d": {"Type": "Rule", "Condition": "subject.ok", "Effect": "DENY"}
}`, Config{})
	for _, tt := range []struct {
		set     string
		subject map[string]any
		want    Result
	}{
		{"grant", map[string]any{"ok": true}, Grant},
		{"grant", map[string]any{"ok": false}, Deny},
		{"grant", nil, Deny},
		{"deny", map[string]any{"ok": true}, Deny},
		{"deny", map[string]any{"ok": false}, Grant}, // ARPOC's code gives DENY; its documentation GRANT
		{"deny", nil, Deny},
	} {
		d := decide(t, e, Request{PolicySet: tt.set, Attributes: Attributes{Subject: tt.subject}})
		if d.Result != tt.want {
			t.Errorf("%s with %v: %s, want %s\n%s", tt.set, tt.subject, d.Result, tt.want, d.Explain())
		}
	}
}

func TestCombiner(t *testing.T) {
	const (
		G = "G"  // grant
		D = "D"  // deny
		N = "N"  // not applicable
		I = "I"  // incomplete, not applicable (a target needed a missing attribute)
		J = "ID" // incomplete deny (a condition needed a missing attribute)
	)
	parse := func(s string) (Result, bool) {
		switch s {
		case G:
			return Grant, false
		case D:
			return Deny, false
		case I:
			return NotApplicable, true
		case J:
			return Deny, true
		}
		return NotApplicable, false
	}
	for _, tt := range []struct {
		alg     Resolver
		in      []string
		want    string // result and, after a space, "incomplete"
		evalLen int    // results taken before the outcome settled
	}{
		{Any, nil, "NOT_APPLICABLE", 0},
		{Any, []string{N, D, G, D}, "GRANT", 3},
		{Any, []string{D, N}, "DENY", 2},
		{Any, []string{I, N}, "NOT_APPLICABLE", 2},
		{Any, []string{J, N}, "DENY", 2},
		{And, []string{G, N, G}, "GRANT", 3},
		{And, []string{G, D, G}, "DENY", 2},
		{And, []string{I, G}, "GRANT", 2},
		{And, []string{N, N}, "NOT_APPLICABLE", 2},
		{DenyOverrides, []string{G, G}, "GRANT", 2},
		{DenyOverrides, []string{G, D, G}, "DENY", 2},
		{DenyOverrides, []string{G, I}, "DENY incomplete", 2},
		{DenyOverrides, []string{I, D}, "DENY", 2},
		{DenyOverrides, []string{J, G}, "DENY incomplete", 2},
		{DenyOverrides, []string{N}, "NOT_APPLICABLE", 1},
		{PermitOverrides, []string{D, G, D}, "GRANT", 2},
		{PermitOverrides, []string{D, N}, "DENY", 2},
		{PermitOverrides, []string{I, D}, "DENY incomplete", 2},
		{PermitOverrides, []string{I, G}, "GRANT", 2},
		{PermitOverrides, []string{N, N}, "NOT_APPLICABLE", 2},
		{FirstApplicable, []string{N, D, G}, "DENY", 2},
		{FirstApplicable, []string{N, G, D}, "GRANT", 2},
		{FirstApplicable, []string{N, I, G}, "DENY incomplete", 2},
		{FirstApplicable, []string{N, N}, "NOT_APPLICABLE", 2},
	} {
		c := combiner{alg: tt.alg}
		taken := 0
		for _, s := range tt.in {
			taken++
			if c.add(parse(s)) {
				break
			}
		}
		r, incomplete := c.result()
		got := r.String()
		if incomplete {
			got += " incomplete"
		}
		if got != tt.want || taken != tt.evalLen {
			t.Errorf("%s %v = %s after %d, want %s after %d", tt.alg, tt.in, got, taken, tt.want, tt.evalLen)
		}
	}
}

// recordingEnv is an EnvironmentSource that knows some keys, counts what
// it is asked, and fails for "broken".
type recordingEnv struct {
	mu     sync.Mutex
	values map[string]any
	asked  []string
}

func (r *recordingEnv) Environment(_ context.Context, path string, attrs *Attributes) (string, any, error) {
	r.mu.Lock()
	r.asked = append(r.asked, path)
	r.mu.Unlock()
	if path == "broken" {
		return "", nil, errors.New("plugin p, environment broken: unavailable: no source")
	}
	if path == "liar" {
		return "other", 1, nil
	}
	for key, v := range r.values {
		if Covers(key, path) {
			return key, v, nil
		}
	}
	if key, _, ok := strings.Cut(path, "."); ok && key == "unknown" {
		return key, nil, nil
	}
	return "", nil, nil
}

func TestEnvironmentSource(t *testing.T) {
	src := &recordingEnv{values: map[string]any{"hour": 10, "geo": map[string]any{"country": "DE", "city": "Berlin"}}}
	e := engineFor(t, `{
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "AND", "Rules": ["r1", "r2", "r3"]},
"r1": {"Type": "Rule", "Condition": "environment.hour >= 8 and environment.hour < 18", "Effect": "GRANT"},
"r2": {"Type": "Rule", "Condition": "environment.geo.country == 'DE' and environment.geo.city == 'Berlin'", "Effect": "GRANT"},
"r3": {"Type": "Rule", "Target": "exists environment.unknown", "Condition": "environment.unknown", "Effect": "GRANT"},
"lazy": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["lp"]},
"lp": {"Type": "Policy", "Resolver": "ANY", "Rules": ["l1", "l2"]},
"l1": {"Type": "Rule", "Condition": "True or environment.hour", "Effect": "GRANT"},
"l2": {"Type": "Rule", "Condition": "environment.geo", "Effect": "GRANT"},
"unknown": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["up"]},
"up": {"Type": "Policy", "Resolver": "ANY", "Rules": ["u"]},
"u": {"Type": "Rule", "Condition": "exists environment.unknown.a or exists environment.unknown.b", "Effect": "GRANT"},
"broken": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["bp"]},
"bp": {"Type": "Policy", "Resolver": "ANY", "Rules": ["b"]},
"b": {"Type": "Rule", "Condition": "exists environment.broken", "Effect": "GRANT"},
"liar": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["lip"]},
"lip": {"Type": "Policy", "Resolver": "ANY", "Rules": ["li"]},
"li": {"Type": "Rule", "Condition": "environment.liar", "Effect": "GRANT"}
}`, Config{Environment: src})

	d := decide(t, e, Request{PolicySet: "s"})
	if d.Result != Grant {
		t.Errorf("result %s\n%s", d.Result, d.Explain())
	}
	if want := []string{"hour", "geo.country", "unknown"}; !slices.Equal(src.asked, want) {
		t.Errorf("asked %v, want each attribute once: %v", src.asked, want)
	}

	// The request's own environment attributes are not asked for; and and
	// or ask only for what they need.
	src.asked = nil
	d = decide(t, e, Request{PolicySet: "s", Attributes: Attributes{Environment: map[string]any{"hour": 9}}})
	if d.Result != Grant || !slices.Equal(src.asked, []string{"geo.country", "unknown"}) {
		t.Errorf("result %s, asked %v", d.Result, src.asked)
	}
	src.asked = nil
	if d = decide(t, e, Request{PolicySet: "lazy"}); d.Result != Grant || len(src.asked) != 0 {
		t.Errorf("lazy: result %s, asked %v, want nothing asked", d.Result, src.asked)
	}

	src.asked = nil
	if d = decide(t, e, Request{PolicySet: "unknown"}); d.Result != Deny || !slices.Equal(src.asked, []string{"unknown.a"}) {
		t.Errorf("unknown: result %s, asked %v; want the unknown key asked once", d.Result, src.asked)
	}

	d = decide(t, e, Request{PolicySet: "broken"})
	want := `rule "b": Condition: environment.broken: plugin p, environment broken: unavailable: no source`
	if d.Result != Deny || d.Error != want {
		t.Errorf("broken: result %s, error %q, want DENY and %q", d.Result, d.Error, want)
	}
	d = decide(t, e, Request{PolicySet: "liar"})
	if d.Result != Deny || !strings.Contains(d.Error, `environment.liar: the environment source answered with the attribute "other"`) {
		t.Errorf("liar: result %s, error %q", d.Result, d.Error)
	}
}

// setter is an ObjectSetter that returns set and records what it saw.
type setter struct {
	priority int
	set      map[string]any
	err      error
	saw      *[]string
}

func (s setter) Priority() int { return s.priority }

func (s setter) SetObject(_ context.Context, object map[string]any, path string) (map[string]any, error) {
	*s.saw = append(*s.saw, fmt.Sprintf("%d %s %v", s.priority, path, object))
	return s.set, s.err
}

func TestObjectSetters(t *testing.T) {
	e := engineFor(t, `{
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "AND", "Rules": ["r1", "r2"]},
"s1": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["p1"]},
"p1": {"Type": "Policy", "Resolver": "AND", "Rules": ["r1"]},
"r1": {"Type": "Rule", "Condition": "object.path == 'docs/a'", "Effect": "GRANT"},
"r2": {"Type": "Rule", "Condition": "object.owner == 'ann' and not exists object.gone and object.level > 1", "Effect": "GRANT"}
}`, Config{})
	var saw []string
	setters := []ObjectSetter{
		setter{priority: 50, set: map[string]any{"owner": "ann", "level": 3}, saw: &saw},
		setter{priority: 10, set: map[string]any{"owner": "bob", "gone": "x", "level": 1}, saw: &saw},
		setter{priority: 30, set: map[string]any{"gone": nil}, saw: &saw},
	}
	object := map[string]any{"path": "docs/a"}
	req := Request{PolicySet: "s", Attributes: Attributes{Object: object}, Path: "/docs/a", ObjectSetters: setters}
	d := decide(t, e, req)
	if d.Result != Grant {
		t.Errorf("result %s\n%s", d.Result, d.Explain())
	}
	want := []string{
		"10 /docs/a map[path:docs/a]",
		"30 /docs/a map[gone:x level:1 owner:bob path:docs/a]",
		"50 /docs/a map[level:1 owner:bob path:docs/a]",
	}
	if !slices.Equal(saw, want) {
		t.Errorf("setters saw:\n%s\nwant:\n%s", strings.Join(saw, "\n"), strings.Join(want, "\n"))
	}
	if !maps.Equal(object, map[string]any{"path": "docs/a"}) {
		t.Errorf("the request's object changed: %v", object)
	}

	// Not run when the request has every object attribute needed.
	saw = nil
	if d = decide(t, e, Request{PolicySet: "s1", Attributes: req.Attributes, ObjectSetters: setters}); d.Result != Grant || len(saw) != 0 {
		t.Errorf("result %s, setters ran: %v", d.Result, saw)
	}

	// An error fails the decision.
	req.ObjectSetters = []ObjectSetter{setter{err: errors.New("plugin j, object json: unavailable: refused"), saw: &saw}}
	d = decide(t, e, req)
	if want := `rule "r2": Condition: object.owner: plugin j, object json: unavailable: refused`; d.Result != Deny || d.Error != want {
		t.Errorf("result %s, error %q, want %q", d.Result, d.Error, want)
	}
}

// contextRunner is an ObligationRunner that fails "fail" and records the
// attributes it is given.
type contextRunner struct {
	attrs []Attributes
	cfgs  []map[string]any
}

func (c *contextRunner) Oblige(_ context.Context, name string, _ Result, attrs *Attributes, cfg map[string]any) (bool, string, error) {
	c.attrs = append(c.attrs, *attrs)
	c.cfgs = append(c.cfgs, cfg)
	if name == "fail" {
		return false, "", errors.New("plugin o, obligation fail: internal: disk full")
	}
	return true, "", nil
}

func TestObligations(t *testing.T) {
	entities := `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p1", "p2"], "Obligations": ["log", "audit"]},
"p1": {"Type": "Policy", "Resolver": "AND", "Rules": ["r1", "r2"], "Obligations": ["log"]},
"p2": {"Type": "Policy", "Resolver": "AND", "Rules": ["r1"], "Obligations": ["never"]},
"r1": {"Type": "Rule", "Condition": "environment.hour > 8", "Effect": "GRANT", "Obligations": ["audit"]},
"r2": {"Type": "Rule", "Target": "False", "Condition": "True", "Effect": "GRANT", "Obligations": ["never"]},
"f": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p1"], "Obligations": ["fail"]},
"t": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["tp"], "Obligations": ["log"]},
"tp": {"Type": "Policy", "Resolver": "ANY", "Rules": ["te"]},
"te": {"Type": "Rule", "Condition": "subject.age > 'x'", "Effect": "GRANT"}
}`
	runner := &contextRunner{}
	e := engineFor(t, entities, Config{Obligations: runner, Environment: &recordingEnv{values: map[string]any{"hour": 9}}})
	d := decide(t, e, Request{PolicySet: "s", ObligationConfig: map[string]map[string]any{"audit": {"to": "siem"}}})
	want := []ObligationResult{
		{Name: "audit", Fulfilled: true, Entities: []string{"r1", "s"}},
		{Name: "log", Fulfilled: true, Entities: []string{"p1", "s"}},
	}
	if d.Result != Grant || !reflect.DeepEqual(d.Obligations, want) {
		t.Errorf("result %s, obligations %+v, want %+v", d.Result, d.Obligations, want)
	}
	if got := runner.attrs[0].Environment["hour"]; got != 9 {
		t.Errorf("obligations saw environment %v, want the fetched hour", runner.attrs[0].Environment)
	}
	if !reflect.DeepEqual(runner.cfgs, []map[string]any{{"to": "siem"}, nil}) {
		t.Errorf("configurations %v", runner.cfgs)
	}

	d = decide(t, e, Request{PolicySet: "f"})
	if d.Result != Deny || d.Effect != Grant || d.Obligations[2].Fulfilled || d.Obligations[2].Reason != "plugin o, obligation fail: internal: disk full" {
		t.Errorf("failing obligation: %+v", d)
	}

	runner.attrs = nil
	d = decide(t, e, Request{PolicySet: "t", Attributes: Attributes{Subject: map[string]any{"age": 3}}})
	if d.Result != Deny || len(runner.attrs) != 0 || d.Obligations != nil {
		t.Errorf("a failed evaluation ran obligations: %+v", d)
	}

	// Without a runner no obligation is fulfilled.
	e = engineFor(t, entities, Config{Environment: &recordingEnv{values: map[string]any{"hour": 9}}})
	d = decide(t, e, Request{PolicySet: "s"})
	if d.Result != Deny || d.Effect != Grant || d.Obligations[0].Fulfilled || !strings.Contains(d.Obligations[0].Reason, "no obligation runner") {
		t.Errorf("without a runner: %+v", d)
	}
}

// TestSharedEntity checks that an entity contained twice is evaluated
// once and gives its result to both containers (ARPOC gives it to the
// first only).
func TestSharedEntity(t *testing.T) {
	src := &recordingEnv{values: map[string]any{"hour": 9}}
	e := engineFor(t, `{
"s": {"Type": "PolicySet", "Resolver": "AND", "Policies": ["p1", "p2"]},
"p1": {"Type": "Policy", "Resolver": "AND", "Rules": ["r"]},
"p2": {"Type": "Policy", "Resolver": "AND", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "environment.hour > 8", "Effect": "DENY"}
}`, Config{Environment: src})
	d := decide(t, e, Request{PolicySet: "s"})
	if d.Result != Deny || len(src.asked) != 1 {
		t.Errorf("result %s, asked %v", d.Result, src.asked)
	}
	want := `policy set s: DENY (AND)
  policy p1: DENY (AND)
    rule r: DENY (condition is true)
`
	if got := d.Explain(); got != want {
		t.Errorf("explanation:\n%s\nwant:\n%s", got, want)
	}
}

func TestExplain(t *testing.T) {
	s, _ := loadText(t, map[string]string{"e.json": `{
"s": {"Type": "PolicySet", "Resolver": "deny-overrides", "PolicySets": ["inner"], "Policies": ["p1", "p2", "p3"]},
"inner": {"Type": "PolicySet", "Resolver": "ANY", "Target": "subject.role == 'x'", "Policies": ["p1"]},
"p1": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r1", "r2"]},
"p2": {"Type": "Policy", "Resolver": "ANY", "Target": "exists subject.email", "Rules": ["r1"]},
"p3": {"Type": "Policy", "Resolver": "ANY", "Target": "subject.email startswith 'a'", "Rules": ["r1"]},
"r1": {"Type": "Rule", "Condition": "subject.age > 18", "Effect": "GRANT"},
"r2": {"Type": "Rule", "Condition": "True", "Effect": "GRANT"},
"x": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["gone"]}
}`})
	e := NewEngine(s, Config{})
	d := decide(t, e, Request{PolicySet: "s", Attributes: Attributes{Subject: map[string]any{"role": "y"}}})
	want := `policy set s: DENY, incomplete (deny-overrides)
  policy set inner: NOT_APPLICABLE (target is false)
  policy p1: GRANT (ANY)
    rule r1: DENY, incomplete (condition needs subject.age)
    rule r2: GRANT (condition is true)
  policy p2: NOT_APPLICABLE (target is false)
  policy p3: NOT_APPLICABLE, incomplete (target needs subject.email)
`
	if got := d.Explain(); got != want {
		t.Errorf("explanation:\n%s\nwant:\n%s", got, want)
	}
	if !slices.Equal(d.Missing, []string{"subject.age", "subject.email"}) {
		t.Errorf("missing %v", d.Missing)
	}
	d = decide(t, e, Request{PolicySet: "x"})
	if want := "policy set x: NOT_APPLICABLE, incomplete (no policy \"gone\" is loaded)\n"; d.Explain() != want {
		t.Errorf("explanation:\n%s\nwant:\n%s", d.Explain(), want)
	}
	d = decide(t, e, Request{PolicySet: "s", Attributes: Attributes{Subject: map[string]any{"role": "x", "age": "old"}}})
	want = `policy set s: DENY (deny-overrides failed)
  policy set inner: DENY (ANY failed)
    policy p1: DENY (ANY failed)
      rule r1: DENY (failed: rule "r1": Condition, column 13: > needs two numbers or booleans, two strings or two lists, not string 'old' and integer 18)
`
	if got := d.Explain(); got != want || d.Result != Deny {
		t.Errorf("explanation:\n%s\nwant:\n%s", got, want)
	}
}

// TestConcurrentDecisions decides from many goroutines while the
// snapshot is swapped; run it with -race.
func TestConcurrentDecisions(t *testing.T) {
	s1, _ := loadText(t, map[string]string{"e.json": `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "environment.n > 0 and object.k == 1", "Effect": "GRANT"}
}`})
	s2, _ := loadText(t, map[string]string{"e.json": `{
"s": {"Type": "PolicySet", "Resolver": "ANY", "Policies": ["p"]},
"p": {"Type": "Policy", "Resolver": "ANY", "Rules": ["r"]},
"r": {"Type": "Rule", "Condition": "environment.n > 0 and object.k == 1", "Effect": "DENY"}
}`})
	e := NewEngine(s1, Config{Environment: &recordingEnv{values: map[string]any{"n": 1}}, Obligations: &fulfil{}})
	object := map[string]any{"j": 1}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var saw []string
			for i := range 200 {
				if g == 0 && i%20 == 0 {
					if i%40 == 0 {
						e.Swap(s2)
					} else {
						e.Swap(s1)
					}
				}
				setters := []ObjectSetter{setter{set: map[string]any{"k": 1}, saw: &saw}}
				d, err := e.Decide(context.Background(), Request{PolicySet: "s", Attributes: Attributes{Object: object}, ObjectSetters: setters})
				if err != nil || d.Result == NotApplicable || d.Error != "" {
					t.Errorf("decision %+v, %v", d, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(object) != 1 {
		t.Errorf("the request's object changed: %v", object)
	}
}
