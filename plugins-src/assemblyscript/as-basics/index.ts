// as-basics: the reference plugin of the AssemblyScript PDK on the native
// binding. Its components, the actuator echo, the obligation require-reason,
// the environment setter echo, the object setter path-segments and the agents
// greedy and planner, have the names and the behaviour of their Go twins in
// plugins-src/go/internal/basics; plugins-src/cases/basics.yaml holds the
// cases every basics plugin passes. Build from the repository root:
//
//   npx asc plugins-src/assemblyscript/as-basics/index.ts --runtime incremental --use abort=abi/pdk/assemblyscript/abort/gh_abort -O3 --noAssert -o plugins/as-basics.wasm
import {
  Component, ObjectRequest, ObligeRequest, OK, Plugin, Reply, Status, register,
} from "../../../abi/pdk/assemblyscript/gatehouse";
import { echoComponent } from "../internal/echo";
import { echoActuator } from "./actuator";
import { greedyAct, greedyReset } from "./greedy";
import { plannerAct, plannerReset } from "./planner";

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

// pathSegments sets segments to the non-empty segments of the path and,
// when there is one, resource to the first.
function pathSegments(req: ObjectRequest, reply: Reply): Status {
  const parts = req.path.split("/");
  let first: string | null = null;
  reply.attributes();
  reply.key("segments");
  reply.beginArray();
  for (let i = 0; i < parts.length; i++) {
    const seg = parts[i];
    if (seg.length == 0) continue;
    if (first === null) first = seg;
    reply.str(seg);
  }
  reply.end();
  if (first !== null) { reply.key("resource"); reply.str(first); }
  reply.end();
  return OK;
}

register(new Plugin("as-basics", "1.0.0", "reference components in AssemblyScript, one of each kind", [
  echoActuator(),
  Component.obligation("require-reason", "fulfilled only when access.reason is a non-empty string", requireReason),
  echoComponent(),
  Component.object("path-segments", "sets segments to the path's segments and resource to the first", 0, pathSegments),
  Component.agent("greedy", "reaches for a goal, plans moves over the edges, else takes the least risk", [], greedyReset, greedyAct),
  Component.agent("planner", "follows the host's plan to its goals, planning again when the run goes otherwise, else acts as greedy",
    [], plannerReset, plannerAct),
], ["plan"]));
