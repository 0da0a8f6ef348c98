// The agent planner: the planner of the Go basics
// (plugins-src/go/internal/basics/planner.go), decision for decision. It
// follows the plan the host's plan function gives it from the state it
// observes, planning again when the actor is not where and as the plan
// expects; a take or read of something not there marks it gone. When no
// plan starts it acts as greedy, whose run of the actor its reset starts
// too.
import {
  Action, AgentActRequest, AgentResetRequest, Code, OK, Reply, Status, quote,
} from "../../../abi/pdk/assemblyscript/gatehouse";
import { PlanStep, plan } from "../../../abi/pdk/assemblyscript/host";
import { contains, greedyAct, greedyGoals, greedyReset } from "./greedy";

// PlanRun is what planner remembers of a run for one actor.
class PlanRun {
  steps: PlanStep[] = []; // the plan being followed
  next: i32 = 0; // the step to take next
  at: string = ""; // where the actor should be before steps[next]
  holds: string[] = []; // what it should hold then
  gone: string[] = []; // possessibles found missing
  // The holdings, and the count of gone possessibles, with which planning
  // last failed; null when it did not.
  stuck: string[] | null = null;
  stuckGone: i32 = 0;
}

const planRuns = new Map<string, PlanRun>();

export function plannerReset(req: AgentResetRequest, reply: Reply): Status {
  const st = greedyReset(req, reply);
  if (st != OK) return st;
  planRuns.set(req.actor, new PlanRun());
  return OK;
}

// sameSet reports whether a and b, lists without repeats, hold the same
// names, in whatever order.
function sameSet(a: string[], b: string[]): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (!contains(b, a[i])) return false;
  return true;
}

// replan asks the host for a plan from the observed state, and reports
// whether it got one with a step to take. It does not ask again with the
// holdings and gone possessibles of its last failure: wherever the actor
// walks to with them, no plan starts either.
function replan(r: PlanRun, holdings: string[], location: string): bool {
  const stuck = r.stuck;
  if (stuck !== null && r.stuckGone == r.gone.length && sameSet(stuck, holdings)) return false;
  const res = plan(r.gone);
  if (!res.ok || res.steps.length == 0) {
    r.stuck = holdings.slice(0);
    r.stuckGone = r.gone.length;
    r.steps = [];
    return false;
  }
  r.steps = res.steps;
  r.next = 0;
  r.at = location;
  r.holds = holdings.slice(0);
  r.stuck = null;
  return true;
}

export function plannerAct(req: AgentActRequest, reply: Reply): Status {
  const goals = greedyGoals(req.actor);
  if (!planRuns.has(req.actor) || goals === null) {
    return reply.error(Code.InvalidRequest, "actor " + quote(req.actor) + " has no run: reset it first");
  }
  if (goals.length == 0) {
    reply.action(new Action("wait"));
    return OK;
  }
  const r = planRuns.get(req.actor);
  const obs = req.observation;
  let onPlan = r.next < r.steps.length && obs.location == r.at && sameSet(obs.holdings, r.holds);
  while (onPlan || replan(r, obs.holdings, obs.location)) {
    const st = r.steps[r.next];
    for (let i = 0; i < obs.choices.length; i++) {
      const c = obs.choices[i];
      if (c.kind != st.kind || c.target != st.target) continue;
      r.next++;
      if (st.kind == "move") r.at = st.target;
      else if (st.kind == "take") r.holds.push(st.target);
      reply.action(c);
      return OK;
    }
    if (st.kind == "move" || contains(r.gone, st.target)) break;
    r.gone.push(st.target);
    onPlan = false;
  }
  return greedyAct(req, reply);
}
