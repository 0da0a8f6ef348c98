//! The log obligations obl_log, obl_log_successful and obl_log_failed.

use gatehouse_pdk::host::{self, Level};
use gatehouse_pdk::{error, Code, Decision, ObligeReply, ObligeRequest, Result};

use crate::logline::log_line;

/// obl_log logs every decision.
pub fn obl_log<'a>(req: &ObligeRequest<'a>) -> Result<ObligeReply<'a>> {
    oblige(req, |_| true)
}

/// obl_log_successful logs granted accesses.
pub fn obl_log_successful<'a>(req: &ObligeRequest<'a>) -> Result<ObligeReply<'a>> {
    oblige(req, |d| d == Decision::Grant)
}

/// obl_log_failed logs denied and not applicable accesses.
pub fn obl_log_failed<'a>(req: &ObligeRequest<'a>) -> Result<ObligeReply<'a>> {
    oblige(req, |d| d != Decision::Grant)
}

/// The configuration keys the log obligations read.
pub const CONFIG_KEYS: &[&str] = &["log_format", "sink"];

/// oblige logs the decision when logs says so, to the host log or to the
/// sink its configuration names. It is fulfilled when it wrote the line or
/// has none to write; a line the sink did not take leaves it unfulfilled,
/// with the sink's error as the reason; a request it cannot read is an
/// error.
fn oblige<'a>(req: &ObligeRequest<'a>, logs: fn(Decision) -> bool) -> Result<ObligeReply<'a>> {
    let name = req.component;
    if req.decision == Decision::Other {
        return Err(error!(
            Code::InvalidRequest,
            "{}: decision {:?} is not GRANT, DENY or NOT_APPLICABLE",
            name,
            req.decision_name
        ));
    }
    let format = match req.config.get("log_format") {
        Some(v) if !v.is_nil() => {
            v.as_str().ok_or_else(|| error!(Code::InvalidRequest, "{}: config log_format: want a string", name))?
        }
        _ => "",
    };
    let sink = match req.config.get("sink") {
        Some(v) if !v.is_nil() => v
            .as_str()
            .ok_or_else(|| error!(Code::InvalidRequest, "{}: config sink: want the name of a sink, a string", name))?,
        _ => "",
    };
    if !logs(req.decision) {
        return Ok(ObligeReply::fulfilled());
    }
    let line = log_line(name, format, req.decision_name, &req.context);
    if sink.is_empty() {
        host::log(Level::Info, &String::from_utf8_lossy(&line));
        return Ok(ObligeReply::fulfilled());
    }
    match host::sink_write(sink, Level::Info, &line) {
        Ok(()) => Ok(ObligeReply::fulfilled()),
        Err(e) => Ok(ObligeReply::unfulfilled(format!("{}: sink {}: {}", name, sink, e))),
    }
}
