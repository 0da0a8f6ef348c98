// The Extism binding (abi/README.md section 5.3), with @extism/as-pdk: each
// call export is an Extism function () -> i32 that reads the msgpack request
// from the Extism input and writes the reply envelope to the Extism output.
// Re-export from the plugin's entry file:
//
//   export * from "<path>/abi/pdk/assemblyscript/extism";
import { Host } from "@extism/as-pdk";
import {
  handle, EXPORT_DESCRIBE, EXPORT_ACTUATE, EXPORT_OBLIGE, EXPORT_ENVIRONMENT,
  EXPORT_OBJECT, EXPORT_AGENT_RESET, EXPORT_AGENT_ACT,
} from "./gatehouse";

// The marker, Extism-style: never called.
export function gatehouse_abi_v1(): i32 { return 0; }

function call(exp: i32): i32 {
  const input = Host.input();
  const w = handle(exp, input.dataStart, <usize>input.length);
  const out = new Uint8Array(<i32>w.len);
  memory.copy(out.dataStart, w.buf, w.len);
  Host.output(out);
  return 0;
}

export function gatehouse_describe(): i32 { return call(EXPORT_DESCRIBE); }
export function gatehouse_actuate(): i32 { return call(EXPORT_ACTUATE); }
export function gatehouse_oblige(): i32 { return call(EXPORT_OBLIGE); }
export function gatehouse_environment(): i32 { return call(EXPORT_ENVIRONMENT); }
export function gatehouse_object(): i32 { return call(EXPORT_OBJECT); }
export function gatehouse_agent_reset(): i32 { return call(EXPORT_AGENT_RESET); }
export function gatehouse_agent_act(): i32 { return call(EXPORT_AGENT_ACT); }
