//! rs-basics: the reference plugin of the Rust PDK (abi/pdk/rust) on the
//! native binding. Its components behave exactly as their Go twins in
//! plugins-src/go/internal/basics:
//!
//!   agent        rs-greedy          = greedy
//!   obligation   rs-require-reason  = require-reason
//!   environment  echo               = echo (the same name, for the benchmarks)
//!
//! Build from the repository root, the kit first, then the plugin:
//!
//!   /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type rlib --crate-name gatehouse_pdk -C opt-level=s -C strip=debuginfo -C target-feature=+bulk-memory -o target/wasm32/libgatehouse_pdk.rlib abi/pdk/rust/src/lib.rs
//!   /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib --crate-name rs_basics -C opt-level=s -C strip=debuginfo -C target-feature=+bulk-memory --extern gatehouse_pdk=target/wasm32/libgatehouse_pdk.rlib -o plugins/rs-basics.wasm plugins-src/rust/rs-basics/src/lib.rs

use std::cell::RefCell;
use std::collections::BTreeMap;

use gatehouse_pdk::{
    error, plugin, Action, AgentActRequest, AgentResetRequest, Code, Component, EnvironmentReply, EnvironmentRequest,
    ObligeReply, ObligeRequest, Plugin, Result, Value,
};

plugin!(Plugin {
    name: "rs-basics",
    version: "1.0.0",
    description: "reference components in Rust, the twins of some of basics",
    capabilities: &[],
    components: &[
        Component::agent("rs-greedy", greedy_reset, greedy_act)
            .description("reaches for a goal, plans moves over the edges, else takes the least risk"),
        Component::obligation("rs-require-reason", require_reason)
            .description("fulfilled only when access.reason is a non-empty string"),
        Component::environment("echo", &["echo"], echo)
            .description("returns the key asked for and subject.id, for benchmarks"),
    ],
});

// ---- environment echo ----

/// echo returns the key asked for and subject.id (nil when missing).
fn echo<'a>(req: &EnvironmentRequest<'a>) -> Result<EnvironmentReply<'a>> {
    let id = req.context.get("subject.id").map_or(Value::Nil, Value::Raw);
    Ok(EnvironmentReply::value(Value::map([("key", req.key.into()), ("subject", id)])))
}

// ---- obligation rs-require-reason ----

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

// ---- agent rs-greedy ----

/// A run of one actor: its goals and the model's edges as successor lists,
/// in the order of the edges (which decides among paths of equal length,
/// exactly as the Go agent does).
struct Run {
    goals: Vec<String>,
    next: BTreeMap<String, Vec<String>>,
}

thread_local! {
    /// The runs by actor. Instance memory: the host sends every agent call
    /// of a simulation run to one instance.
    static RUNS: RefCell<BTreeMap<String, Run>> = RefCell::new(BTreeMap::new());
}

fn greedy_reset(req: &AgentResetRequest<'_>) -> Result<()> {
    match req.option("goal-bias").unwrap_or("") {
        "" | "true" | "false" => {}
        other => return Err(error!(Code::InvalidRequest, "option goal-bias is {:?}, not true or false", other)),
    }
    let mut next: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in &req.edges {
        next.entry(e.from.to_owned()).or_default().push(e.to.to_owned());
    }
    let run = Run { goals: req.goals.iter().map(|g| (*g).to_owned()).collect(), next };
    RUNS.with(|runs| runs.borrow_mut().insert(req.actor.to_owned(), run));
    Ok(())
}

fn greedy_act<'a>(req: &AgentActRequest<'a>) -> Result<Action<'a>> {
    RUNS.with(|runs| {
        let runs = runs.borrow();
        let run = runs
            .get(req.actor)
            .ok_or_else(|| error!(Code::InvalidRequest, "actor {:?} has no run: reset it first", req.actor))?;
        let obs = &req.observation;
        let choices = &obs.choices;
        let first = match choices.first() {
            Some(c) => *c,
            None => return Ok(Action::WAIT),
        };
        let run_goals: Vec<&str>;
        let goals: &[&str] = if obs.goals.is_empty() {
            run_goals = run.goals.iter().map(String::as_str).collect();
            &run_goals
        } else {
            &obs.goals
        };
        // A choice that reaches a goal.
        if let Some(c) = choices.iter().find(|c| !c.target.is_empty() && goals.contains(&c.target)) {
            return Ok(*c);
        }
        // The move to the next location on a shortest path to a goal.
        if let Some(hop) = next_hop(run, obs.location, goals) {
            if let Some(c) = choices.iter().find(|c| c.kind == "move" && c.target == hop) {
                return Ok(*c);
            }
        }
        // The least risky choice, the first among equals.
        Ok(choices.iter().skip(1).fold(first, |best, c| if c.risk < best.risk { *c } else { best }))
    })
}

/// next_hop returns the first location on a shortest path from `from` to
/// any goal, by breadth-first search over the edges.
fn next_hop<'r>(run: &'r Run, from: &'r str, goals: &[&str]) -> Option<&'r str> {
    let mut first: BTreeMap<&str, &str> = BTreeMap::new(); // location -> first hop to reach it
    first.insert(from, "");
    let mut queue = std::collections::VecDeque::from([from]);
    while let Some(at) = queue.pop_front() {
        for to in run.next.get(at).map(Vec::as_slice).unwrap_or(&[]) {
            if first.contains_key(to.as_str()) {
                continue;
            }
            let hop = if at == from { to.as_str() } else { first.get(at).copied().unwrap_or("") };
            if goals.contains(&to.as_str()) {
                return Some(hop);
            }
            first.insert(to, hop);
            queue.push_back(to);
        }
    }
    None
}
