// as-basics: the AssemblyScript twins of components of the Go basics, on the
// native binding: the agent as-greedy, the environment setter echo and the
// obligation as-require-reason. Build from the repository root:
//
//   npx asc plugins-src/assemblyscript/as-basics/index.ts --runtime incremental --use abort=abi/pdk/assemblyscript/abort/gh_abort -O3 --noAssert -o plugins/as-basics.wasm
import {
  Component, ObligeRequest, OK, Plugin, Reply, Status, register,
} from "../../../abi/pdk/assemblyscript/gatehouse";
import { echoComponent } from "../internal/echo";
import { greedyAct, greedyReset } from "./greedy";

export * from "../../../abi/pdk/assemblyscript/native";

// requireReason is fulfilled only when access.reason is a non-empty string
// (a msgpack str; bin is not a string).
function requireReason(req: ObligeRequest, reply: Reply): Status {
  const v = req.context.get("access.reason");
  if (v === null) reply.fulfilled(false, "access.reason is missing");
  else if (!v.isStr) reply.fulfilled(false, "access.reason is not a string");
  else if (v.strLen() == 0) reply.fulfilled(false, "access.reason is empty");
  else reply.fulfilled(true);
  return OK;
}

register(new Plugin("as-basics", "1.0.0", "reference components in AssemblyScript, the twins of the Go basics", [
  Component.agent("as-greedy", "reaches for a goal, plans moves over the edges, else takes the least risk", [], greedyReset, greedyAct),
  echoComponent(),
  Component.obligation("as-require-reason", "fulfilled only when access.reason is a non-empty string", requireReason),
]));
