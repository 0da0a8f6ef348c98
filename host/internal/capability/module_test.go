package capability

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/abi"
)

func TestDenied(t *testing.T) {
	g := newGuest(t)
	everythingElse := Grants{Log: true, Clock: true, KV: KVGrant{Granted: true}, HTTP: &HTTPGrant{}, Exec: &ExecGrant{}}
	tests := []struct {
		name string
		fn   uint64
		cap  abi.Capability
		args [][]byte
	}{
		{abi.FuncKVGet, fnKVGet, abi.CapKV, [][]byte{[]byte("k")}},
		{abi.FuncKVSet, fnKVSet, abi.CapKV, [][]byte{[]byte("k"), []byte("v")}},
		{abi.FuncKVDelete, fnKVDelete, abi.CapKV, [][]byte{[]byte("k")}},
		{abi.FuncKVList, fnKVList, abi.CapKV, [][]byte{nil}},
		{abi.FuncHTTPRequest, fnHTTPRequest, abi.CapHTTP, [][]byte{marshal(t, abi.HTTPRequest{URL: "http://127.0.0.1/"})}},
		{abi.FuncExec, fnExec, abi.CapExec, [][]byte{marshal(t, abi.ExecRequest{Program: "echo"})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			grants := everythingElse
			switch tt.cap {
			case abi.CapKV:
				grants.KV = KVGrant{}
			case abi.CapHTTP:
				grants.HTTP = nil
			case abi.CapExec:
				grants.Exec = nil
			}
			for name, grants := range map[string]Grants{"nothing granted": {}, "all else granted": grants} {
				c, logs := newCaller(grants)
				_, err := g.call(c, tt.fn, tt.args...)
				wantCode(t, err, abi.CodeCapabilityDenied)
				key := ConfigKey("test", tt.cap)
				if !strings.HasPrefix(err.Message, tt.name+": ") || !strings.Contains(err.Message, key) {
					t.Errorf("%s: message %q does not start with %s and name %s", name, err.Message, tt.name, key)
				}
				if !strings.Contains(logs.String(), "config_key="+key) {
					t.Errorf("%s: the host log does not note the denial: %s", name, logs)
				}
			}
		})
	}
	t.Run("nil grants", func(t *testing.T) {
		c, _ := newCaller(Grants{})
		c.Grants = nil
		_, err := g.call(c, fnKVGet, []byte("k"))
		wantCode(t, err, abi.CodeCapabilityDenied)
	})
	t.Run(abi.FuncLog, func(t *testing.T) {
		c, logs := newCaller(Grants{})
		p, n := g.put([]byte("secret message"))
		if _, err := g.invoke(context.Background(), c, fnLog, uint64(abi.LogError), p, n); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logs.String(), "secret message") || !strings.Contains(logs.String(), "config_key=plugins.test.grants.log") {
			t.Errorf("log of a denied plugin: %s", logs)
		}
	})
	t.Run("clock", func(t *testing.T) {
		c, _ := newCaller(Grants{})
		for which := range uint64(2) {
			res, err := g.mod.ExportedFunction("clock").Call(WithCaller(context.Background(), c), which)
			if err != nil || res[0] != 0 {
				t.Errorf("clock %d of a denied plugin = %d, %v; want 0, nil", which, res[0], err)
			}
		}
	})
}

func TestLog(t *testing.T) {
	g := newGuest(t)
	c, logs := newCaller(Grants{Log: true})
	tests := []struct {
		name  string
		level int32
		want  string
	}{
		{"debug", abi.LogDebug, "level=DEBUG"},
		{"info", abi.LogInfo, "level=INFO"},
		{"warn", abi.LogWarn, "level=WARN"},
		{"error", abi.LogError, "level=ERROR"},
		{"below debug", -4, "level=DEBUG"},
		{"above error", 9, "level=ERROR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			p, n := g.put([]byte("hello from " + tt.name))
			if _, err := g.invoke(context.Background(), c, fnLog, uint64(uint32(tt.level)), p, n); err != nil {
				t.Fatal(err)
			}
			line := logs.String()
			if !strings.Contains(line, tt.want) || !strings.Contains(line, `msg="hello from `+tt.name+`"`) ||
				!strings.Contains(line, "plugin=test") {
				t.Errorf("log line %q, want %s, the message and the plugin", line, tt.want)
			}
		})
	}
	t.Run("disabled level", func(t *testing.T) {
		c, logs := newCaller(Grants{Log: true})
		c.Logger = slog.New(slog.NewTextHandler(logs, nil)) // info and above
		if _, err := g.invoke(context.Background(), c, fnLog, uint64(abi.LogDebug), 0xFFFFFFF0, 100); err != nil {
			t.Fatal(err)
		}
		if logs.Len() != 0 {
			t.Errorf("debug message logged at info level: %s", logs)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		logs.Reset()
		msg := "x" + strings.Repeat("é", maxLogMessage) // a rune straddles the cut
		p, n := g.put([]byte(msg))
		if _, err := g.invoke(context.Background(), c, fnLog, uint64(abi.LogInfo), p, n); err != nil {
			t.Fatal(err)
		}
		line := logs.String()
		if !strings.Contains(line, "truncated_from="+strconv.Itoa(len(msg))) || !utf8.ValidString(line) {
			t.Errorf("truncated log line lacks truncated_from=%d or is not UTF-8 (%d bytes)", len(msg), len(line))
		}
		if len(line) > maxLogMessage+200 {
			t.Errorf("truncated log line is %d bytes", len(line))
		}
	})
}

func TestClock(t *testing.T) {
	g := newGuest(t)
	c, _ := newCaller(Grants{Clock: true})
	ctx := WithCaller(context.Background(), c)
	read := func(which uint64) int64 {
		res, err := g.mod.ExportedFunction("clock").Call(ctx, which)
		if err != nil {
			t.Fatal(err)
		}
		return int64(res[0])
	}
	before := time.Now().UnixNano()
	wall := read(0)
	if after := time.Now().UnixNano(); wall < before || wall > after {
		t.Errorf("clock_wall = %d, want within [%d, %d]", wall, before, after)
	}
	m1 := read(1)
	time.Sleep(time.Millisecond)
	if m2 := read(1); m1 <= 0 || m2-m1 < int64(time.Millisecond) {
		t.Errorf("clock_monotonic read %d then %d a millisecond later", m1, m2)
	}
}

func TestResultProtocol(t *testing.T) {
	g := newGuest(t)
	c, _ := newKVCaller(t, "p")
	value := bytes.Repeat([]byte("0123456789"), 10)
	if _, err := g.call(c, fnKVSet, []byte("k"), value); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		firstCap  uint32
		wantFirst int32
		wantRetry int32
	}{
		{"no room", 0, 100, 100},
		{"too small", 99, 100, 100},
		{"exact", 100, 100, -1},
		{"roomy", 4096, 100, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, n := g.put([]byte("k"))
			if got, err := g.invoke(context.Background(), c, fnKVGet, p, n); err != nil || got != 100 {
				t.Fatalf("kv_get = %d, %v; want 100", got, err)
			}
			first, retry, data := g.collect(c, tt.firstCap)
			if first != tt.wantFirst || retry != tt.wantRetry || !bytes.Equal(data, value) {
				t.Errorf("result returned %d then %d with %q, want %d then %d with the value",
					first, retry, data, tt.wantFirst, tt.wantRetry)
			}
			if again, _, _ := g.collect(c, 4096); again != 0 {
				t.Errorf("result after collecting = %d, want 0", again)
			}
		})
	}
	t.Run("error", func(t *testing.T) {
		p, n := g.put([]byte("missing"))
		got, err := g.invoke(context.Background(), c, fnKVGet, p, n)
		if err != nil || got >= 0 {
			t.Fatalf("kv_get of a missing key = %d, %v; want < 0", got, err)
		}
		first, retry, data := g.collect(c, 1)
		if first != -got || retry != -got {
			t.Errorf("result returned %d then %d, want %d twice", first, retry, -got)
		}
		e := unmarshal[abi.Error](t, data)
		if e.Code != abi.CodeNotFound || !strings.HasPrefix(e.Message, "kv_get: ") {
			t.Errorf("error %+v, want not_found from kv_get", e)
		}
	})
	t.Run("nothing pending", func(t *testing.T) {
		fresh, _ := newCaller(Grants{})
		if first, _, data := g.collect(fresh, 16); first != 0 || len(data) != 0 {
			t.Errorf("result with nothing pending = %d, %q; want 0", first, data)
		}
	})
}

func TestOutOfRange(t *testing.T) {
	g := newGuest(t)
	c, logs := newKVCaller(t, "p")
	c.Grants.Log = true
	c.Grants.HTTP = &HTTPGrant{}
	c.Grants.Exec = &ExecGrant{}
	memSize := uint64(g.mod.Memory().Size())
	key, keyLen := g.put([]byte("k"))
	tests := []struct {
		name string
		fn   uint64
		args []uint64
	}{
		{"kv_get beyond 4 GiB", fnKVGet, []uint64{0xFFFFFFF0, 0x100}},
		{"kv_get past memory", fnKVGet, []uint64{memSize - 1, 2}},
		{"kv_set value", fnKVSet, []uint64{key, keyLen, memSize, 1}},
		{"kv_delete", fnKVDelete, []uint64{memSize + 1, 0}},
		{"kv_list", fnKVList, []uint64{0, memSize + 1}},
		{"http_request", fnHTTPRequest, []uint64{0, 0xFFFFFFFF}},
		{"exec", fnExec, []uint64{0xFFFFFFFF, 0xFFFFFFFF}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := g.invoke(context.Background(), c, tt.fn, tt.args...)
			if err != nil {
				t.Fatalf("invoke: %v", err)
			}
			_, e := g.outcome(c, n)
			wantCode(t, e, abi.CodeInvalidRequest)
			if !strings.Contains(e.Message, "outside the module's") {
				t.Errorf("message %q does not say the memory is out of range", e.Message)
			}
		})
	}
	t.Run("log", func(t *testing.T) {
		logs.Reset()
		if _, err := g.invoke(context.Background(), c, fnLog, uint64(abi.LogInfo), memSize-2, 10); err != nil {
			t.Fatalf("invoke: %v", err)
		}
		if !strings.Contains(logs.String(), "plugin log message dropped") {
			t.Errorf("no warning for a log message outside memory: %s", logs)
		}
	})
	t.Run("result that does not fit", func(t *testing.T) {
		if _, err := g.invoke(context.Background(), c, fnKVGet, key, keyLen); err != nil {
			t.Fatal(err)
		}
		res, err := g.mod.ExportedFunction("result_at").Call(WithCaller(context.Background(), c), 0xFFFFFFF0, 1)
		if err != nil || res[0] == 0 {
			t.Errorf("result_at with a small capacity = %v, %v; want the length", res, err)
		}
	})
	t.Run("result that fits", func(t *testing.T) {
		_, err := g.mod.ExportedFunction("result_at").Call(WithCaller(context.Background(), c), memSize-2, 1<<20)
		if err == nil || !strings.Contains(err.Error(), "out_ptr") || !strings.Contains(err.Error(), "outside the module's memory") {
			t.Fatalf("result_at outside memory: error %v, want a trap naming out_ptr", err)
		}
		// The host goes on serving.
		g := newGuest(t)
		if _, err := g.call(c, fnKVSet, []byte("k"), []byte("v")); err != nil {
			t.Fatalf("a new guest after the trap: %v", err)
		}
	})
}

func TestNoCaller(t *testing.T) {
	g := newGuest(t)
	for _, fn := range []uint64{fnKVGet, fnLog, fnSinkWrite} {
		_, err := g.mod.ExportedFunction("invoke").Call(context.Background(), fn, 0, 0, 0, 0, 0)
		if err == nil || !strings.Contains(err.Error(), "without a capability.Caller") {
			t.Errorf("invoke %d without a Caller: error %v, want a trap", fn, err)
		}
	}
	_, err := g.mod.ExportedFunction("clock").Call(context.Background(), 0)
	if err == nil || !strings.Contains(err.Error(), "gatehouse.clock_wall") {
		t.Errorf("clock without a Caller: error %v, want a trap naming the function", err)
	}
}

func TestMalformedRequest(t *testing.T) {
	g := newGuest(t)
	c, _ := newCaller(Grants{HTTP: &HTTPGrant{Hosts: []string{"127.0.0.1"}}, Exec: &ExecGrant{Programs: []string{"echo"}}})
	tests := []struct {
		name string
		fn   uint64
		req  []byte
	}{
		{"empty", fnHTTPRequest, nil},
		{"reserved code", fnHTTPRequest, []byte{0xc1}},
		{"not a map", fnExec, marshal(t, 42)},
		{"wrong field type", fnExec, marshal(t, map[string]any{"program": 42})},
		{"trailing bytes", fnExec, append(marshal(t, abi.ExecRequest{Program: "echo"}), 0)},
		{"2 GiB stdin in 15 bytes", fnExec, []byte{0x81, 0xa5, 's', 't', 'd', 'i', 'n', 0xc6, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3}},
		{"2^31 headers in 14 bytes", fnHTTPRequest, []byte{0x81, 0xa7, 'h', 'e', 'a', 'd', 'e', 'r', 's', 0xdf, 0x7f, 0xff, 0xff, 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := g.call(c, tt.fn, tt.req)
			wantCode(t, err, abi.CodeInvalidRequest)
			if !strings.Contains(err.Message, "decode request") {
				t.Errorf("message %q does not say the request is malformed", err.Message)
			}
		})
	}
}
