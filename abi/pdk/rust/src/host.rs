//! The host functions of the capabilities (abi/README.md section 8), native
//! binding only. A function is imported only when the plugin calls it, and
//! the plugin's `capabilities` must list exactly the capabilities it imports:
//!
//! | function | capability |
//! |---|---|
//! | [`log`] | `log` |
//! | [`clock_wall`], [`clock_monotonic`] | `clock` |
//! | [`kv_get`], [`kv_set`], [`kv_delete`], [`kv_list`] | `kv` |
//! | [`http_request`] | `http` |
//! | [`exec`] | `exec` |
//! | [`sink_write`] | `sink` |
//! | [`plan`] | `plan` (every plugin may) |
//!
//! The data functions run the result protocol and return the result, or a
//! [`HostError`] with the host's code and message. Pass one on with a plugin
//! code: `kv_get(k).map_err(|e| e.to_error(Code::Unavailable))?`.

use crate::error::{Code, Error};
use crate::msgpack::Val;

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "gatehouse")]
extern "C" {
    #[link_name = "log"]
    fn gh_log(level: i32, ptr: *const u8, len: i32);
    #[link_name = "clock_wall"]
    fn gh_clock_wall() -> i64;
    #[link_name = "clock_monotonic"]
    fn gh_clock_monotonic() -> i64;
    #[link_name = "kv_get"]
    fn gh_kv_get(key: *const u8, key_len: i32) -> i32;
    #[link_name = "kv_set"]
    fn gh_kv_set(key: *const u8, key_len: i32, val: *const u8, val_len: i32) -> i32;
    #[link_name = "kv_delete"]
    fn gh_kv_delete(key: *const u8, key_len: i32) -> i32;
    #[link_name = "kv_list"]
    fn gh_kv_list(prefix: *const u8, prefix_len: i32) -> i32;
    #[link_name = "http_request"]
    fn gh_http_request(req: *const u8, req_len: i32) -> i32;
    #[link_name = "exec"]
    fn gh_exec(req: *const u8, req_len: i32) -> i32;
    #[link_name = "sink_write"]
    fn gh_sink_write(sink: *const u8, sink_len: i32, level: i32, msg: *const u8, msg_len: i32) -> i32;
    #[link_name = "plan"]
    fn gh_plan(req: *const u8, req_len: i32) -> i32;
    #[link_name = "result"]
    fn gh_result(out: *mut u8, cap: i32) -> i32;
}

/// Log levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Debug = 0,
    Info = 1,
    Warn = 2,
    Error = 3,
}

/// An error a host function answered: the host's code (`not_found`,
/// `capability_denied`, ...) and its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError {
    pub code: String,
    pub message: String,
}

impl HostError {
    /// Whether the host answered this code.
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }
    /// The error to reply with, under a plugin code, keeping the message.
    pub fn to_error(&self, code: Code) -> Error {
        Error::new(code, self.message.clone())
    }
}

impl core::fmt::Display for HostError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

fn len32(n: usize) -> i32 {
    n.min(i32::MAX as usize) as i32
}

/// Fetches what a data function left pending after answering n.
#[cfg(target_arch = "wasm32")]
fn result(n: i32) -> Result<Vec<u8>, HostError> {
    let size = n.unsigned_abs() as usize;
    let mut buf = vec![0u8; size];
    if size > 0 {
        // SAFETY: buf has room for size bytes.
        let got = unsafe { gh_result(buf.as_mut_ptr(), size as i32) };
        if got as usize != size {
            return Err(HostError { code: "internal".into(), message: "result: the pending bytes changed".into() });
        }
    }
    if n >= 0 {
        return Ok(buf);
    }
    let v = Val(&buf);
    let code = v.get("code").and_then(|c| c.as_str()).filter(|c| !c.is_empty()).unwrap_or("internal");
    let message = v.get("message").and_then(|m| m.as_str()).unwrap_or("");
    Err(HostError { code: code.into(), message: message.into() })
}

#[cfg(not(target_arch = "wasm32"))]
fn result(_n: i32) -> Result<Vec<u8>, HostError> {
    Err(HostError { code: "capability_denied".into(), message: "no Gatehouse host".into() })
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    //! Stand-ins off wasm32, so that plugin logic builds and unit-tests on
    //! the build machine: every data function fails, clocks read 0.
    pub unsafe fn gh_log(_: i32, _: *const u8, _: i32) {}
    pub unsafe fn gh_clock_wall() -> i64 { 0 }
    pub unsafe fn gh_clock_monotonic() -> i64 { 0 }
    pub unsafe fn gh_kv_get(_: *const u8, _: i32) -> i32 { 0 }
    pub unsafe fn gh_kv_set(_: *const u8, _: i32, _: *const u8, _: i32) -> i32 { 0 }
    pub unsafe fn gh_kv_delete(_: *const u8, _: i32) -> i32 { 0 }
    pub unsafe fn gh_kv_list(_: *const u8, _: i32) -> i32 { 0 }
    pub unsafe fn gh_http_request(_: *const u8, _: i32) -> i32 { 0 }
    pub unsafe fn gh_exec(_: *const u8, _: i32) -> i32 { 0 }
    pub unsafe fn gh_sink_write(_: *const u8, _: i32, _: i32, _: *const u8, _: i32) -> i32 { 0 }
    pub unsafe fn gh_plan(_: *const u8, _: i32) -> i32 { 0 }
}
#[cfg(not(target_arch = "wasm32"))]
use native::*;

/// Writes a message to the host log (capability `log`). Without the grant
/// in effect (in `gatehouse_describe`) it is discarded.
pub fn log(level: Level, msg: &str) {
    // SAFETY: the host reads msg's bytes during the call.
    unsafe { gh_log(level as i32, msg.as_ptr(), len32(msg.len())) }
}

/// Nanoseconds since the Unix epoch (capability `clock`).
pub fn clock_wall() -> i64 {
    // SAFETY: no arguments.
    unsafe { gh_clock_wall() }
}

/// Nanoseconds from an arbitrary origin; never goes back (capability `clock`).
pub fn clock_monotonic() -> i64 {
    // SAFETY: no arguments.
    unsafe { gh_clock_monotonic() }
}

/// The value of key (capability `kv`); a missing key fails with `not_found`.
pub fn kv_get(key: &[u8]) -> Result<Vec<u8>, HostError> {
    // SAFETY: the host reads the key during the call.
    result(unsafe { gh_kv_get(key.as_ptr(), len32(key.len())) })
}

/// Stores value under key (capability `kv`).
pub fn kv_set(key: &[u8], value: &[u8]) -> Result<(), HostError> {
    // SAFETY: the host reads key and value during the call.
    result(unsafe { gh_kv_set(key.as_ptr(), len32(key.len()), value.as_ptr(), len32(value.len())) }).map(|_| ())
}

/// Removes key; a missing key succeeds (capability `kv`).
pub fn kv_delete(key: &[u8]) -> Result<(), HostError> {
    // SAFETY: the host reads the key during the call.
    result(unsafe { gh_kv_delete(key.as_ptr(), len32(key.len())) }).map(|_| ())
}

/// Every key that starts with prefix, in byte order (capability `kv`).
pub fn kv_list(prefix: &[u8]) -> Result<Vec<Vec<u8>>, HostError> {
    // SAFETY: the host reads the prefix during the call.
    let b = result(unsafe { gh_kv_list(prefix.as_ptr(), len32(prefix.len())) })?;
    let bad = || HostError { code: "internal".into(), message: "kv_list: malformed key list".into() };
    let v = Val(&b);
    let mut items = v.items().ok_or_else(bad)?;
    let keys: Vec<Vec<u8>> = items.by_ref().map(|k| k.as_bin().map(<[u8]>::to_vec).ok_or_else(bad)).collect::<Result<_, _>>()?;
    if items.bad() {
        return Err(bad());
    }
    Ok(keys)
}

/// Sends an HTTP request (capability `http`): a msgpack HTTP request in, a
/// msgpack HTTP response out (section 8.4). Read the response with
/// `Val(&bytes).get("status")`, ...
pub fn http_request(request: &[u8]) -> Result<Vec<u8>, HostError> {
    // SAFETY: the host reads the request during the call.
    result(unsafe { gh_http_request(request.as_ptr(), len32(request.len())) })
}

/// Runs an allow-listed program (capability `exec`): a msgpack exec request
/// in, a msgpack exec result out (section 8.5).
pub fn exec(request: &[u8]) -> Result<Vec<u8>, HostError> {
    // SAFETY: the host reads the request during the call.
    result(unsafe { gh_exec(request.as_ptr(), len32(request.len())) })
}

/// Writes msg as one record to the destination the grant names sink
/// (capability `sink`, ABI 1.2), and returns once the destination took it
/// (section 8.7).
pub fn sink_write(sink: &str, level: Level, msg: &[u8]) -> Result<(), HostError> {
    // SAFETY: the host reads sink and msg during the call.
    result(unsafe { gh_sink_write(sink.as_ptr(), len32(sink.len()), level as i32, msg.as_ptr(), len32(msg.len())) }).map(|_| ())
}

/// Asks for the plan of the actor of the agent act in progress (capability
/// `plan`, ABI 1.3; every plugin may, but list it): a msgpack plan request
/// in (`{"gone": [...]}`, or an empty map), a msgpack plan reply out, whose
/// `steps` are actions (section 8.8). Fails with `unsupported` outside an
/// act.
pub fn plan(request: &[u8]) -> Result<Vec<u8>, HostError> {
    // SAFETY: the host reads the request during the call.
    result(unsafe { gh_plan(request.as_ptr(), len32(request.len())) })
}
