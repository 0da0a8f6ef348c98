//! rs-acl-jsonsetter: the Rust twin of plugins-src/go/acl-jsonsetter,
//! ARPOC's object setter jsonsetter under the name and with the behaviour
//! of its Go twin: it sends GET to the URL of its config key url, with the
//! object's attributes as query parameters, through the host's http
//! capability, and merges the members of the JSON object the web service
//! answers over the object's attributes. plugins-src/cases/acl-objects.yaml
//! holds the cases both pass. Grant it http with the hosts of the web
//! services it may ask, and no others.
//!
//! Build from the repository root, the kit first, then the plugin:
//!
//!   /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type rlib --crate-name gatehouse_pdk -C opt-level=s -C strip=debuginfo -C target-feature=+bulk-memory -o target/wasm32/libgatehouse_pdk.rlib abi/pdk/rust/src/lib.rs
//!   /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib --crate-name rs_acl_jsonsetter -C opt-level=s -C strip=debuginfo -C target-feature=+bulk-memory --extern gatehouse_pdk=target/wasm32/libgatehouse_pdk.rlib -o plugins/rs-acl-jsonsetter.wasm plugins-src/rust/rs-acl-jsonsetter/src/lib.rs

mod json;
mod query;
mod url;

use gatehouse_pdk::host::{self, HostError};
use gatehouse_pdk::msgpack::{Val, Writer};
use gatehouse_pdk::{error, plugin, Code, Component, Error, ObjectReply, ObjectRequest, Plugin, Result};

plugin!(Plugin {
    name: "rs-acl-jsonsetter",
    version: "1.0.0",
    description: "ARPOC's jsonsetter object setter, through the http capability",
    capabilities: &["http"],
    components: &[Component::object("jsonsetter", jsonsetter)
        .description("merges the attributes a JSON web service answers for the object")
        .priority(100)],
});

/// jsonsetter asks the configured web service for the object's attributes.
fn jsonsetter<'a>(req: &ObjectRequest<'a>) -> Result<ObjectReply<'a>> {
    let base = match req.config.get("url") {
        Some(v) if !v.is_nil() => {
            v.as_str().ok_or_else(|| Error::invalid_request("jsonsetter: config url: want a string"))?
        }
        _ => return Err(Error::invalid_request("jsonsetter: config url is missing; give the URL of the web service")),
    };
    if !url::is_absolute_http(base) {
        return Err(error!(Code::InvalidRequest, "jsonsetter: config url {:?}: want an absolute http or https URL", base));
    }
    let target = url::with_query(base, &query::query(req.object));
    let mut w = Writer::default();
    w.map(3).str("method").str("GET").str("url").str(&target);
    w.str("headers").map(1).str("Accept").str("application/json");

    let shown = url::redacted(base);
    let resp = host::http_request(w.bytes()).map_err(|e| host_error(&shown, &e))?;
    let resp = Val(&resp);
    let status = resp.get("status").and_then(|s| s.as_i64()).unwrap_or(0);
    if !(200..=299).contains(&status) {
        return Err(error!(Code::Unavailable, "jsonsetter: GET {}: status {}", shown, status));
    }
    let body = resp.get("body").and_then(|b| b.as_bin()).unwrap_or_default();
    let attributes =
        json::parse_object(body).map_err(|e| error!(Code::Unavailable, "jsonsetter: GET {}: the reply is {}", shown, e))?;
    Ok(ObjectReply { attributes })
}

/// host_error passes on the error the http capability answered for a
/// request to the URL shown: a host the grant does not allow stays a
/// refusal (denied), a request the host finds malformed stays
/// invalid_request, and the rest (the service down, slow or too verbose) is
/// unavailable.
fn host_error(shown: &str, e: &HostError) -> Error {
    let code = match e.code.as_str() {
        "capability_denied" => Code::Denied,
        "invalid_request" => Code::InvalidRequest,
        _ => Code::Unavailable,
    };
    error!(code, "jsonsetter: GET {}: {}: {}", shown, e.code, e.message)
}
