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

/// oblige logs the decision when logs says so. It is fulfilled whether or
/// not it logs; a request it cannot read is an error.
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
    if logs(req.decision) {
        let line = log_line(name, format, req.decision_name, &req.context);
        host::log(Level::Info, &String::from_utf8_lossy(&line));
    }
    Ok(ObligeReply::fulfilled())
}
