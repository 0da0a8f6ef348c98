// The agent greedy: the greedy agent of the Go basics
// (plugins-src/go/internal/basics/agent.go), decision for decision.
//
// The actors of a run share one graph of the edges, with the locations
// numbered, since their resets carry the same edges. Each run keeps the
// distance of every location to the goals it was last asked about, so that
// an actor whose goals do not change pays one breadth-first search for the
// whole run.
import {
  Action, AgentActRequest, AgentResetRequest, Code, Edge, OK, Reply, Status, quote,
} from "../../../abi/pdk/assemblyscript/gatehouse";

// Graph is the edges of a run, with the locations numbered in the order
// they first appear.
class Graph {
  ids: Map<string, i32> = new Map<string, i32>();
  names: string[] = [];
  succ: i32[][] = []; // by location, in the order of the edges
  pred: i32[][] = [];

  constructor(public edges: Edge[]) {
    for (let i = 0; i < edges.length; i++) {
      const from = this.node(edges[i].from);
      const to = this.node(edges[i].to);
      this.succ[from].push(to);
      this.pred[to].push(from);
    }
  }

  node(name: string): i32 {
    if (this.ids.has(name)) return this.ids.get(name);
    const n = this.names.length;
    this.ids.set(name, n);
    this.names.push(name);
    this.succ.push([]);
    this.pred.push([]);
    return n;
  }

  // holds reports whether edges are the edges of this graph.
  holds(edges: Edge[]): bool {
    if (edges.length != this.edges.length) return false;
    for (let i = 0; i < edges.length; i++) {
      if (edges[i].from != this.edges[i].from || edges[i].to != this.edges[i].to) return false;
    }
    return true;
  }
}

// last is the graph of the latest reset, for the next to share.
let last: Graph | null = null;

// Run is what the agent remembers of a run for one actor.
class Run {
  targets: i32[] = []; // the goal locations dist is for
  measured: bool = false;
  dist: Int32Array; // edges from each location to the nearest target, -1 for none

  constructor(public goals: string[], public graph: Graph) {
    this.dist = new Int32Array(graph.names.length);
  }
}

const runs = new Map<string, Run>();

export function greedyReset(req: AgentResetRequest, reply: Reply): Status {
  const bias = req.option("goal-bias");
  if (bias !== null && bias != "" && bias != "true" && bias != "false") {
    return reply.error(Code.InvalidRequest, "option goal-bias is " + quote(bias) + ", not true or false");
  }
  let g = last;
  if (g === null || !g.holds(req.edges)) {
    g = new Graph(req.edges);
    last = g;
  }
  runs.set(req.actor, new Run(req.goals, g));
  return OK;
}

// greedyGoals returns the goals of the actor's run, null without one.
export function greedyGoals(actor: string): string[] | null {
  return runs.has(actor) ? runs.get(actor).goals : null;
}

export function contains(list: string[], s: string): bool {
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
// goal other than from, the first in the order of the edges among equals
// (where a breadth-first search from from reaches a goal through first);
// null when none. A path through from is never a shortest one, so the
// distances to the goals but from serve every location.
function nextHop(r: Run, from: string, goals: string[]): string | null {
  const g = r.graph;
  if (!g.ids.has(from)) return null;
  const start = g.ids.get(from);
  const targets: i32[] = [];
  for (let i = 0; i < goals.length; i++) {
    if (!g.ids.has(goals[i])) continue;
    const n = g.ids.get(goals[i]);
    if (n != start && !targets.includes(n)) targets.push(n);
  }
  let same = r.measured && targets.length == r.targets.length;
  for (let i = 0; same && i < targets.length; i++) same = targets[i] == r.targets[i];
  if (!same) {
    r.targets = targets;
    r.measured = true;
    measure(r);
  }
  const succ = g.succ[start];
  let best = -1;
  for (let i = 0; i < succ.length; i++) {
    const d = r.dist[succ[i]];
    if (d >= 0 && (best < 0 || d < r.dist[best])) best = succ[i];
  }
  return best < 0 ? null : g.names[best];
}

// measure sets r.dist by a breadth-first search from r.targets against the
// edges.
function measure(r: Run): void {
  const dist = r.dist;
  dist.fill(-1);
  const queue = new Int32Array(dist.length);
  let tail = 0;
  for (let i = 0; i < r.targets.length; i++) {
    dist[r.targets[i]] = 0;
    queue[tail++] = r.targets[i];
  }
  for (let head = 0; head < tail; head++) {
    const at = queue[head];
    const pred = r.graph.pred[at];
    for (let i = 0; i < pred.length; i++) {
      if (dist[pred[i]] < 0) {
        dist[pred[i]] = dist[at] + 1;
        queue[tail++] = pred[i];
      }
    }
  }
}
