package hosttest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
)

// Result is the outcome of one case.
type Result struct {
	// Name is the case's name.
	Name string `json:"name"`
	// Component is the component called, as the case names it.
	Component string `json:"component"`
	// Passed reports whether the call gave what the case expects.
	Passed bool `json:"passed"`
	// Skipped reports that the case did not run (see SkipMissing); it is
	// neither passed nor failed.
	Skipped bool `json:"skipped,omitempty"`
	// Diff says, when the case failed, how: one line per difference, as
	// "path: got X, want Y", or why the call could not be made; when it was
	// skipped, why.
	Diff string `json:"diff,omitempty"`
	// Took is how long the calls of the case took.
	Took time.Duration `json:"took_ns"`
}

// Option changes how Run and RunT run cases.
type Option int

const (
	// SkipMissing skips, rather than fails, a case whose component no
	// loaded plugin provides: for a suite shared by plugins that each
	// provide some of its components. A case whose component exists but
	// is named ambiguously still fails.
	SkipMissing Option = iota + 1
)

// Run runs each case against the components h serves, in order, and
// returns one Result for each. Cases do not stop at failures. Each case
// runs on its own instance, checked out for it alone: an agent's reset and
// act share it, and no case sees another case's calls unless the plugin
// keeps state outside the instance (the kv capability).
func Run(ctx context.Context, h *host.Host, cases []Case, opts ...Option) []Result {
	out := make([]Result, len(cases))
	for i, c := range cases {
		out[i] = runCase(ctx, h, c, opts)
	}
	return out
}

func runCase(ctx context.Context, h *host.Host, c Case, opts []Option) Result {
	r := Result{Name: c.Name, Component: c.Component}
	if slices.Contains(opts, SkipMissing) && !provides(h, c.Component) {
		r.Skipped = true
		r.Diff = fmt.Sprintf("no plugin provides a component %q", c.Component)
		return r
	}
	start := time.Now()
	reply, err := call(ctx, h, c)
	r.Took = time.Since(start)
	var setup *setupError
	if errors.As(err, &setup) {
		r.Diff = setup.Error()
		return r
	}
	r.Diff = strings.Join(check(c.Expect, reply, err), "\n")
	r.Passed = r.Diff == ""
	return r
}

// provides reports whether h serves a component that ref,
// [KIND:][PLUGIN/]NAME, names.
func provides(h *host.Host, ref string) bool {
	r, err := host.ParseRef(ref)
	return err == nil && len(h.Find(r)) > 0
}

// setupError is a failure to make the call a case asks for, as opposed to
// an error the call returned.
type setupError struct{ err error }

func (e *setupError) Error() string { return e.err.Error() }

// call makes the calls of c and returns the reply or the call's error.
func call(ctx context.Context, h *host.Host, c Case) (map[string]any, error) {
	comp, err := h.Resolve(c.Component)
	if err != nil {
		return nil, &setupError{err}
	}
	kind := comp.Component.Kind
	exports := kind.Exports()
	export := c.Export
	if export == "" {
		export = exports[len(exports)-1] // agents: act
	} else if !slices.Contains(exports, export) {
		return nil, &setupError{fmt.Errorf("export %s: %s components are called through %s", export, kind, strings.Join(exports, " or "))}
	}
	if c.Reset != nil && kind != abi.KindAgent {
		return nil, &setupError{fmt.Errorf("reset is for agents, not %s components", kind)}
	}
	sess, err := h.Session(ctx, kind, comp.Ref())
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	if c.Reset != nil {
		if _, err := sess.CallRaw(ctx, abi.ExportAgentReset, c.Reset); err != nil {
			return nil, &setupError{fmt.Errorf("reset: %w", err)}
		}
	}
	return sess.CallRaw(ctx, export, c.Request)
}

// check returns how a reply or an error differs from what e expects.
func check(e Expectation, reply map[string]any, err error) []string {
	var ae *abi.Error
	if err != nil && !errors.As(err, &ae) {
		ae = &abi.Error{Code: abi.CodeInternal, Message: err.Error()}
	}
	if e.Mode == ModeError {
		want := "error " + string(e.Code)
		if e.MessageContains != "" {
			want += fmt.Sprintf(" with a message containing %q", e.MessageContains)
		}
		switch {
		case ae == nil:
			return []string{fmt.Sprintf("got reply %s, want %s", format(normalize(reply)), want)}
		case ae.Code != e.Code || !strings.Contains(ae.Message, e.MessageContains):
			return []string{fmt.Sprintf("got error %s, want %s", ae, want)}
		}
		return nil
	}
	if ae != nil {
		return []string{fmt.Sprintf("got error %s, want %s %s", ae, e.Mode, format(normalize(e.Reply)))}
	}
	return diff(normalize(reply), normalize(e.Reply), e.Mode != ModeReply, e.Patterns)
}
