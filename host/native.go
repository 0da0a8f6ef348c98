package host

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/gatehouse/gatehouse/abi"
	"github.com/gatehouse/gatehouse/host/internal/capability"
)

// nativeModule is a plugin on the native binding: its own wazero runtime
// (which carries the plugin's memory limit), with WASI and the capability
// module instantiated in it.
type nativeModule struct {
	rt     wazero.Runtime
	module wazero.CompiledModule
	config wazero.ModuleConfig
	caller capability.Caller // copied into each instance
}

func (m *nativeModule) instantiate(ctx context.Context) (instance, error) {
	mod, err := m.rt.InstantiateModule(ctx, m.module, m.config)
	if err != nil {
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	inst := &nativeInstance{
		mod:   mod,
		mem:   mod.Memory(),
		alloc: mod.ExportedFunction(abi.ExportAlloc),
		free:  mod.ExportedFunction(abi.ExportFree),
		fns:   exportedFunctions(mod),
	}
	caller := m.caller
	inst.caller = &caller
	if inst.mem == nil {
		_ = mod.Close(ctx)
		return nil, abi.Errorf(abi.CodeBadManifest, "module exports no memory")
	}
	return inst, nil
}

func (m *nativeModule) close(ctx context.Context) error { return m.rt.Close(ctx) }

// nativeInstance calls a native-binding module through function handles
// cached at instantiation, reusing one stack and one request buffer for
// every call.
type nativeInstance struct {
	mod    api.Module
	mem    api.Memory
	alloc  api.Function
	free   api.Function
	reqPtr uint32 // the request buffer in the module's memory
	reqCap uint32
	fns    map[string]api.Function
	caller *capability.Caller
	stack  [2]uint64
}

func (i *nativeInstance) call(ctx context.Context, export string, req []byte) ([]byte, error) {
	fn := i.fns[export]
	if fn == nil {
		return nil, abi.Errorf(abi.CodeUnsupported, "module does not export %s", export)
	}
	ctx = capability.WithCaller(ctx, i.caller)
	if uint32(len(req)) > i.reqCap {
		if err := i.growRequestBuffer(ctx, uint32(len(req))); err != nil {
			return nil, err
		}
	}
	if !i.mem.Write(i.reqPtr, req) {
		return nil, abi.Errorf(abi.CodeMemory, "request buffer at %#x is no longer inside memory", i.reqPtr)
	}
	i.stack[0], i.stack[1] = uint64(i.reqPtr), uint64(len(req))
	if err := fn.CallWithStack(ctx, i.stack[:]); err != nil {
		return nil, err
	}
	rptr, rlen := abi.UnpackReply(i.stack[0])
	reply, ok := i.mem.Read(rptr, rlen)
	if !ok || rlen == 0 {
		return nil, abi.Errorf(abi.CodeMalformedReply, "reply at %#x of %d bytes lies outside memory (%d bytes)", rptr, rlen, i.mem.Size())
	}
	return reply, nil
}

// growRequestBuffer replaces the instance's request buffer with one of at
// least n bytes: the host keeps one buffer per instance and reuses it, so a
// call costs one call into the module, not two.
func (i *nativeInstance) growRequestBuffer(ctx context.Context, n uint32) error {
	if i.reqPtr != 0 {
		i.stack[0], i.stack[1] = uint64(i.reqPtr), uint64(i.reqCap)
		if err := i.free.CallWithStack(ctx, i.stack[:]); err != nil {
			return err
		}
		i.reqPtr, i.reqCap = 0, 0
	}
	size := max(n, minRequestBuffer)
	i.stack[0] = uint64(size)
	if err := i.alloc.CallWithStack(ctx, i.stack[:]); err != nil {
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

func (i *nativeInstance) memoryPages() uint32 { return i.mem.Size() / 65536 }

func (i *nativeInstance) close(ctx context.Context) error { return i.mod.Close(ctx) }
