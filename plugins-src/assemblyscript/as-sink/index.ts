// as-sink: the reference plugin of the AssemblyScript kit's sink capability
// (sinkWrite in abi/pdk/assemblyscript/host.ts), the twin of
// plugins-src/zig/zig-sink. Its obligation sink-write writes access.message
// at level info to the sink access.sink names: fulfilled once the
// destination has taken it, else unfulfilled with the host's code and
// message as reason. Grant it sink. Build from the repository root:
//
//   npx asc plugins-src/assemblyscript/as-sink/index.ts --runtime incremental --use abort=abi/pdk/assemblyscript/abort/gh_abort -O3 --noAssert -o plugins/as-sink.wasm
import { Code, Component, ObligeRequest, OK, Plugin, Reply, Status, register } from "../../../abi/pdk/assemblyscript/gatehouse";
import { Level, sinkWrite } from "../../../abi/pdk/assemblyscript/host";

export * from "../../../abi/pdk/assemblyscript/native";

// accessStr returns the string access.<key>, or null.
function accessStr(req: ObligeRequest, key: string): string | null {
  const v = req.context.get("access." + key);
  return v === null ? null : v.str();
}

// write writes access.message to the sink access.sink.
function write(req: ObligeRequest, reply: Reply): Status {
  const sink = accessStr(req, "sink");
  if (sink === null) return reply.error(Code.InvalidRequest, "access.sink is not a string");
  const msg = accessStr(req, "message");
  if (msg === null) return reply.error(Code.InvalidRequest, "access.message is not a string");
  const r = sinkWrite(sink, Level.Info, msg);
  if (r.ok) reply.fulfilled(true);
  else reply.fulfilled(false, r.code + ": " + r.message);
  return OK;
}

register(new Plugin("as-sink", "1.0.0", "writes records to the sinks its grant names", [
  Component.obligation("sink-write", "writes access.message to the sink access.sink", write),
], ["sink"]));
