package simulate

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/sim/model"
)

// Intent is an action an actor chose.
type Intent struct {
	Actor  string
	Action Action
}

// Conflict is a set of actions chosen in one tick on one possessible, at
// least one of them a take: the order in which they are played decides
// which succeed. Intents are in actor order.
type Conflict struct {
	Tick        int64
	Possessible string
	Intents     []Intent
}

// Resolution is how a conflict is resolved: the intents to play, in the
// order to play them, and the intents that fail outright. Together they
// name every intent (by index) once.
type Resolution struct {
	Order []int
	Fail  []int
}

// ConflictHandler resolves conflicts. The simulator plays the intents of
// Order in turn and may still fail those that are no longer possible (a
// second take of the same credential). r is the run's random source; a
// handler that uses it keeps the run reproducible.
type ConflictHandler interface {
	Resolve(c Conflict, r *rand.Rand) Resolution
}

// RandomOrder plays every intent of a conflict, in an order drawn from the
// run's random source: the default handler.
type RandomOrder struct{}

// Resolve shuffles the intents.
func (RandomOrder) Resolve(c Conflict, r *rand.Rand) Resolution {
	order := identity(len(c.Intents))
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	return Resolution{Order: order}
}

// Priority plays every intent of a conflict, the actors it lists first in
// its order, then the others in actor order.
type Priority []string

// Resolve orders the intents by the actors' places in p.
func (p Priority) Resolve(c Conflict, _ *rand.Rand) Resolution {
	rank := func(actor string) int {
		if i := slices.Index(p, actor); i >= 0 {
			return i
		}
		return len(p)
	}
	order := identity(len(c.Intents))
	slices.SortStableFunc(order, func(i, j int) int { return rank(c.Intents[i].Actor) - rank(c.Intents[j].Actor) })
	return Resolution{Order: order}
}

// FailAll fails every intent of a conflict: when two reach for the same
// thing, neither gets it.
type FailAll struct{}

// Resolve fails every intent.
func (FailAll) Resolve(c Conflict, _ *rand.Rand) Resolution {
	return Resolution{Fail: identity(len(c.Intents))}
}

// ParseConflicts returns the handler spec names: "random" (RandomOrder),
// "fail" (FailAll) or "priority:ACTOR,..." (Priority), whose actors m must
// have.
func ParseConflicts(m *model.Model, spec string) (ConflictHandler, error) {
	switch {
	case spec == "random":
		return RandomOrder{}, nil
	case spec == "fail":
		return FailAll{}, nil
	case strings.HasPrefix(spec, "priority:"):
		actors := strings.Split(strings.TrimPrefix(spec, "priority:"), ",")
		for _, a := range actors {
			if _, ok := m.ActorID(a); !ok {
				return nil, fmt.Errorf("conflicts %q: the model has no actor %q", spec, a)
			}
		}
		return Priority(actors), nil
	}
	return nil, fmt.Errorf("conflicts %q: want random, fail or priority:ACTOR,...", spec)
}

func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// check reports an error unless res names each of n intents once.
func (res Resolution) check(n int) error {
	seen := make([]bool, n)
	for _, i := range append(slices.Clone(res.Order), res.Fail...) {
		if i < 0 || i >= n || seen[i] {
			return fmt.Errorf("conflict handler: resolution %+v does not name each of %d intents once", res, n)
		}
		seen[i] = true
	}
	if !slices.Equal(seen, slices.Repeat([]bool{true}, n)) {
		return fmt.Errorf("conflict handler: resolution %+v leaves out some of %d intents", res, n)
	}
	return nil
}
