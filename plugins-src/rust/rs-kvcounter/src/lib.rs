//! rs-kvcounter: the Rust twin of plugins-src/c/c-kvcounter, a reference
//! plugin for the log, clock and kv capabilities of the kit
//! (gatehouse_pdk::host). Its environment setter counter increments a
//! counter per key in kv, logs each call with the host's clocks and returns
//! the new count; the environment setter counters lists the keys counted;
//! the obligation reset-counter deletes the counter of access.key. Grant it
//! log, clock and kv.
//!
//! Build from the repository root, the kit first, then the plugin:
//!
//!   /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type rlib --crate-name gatehouse_pdk -C opt-level=s -C strip=debuginfo -C target-feature=+bulk-memory -o target/wasm32/libgatehouse_pdk.rlib abi/pdk/rust/src/lib.rs
//!   /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib --crate-name rs_kvcounter -C opt-level=s -C strip=debuginfo -C target-feature=+bulk-memory --extern gatehouse_pdk=target/wasm32/libgatehouse_pdk.rlib -o plugins/rs-kvcounter.wasm plugins-src/rust/rs-kvcounter/src/lib.rs

use gatehouse_pdk::host::{self, Level};
use gatehouse_pdk::{
    error, plugin, Code, Component, EnvironmentReply, EnvironmentRequest, ObligeReply, ObligeRequest, Plugin, Result,
    Value,
};

plugin!(Plugin {
    name: "rs-kvcounter",
    version: "1.0.0",
    description: "counts calls per key in kv",
    capabilities: &["log", "clock", "kv"],
    components: &[
        Component::environment("counter", &["counter"], count)
            .description("increments and returns a persistent counter for the key asked for"),
        Component::environment("counters", &["counters"], counters).description("the keys counted so far"),
        Component::obligation("reset-counter", reset_counter).description("deletes the counter of access.key"),
    ],
});

const PREFIX: &str = "count/";

/// count increments the counter stored under "count/" + key and returns its
/// new value.
fn count<'a>(req: &EnvironmentRequest<'a>) -> Result<EnvironmentReply<'a>> {
    let start = host::clock_monotonic();
    let key = format!("{}{}", PREFIX, req.key);
    let n = match host::kv_get(key.as_bytes()) {
        Ok(b) => parse(&b)
            .ok_or_else(|| error!(Code::Internal, "kv {} holds {:?}, not a count", key, String::from_utf8_lossy(&b)))?,
        Err(e) if e.is("not_found") => 0,
        Err(e) => return Err(e.to_error(Code::Unavailable)),
    } + 1;
    host::kv_set(key.as_bytes(), n.to_string().as_bytes()).map_err(|e| e.to_error(Code::Unavailable))?;
    let took = host::clock_monotonic() - start;
    host::log(Level::Info, &format!("counted key={} count={} at={} took={}", req.key, n, host::clock_wall(), took));
    Ok(EnvironmentReply::value(n))
}

/// parse reads a decimal count.
fn parse(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 18 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
}

/// counters returns the keys counted so far, in ascending byte order.
fn counters<'a>(_req: &EnvironmentRequest<'a>) -> Result<EnvironmentReply<'a>> {
    let keys = host::kv_list(PREFIX.as_bytes()).map_err(|e| e.to_error(Code::Unavailable))?;
    let names = keys.iter().map(|k| Value::from(String::from_utf8_lossy(&k[PREFIX.len().min(k.len())..]).into_owned()));
    Ok(EnvironmentReply::value(Value::array(names)))
}

/// reset_counter deletes the counter of access.key: fulfilled once it is
/// gone, whether it was there or not.
fn reset_counter<'a>(req: &ObligeRequest<'a>) -> Result<ObligeReply<'a>> {
    let key = match req.context.get("access.key").and_then(|v| v.as_str()) {
        Some(key) => key,
        None => return Ok(ObligeReply::unfulfilled("access.key is not a string")),
    };
    host::kv_delete(format!("{}{}", PREFIX, key).as_bytes()).map_err(|e| e.to_error(Code::Unavailable))?;
    host::log(Level::Warn, &format!("reset key={}", key));
    Ok(ObligeReply::fulfilled())
}
