package arpoccompat

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/policy"
)

// ref names a loaded entity.
type ref struct {
	kind policy.Kind
	id   string
}

// reference is a place where a container names an entity it contains.
type reference struct {
	container policy.Entity
	key       string
}

// graph is the containment of the loaded entities.
type graph struct {
	s     *policy.Snapshot
	reach map[ref][]ref // the entities a decision from one may evaluate, itself first, in order
}

// children returns the entities e contains, in the order of evaluation,
// with the key that names each.
func children(e policy.Entity) (refs []ref, keys []string) {
	add := func(kind policy.Kind, key string, ids []string) {
		for _, id := range ids {
			refs = append(refs, ref{kind, id})
			keys = append(keys, key)
		}
	}
	add(policy.KindPolicySet, "PolicySets", e.PolicySets)
	add(policy.KindPolicy, "Policies", e.Policies)
	add(policy.KindRule, "Rules", e.Rules)
	return refs, keys
}

// reachable returns the loaded entities a decision from r may evaluate,
// r first, each once, in the order of evaluation.
func (g *graph) reachable(r ref) []ref {
	if out, ok := g.reach[r]; ok {
		return out
	}
	g.reach[r] = nil // policy sets that contain themselves are refused; this bounds the walk all the same
	e, ok := g.s.Entity(r.kind, r.id)
	if !ok {
		return nil
	}
	out := []ref{r}
	kids, _ := children(e)
	for _, k := range kids {
		for _, x := range g.reachable(k) {
			if !containsRef(out, x) {
				out = append(out, x)
			}
		}
	}
	g.reach[r] = out
	return out
}

func containsRef(refs []ref, r ref) bool {
	for _, x := range refs {
		if x == r {
			return true
		}
	}
	return false
}

// together reports whether one decision may evaluate both a and b.
func (g *graph) together(a, b ref) bool {
	for _, id := range g.s.PolicySets() {
		r := g.reachable(ref{policy.KindPolicySet, id})
		if containsRef(r, a) && containsRef(r, b) {
			return true
		}
	}
	return false
}

// containers reports entities contained twice, policy sets whose first
// policy ARPOC evaluates after the result is settled, and obligations
// named more than once in a decision.
func (c *checker) containers(ents []policy.Entity) {
	g := &graph{s: c.s, reach: map[ref][]ref{}}
	refs := map[ref][]reference{}
	var order []ref
	for _, e := range ents {
		kids, keys := children(e)
		for i, k := range kids {
			if _, loaded := c.s.Entity(k.kind, k.id); !loaded {
				continue
			}
			if refs[k] == nil {
				order = append(order, k)
			}
			refs[k] = append(refs[k], reference{e, keys[i]})
		}
		c.settled(g, e)
	}
	for _, k := range order {
		rs := refs[k]
		first := rs[0]
		for _, r := range rs[1:] {
			self := ref{first.container.Kind, first.container.ID}
			other := ref{r.container.Kind, r.container.ID}
			if self != other && !g.together(self, other) {
				continue
			}
			f := c.at(r.container, r.key, 0, ContainedTwice)
			f.Message = fmt.Sprintf("%s %q is contained here and by %s %q: ARPOC evaluates it once and skips it the second time, so the container that reaches it second never hears its result; Gatehouse gives its result to both",
				kindWord(k.kind), k.id, kindWord(first.container.Kind), first.container.ID)
			f.Rewrite = fmt.Sprintf("in the decisions that reach both, remove %q from the %s of the container evaluated second (policy sets before policies, in the order listed), which is what ARPOC's code leaves it", k.id, r.key)
			c.add(f)
		}
	}
	c.sharedIDs(g, ents)
	c.obligations(g, ents)
}

// sharedIDs reports entities of two kinds with one id that one decision
// may evaluate: ARPOC keeps one result per id, whatever the kind, so it
// skips the second as if it were the first, contained twice.
func (c *checker) sharedIDs(g *graph, ents []policy.Entity) {
	for i, e := range ents {
		for _, x := range ents[:i] {
			if x.ID != e.ID || x.Kind == e.Kind || !g.together(ref{x.Kind, x.ID}, ref{e.Kind, e.ID}) {
				continue
			}
			f := c.at(e, "", 0, ContainedTwice)
			f.Message = fmt.Sprintf("the %s %q shares its id with the %s at %s:%d: ARPOC keeps one result per id, whatever the kind, so in a decision that evaluates both it skips the one it reaches second and gives its container the other's result",
				kindWord(e.Kind), e.ID, kindWord(x.Kind), x.File, x.Line)
			f.Rewrite = "give one of them an id of its own; to keep ARPOC's decisions, remove the one evaluated second from its container, as for an entity contained twice"
			c.add(f)
			break
		}
	}
}

// kindWord names a kind in a message.
func kindWord(k policy.Kind) string {
	return [...]string{"policy set", "policy", "rule"}[k]
}

// settled reports a policy set with PolicySets and Policies whose first
// policy names obligations: once the policy sets settle its resolver,
// ARPOC still evaluates that policy and runs its obligations.
func (c *checker) settled(g *graph, e policy.Entity) {
	if e.Kind != policy.KindPolicySet || len(e.PolicySets) == 0 || len(e.Policies) == 0 {
		return
	}
	var names []string
	for _, r := range g.reachable(ref{policy.KindPolicy, e.Policies[0]}) {
		x, _ := c.s.Entity(r.kind, r.id)
		for _, n := range x.Obligations {
			if !contains(names, n) {
				names = append(names, n)
			}
		}
	}
	if len(names) == 0 {
		return
	}
	f := c.at(e, "Policies", 0, SettledResolver)
	f.Message = fmt.Sprintf("when the policy sets settle the %s resolver, Gatehouse stops; ARPOC still evaluates policy %q and runs the obligations %s of the entities in it that apply, whose failure denies",
		e.Resolver, e.Policies[0], strings.Join(names, ", "))
	f.Rewrite = fmt.Sprintf("no rewrite makes Gatehouse evaluate a policy after the result is settled; if those obligations must run, name them on the policy set %q as well (they then run whenever it applies)", e.ID)
	c.add(f)
}

// obligations reports an obligation named by more than one entity that
// one decision may evaluate: ARPOC runs it once for each.
func (c *checker) obligations(g *graph, ents []policy.Entity) {
	type naming struct {
		entity ref
		name   string
	}
	reported := map[naming]bool{}
	for _, e := range ents {
		self := ref{e.Kind, e.ID}
		for i, name := range e.Obligations {
			var other string
			if contains(e.Obligations[:i], name) {
				other = "this entity"
			} else {
				for _, x := range ents {
					xr := ref{x.Kind, x.ID}
					if xr == self {
						break
					}
					if contains(x.Obligations, name) && g.together(self, xr) {
						other = fmt.Sprintf("%s %q", kindWord(x.Kind), x.ID)
						break
					}
				}
			}
			if other == "" || reported[naming{self, name}] {
				continue
			}
			reported[naming{self, name}] = true
			f := c.at(e, "Obligations", 0, ObligationRepeated)
			f.Message = fmt.Sprintf("the obligation %s is named here and by %s: ARPOC runs it once for each entity that names it and applies, Gatehouse once per decision", name, other)
			f.Rewrite = "nothing to rewrite unless running it twice matters (a log line twice, a counter counted twice): Gatehouse runs it once"
			c.add(f)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
