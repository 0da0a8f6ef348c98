package host

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/capability"
	"github.com/gatehouse/gatehouse/host/internal/interrupt"
	"github.com/gatehouse/gatehouse/host/internal/stdio"
)

// nativeModule is a plugin on the native binding: its own wazero runtime
// (which carries the plugin's memory limit), with WASI and the capability
// module instantiated in it. The module is instrumented by package
// interrupt, which is how calls are held to timeout.
type nativeModule struct {
	rt     wazero.Runtime
	module wazero.CompiledModule
	wasi   wasiConfig
	caller capability.Caller // copied into each instance
	// initTimeout bounds the start function and _initialize of each
	// instance: Limits.InitTimeout, or the call timeout when longer.
	initTimeout time.Duration
}

func (m *nativeModule) instantiate(ctx context.Context) (instance, error) {
	caller := m.caller
	// The context of the instance's calls ends when a call is interrupted,
	// and with it any sleep.
	callCtx, cancel := context.WithCancel(capability.WithCaller(context.Background(), &caller))
	config, out := m.wasi.instance(callCtx.Done)
	mod, err := m.rt.InstantiateModule(ctx, m.module, config)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	stop, _ := mod.ExportedGlobal(interrupt.Export).(api.MutableGlobal)
	if stop == nil {
		cancel()
		_ = mod.Close(ctx)
		return nil, fmt.Errorf("instantiate: the module has no %s global", interrupt.Export)
	}
	inst := &nativeInstance{
		caller: &caller,
		mod:    mod,
		mem:    mod.Memory(),
		alloc:  mod.ExportedFunction(abi.ExportAlloc),
		free:   mod.ExportedFunction(abi.ExportFree),
		fns:    exportedFunctions(mod),
		ctx:    callCtx,
		cancel: cancel,
		stop:   stop,
		out:    out,
	}
	inst.timer = time.AfterFunc(time.Hour, inst.watch)
	inst.timer.Stop()
	if inst.mem == nil {
		_ = inst.close(ctx)
		return nil, abi.Errorf(abi.CodeBadManifest, "module exports no memory")
	}
	// The start function, which package interrupt turned into an export,
	// runs first, as it would have during instantiation.
	for _, init := range []struct{ export, what string }{
		{interrupt.StartExport, "start function"},
		{"_initialize", "_initialize"},
	} {
		if err := inst.initialize(ctx, init.export, m.initTimeout); err != nil {
			_ = inst.close(ctx)
			return nil, initFailed(init.what, err)
		}
	}
	return inst, nil
}

// initialize calls the export of a new instance that prepares it, if the
// module has it, within timeout.
func (i *nativeInstance) initialize(ctx context.Context, export string, timeout time.Duration) error {
	fn := i.mod.ExportedFunction(export)
	if fn == nil {
		return nil
	}
	return i.guard(ctx, timeout, monotonic(), func() error { return fn.CallWithStack(i.ctx, nil) })
}

// initFailed returns the error of what (the start function, _initialize)
// that failed with err in a new instance. It keeps the code of an
// *abi.Error.
func initFailed(what string, err error) error {
	var e *abi.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s: %w", what, err)
	}
	return &abi.Error{Code: e.Code, Message: what + ": " + e.Message}
}

func (m *nativeModule) close(ctx context.Context) error { return m.rt.Close(ctx) }

// nativeInstance calls a native-binding module through function handles
// cached at instantiation, reusing one stack and one request buffer for
// every call.
type nativeInstance struct {
	caller *capability.Caller // the one in ctx
	mod    api.Module
	mem    api.Memory
	alloc  api.Function
	free   api.Function
	reqPtr uint32 // the request buffer in the module's memory
	reqCap uint32
	fns    map[string]api.Function
	stack  [2]uint64

	// ctx is the context of every call into the module: it carries the
	// capability.Caller, and it is cancelled when a call is interrupted so
	// that host functions and WASI sleeps stop waiting.
	ctx    context.Context
	cancel context.CancelFunc
	stop   api.MutableGlobal // the interrupt global
	out    *stdio.Output     // the instance's stdout and stderr

	// The timer interrupts a call that passes its deadline. It is armed
	// by the first call after it last went idle and re-arms itself while
	// calls follow one another, so that a call costs two atomic stores
	// rather than a reset and a stop of a timer.
	timer    *time.Timer
	armed    atomic.Bool
	fireAt   atomic.Int64 // when the armed timer fires, in monotonic ns
	deadline atomic.Int64 // of the call in progress, in monotonic ns; 0 between calls

	// state is the guard's word, seq<<2 | phase (idle, running, stopped):
	// seq counts the calls, so that an interrupt meant for one call (its
	// word) can never stop a later one. The protocol's invariants:
	//   - Only the caller holding the instance moves it idle → running (at
	//     the start of a call) and running → idle with the next seq (at its
	//     end, by compare-and-swap). Nothing else changes an idle word, so
	//     an interrupt between calls has no effect.
	//   - An interrupt moves it running → stopped by compare-and-swap on the
	//     word of the call it means: the watch on the word it read with the
	//     deadline, a caller's ctx on the word of that caller's call. Of an
	//     interrupt and the call's end exactly one wins: either the call
	//     ends clean, or it fails with the reason.
	//   - stopped is final: every later call fails with the reason, and the
	//     caller that sees it discards the instance.
	//   - The winner of running → stopped stores the reason right after;
	//     a reader that sees stopped waits for it (reason).
	//   - timeout is written before the word goes running and read only by
	//     the interrupt that stopped that call.
	state   atomic.Uint64
	err     atomic.Pointer[abi.Error] // why the module was stopped; it is never called again
	timeout time.Duration             // of the call in progress
}

// The phases of nativeInstance.state, in its low two bits; a call's end
// adds seqStep-running to go back to idle with the next seq.
const (
	phaseIdle    = 0
	phaseRunning = 1
	phaseStopped = 2
	phaseMask    = 3
	seqStep      = 4
)

func (i *nativeInstance) call(ctx context.Context, export string, req []byte, timeout time.Duration, start int64) ([]byte, error) {
	fn := i.fns[export]
	if fn == nil {
		return nil, abi.Errorf(abi.CodeUnsupported, "module does not export %s", export)
	}
	err := i.guard(ctx, timeout, start, func() error {
		if uint32(len(req)) > i.reqCap {
			if err := i.growRequestBuffer(uint32(len(req))); err != nil {
				return err
			}
		}
		if !i.mem.Write(i.reqPtr, req) {
			return abi.Errorf(abi.CodeMemory, "request buffer at %#x is no longer inside memory", i.reqPtr)
		}
		i.stack[0], i.stack[1] = uint64(i.reqPtr), uint64(len(req))
		i.caller.Call = ctx
		err := fn.CallWithStack(i.ctx, i.stack[:])
		i.caller.Call = nil
		return err
	})
	if err != nil {
		return nil, err
	}
	rptr, rlen := abi.UnpackReply(i.stack[0])
	reply, ok := i.mem.Read(rptr, rlen)
	if !ok || rlen == 0 {
		return nil, abi.Errorf(abi.CodeMalformedReply, "reply at %#x of %d bytes lies outside memory (%d bytes)", rptr, rlen, i.mem.Size())
	}
	return reply, nil
}

// guard runs f, which calls into the module, and interrupts the module if
// f takes longer than timeout from start (by monotonic) or ctx is done
// first. An interrupted module fails f with the reason.
func (i *nativeInstance) guard(ctx context.Context, timeout time.Duration, start int64, f func() error) error {
	if ctx.Done() != nil {
		if err := ctx.Err(); err != nil {
			return cancelled(err)
		}
	}
	w := i.state.Load()
	if w&phaseMask == phaseStopped {
		return i.reason()
	}
	i.timeout = timeout
	run := w | phaseRunning
	i.state.Store(run)
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { i.interrupt(cancelled(ctx.Err()), run) })
		defer stop()
	}
	deadline := start + int64(timeout)
	i.deadline.Store(deadline)
	if (!i.armed.Load() && i.armed.CompareAndSwap(false, true)) || i.fireAt.Load() > deadline {
		i.fireAt.Store(deadline)
		i.timer.Reset(timeout)
	}
	i.out.Begin()
	err := f()
	i.out.End()
	i.deadline.Store(0)
	if !i.state.CompareAndSwap(run, run-phaseRunning+seqStep) {
		err = i.reason()
	}
	return err
}

// reason returns why the stopped instance was stopped. The interrupt that
// stopped it stores the reason just after; until then it yields.
func (i *nativeInstance) reason() *abi.Error {
	for {
		if e := i.err.Load(); e != nil {
			return e
		}
		runtime.Gosched()
	}
}

// watch runs when the timer fires: it interrupts the call in progress if
// it has passed its deadline, re-arms the timer for a call still within
// it, and lets the timer go idle between calls.
func (i *nativeInstance) watch() {
	for {
		// The word first: a deadline read after it, if not 0, is that
		// call's or a later one's, and interrupt stops only that call.
		w := i.state.Load()
		d := i.deadline.Load()
		if d == 0 {
			i.armed.Store(false)
			// A call that started before the store found the timer armed:
			// arm it for that call, unless the call did so itself.
			w = i.state.Load()
			if d = i.deadline.Load(); d == 0 || !i.armed.CompareAndSwap(false, true) {
				return
			}
		}
		if left := d - monotonic(); left > 0 {
			i.fireAt.Store(d)
			i.timer.Reset(time.Duration(left))
			return
		}
		if i.interrupt(nil, w) {
			return
		}
		// The call ended as it passed its deadline: look again, for the
		// call that may have started since.
	}
}

// interrupt stops the call of the word run, if it is still in progress,
// for the reason e, or for passing its timeout when e is nil; it never
// stops a later call. It reports whether the instance is stopped, by this
// or an earlier reason.
func (i *nativeInstance) interrupt(e *abi.Error, run uint64) bool {
	if run&phaseMask != phaseRunning || !i.state.CompareAndSwap(run, run-phaseRunning+phaseStopped) {
		return i.state.Load()&phaseMask == phaseStopped
	}
	if e == nil {
		e = abi.Errorf(abi.CodeTimeout, "call exceeded %s", i.timeout)
	}
	i.err.Store(e)
	i.stop.Set(1)
	i.cancel()
	return true
}

// cancelled is the error of a call whose context ended with err.
func cancelled(err error) *abi.Error {
	if err == context.DeadlineExceeded {
		return abi.Errorf(abi.CodeTimeout, "the caller's deadline passed")
	}
	return abi.Errorf(abi.CodeUnavailable, "call cancelled by the caller")
}

// growRequestBuffer replaces the instance's request buffer with one of at
// least n bytes: the host keeps one buffer per instance and reuses it, so a
// call costs one call into the module, not two.
func (i *nativeInstance) growRequestBuffer(n uint32) error {
	if i.reqPtr != 0 {
		i.stack[0], i.stack[1] = uint64(i.reqPtr), uint64(i.reqCap)
		if err := i.free.CallWithStack(i.ctx, i.stack[:]); err != nil {
			return err
		}
		i.reqPtr, i.reqCap = 0, 0
	}
	size := max(n, minRequestBuffer)
	i.stack[0] = uint64(size)
	if err := i.alloc.CallWithStack(i.ctx, i.stack[:]); err != nil {
		return err
	}
	ptr := api.DecodeU32(i.stack[0])
	if _, ok := i.mem.Read(ptr, size); ptr == 0 || !ok {
		return abi.Errorf(abi.CodeMemory, "%s returned %#x for %d bytes, not a buffer in memory", abi.ExportAlloc, ptr, size)
	}
	i.reqPtr, i.reqCap = ptr, size
	return nil
}

// minRequestBuffer is the smallest request buffer the host allocates.
const minRequestBuffer = 1024

// monotonic returns the time on the monotonic clock, in ns since the
// process started: one clock read, where time.Now takes two.
func monotonic() int64 { return int64(time.Since(processStart)) }

var processStart = time.Now()

func (i *nativeInstance) memoryPages() uint32 { return i.mem.Size() / 65536 }

func (i *nativeInstance) close(ctx context.Context) error {
	i.timer.Stop()
	i.cancel()
	return i.mod.Close(ctx)
}
