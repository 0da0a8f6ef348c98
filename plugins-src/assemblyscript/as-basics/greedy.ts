// The agent greedy: the greedy agent of the Go basics
// (plugins-src/go/internal/basics/agent.go), decision for decision.
import {
  Action, AgentActRequest, AgentResetRequest, Code, OK, Reply, Status, quote,
} from "../../../abi/pdk/assemblyscript/gatehouse";

// Run is what the agent remembers of a run for one actor.
class Run {
  constructor(public goals: string[], public next: Map<string, string[]>) {}
}

const runs = new Map<string, Run>();

export function greedyReset(req: AgentResetRequest, reply: Reply): Status {
  const bias = req.option("goal-bias");
  if (bias !== null && bias != "" && bias != "true" && bias != "false") {
    return reply.error(Code.InvalidRequest, "option goal-bias is " + quote(bias) + ", not true or false");
  }
  const next = new Map<string, string[]>();
  for (let i = 0; i < req.edges.length; i++) {
    const e = req.edges[i];
    if (!next.has(e.from)) next.set(e.from, []);
    next.get(e.from).push(e.to);
  }
  runs.set(req.actor, new Run(req.goals, next));
  return OK;
}

function contains(list: string[], s: string): bool {
  for (let i = 0; i < list.length; i++) if (list[i] == s) return true;
  return false;
}

export function greedyAct(req: AgentActRequest, reply: Reply): Status {
  if (!runs.has(req.actor)) {
    return reply.error(Code.InvalidRequest, "actor " + quote(req.actor) + " has no run: reset it first");
  }
  const r = runs.get(req.actor);
  const obs = req.observation;
  const choices = obs.choices;
  if (choices.length == 0) {
    reply.action(new Action("wait"));
    return OK;
  }
  const goals = obs.goals.length == 0 ? r.goals : obs.goals;
  // a choice that reaches a goal
  for (let i = 0; i < choices.length; i++) {
    const c = choices[i];
    if (c.target.length > 0 && contains(goals, c.target)) {
      reply.action(c);
      return OK;
    }
  }
  // the move to the next location on a shortest path to a goal
  const hop = nextHop(r, obs.location, goals);
  if (hop !== null) {
    for (let i = 0; i < choices.length; i++) {
      const c = choices[i];
      if (c.kind == "move" && c.target == hop) {
        reply.action(c);
        return OK;
      }
    }
  }
  // the least risky choice, the first among equals
  let best = choices[0];
  for (let i = 1; i < choices.length; i++) {
    if (choices[i].risk < best.risk) best = choices[i];
  }
  reply.action(best);
  return OK;
}

// nextHop returns the first location on a shortest path from from to any
// goal, by breadth-first search over the edges; null when none.
function nextHop(r: Run, from: string, goals: string[]): string | null {
  const first = new Map<string, string>(); // location -> first hop to reach it
  first.set(from, "");
  const queue: string[] = [from];
  for (let head = 0; head < queue.length; head++) {
    const at = queue[head];
    if (!r.next.has(at)) continue;
    const tos = r.next.get(at);
    for (let i = 0; i < tos.length; i++) {
      const to = tos[i];
      if (first.has(to)) continue;
      const hop = at == from ? to : first.get(at);
      if (contains(goals, to)) return hop;
      first.set(to, hop);
      queue.push(to);
    }
  }
  return null;
}
