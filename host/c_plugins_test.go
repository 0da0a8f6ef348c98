package host

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

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
	if got, want := componentsOf(t, h, "c-echo-extism.wasm")["environment/echo"], componentsOf(t, h, "c-basics.wasm")["environment/echo"]; !reflect.DeepEqual(got, want) {
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

func TestCKitRequests(t *testing.T) {
	m := newRawModule(t, wasmbuild.C.Plugin(t, cBasics))
	env := func(v any) []byte { return mustMarshal(t, v) }
	deep := bytes.Repeat([]byte{0x91}, 200000) // 200,000 nested arrays
	deep = append(deep, 0xc0)
	deepReq := append([]byte{0x83, 0xa9}, "component"...)
	deepReq = append(deepReq, 0xa4)
	deepReq = append(deepReq, "echo"...)
	deepReq = append(deepReq, 0xa3)
	deepReq = append(deepReq, "key"...)
	deepReq = append(deepReq, 0xa1, 'k', 0xa7)
	deepReq = append(deepReq, "context"...)
	deepReq = append(deepReq, 0x81, 0xa7)
	deepReq = append(deepReq, "subject"...)
	deepReq = append(deepReq, 0x81, 0xa1, 'x')
	deepReq = append(deepReq, deep...)

	cases := []struct {
		name    string
		export  string
		req     []byte
		code    abi.Code // "" for ok
		message string   // a part of the error message
		ok      map[string]any
	}{
		{"describe", abi.ExportDescribe, env(abi.DescribeRequest{HostABI: "1.0"}), "", "", nil},
		{"describe, unknown keys", abi.ExportDescribe, env(map[string]any{"host_abi": "1.9", "x": []any{1}}), "", "", nil},
		{"unknown component", abi.ExportEnvironment, env(abi.EnvironmentRequest{Component: "nope"}), abi.CodeNotFound, `no environment "nope"`, nil},
		{"component of another kind", abi.ExportEnvironment, env(abi.EnvironmentRequest{Component: "greedy"}), abi.CodeNotFound, "", nil},
		{"wide integer formats", abi.ExportEnvironment,
			[]byte("\x83\xa9component\xa4echo\xa3key\xa1k\xa7context\x81\xa7subject\x81\xa2id\xcf\x00\x00\x00\x00\x00\x00\x00\x07"),
			"", "", map[string]any{"value": map[string]any{"key": "k", "subject": uint64(7)}}},
		{"bin for str", abi.ExportEnvironment, []byte("\x82\xa9component\xc4\x04echo\xa3key\xc4\x01k"), "", "",
			map[string]any{"value": map[string]any{"key": "k", "subject": nil}}},
		{"nil keys take defaults", abi.ExportEnvironment, []byte("\x83\xa9component\xa4echo\xa3key\xc0\xa7context\xc0"), "", "",
			map[string]any{"value": map[string]any{"key": "", "subject": nil}}},
		{"deep nesting is skipped, not recursed", abi.ExportEnvironment, deepReq, "", "", nil},
		{"empty", abi.ExportEnvironment, nil, abi.CodeInvalidRequest, "not a map", nil},
		{"not a map", abi.ExportEnvironment, env([]any{"echo"}), abi.CodeInvalidRequest, "not a map", nil},
		{"truncated", abi.ExportEnvironment, env(benchRequest)[:40], abi.CodeInvalidRequest, "", nil},
		{"trailing bytes", abi.ExportEnvironment, append(env(abi.EnvironmentRequest{Component: "echo"}), 0xc0), abi.CodeInvalidRequest, "trailing", nil},
		{"key not a string", abi.ExportEnvironment, []byte("\x81\x01\x02"), abi.CodeInvalidRequest, "key", nil},
		{"wrong type", abi.ExportEnvironment, env(map[string]any{"component": "echo", "key": 5}), abi.CodeInvalidRequest, "key: not a string", nil},
		{"context not a map", abi.ExportEnvironment, env(map[string]any{"component": "echo", "context": "x"}), abi.CodeInvalidRequest, "context", nil},
		{"subject not a map", abi.ExportEnvironment, env(map[string]any{"component": "echo", "context": map[string]any{"subject": 1}}), abi.CodeInvalidRequest, "context.subject", nil},
		{"invalid byte", abi.ExportEnvironment, []byte("\x81\xa1x\xc1"), abi.CodeInvalidRequest, "", nil},
		{"huge claimed map", abi.ExportEnvironment, []byte("\xdf\xff\xff\xff\xff\xa1x"), abi.CodeInvalidRequest, "", nil},
		{"huge claimed array", abi.ExportAgentReset, []byte("\x82\xa9component\xa6greedy\xa5goals\xdd\xff\xff\xff\xff"), abi.CodeInvalidRequest, "goals", nil},
		{"huge claimed string", abi.ExportEnvironment, []byte("\x81\xa3key\xdb\xff\xff\xff\xf0ab"), abi.CodeInvalidRequest, "", nil},
		{"float for int", abi.ExportAgentReset, env(map[string]any{"component": "greedy", "seed": 1.5}), abi.CodeInvalidRequest, "seed: not an integer", nil},
		{"uint64 out of range", abi.ExportAgentReset, []byte("\x82\xa9component\xa6greedy\xa4seed\xcf\xff\xff\xff\xff\xff\xff\xff\xff"), abi.CodeInvalidRequest, "seed: out of range", nil},
		{"int for float", abi.ExportAgentAct, env(map[string]any{"component": "greedy", "actor": "nobody",
			"observation": map[string]any{"choices": []any{map[string]any{"kind": "wait", "risk": 1}}}}), abi.CodeInvalidRequest, "has no run", nil},
		{"ext is skipped", abi.ExportEnvironment, []byte("\x82\xa9component\xa4echo\xa1x\xd6\xff\x00\x00\x00\x01"), "", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reply, err := m.call(tc.export, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			ok, e, err := checkEnvelope(reply)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.code == "" && e != nil:
				t.Fatalf("error %v, want ok", e)
			case tc.code != "" && (e == nil || e.Code != tc.code || !strings.Contains(e.Message, tc.message)):
				t.Fatalf("reply ok %v, error %v; want %s containing %q", ok, e, tc.code, tc.message)
			case tc.ok != nil && !reflect.DeepEqual(normalize(ok), normalize(tc.ok)):
				t.Fatalf("ok = %#v, want %#v", ok, tc.ok)
			}
		})
	}

	// A manifest the host accepts.
	reply, err := m.call(abi.ExportDescribe, env(abi.DescribeRequest{HostABI: "1.0"}))
	if err != nil {
		t.Fatal(err)
	}
	var man abi.Reply[abi.Manifest]
	if err := msgpack.Unmarshal(reply, &man); err != nil || man.OK == nil {
		t.Fatalf("describe: %v, %+v", err, man)
	}
	if err := man.OK.Validate(); err != nil || man.OK.Name != cBasics || man.OK.ABI != abi.Version {
		t.Errorf("manifest %+v: %v", man.OK, err)
	}

	// gatehouse_alloc(0) gives a usable address; gatehouse_free takes back a
	// request the host abandons.
	ctx := context.Background()
	for _, size := range []uint64{0, 1, 100, 1 << 20} {
		res, err := m.alloc.Call(ctx, size)
		if err != nil || res[0] == 0 {
			t.Fatalf("alloc(%d) = %v, %v", size, res, err)
		}
		if _, err := m.free.Call(ctx, res[0], size); err != nil {
			t.Fatalf("free: %v", err)
		}
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
