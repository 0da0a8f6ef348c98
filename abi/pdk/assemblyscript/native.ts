// The exports of the native binding (abi/README.md section 5.2). Re-export
// them from the plugin's entry file:
//
//   export * from "<path>/abi/pdk/assemblyscript/native";
import {
  handle, EXPORT_DESCRIBE, EXPORT_ACTUATE, EXPORT_OBLIGE, EXPORT_ENVIRONMENT,
  EXPORT_OBJECT, EXPORT_AGENT_RESET, EXPORT_AGENT_ACT,
} from "./gatehouse";

// The marker: never called.
export function gatehouse_abi_v1(): void {}

// gatehouse_alloc hands the host a raw (not garbage-collected) buffer for
// requests; the host keeps and reuses it and is the only one to free it.
export function gatehouse_alloc(size: i32): usize {
  return heap.alloc(size > 0 ? <usize>size : 1);
}

export function gatehouse_free(ptr: usize, size: i32): void {
  heap.free(ptr);
}

@inline function call(exp: i32, ptr: usize, len: i32): i64 {
  const w = handle(exp, ptr, <usize>len);
  return <i64>((<u64>w.buf << 32) | <u64>w.len);
}

export function gatehouse_describe(ptr: usize, len: i32): i64 { return call(EXPORT_DESCRIBE, ptr, len); }
export function gatehouse_actuate(ptr: usize, len: i32): i64 { return call(EXPORT_ACTUATE, ptr, len); }
export function gatehouse_oblige(ptr: usize, len: i32): i64 { return call(EXPORT_OBLIGE, ptr, len); }
export function gatehouse_environment(ptr: usize, len: i32): i64 { return call(EXPORT_ENVIRONMENT, ptr, len); }
export function gatehouse_object(ptr: usize, len: i32): i64 { return call(EXPORT_OBJECT, ptr, len); }
export function gatehouse_agent_reset(ptr: usize, len: i32): i64 { return call(EXPORT_AGENT_RESET, ptr, len); }
export function gatehouse_agent_act(ptr: usize, len: i32): i64 { return call(EXPORT_AGENT_ACT, ptr, len); }
