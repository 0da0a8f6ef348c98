//! rs-acl-basics: the Rust twin of plugins-src/go/acl-basics, with ARPOC's
//! log obligations (obl_log, obl_log_successful, obl_log_failed), time
//! environment setters (time, datetime, time_hour, time_minute,
//! time_second) and object setter urlmap, under the names and with the
//! behaviour of their Go twins; plugins-src/cases/acl-obligations.yaml,
//! acl-environment.yaml and acl-objects.yaml hold the cases both pass.
//! urlmap matches with the engine in regex.rs. Grant it log, clock and sink.
//!
//! Build from the repository root, the kit first, then the plugin:
//!
//!   /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type rlib --crate-name gatehouse_pdk -C opt-level=s -C strip=debuginfo -C target-feature=+bulk-memory -o target/wasm32/libgatehouse_pdk.rlib abi/pdk/rust/src/lib.rs
//!   /usr/bin/rustc --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib --crate-name rs_acl_basics -C opt-level=s -C strip=debuginfo -C target-feature=+bulk-memory --extern gatehouse_pdk=target/wasm32/libgatehouse_pdk.rlib -o plugins/rs-acl-basics.wasm plugins-src/rust/rs-acl-basics/src/lib.rs

mod jsontext;
mod logline;
mod obligation;
mod regex;
mod timeattr;
mod urlmap;

use gatehouse_pdk::{plugin, Component, Plugin};

plugin!(Plugin {
    name: "rs-acl-basics",
    version: "1.0.0",
    description: "ARPOC's log obligations, time environment setters and urlmap object setter",
    capabilities: &["log", "clock", "sink"],
    components: &[
        Component::obligation("obl_log", obligation::obl_log)
            .description("logs every decision with its context")
            .config_keys(obligation::CONFIG_KEYS),
        Component::obligation("obl_log_successful", obligation::obl_log_successful)
            .description("logs granted accesses with their context")
            .config_keys(obligation::CONFIG_KEYS),
        Component::obligation("obl_log_failed", obligation::obl_log_failed)
            .description("logs denied and not applicable accesses with their context")
            .config_keys(obligation::CONFIG_KEYS),
        Component::environment("time", &["time"], timeattr::time_attribute)
            .description("the time of day in UTC, \"HH:MM:SS\""),
        Component::environment("datetime", &["datetime"], timeattr::time_attribute)
            .description("the date and time in UTC, \"YYYY-MM-DD HH:MM:SS\""),
        Component::environment("time_hour", &["time_hour"], timeattr::time_attribute)
            .description("the hour in UTC, an integer from 0 to 23"),
        Component::environment("time_minute", &["time_minute"], timeattr::time_attribute)
            .description("the minute in UTC, an integer from 0 to 59"),
        Component::environment("time_second", &["time_second"], timeattr::time_attribute)
            .description("the second in UTC, an integer from 0 to 59"),
        Component::object("urlmap", urlmap::urlmap)
            .description("sets object attributes from the named groups of regular expressions matching the path")
            .priority(100)
            .config_keys(&["mappings"]),
    ],
});
