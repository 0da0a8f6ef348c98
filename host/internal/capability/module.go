// Package capability implements the host functions of ABI v1, the import
// module "gatehouse" (abi.CapabilityModule) through which a plugin logs,
// reads clocks, uses its key-value namespace, sends HTTP requests, runs
// programs, writes records to the destinations of its sinks, each only if
// the configuration grants it (see Grants), and, during an agent's act,
// asks for plans for its actor, which every plugin may.
//
// The host core refuses a plugin that imports a function of a capability it
// was not granted; as a second line of defence every function checks the
// grant again on each call, against the Caller in the call's context.
//
// # Results and errors
//
// A function that produces data returns an i32 n: n >= 0 means a result of
// n bytes is pending, n < 0 means a msgpack abi.Error of -n bytes is
// pending, and result(out_ptr, out_cap) copies the pending bytes out. Every
// error message starts with the function's name. A denied call fails with
// the code capability_denied and names the config key that grants it;
// denied log and clock calls have no way to fail, so log does nothing and
// the clocks read 0.
//
// # Out-of-range memory
//
// A pointer and length that reach outside the guest's memory never crash
// the host. A function returning n fails with invalid_request; log drops
// the message and the host logs a warning; result, which has no way to
// report an error and must not claim a copy it did not make, traps the
// guest by panicking with an error, the way wazero's own host modules
// report bad memory access. The call then fails with that error.
package capability

import (
	"context"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf8"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/msgcheck"
)

// maxLogMessage is the longest log message kept; the rest is cut off.
const maxLogMessage = 64 << 10

// monotonicOrigin is the origin of clock_monotonic. Its monotonic clock
// reading makes time.Since immune to changes of the wall clock.
var monotonicOrigin = time.Now()

// Instantiate builds the host module abi.CapabilityModule with every host
// function of ABI v1 and instantiates it in r, so modules instantiated in r
// afterwards can import them. The functions act for the Caller that
// WithCaller puts in the context of each call into a plugin.
func Instantiate(ctx context.Context, r wazero.Runtime) (api.Module, error) {
	b := r.NewHostModuleBuilder(abi.CapabilityModule)
	for _, f := range hostFunctions() {
		params := make([]api.ValueType, len(f.params))
		for i := range params {
			params[i] = api.ValueTypeI32
		}
		b.NewFunctionBuilder().
			WithGoModuleFunction(f.fn, params, f.results).
			WithParameterNames(f.params...).
			Export(f.name)
	}
	m, err := b.Instantiate(ctx)
	if err != nil {
		return nil, fmt.Errorf("instantiate host module %s: %w", abi.CapabilityModule, err)
	}
	return m, nil
}

// hostFunction is a host function: its name, the names of its i32
// parameters, its result types and its implementation.
type hostFunction struct {
	name    string
	params  []string
	results []api.ValueType
	fn      api.GoModuleFunc
}

// hostFunctions returns every host function of ABI v1.
func hostFunctions() []hostFunction {
	i32 := []api.ValueType{api.ValueTypeI32}
	i64 := []api.ValueType{api.ValueTypeI64}
	return []hostFunction{
		{abi.FuncLog, []string{"level", "msg_ptr", "msg_len"}, nil, hostLog},
		{abi.FuncClockWall, nil, i64, clock(abi.FuncClockWall, func() int64 { return time.Now().UnixNano() })},
		{abi.FuncClockMonotonic, nil, i64, clock(abi.FuncClockMonotonic, func() int64 { return int64(time.Since(monotonicOrigin)) })},
		{abi.FuncKVGet, []string{"key_ptr", "key_len"}, i32, producer(abi.FuncKVGet, abi.CapKV, kvGet)},
		{abi.FuncKVSet, []string{"key_ptr", "key_len", "val_ptr", "val_len"}, i32, producer(abi.FuncKVSet, abi.CapKV, kvSet)},
		{abi.FuncKVDelete, []string{"key_ptr", "key_len"}, i32, producer(abi.FuncKVDelete, abi.CapKV, kvDelete)},
		{abi.FuncKVList, []string{"prefix_ptr", "prefix_len"}, i32, producer(abi.FuncKVList, abi.CapKV, kvList)},
		{abi.FuncHTTPRequest, []string{"req_ptr", "req_len"}, i32, producer(abi.FuncHTTPRequest, abi.CapHTTP, httpRequest)},
		{abi.FuncExec, []string{"req_ptr", "req_len"}, i32, producer(abi.FuncExec, abi.CapExec, execRequest)},
		{abi.FuncSinkWrite, []string{"sink_ptr", "sink_len", "level", "msg_ptr", "msg_len"}, i32, producer(abi.FuncSinkWrite, abi.CapSink, sinkWrite)},
		{abi.FuncPlan, []string{"req_ptr", "req_len"}, i32, producer(abi.FuncPlan, abi.CapPlan, planRequest)},
		{abi.FuncResult, []string{"out_ptr", "out_cap"}, i32, hostResult},
	}
}

// producerBody is the work of a host function that produces data. It reads
// its arguments from params and mem and returns the result bytes.
type producerBody func(ctx context.Context, c *Caller, mem guestMemory, params []uint64) ([]byte, error)

// producer returns the host function fn of capability need, which checks
// the grant, runs body and makes its outcome pending.
func producer(fn string, need abi.Capability, body producerBody) api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		c := callerFrom(ctx, fn)
		var out []byte
		var err error
		if denied := c.check(ctx, fn, need); denied != nil {
			err = denied
		} else {
			out, err = body(ctx, c, guestMemory{mod.Memory()}, stack)
		}
		stack[0] = api.EncodeI32(c.setResult(ctx, fn, out, err))
	}
}

// hostLog is log(level, msg_ptr, msg_len). Levels below abi.LogDebug log at
// debug and above abi.LogError at error; a message longer than 64 KiB is
// cut off, with the attribute truncated_from giving its length.
func hostLog(ctx context.Context, mod api.Module, stack []uint64) {
	c := callerFrom(ctx, abi.FuncLog)
	if c.check(ctx, abi.FuncLog, abi.CapLog) != nil {
		return
	}
	level := slogLevel(api.DecodeI32(stack[0]))
	l := c.logger()
	if !l.Enabled(ctx, level) {
		return
	}
	msg, err := guestMemory{mod.Memory()}.read("message", api.DecodeU32(stack[1]), api.DecodeU32(stack[2]))
	if err != nil {
		l.WarnContext(ctx, "plugin log message dropped", "error", err)
		return
	}
	if len(msg) <= maxLogMessage {
		l.Log(ctx, level, string(msg))
		return
	}
	cut := maxLogMessage
	for cut > maxLogMessage-utf8.UTFMax && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	l.Log(ctx, level, string(msg[:cut]), "truncated_from", len(msg))
}

// slogLevel maps a level of log to slog.
func slogLevel(level int32) slog.Level {
	switch {
	case level <= abi.LogDebug:
		return slog.LevelDebug
	case level == abi.LogInfo:
		return slog.LevelInfo
	case level == abi.LogWarn:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// clock returns the host function fn of capability clock, reading now.
func clock(fn string, now func() int64) api.GoModuleFunc {
	return func(ctx context.Context, _ api.Module, stack []uint64) {
		var t int64
		if callerFrom(ctx, fn).check(ctx, fn, abi.CapClock) == nil {
			t = now()
		}
		stack[0] = api.EncodeI64(t)
	}
}

// hostResult is result(out_ptr, out_cap): it copies the pending bytes to
// out_ptr and clears them if they fit in out_cap, and returns their length
// either way. It traps if they fit but out_ptr is out of range.
func hostResult(ctx context.Context, mod api.Module, stack []uint64) {
	c := callerFrom(ctx, abi.FuncResult)
	ptr, capacity := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	n := len(c.pending) // at most math.MaxInt32, see setResult
	if uint64(n) <= uint64(capacity) {
		if n > 0 && (mod.Memory() == nil || !mod.Memory().Write(ptr, c.pending)) {
			panic(fmt.Errorf("%s.%s: out_ptr %#x with %d bytes reaches outside the module's memory",
				abi.CapabilityModule, abi.FuncResult, ptr, n))
		}
		c.pending = nil
	}
	stack[0] = api.EncodeI32(int32(n))
}

// guestMemory is the memory of the calling module, nil if it has none.
type guestMemory struct{ mem api.Memory }

// read returns the n bytes at ptr, or an invalid_request error naming what
// if they reach outside the memory. The bytes are a view of the memory,
// valid until the guest runs again: copy what outlives the host call.
func (m guestMemory) read(what string, ptr, n uint32) ([]byte, error) {
	if m.mem != nil {
		if b, ok := m.mem.Read(ptr, n); ok {
			return b, nil
		}
	}
	var size uint32
	if m.mem != nil {
		size = m.mem.Size()
	}
	return nil, abi.Errorf(abi.CodeInvalidRequest,
		"%s at %#x with %d bytes reaches outside the module's %d bytes of memory", what, ptr, n, size)
}

// decode unmarshals the msgpack request at ptr into v. Byte slices in v
// are copies, safe to keep.
func (m guestMemory) decode(ptr, n uint32, v any) error {
	b, err := m.read("request", ptr, n)
	if err != nil {
		return err
	}
	if err := msgcheck.Check(b); err != nil {
		return abi.Errorf(abi.CodeInvalidRequest, "decode request: %v", err)
	}
	if err := msgpack.Unmarshal(b, v); err != nil {
		return abi.Errorf(abi.CodeInvalidRequest, "decode request: %v", err)
	}
	return nil
}
