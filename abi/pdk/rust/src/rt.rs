//! The runtime behind the exports that `plugin!` defines: the allocator
//! pair, the request check, dispatch and the reply buffer.

use core::cell::UnsafeCell;

use crate::error::{Code, Error};
use crate::msgpack::Writer;
use crate::plugin::{Component, Handler, Kind, Plugin};
use crate::reply::write_action;
use crate::request::Dec;

#[cfg(target_feature = "atomics")]
compile_error!("gatehouse_pdk: a Wasm instance runs one call at a time; build without the atomics feature");

/// Instance state. A Wasm instance runs one call at a time on one thread
/// (the ABI forbids shared memory and threads), so no locking is needed.
struct Global<T>(UnsafeCell<T>);

// SAFETY: wasm32 without the atomics feature (checked above) has one thread,
// and the host never calls into an instance while a call runs.
unsafe impl<T> Sync for Global<T> {}

impl<T> Global<T> {
    #[allow(clippy::mut_from_ref)]
    fn get(&self) -> &mut T {
        // SAFETY: see the Sync impl; no export re-enters another, and no
        // reference escapes the export that took it.
        unsafe { &mut *self.0.get() }
    }
}

/// The reply of the last call: valid until the next call into the instance.
static REPLY: Global<Writer> = Global(UnsafeCell::new(Writer::new()));
/// The live buffers handed out by gatehouse_alloc: (address, size).
static BLOCKS: Global<Vec<(usize, usize)>> = Global(UnsafeCell::new(Vec::new()));

const ALIGN: usize = 16;
const KEEP_REPLY: usize = 1 << 20;

/// The call exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    Describe,
    Actuate,
    Oblige,
    Environment,
    Object,
    AgentReset,
    AgentAct,
}

#[cfg(target_arch = "wasm32")]
fn trap() -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(not(target_arch = "wasm32"))]
fn trap() -> ! {
    std::process::abort()
}

/// gatehouse_alloc: `size` bytes, 16-byte aligned; 0 when out of memory.
pub fn alloc(size: i32) -> usize {
    if size < 0 {
        return 0;
    }
    let size = (size as usize).max(1);
    let layout = match std::alloc::Layout::from_size_align(size, ALIGN) {
        Ok(l) => l,
        Err(_) => return 0,
    };
    let blocks = BLOCKS.get();
    if blocks.try_reserve(1).is_err() {
        return 0;
    }
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { std::alloc::alloc(layout) } as usize;
    if p != 0 {
        blocks.push((p, size));
    }
    p
}

/// gatehouse_free: releases a buffer from `alloc`. Anything else (a double
/// free, an address `alloc` never returned) traps.
pub fn free(ptr: usize, _size: i32) {
    let blocks = BLOCKS.get();
    match blocks.iter().position(|&(p, _)| p == ptr) {
        Some(i) => {
            let (p, size) = blocks.swap_remove(i);
            // SAFETY: (p, size) came from alloc with this layout and is live.
            unsafe { std::alloc::dealloc(p as *mut u8, std::alloc::Layout::from_size_align_unchecked(size, ALIGN)) }
        }
        None => trap(),
    }
}

/// A call export: serves the request at `ptr` and returns the reply packed
/// as `ptr << 32 | len`.
pub fn call(plugin: &Plugin, export: Export, ptr: usize, len: i32) -> u64 {
    let w = REPLY.get();
    if w.buf_mut().capacity() > KEEP_REPLY {
        *w = Writer::new();
    }
    w.clear();
    // The request must lie in a buffer from alloc: the host's, which it
    // keeps and reuses; the kit never frees it.
    let ok = len >= 0 && (len == 0 || BLOCKS.get().iter().any(|&(p, size)| p == ptr && size >= len as usize));
    let res = if !ok {
        Err(Error::invalid_request(format!(
            "request at {:#x} ({} bytes) is not a buffer from gatehouse_alloc",
            ptr, len
        )))
    } else {
        let req: &[u8] = if len == 0 {
            &[]
        } else {
            // SAFETY: [ptr, ptr+len) lies in a live block from alloc, which
            // only the host writes, and only between calls.
            unsafe { core::slice::from_raw_parts(ptr as *const u8, len as usize) }
        };
        serve(plugin, export, req, w)
    };
    if let Err(e) = res {
        w.clear();
        write_error(w, &e);
    }
    let out = w.bytes();
    (out.as_ptr() as usize as u64) << 32 | out.len() as u64
}

fn write_error(w: &mut Writer, e: &Error) {
    w.map(1).str("error").map(2).str("code").str(e.code.as_str()).str("message").str(&e.message);
}

fn find<'p>(plugin: &'p Plugin, kind: Kind, name: &str) -> Result<&'p Component, Error> {
    plugin
        .components
        .iter()
        .find(|c| c.kind() == kind && c.name == name)
        .ok_or_else(|| Error::new(Code::NotFound, format!("no {} {:?}", kind.as_str(), name)))
}

/// The envelope's start: `{"ok": ` — the kind's reply follows.
fn ok(w: &mut Writer) {
    w.map(1).str("ok");
}

fn serve(p: &Plugin, export: Export, req: &[u8], w: &mut Writer) -> Result<(), Error> {
    match export {
        Export::Describe => {
            Dec::new(req, "describe request").describe()?;
            describe(p, w)
        }
        Export::Actuate => {
            let q = Dec::new(req, "actuate request").actuate()?;
            if let Handler::Actuator(f) = find(p, Kind::Actuator, q.component)?.handler {
                let r = f(&q)?;
                ok(w);
                r.write(w);
            }
            Ok(())
        }
        Export::Oblige => {
            let q = Dec::new(req, "oblige request").oblige()?;
            if let Handler::Obligation(f) = find(p, Kind::Obligation, q.component)?.handler {
                let r = f(&q)?;
                ok(w);
                r.write(w);
            }
            Ok(())
        }
        Export::Environment => {
            let q = Dec::new(req, "environment request").environment()?;
            if let Handler::Environment(f) = find(p, Kind::Environment, q.component)?.handler {
                let r = f(&q)?;
                ok(w);
                r.write(w);
            }
            Ok(())
        }
        Export::Object => {
            let q = Dec::new(req, "object request").object()?;
            if let Handler::Object(f) = find(p, Kind::Object, q.component)?.handler {
                let r = f(&q)?;
                ok(w);
                r.write(w);
            }
            Ok(())
        }
        Export::AgentReset => {
            let q = Dec::new(req, "agent reset request").agent_reset()?;
            if let Handler::Agent(f, _) = find(p, Kind::Agent, q.component)?.handler {
                f(&q)?;
                ok(w);
                w.map(0);
            }
            Ok(())
        }
        Export::AgentAct => {
            let q = Dec::new(req, "agent act request").agent_act()?;
            if let Handler::Agent(_, f) = find(p, Kind::Agent, q.component)?.handler {
                let a = f(&q)?;
                ok(w);
                write_action(&a, w);
            }
            Ok(())
        }
    }
}

fn strs(w: &mut Writer, list: &[&str]) {
    w.array(list.len() as u32);
    for s in list {
        w.str(s);
    }
}

/// Writes the manifest from the table; a table without a name, version or
/// components fails with `internal`, so the host refuses the plugin with
/// `bad_manifest` carrying the message.
fn describe(p: &Plugin, w: &mut Writer) -> Result<(), Error> {
    if p.name.is_empty() || p.version.is_empty() || p.components.is_empty() {
        return Err(Error::internal("the plugin table needs a name, a version and at least one component"));
    }
    ok(w);
    let n = 4 + !p.description.is_empty() as u32 + !p.capabilities.is_empty() as u32;
    w.map(n).str("abi").str(crate::ABI_VERSION).str("name").str(p.name).str("version").str(p.version);
    if !p.description.is_empty() {
        w.str("description").str(p.description);
    }
    w.str("components").array(p.components.len() as u32);
    for c in p.components {
        let extra = match c.kind() {
            Kind::Actuator => 1 + !c.profiles.is_empty() as u32,
            Kind::Environment => 1,
            Kind::Object => (c.priority != 0) as u32,
            Kind::Agent => !c.options.is_empty() as u32,
            Kind::Obligation => 0,
        } + (has_config_keys(c) as u32);
        w.map(2 + !c.description.is_empty() as u32 + extra);
        w.str("kind").str(c.kind().as_str()).str("name").str(c.name);
        if !c.description.is_empty() {
            w.str("description").str(c.description);
        }
        match c.kind() {
            Kind::Actuator => {
                if !c.profiles.is_empty() {
                    w.str("profiles");
                    strs(w, c.profiles);
                }
                w.str("pairs").map(c.pairs.len() as u32);
                for (action, targets) in c.pairs {
                    w.str(action);
                    strs(w, targets);
                }
            }
            Kind::Environment => {
                w.str("attributes");
                strs(w, c.attributes);
            }
            Kind::Object if c.priority != 0 => {
                w.str("priority").int(c.priority);
            }
            Kind::Agent if !c.options.is_empty() => {
                w.str("options").array(c.options.len() as u32);
                for o in c.options {
                    w.map(1 + !o.description.is_empty() as u32 + !o.default.is_empty() as u32);
                    w.str("name").str(o.name);
                    if !o.description.is_empty() {
                        w.str("description").str(o.description);
                    }
                    if !o.default.is_empty() {
                        w.str("default").str(o.default);
                    }
                }
            }
            _ => {}
        }
        if has_config_keys(c) {
            w.str("config_keys");
            strs(w, c.config_keys);
        }
    }
    if !p.capabilities.is_empty() {
        w.str("capabilities");
        strs(w, p.capabilities);
    }
    Ok(())
}

/// Whether the manifest lists c's config_keys: an obligation's or object
/// setter's, when it has some.
fn has_config_keys(c: &Component) -> bool {
    !c.config_keys.is_empty() && matches!(c.kind(), Kind::Obligation | Kind::Object)
}
