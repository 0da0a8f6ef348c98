//! `gatehouse_pdk`: the Rust plugin development kit of the Gatehouse plugin
//! ABI v1, native binding. The normative specification is abi/README.md;
//! README.md beside this crate documents the kit.
//!
//! A plugin declares its components once, in a static table given to
//! [`plugin!`], and writes one typed handler per component:
//!
//! ```ignore
//! use gatehouse_pdk::{plugin, Component, EnvironmentReply, EnvironmentRequest, Plugin, Result, Value};
//!
//! fn greeting<'a>(req: &EnvironmentRequest<'a>) -> Result<EnvironmentReply<'a>> {
//!     match req.context.get("subject.name").and_then(|v| v.as_str()) {
//!         Some(name) => Ok(EnvironmentReply::value(format!("hello, {name}"))),
//!         None => Ok(EnvironmentReply::unknown()),
//!     }
//! }
//!
//! plugin!(Plugin {
//!     name: "hello",
//!     version: "1.0.0",
//!     description: "greets the subject",
//!     capabilities: &[],
//!     components: &[Component::environment("greeting", &["greeting"], greeting).description("hello, subject")],
//! });
//! ```
//!
//! [`plugin!`] defines every export of the ABI: the marker `gatehouse_abi_v1`,
//! `gatehouse_alloc`/`gatehouse_free`, `gatehouse_describe` (the manifest,
//! from the table) and the call exports of all five kinds. The kit decodes
//! each request into the kind's typed struct, finds the component, calls the
//! handler and writes the reply envelope:
//!
//! - a malformed request is answered `invalid_request`
//!   (`decode <kind> request: <field>: <problem>`), before any handler runs;
//! - a component the table does not have is answered `not_found`
//!   (`no <kind> "<name>"`);
//! - `Err(e)` from a handler is the error reply `{"error": {"code", "message"}}`.
//!
//! **Panics trap.** On `wasm32-unknown-unknown` Rust has no unwinding
//! (`panic=abort`), so a panic cannot be turned into an `internal` reply: the
//! instance traps, the host answers the call with `trap`, discards the
//! instance and counts the failure toward quarantine. Report errors by
//! returning `Err`, and avoid panicking operations (indexing, `unwrap`,
//! arithmetic overflow in debug builds) on request data. The kit itself never
//! panics on any request.

#![forbid(unsafe_op_in_unsafe_fn)]

mod error;
pub mod host;
pub mod msgpack;
mod plugin;
mod reply;
mod request;
#[doc(hidden)]
pub mod rt;
mod value;

pub use error::{Code, Error, Result};
pub use msgpack::{Type, Val};
pub use plugin::{
    ActuateFn, AgentActFn, AgentOption, AgentResetFn, Component, EnvironmentFn, Handler, Kind, ObjectFn, ObligeFn,
    Plugin,
};
pub use reply::{ActuateReply, EnvironmentReply, ObjectReply, ObligeReply};
pub use request::{
    Action, ActuateRequest, AgentActRequest, AgentResetRequest, Command, Context, Decision, DescribeRequest, Edge,
    EnvironmentRequest, Headers, ObjectRequest, ObligeRequest, Observation,
};
pub use value::Value;

/// The ABI version this kit implements, as written in manifests.
pub const ABI_VERSION: &str = "1.3";

/// Declares the plugin and defines every export of the native binding.
/// Use it once, at the top level of the plugin crate (a `cdylib`):
///
/// ```ignore
/// gatehouse_pdk::plugin!(Plugin { name: "x", version: "1.0.0", description: "",
///     capabilities: &[], components: &[ /* Component::... */ ] });
/// ```
#[macro_export]
macro_rules! plugin {
    (@export $name:literal, $fn:ident, $export:ident) => {
        #[doc(hidden)]
        #[export_name = $name]
        pub extern "C" fn $fn(ptr: usize, len: i32) -> u64 {
            $crate::rt::call(&__GATEHOUSE_PLUGIN, $crate::rt::Export::$export, ptr, len)
        }
    };
    ($plugin:expr $(,)?) => {
        #[doc(hidden)]
        static __GATEHOUSE_PLUGIN: $crate::Plugin = $plugin;

        #[doc(hidden)]
        #[export_name = "gatehouse_abi_v1"]
        pub extern "C" fn __gatehouse_abi_v1() {}

        #[doc(hidden)]
        #[export_name = "gatehouse_alloc"]
        pub extern "C" fn __gatehouse_alloc(size: i32) -> usize {
            $crate::rt::alloc(size)
        }

        #[doc(hidden)]
        #[export_name = "gatehouse_free"]
        pub extern "C" fn __gatehouse_free(ptr: usize, size: i32) {
            $crate::rt::free(ptr, size)
        }

        $crate::plugin!(@export "gatehouse_describe", __gatehouse_describe, Describe);
        $crate::plugin!(@export "gatehouse_actuate", __gatehouse_actuate, Actuate);
        $crate::plugin!(@export "gatehouse_oblige", __gatehouse_oblige, Oblige);
        $crate::plugin!(@export "gatehouse_environment", __gatehouse_environment, Environment);
        $crate::plugin!(@export "gatehouse_object", __gatehouse_object, Object);
        $crate::plugin!(@export "gatehouse_agent_reset", __gatehouse_agent_reset, AgentReset);
        $crate::plugin!(@export "gatehouse_agent_act", __gatehouse_agent_act, AgentAct);
    };
}
