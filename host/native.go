package host

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

	mu          sync.Mutex
	running     bool
	timeout     time.Duration // of the call in progress
	interrupted *abi.Error    // why the module was stopped; it is never called again
}

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
		stop := context.AfterFunc(ctx, func() { i.interrupt(cancelled(ctx.Err()), 0) })
		defer stop()
	}
	i.mu.Lock()
	if i.interrupted != nil {
		i.mu.Unlock()
		return i.interrupted
	}
	i.running, i.timeout = true, timeout
	i.mu.Unlock()
	deadline := start + int64(timeout)
	i.deadline.Store(deadline)
	if i.armed.CompareAndSwap(false, true) || i.fireAt.Load() > deadline {
		i.fireAt.Store(deadline)
		i.timer.Reset(timeout)
	}
	i.out.Begin()
	err := f()
	i.out.End()
	i.deadline.Store(0)
	i.mu.Lock()
	i.running = false
	if i.interrupted != nil {
		err = i.interrupted
	}
	i.mu.Unlock()
	return err
}

// watch runs when the timer fires: it interrupts the call in progress if
// it has passed its deadline, re-arms the timer for a call still within
// it, and lets the timer go idle between calls.
func (i *nativeInstance) watch() {
	for {
		d := i.deadline.Load()
		if d == 0 {
			i.armed.Store(false)
			// A call that started before the store found the timer armed:
			// arm it for that call, unless the call did so itself.
			if d = i.deadline.Load(); d == 0 || !i.armed.CompareAndSwap(false, true) {
				return
			}
		}
		if left := d - monotonic(); left > 0 {
			i.fireAt.Store(d)
			i.timer.Reset(time.Duration(left))
			return
		}
		if i.interrupt(nil, d) {
			return
		}
		// The call ended as it passed its deadline: look again, for the
		// call that may have started since.
	}
}

// interrupt stops the call in progress, if any, for the reason e, or for
// passing its timeout when e is nil. With a deadline, it stops only the
// call of that deadline, not a later one. It reports whether the instance
// is stopped, by this or an earlier reason.
func (i *nativeInstance) interrupt(e *abi.Error, deadline int64) bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.interrupted != nil {
		return true
	}
	if !i.running || (deadline != 0 && i.deadline.Load() != deadline) {
		return false
	}
	if e == nil {
		e = abi.Errorf(abi.CodeTimeout, "call exceeded %s", i.timeout)
	}
	i.interrupted = e
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
