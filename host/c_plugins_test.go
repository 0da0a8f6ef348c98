package host

import (
	"context"
	"reflect"
	"testing"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/internal/wasmbuild"
)

// The C plugins, built with the one-line command at the top of their
// plugins-src/c/<name>/main.c, so the tests prove the documented command.
// The C plugins, built with the one-line command at the top of their
// plugins-src/c/<name>/main.c, so the tests prove the documented command.
const (
	cBasics     = "c-basics"
	cEchoExtism = "c-echo-extism"
	cKVCounter  = "c-kvcounter"
)

// newMixedHost serves the Go twins basics and basics-extism beside the C
// plugins c-basics and c-echo-extism.
func newMixedHost(t testing.TB) *Host {
	t.Helper()
	cb, ce := wasmbuild.C.Plugin(t, cBasics), wasmbuild.C.Plugin(t, cEchoExtism)
	return newHostWasm(t, Config{}, cb, ce, wasmbuild.Go(t, srcBasics), wasmbuild.Go(t, srcBasicsExtism))
}

func TestCPluginsLoad(t *testing.T) {
	h := newMixedHost(t)
	want := map[string]Binding{"c-basics.wasm": BindingNative, "c-echo-extism.wasm": BindingExtism,
		"basics.wasm": BindingNative, "basics-extism.wasm": BindingExtism}
	for file, binding := range want {
		st := status(t, h, file)
		if st.Status != StatusOK || st.Binding != binding {
			t.Errorf("%s: status %s (%s), binding %s; want OK, %s", file, st.Status, st.Message, st.Binding, binding)
		}
	}
	if got, want := componentsOf(t, h, "c-echo-extism.wasm")["environment:echo"], componentsOf(t, h, "c-basics.wasm")["environment:echo"]; !reflect.DeepEqual(got, want) {
		t.Errorf("c-echo-extism echo = %+v, want %+v", got, want)
	}
}

func TestCBasicsMatchGo(t *testing.T) { basicsMatchGo(t, newMixedHost(t), cBasics) }

// TestCEchoExtismMatchesGo checks the echo of the Extism binding, built
// from the same source, and the Go one.
func TestCEchoExtismMatchesGo(t *testing.T) {
	echoMatchesGo(t, newMixedHost(t), "basics-extism/echo", "c-echo-extism/echo")
}

func TestCKVCounter(t *testing.T) { kvCounterWorks(t, wasmbuild.C.Plugin(t, cKVCounter), cKVCounter) }

// TestCWASIReactor builds c-basics against wasi-libc, as a WASI reactor,
// and checks that it loads and behaves as the freestanding build.
func TestCWASIReactor(t *testing.T) {
	wasm := wasmbuild.CReactor(t, cBasics)
	h := newHostWasm(t, Config{}, wasm)
	st := status(t, h, "c-basics-wasi.wasm")
	if st.Status != StatusOK || st.Binding != BindingNative {
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

func TestCKitRequests(t *testing.T) { kitRequests(t, wasmbuild.C.Plugin(t, cBasics), cBasics) }

// TestCKitStart sends c-basics, which has no start hook, start requests:
// the C kit exports gatehouse_start (ABI 1.1) and answers {} without one.
func TestCKitStart(t *testing.T) {
	m := newRawModule(t, wasmbuild.C.Plugin(t, cBasics))
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

func TestCKitMemoryIsReused(t *testing.T) {
	kitMemoryIsReused(t, wasmbuild.C.Plugin(t, cBasics), "greedy")
}

// FuzzCKit sends c-basics arbitrary bytes on every call export.
func FuzzCKit(f *testing.F) { fuzzKit(f, wasmbuild.C.Plugin(f, cBasics)) }

// BenchmarkCKitRawEcho calls the echo component of c-basics directly through
// wazero, as the native binding does but without the host's encoding,
// pooling and bookkeeping: the cost of the plugin itself.
func BenchmarkCKitRawEcho(b *testing.B) { benchRawEcho(b, wasmbuild.C.Plugin(b, cBasics)) }
