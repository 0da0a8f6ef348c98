//! The replies of the five kinds (abi/README.md section 6). A handler
//! returns one of these in `Ok`; the kit writes it inside `{"ok": ...}`.

use std::borrow::Cow;

use crate::msgpack::Writer;
use crate::request::Action;
use crate::value::Value;

/// An OpenC2 response: `status` 100-599 (the host refuses any other value as
/// a malformed reply), an optional text and optional results.
#[derive(Clone, Debug, PartialEq)]
pub struct ActuateReply<'a> {
    pub status: u16,
    pub status_text: Cow<'a, str>,
    /// A map of any, or `None`.
    pub results: Option<Value<'a>>,
}

impl<'a> ActuateReply<'a> {
    /// A response with this status and nothing else.
    pub fn status(status: u16) -> Self {
        ActuateReply { status, status_text: Cow::Borrowed(""), results: None }
    }
    /// 200 OK.
    pub fn ok() -> Self {
        Self::status(200)
    }
    /// Sets the status text.
    pub fn text(mut self, text: impl Into<Cow<'a, str>>) -> Self {
        self.status_text = text.into();
        self
    }
    /// Sets the results, a map: `reply.results(Value::map([...]))`.
    pub fn results(mut self, results: Value<'a>) -> Self {
        self.results = Some(results);
        self
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        let n = 1 + !self.status_text.is_empty() as u32 + self.results.is_some() as u32;
        w.map(n).str("status").uint(self.status as u64);
        if !self.status_text.is_empty() {
            w.str("status_text").str(&self.status_text);
        }
        if let Some(r) = &self.results {
            w.str("results");
            r.write(w);
        }
    }
}

/// Whether an obligation was carried out, and why not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObligeReply<'a> {
    pub fulfilled: bool,
    pub reason: Cow<'a, str>,
}

impl<'a> ObligeReply<'a> {
    pub fn fulfilled() -> Self {
        ObligeReply { fulfilled: true, reason: Cow::Borrowed("") }
    }
    /// Not fulfilled, for this reason.
    pub fn unfulfilled(reason: impl Into<Cow<'a, str>>) -> Self {
        ObligeReply { fulfilled: false, reason: reason.into() }
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.map(1 + !self.reason.is_empty() as u32).str("fulfilled").bool(self.fulfilled);
        if !self.reason.is_empty() {
            w.str("reason").str(&self.reason);
        }
    }
}

/// An environment attribute's value; `None` means unknown.
#[derive(Clone, Debug, PartialEq)]
pub struct EnvironmentReply<'a> {
    pub value: Option<Value<'a>>,
}

impl<'a> EnvironmentReply<'a> {
    /// The value is unknown: the attribute is absent.
    pub fn unknown() -> Self {
        EnvironmentReply { value: None }
    }
    pub fn value(v: impl Into<Value<'a>>) -> Self {
        EnvironmentReply { value: Some(v.into()) }
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        match &self.value {
            None => {
                w.map(0);
            }
            Some(v) => {
                w.map(1).str("value");
                v.write(w);
            }
        }
    }
}

/// Attributes to merge over the object's; a `Value::Nil` removes one.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ObjectReply<'a> {
    pub attributes: Vec<(Cow<'a, str>, Value<'a>)>,
}

impl<'a> ObjectReply<'a> {
    pub fn new() -> Self {
        ObjectReply { attributes: Vec::new() }
    }
    /// Adds an attribute.
    pub fn set(mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Value<'a>>) -> Self {
        self.attributes.push((name.into(), value.into()));
        self
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.map(1).str("attributes").map(self.attributes.len() as u32);
        for (k, v) in &self.attributes {
            w.str(k);
            v.write(w);
        }
    }
}

pub(crate) fn write_action(a: &Action<'_>, w: &mut Writer) {
    let n = 1 + !a.target.is_empty() as u32 + (a.risk != 0.0) as u32 + (a.time != 0) as u32;
    w.map(1).str("action").map(n).str("kind").str(a.kind);
    if !a.target.is_empty() {
        w.str("target").str(a.target);
    }
    if a.risk != 0.0 {
        w.str("risk").float(a.risk);
    }
    if a.time != 0 {
        w.str("time").int(a.time);
    }
}
