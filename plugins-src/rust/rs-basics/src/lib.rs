//! rs-basics: the reference plugin of the Rust PDK (abi/pdk/rust) on the
//! native binding. Its components, the actuator echo, the obligation
//! require-reason, the environment setter echo, the object setter
//! path-segments and the agents greedy and planner, have the names and the behaviour of
//! their Go twins in plugins-src/go/internal/basics;
//! plugins-src/cases/basics.yaml holds the cases every basics plugin passes.
//!
//! Build from the repository root, the kit first, then the plugin:
//!
//!   /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type rlib --crate-name gatehouse_pdk -C opt-level=s -C strip=debuginfo -C target-feature=+bulk-memory -o target/wasm32/libgatehouse_pdk.rlib abi/pdk/rust/src/lib.rs
//!   /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib --crate-name rs_basics -C opt-level=s -C strip=debuginfo -C target-feature=+bulk-memory --extern gatehouse_pdk=target/wasm32/libgatehouse_pdk.rlib -o plugins/rs-basics.wasm plugins-src/rust/rs-basics/src/lib.rs

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use gatehouse_pdk::{
    error, plugin, Action, ActuateReply, ActuateRequest, AgentActRequest, AgentResetRequest, Code, Component, Edge,
    EnvironmentReply, EnvironmentRequest, ObjectReply, ObjectRequest, ObligeReply, ObligeRequest, Plugin, Result, Val,
    Value,
};

plugin!(Plugin {
    name: "rs-basics",
    version: "1.0.0",
    description: "reference components in Rust, one of each kind",
    capabilities: &["plan"],
    components: &[
        Component::actuator("echo", ECHO_PROFILES, ECHO_PAIRS, echo_actuate)
            .description("answers query features and echoes the other commands it supports"),
        Component::obligation("require-reason", require_reason)
            .description("fulfilled only when access.reason is a non-empty string"),
        Component::environment("echo", &["echo"], echo)
            .description("returns the key asked for and subject.id, for benchmarks"),
        Component::object("path-segments", path_segments)
            .description("sets segments to the path's segments and resource to the first"),
        Component::agent("greedy", greedy_reset, greedy_act)
            .description("reaches for a goal, plans moves over the edges, else takes the least risk"),
        Component::agent("planner", planner_reset, planner_act).description(
            "follows the host's plan to its goals, planning again when the run goes otherwise, else acts as greedy",
        ),
    ],
});

// ---- actuator echo ----

/// The profiles the actuator echo declares and reports to query features.
const ECHO_PROFILES: &[&str] = &["x-echo"];
/// The action/target pairs of the actuator echo.
const ECHO_PAIRS: &[(&str, &[&str])] =
    &[("query", &["features"]), ("allow", &["ipv4_net", "ipv6_net"]), ("deny", &["ipv4_net", "ipv6_net"])];

/// echo_actuate answers query features; it answers the other pairs it
/// supports with status 200 and results echoing the action and target under x-echo, any
/// other pair with 501, and a command whose target has not exactly one type
/// with 400.
fn echo_actuate<'a>(req: &ActuateRequest<'a>) -> Result<ActuateReply<'a>> {
    let cmd = &req.command;
    if cmd.target_keys != 1 {
        return Ok(ActuateReply::status(400).text("target must have exactly one type"));
    }
    let supported =
        ECHO_PAIRS.iter().any(|(action, targets)| *action == cmd.action && targets.contains(&cmd.target_type));
    if !supported {
        return Ok(ActuateReply::status(501).text(format!("command not supported: {} {}", cmd.action, cmd.target_type)));
    }
    if cmd.action == "query" {
        return Ok(features(cmd.target_value));
    }
    // Results of a profile go under its namespace (LS v1.0 section 3.3.2.2).
    let echoed = Value::map([("action", cmd.action.into()), ("target", Value::Raw(cmd.target))]);
    Ok(ActuateReply::ok().results(Value::map([("x-echo", echoed)])))
}

/// features answers query features with the features asked for among
/// versions, profiles and pairs (msgpack str only); an empty or nil list is
/// a heartbeat, answered with status 200 alone (OpenC2 Language
/// Specification v1.0, section 4.1).
fn features(asked: Val<'_>) -> ActuateReply<'static> {
    let items = match asked.items() {
        Some(items) => items,
        None => return ActuateReply::status(400).text("target features must be a list"),
    };
    let (mut versions, mut profiles, mut pairs) = (false, false, false);
    for f in items {
        match f.as_str() {
            Some("versions") => versions = true,
            Some("profiles") => profiles = true,
            Some("pairs") => pairs = true,
            _ => {}
        }
    }
    let mut results = Vec::new();
    if versions {
        results.push(("versions", Value::array(["1.0"])));
    }
    if profiles {
        results.push(("profiles", Value::array(ECHO_PROFILES.iter().copied())));
    }
    if pairs {
        let map = ECHO_PAIRS.iter().map(|(action, targets)| (*action, Value::array(targets.iter().copied())));
        results.push(("pairs", Value::map(map)));
    }
    if results.is_empty() {
        return ActuateReply::ok();
    }
    ActuateReply::ok().results(Value::map(results))
}

// ---- environment echo ----

/// echo returns the key asked for and subject.id (nil when missing).
fn echo<'a>(req: &EnvironmentRequest<'a>) -> Result<EnvironmentReply<'a>> {
    let id = req.context.get("subject.id").map_or(Value::Nil, Value::Raw);
    Ok(EnvironmentReply::value(Value::map([("key", req.key.into()), ("subject", id)])))
}

// ---- obligation require-reason ----

/// require_reason is fulfilled only when access.reason is a non-empty string.
fn require_reason<'a>(req: &ObligeRequest<'a>) -> Result<ObligeReply<'a>> {
    Ok(match req.context.get("access.reason") {
        None => ObligeReply::unfulfilled("access.reason is missing"),
        Some(v) => match v.as_str() {
            None => ObligeReply::unfulfilled("access.reason is not a string"),
            Some("") => ObligeReply::unfulfilled("access.reason is empty"),
            Some(_) => ObligeReply::fulfilled(),
        },
    })
}

// ---- object path-segments ----

/// path_segments sets segments to the non-empty segments of the path and,
/// when there is one, resource to the first.
fn path_segments<'a>(req: &ObjectRequest<'a>) -> Result<ObjectReply<'a>> {
    let segments: Vec<&'a str> = req.path.split('/').filter(|s| !s.is_empty()).collect();
    let first = segments.first().copied();
    let mut reply = ObjectReply::new().set("segments", Value::array(segments));
    if let Some(first) = first {
        reply = reply.set("resource", first);
    }
    Ok(reply)
}

// ---- agent greedy ----

/// The edges of a run, with the locations numbered in the order they first
/// appear. The actors of a run share one, since their resets carry the same
/// edges.
struct Graph {
    edges: Vec<(String, String)>,
    ids: BTreeMap<String, u32>,
    names: Vec<String>,
    succ: Vec<Vec<u32>>, // by location, in the order of the edges
    pred: Vec<Vec<u32>>,
}

impl Graph {
    fn new(edges: &[Edge<'_>]) -> Graph {
        let mut g = Graph { edges: Vec::new(), ids: BTreeMap::new(), names: Vec::new(), succ: Vec::new(), pred: Vec::new() };
        for e in edges {
            let (from, to) = (g.node(e.from), g.node(e.to));
            g.succ[from as usize].push(to);
            g.pred[to as usize].push(from);
            g.edges.push((e.from.to_owned(), e.to.to_owned()));
        }
        g
    }

    fn node(&mut self, name: &str) -> u32 {
        if let Some(&n) = self.ids.get(name) {
            return n;
        }
        let n = self.names.len() as u32;
        self.ids.insert(name.to_owned(), n);
        self.names.push(name.to_owned());
        self.succ.push(Vec::new());
        self.pred.push(Vec::new());
        n
    }

    /// holds reports whether `edges` are the edges of this graph.
    fn holds(&self, edges: &[Edge<'_>]) -> bool {
        edges.len() == self.edges.len() && edges.iter().zip(&self.edges).all(|(e, (f, t))| e.from == f && e.to == t)
    }
}

/// A run of one actor: its goals, the run's graph, and the distance of
/// every location to the goals it was last asked about, so that an actor
/// whose goals do not change pays one breadth-first search for the whole
/// run.
struct Run {
    goals: Vec<String>,
    graph: Rc<Graph>,
    targets: Option<Vec<u32>>, // the goal locations dist is for; None before the first
    dist: Vec<i32>,            // edges to the nearest target, -1 for none
}

thread_local! {
    /// The runs by actor. Instance memory: the host sends every agent call
    /// of a simulation run to one instance.
    static RUNS: RefCell<BTreeMap<String, Run>> = RefCell::new(BTreeMap::new());
    /// The graph of the latest reset, for the next to share.
    static LAST: RefCell<Option<Rc<Graph>>> = RefCell::new(None);
}

fn greedy_reset(req: &AgentResetRequest<'_>) -> Result<()> {
    match req.option("goal-bias").unwrap_or("") {
        "" | "true" | "false" => {}
        other => return Err(error!(Code::InvalidRequest, "option goal-bias is {:?}, not true or false", other)),
    }
    let graph = LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some(g) if g.holds(&req.edges) => g.clone(),
            _ => {
                let g = Rc::new(Graph::new(&req.edges));
                *last = Some(g.clone());
                g
            }
        }
    });
    let dist = vec![-1; graph.names.len()];
    let run = Run { goals: req.goals.iter().map(|g| (*g).to_owned()).collect(), graph, targets: None, dist };
    RUNS.with(|runs| runs.borrow_mut().insert(req.actor.to_owned(), run));
    Ok(())
}

fn greedy_act<'a>(req: &AgentActRequest<'a>) -> Result<Action<'a>> {
    RUNS.with(|runs| {
        let mut runs = runs.borrow_mut();
        let run = runs
            .get_mut(req.actor)
            .ok_or_else(|| error!(Code::InvalidRequest, "actor {:?} has no run: reset it first", req.actor))?;
        let obs = &req.observation;
        let choices = &obs.choices;
        let first = match choices.first() {
            Some(c) => *c,
            None => return Ok(Action::WAIT),
        };
        let run_goals: Vec<String>;
        let goals: Vec<&str> = if obs.goals.is_empty() {
            run_goals = run.goals.clone();
            run_goals.iter().map(String::as_str).collect()
        } else {
            obs.goals.clone()
        };
        // A choice that reaches a goal.
        if let Some(c) = choices.iter().find(|c| !c.target.is_empty() && goals.contains(&c.target)) {
            return Ok(*c);
        }
        // The move to the next location on a shortest path to a goal.
        if let Some(hop) = next_hop(run, obs.location, &goals) {
            let hop = run.graph.names[hop as usize].as_str();
            if let Some(c) = choices.iter().find(|c| c.kind == "move" && c.target == hop) {
                return Ok(*c);
            }
        }
        // The least risky choice, the first among equals.
        Ok(choices.iter().skip(1).fold(first, |best, c| if c.risk < best.risk { *c } else { best }))
    })
}

/// next_hop returns the first location on a shortest path from `from` to
/// any goal other than `from`, the first in the order of the edges among
/// equals (where a breadth-first search from `from` reaches a goal through
/// first). A path through `from` is never a shortest one, so the distances
/// to the goals but `from` serve every location.
fn next_hop(run: &mut Run, from: &str, goals: &[&str]) -> Option<u32> {
    let g = run.graph.clone();
    let start = *g.ids.get(from)?;
    let mut targets: Vec<u32> = Vec::new();
    for goal in goals {
        if let Some(&n) = g.ids.get(*goal) {
            if n != start && !targets.contains(&n) {
                targets.push(n);
            }
        }
    }
    if run.targets.as_ref() != Some(&targets) {
        measure(&g, &targets, &mut run.dist);
        run.targets = Some(targets);
    }
    let mut best: Option<u32> = None;
    for &to in &g.succ[start as usize] {
        let d = run.dist[to as usize];
        if d >= 0 && best.map_or(true, |b| d < run.dist[b as usize]) {
            best = Some(to);
        }
    }
    best
}

/// measure sets `dist` by a breadth-first search from the targets against
/// the edges.
fn measure(g: &Graph, targets: &[u32], dist: &mut [i32]) {
    dist.iter_mut().for_each(|d| *d = -1);
    let mut queue: Vec<u32> = Vec::with_capacity(dist.len());
    for &t in targets {
        dist[t as usize] = 0;
        queue.push(t);
    }
    let mut head = 0;
    while head < queue.len() {
        let at = queue[head];
        head += 1;
        for &from in &g.pred[at as usize] {
            if dist[from as usize] < 0 {
                dist[from as usize] = dist[at as usize] + 1;
                queue.push(from);
            }
        }
    }
}

// ---- agent planner ----

/// What planner remembers of a run for one actor, beside greedy's run of
/// it, which it acts as when no plan starts.
#[derive(Default)]
struct PlanRun {
    steps: Vec<(String, String)>, // the plan being followed: kind and target of each step
    next: usize,                  // the step to take next
    at: String,                   // where the actor should be before steps[next]
    holds: Vec<String>,           // what it should hold then
    gone: Vec<String>,            // possessibles found missing
    stuck: Option<(Vec<String>, Vec<String>)>, // the holdings and gone possessibles with which planning last failed
}

thread_local! {
    /// The planner's runs by actor.
    static PLAN_RUNS: RefCell<BTreeMap<String, PlanRun>> = RefCell::new(BTreeMap::new());
}

fn planner_reset(req: &AgentResetRequest<'_>) -> Result<()> {
    greedy_reset(req)?;
    PLAN_RUNS.with(|runs| runs.borrow_mut().insert(req.actor.to_owned(), PlanRun::default()));
    Ok(())
}

/// same_set reports whether a and b, lists without repeats, hold the same
/// names, in whatever order.
fn same_set<A: AsRef<str>, B: AsRef<str>>(a: &[A], b: &[B]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| y.as_ref() == x.as_ref()))
}

/// planner_act is the Go planner's act: it takes the plan's next step,
/// planning again first when the actor is not where and as the plan
/// expects; a take or read of something not there marks it gone. When no
/// plan starts it acts as greedy.
fn planner_act<'a>(req: &AgentActRequest<'a>) -> Result<Action<'a>> {
    let goals = RUNS.with(|runs| runs.borrow().get(req.actor).map(|r| r.goals.len()));
    let taken = PLAN_RUNS.with(|runs| {
        let mut runs = runs.borrow_mut();
        let r = match (runs.get_mut(req.actor), goals) {
            (Some(r), Some(n)) if n > 0 => r,
            (Some(_), Some(_)) => return Ok(Some(Action::WAIT)),
            _ => return Err(error!(Code::InvalidRequest, "actor {:?} has no run: reset it first", req.actor)),
        };
        let obs = &req.observation;
        let mut on_plan = r.next < r.steps.len() && obs.location == r.at && same_set(&obs.holdings, &r.holds);
        while on_plan || replan(r, obs) {
            let (kind, target) = r.steps[r.next].clone();
            if let Some(c) = obs.choices.iter().find(|c| c.kind == kind && c.target == target) {
                r.next += 1;
                match kind.as_str() {
                    "move" => r.at = target,
                    "take" => r.holds.push(target),
                    _ => {}
                }
                return Ok(Some(*c));
            }
            if kind == "move" || r.gone.contains(&target) {
                break;
            }
            r.gone.push(target);
            on_plan = false;
        }
        Ok(None)
    })?;
    match taken {
        Some(a) => Ok(a),
        None => greedy_act(req),
    }
}

/// replan asks the host for a plan from the observed state, and reports
/// whether it got one with a step to take. It does not ask again with the
/// holdings and gone possessibles of its last failure: wherever the actor
/// walks to with them, no plan starts either.
fn replan(r: &mut PlanRun, obs: &gatehouse_pdk::Observation<'_>) -> bool {
    if let Some((held, gone)) = &r.stuck {
        if same_set(held, &obs.holdings) && same_set(gone, &r.gone) {
            return false;
        }
    }
    let mut w = gatehouse_pdk::msgpack::Writer::new();
    w.map(1).str("gone").array(r.gone.len() as u32);
    for g in &r.gone {
        w.str(g);
    }
    let mut steps = Vec::new();
    if let Ok(rep) = gatehouse_pdk::host::plan(w.bytes()) {
        if let Some(items) = Val(&rep).get("steps").and_then(|s| s.items()) {
            for step in items {
                let kind = step.get("kind").and_then(|v| v.as_str()).unwrap_or("");
                let target = step.get("target").and_then(|v| v.as_str()).unwrap_or("");
                steps.push((kind.to_owned(), target.to_owned()));
            }
        }
    }
    if steps.is_empty() {
        r.stuck = Some((obs.holdings.iter().map(|h| (*h).to_owned()).collect(), r.gone.clone()));
        r.steps.clear();
        return false;
    }
    r.steps = steps;
    r.next = 0;
    r.at = obs.location.to_owned();
    r.holds = obs.holdings.iter().map(|h| (*h).to_owned()).collect();
    r.stuck = None;
    true
}
