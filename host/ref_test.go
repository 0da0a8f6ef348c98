package host

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
)

func TestParseRef(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Ref
		err  string
	}{
		{in: "weekday", want: Ref{Name: "weekday"}},
		{in: "basics/echo", want: Ref{Plugin: "basics", Name: "echo"}},
		{in: "environment:echo", want: Ref{Kind: abi.KindEnvironment, Name: "echo"}},
		{in: "environment:basics/echo", want: Ref{Kind: abi.KindEnvironment, Plugin: "basics", Name: "echo"}},
		{in: "agent:agent/greedy", want: Ref{Kind: abi.KindAgent, Plugin: "agent", Name: "greedy"}},
		{in: "c-acl-basics/obl_log.v2", want: Ref{Plugin: "c-acl-basics", Name: "obl_log.v2"}},
		{in: "", err: `component reference "": the component name is empty (want [KIND:][PLUGIN/]NAME)`},
		{in: "environment:", err: `component reference "environment:": the component name is empty`},
		{in: "basics/", err: `component reference "basics/": the component name is empty`},
		{in: "/echo", err: `component reference "/echo": the plugin before / is empty`},
		{in: ":echo", err: `component reference ":echo": unknown kind ""; the kinds are actuator, obligation, environment, object, agent`},
		{in: "actor:echo", err: `component reference "actor:echo": unknown kind "actor"`},
		{in: "a/b/c", err: `component reference "a/b/c": more than one kind or plugin`},
		{in: "agent:x:y", err: `component reference "agent:x:y": more than one kind or plugin`},
		{in: "basics/agent:greedy", err: `component reference "basics/agent:greedy": unknown kind "basics/agent"`},
		// The form KIND/NAME reads as a plugin named like a kind.
		{in: "environment/weekday", err: `component reference "environment/weekday": environment is a kind, written before a colon: environment:weekday; a plugin named environment is written KIND:environment/weekday (want [KIND:][PLUGIN/]NAME)`},
		{in: "agent/greedy", err: `agent is a kind, written before a colon: agent:greedy`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRef(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseRef(%q) = %+v, %v; want error %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseRef(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			if got.String() != tc.in {
				t.Errorf("ParseRef(%q).String() = %q", tc.in, got.String())
			}
		})
	}
}

func TestParseRefOf(t *testing.T) {
	r, err := ParseRefOf(abi.KindObligation, "basics/require-reason")
	if err != nil || r != (Ref{Kind: abi.KindObligation, Plugin: "basics", Name: "require-reason"}) {
		t.Errorf("ParseRefOf = %+v, %v", r, err)
	}
	_, err = ParseRefOf(abi.KindObligation, "environment:basics/echo")
	if want := `component reference "environment:basics/echo": names a component of kind environment, where kind obligation is wanted`; err == nil || err.Error() != want {
		t.Errorf("ParseRefOf error = %v, want %s", err, want)
	}
}

// TestCallByRef calls components by every form of reference, and refuses
// a reference of another kind and the form KIND/NAME without calling.
func TestCallByRef(t *testing.T) {
	h := newHost(t, Config{}, srcBasics)
	ctx := t.Context()
	for _, ref := range []string{"weekday", "basics/weekday", "environment:weekday", "environment:basics/weekday"} {
		if _, err := h.Environment(ctx, ref, abi.EnvironmentRequest{Key: "weekday"}); err != nil {
			t.Errorf("Environment(%q): %v", ref, err)
		}
	}
	for ref, want := range map[string]string{
		"agent:weekday":       `invalid_request: component reference "agent:weekday": names a component of kind agent, where kind environment is wanted`,
		"environment/weekday": `invalid_request: component reference "environment/weekday": environment is a kind, written before a colon: environment:weekday`,
	} {
		_, err := h.Environment(ctx, ref, abi.EnvironmentRequest{Key: "weekday"})
		var ce *CallError
		if !errors.As(err, &ce) || ce.Code() != abi.CodeInvalidRequest || !strings.Contains(err.Error(), want) {
			t.Errorf("Environment(%q) error = %v, want a CallError with %q", ref, err, want)
		}
	}
}
