package tck_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// What the C kit alone has: a build against wasi-libc, and gatehouse_start
// without a start hook.

// TestCWASIReactor builds c-basics against wasi-libc, as a WASI reactor,
// and checks that it loads and behaves as the freestanding build.
func TestCWASIReactor(t *testing.T) {
	wasm := wasmbuild.CReactor(t, kit(t, "c").Name)
	h := newHost(t, host.Config{}, wasm)
	st := status(t, h, "c-basics-wasi.wasm")
	if st.Status != host.StatusOK || st.Binding != host.BindingNative {
		t.Fatalf("status %s (%s), binding %s", st.Status, st.Message, st.Binding)
	}
	ctx := context.Background()
	rep, err := h.Environment(ctx, "echo", benchRequest)
	if got, want := normalize(rep.Value), normalize(map[string]any{"key": "echo", "subject": "alice@example.org"}); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("echo = %v, %v; want %v", got, err, want)
	}
	s, err := h.Session(ctx, abi.KindAgent, "greedy")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, c := range greedyCases(50)[:20] {
		c.reset.Actor = "a"
		if err := s.AgentReset(ctx, c.reset); err != nil {
			continue
		}
		if _, err := s.AgentAct(ctx, abi.AgentActRequest{Actor: "a", Observation: c.obs}); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestCKitStart sends c-basics, which has no start hook, start requests:
// the C kit exports gatehouse_start (ABI 1.1) and answers {} without one.
func TestCKitStart(t *testing.T) {
	m := newRawModule(t, kit(t, "c").Build(t))
	for _, tc := range []struct {
		name string
		req  any
		code abi.Code // "" for ok
	}{
		{"empty", abi.StartRequest{}, ""},
		{"unknown keys", map[string]any{"later": []any{1}}, ""},
		{"not a map", "start", abi.CodeInvalidRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply, err := m.call(abi.ExportStart, mustMarshal(t, tc.req))
			if err != nil {
				t.Fatal(err)
			}
			ok, e, err := checkEnvelope(reply)
			switch {
			case err != nil:
				t.Fatal(err)
			case tc.code == "" && (e != nil || len(ok) != 0):
				t.Errorf("reply ok %v, error %v; want ok {}", ok, e)
			case tc.code != "" && (e == nil || e.Code != tc.code):
				t.Errorf("reply ok %v, error %v; want %s", ok, e, tc.code)
			}
		})
	}
}
