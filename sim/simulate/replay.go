package simulate

import (
	"context"
	"fmt"
	"slices"

	"github.com/gatehouse/gatehouse/sim/model"
)

// idle is the agent of a replay, which is never asked to act.
type idle struct{}

func (idle) Reset(context.Context, Start) error { return nil }
func (idle) Act(context.Context, Observation) (Action, error) {
	return Action{Kind: KindWait}, nil
}

// Replay plays the steps of a trace of a run of m again, without agents
// or chance: each step turns out as recorded. It checks that the run could
// have played each step: the actor was free, had not met its goals and was
// at the step's source; the action was among its choices at the start of
// the tick, with the step's risk, time and log rules; a step recorded ok
// was possible when played, one recorded impossible was not, and one that
// failed by chance had a risk. visit, when set, is called at the end of
// each tick that has steps, with the state then; an error it returns stops
// the replay with that error. Replay returns the state
// at the end, after the last step's tick; errors name the step, counted
// from 1.
func Replay(ctx context.Context, m *model.Model, steps []Step, visit func(*Result) error) (*Result, error) {
	r := &run{m: m, ctx: ctx, cfg: Config{Agent: func(string) (Agent, error) { return idle{}, nil }}}
	if err := r.start(); err != nil {
		return nil, err
	}
	byName := make(map[string]int, len(r.actors))
	withGoals, metGoals := 0, 0
	for i := range r.actors {
		byName[r.actors[i].name] = i
		if len(r.actors[i].goals) > 0 {
			withGoals++
		}
	}
	r.tick = -1
	for i := 0; i < len(steps); {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if steps[i].Tick <= r.tick {
			return nil, fmt.Errorf("step %d: tick %d comes after tick %d", i+1, steps[i].Tick, r.tick)
		}
		r.tick = steps[i].Tick
		j := i
		for j < len(steps) && steps[j].Tick == r.tick {
			j++
		}
		r.intents = r.intents[:0]
		for k := i; k < j; k++ {
			in, err := r.chosen(byName, &steps[k])
			if err != nil {
				return nil, fmt.Errorf("step %d: %w", k+1, err)
			}
			r.intents = append(r.intents, in)
		}
		for k := i; k < j; k++ {
			if err := r.replay(&r.intents[k-i], steps[k].Outcome); err != nil {
				return nil, fmt.Errorf("step %d: %w", k+1, err)
			}
		}
		for a := range r.actors {
			if s := &r.actors[a]; s.met < 0 && len(s.goals) > 0 && r.goalsMet(s) {
				s.met = r.tick
				metGoals++
			}
		}
		if visit != nil {
			if err := visit(r.result(ReasonTicks)); err != nil {
				return nil, err
			}
		}
		i = j
	}
	r.tick++
	reason := ReasonTicks
	if withGoals > 0 && metGoals == withGoals {
		reason = ReasonGoals
	}
	return r.result(reason), nil
}

// chosen checks that the actor of step st could choose it at the start
// of the tick, and returns it as an intent.
func (r *run) chosen(byName map[string]int, st *Step) (intent, error) {
	a, ok := byName[st.Actor]
	if !ok {
		return intent{}, fmt.Errorf("no actor %q in the model", st.Actor)
	}
	s := &r.actors[a]
	switch loc := r.m.Locations()[s.loc]; {
	case slices.ContainsFunc(r.intents, func(in intent) bool { return in.actor == a }):
		return intent{}, fmt.Errorf("actor %q acts twice in tick %d", s.name, r.tick)
	case s.busy > r.tick:
		return intent{}, fmt.Errorf("actor %q acts in tick %d but is busy until tick %d", s.name, r.tick, s.busy)
	case s.met >= 0:
		return intent{}, fmt.Errorf("actor %q acts in tick %d but met its goals in tick %d", s.name, r.tick, s.met)
	case loc != st.Source:
		return intent{}, fmt.Errorf("actor %q acts at %q but is at %q", s.name, st.Source, loc)
	}
	r.options(s)
	k := r.match(Action{Kind: st.Action, Target: st.Target + st.Possessible})
	if k < 0 || st.Target != "" && st.Possessible != "" {
		return intent{}, fmt.Errorf("actor %q cannot %s %q at %q", s.name, st.Action, st.Target+st.Possessible, st.Source)
	}
	c := r.opts[k].comp
	if c.Annotation.Risk != st.Risk || c.Annotation.Time != st.Time || c.Log != st.Log {
		return intent{}, fmt.Errorf("actor %q: %s %q has risk %v%%, time %d and log %q in the model, not %v%%, %d and %q",
			s.name, st.Action, st.Target+st.Possessible, c.Annotation.Risk, c.Annotation.Time, logText(c.Log), st.Risk, st.Time, logText(st.Log))
	}
	return intent{actor: a, opt: r.opts[k], choice: r.choices[k]}, nil
}

// replay plays an intent as it turned out.
func (r *run) replay(in *intent, outcome Outcome) error {
	s := &r.actors[in.actor]
	s.busy = r.tick + in.opt.comp.Annotation.Time
	r.steps++
	possible := r.possible(s, in.opt)
	switch outcome {
	case OK:
		if !possible {
			return fmt.Errorf("actor %q: %s %q is recorded ok but was not possible", s.name, in.choice.Kind, in.choice.Target)
		}
		r.apply(in.actor, s, in.opt)
	case Impossible:
		if possible {
			return fmt.Errorf("actor %q: %s %q is recorded impossible but was possible", s.name, in.choice.Kind, in.choice.Target)
		}
	case Failed:
		if in.opt.comp.Annotation.Risk == 0 {
			return fmt.Errorf("actor %q: %s %q is recorded failed by chance but has no risk", s.name, in.choice.Kind, in.choice.Target)
		}
	case Refused:
	default:
		return fmt.Errorf("unknown outcome %q", outcome)
	}
	return nil
}

func logText(l model.LogRules) string {
	b, _ := l.MarshalText()
	return string(b)
}
