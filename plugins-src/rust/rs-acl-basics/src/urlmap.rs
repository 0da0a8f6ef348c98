//! The object setter urlmap: attributes from the named groups of regular
//! expressions matched against the whole request path.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use gatehouse_pdk::{error, Code, ObjectReply, ObjectRequest, Result, Val, Value};

use crate::regex::Regex;

/// The most expressions kept compiled; past it the cache starts over.
const MAX_CACHED: usize = 256;

thread_local! {
    /// The expressions of the configurations seen, by source: the
    /// configurations of a host's services are few and fixed.
    static COMPILED: RefCell<HashMap<String, Rc<Regex>>> = RefCell::new(HashMap::new());
}

/// urlmap matches each expression of the config key mappings against the
/// whole path without its leading slash; every one that matches sets an
/// attribute for each of its named groups that took part in the match, to
/// the text the group matched. Later mappings override earlier ones.
pub fn urlmap<'a>(req: &ObjectRequest<'a>) -> Result<ObjectReply<'a>> {
    let mappings = match req.config.get("mappings") {
        Some(v) if !v.is_nil() => v,
        _ => {
            return Err(error!(
                Code::InvalidRequest,
                "urlmap: config mappings is missing; list the regular expressions to match the path with"
            ))
        }
    };
    let items = mappings
        .items()
        .ok_or_else(|| error!(Code::InvalidRequest, "urlmap: config mappings: want a list of regular expressions"))?;
    let path = req.path.strip_prefix('/').unwrap_or(req.path);
    let mut reply = ObjectReply::new();
    for (i, mapping) in items.enumerate() {
        let re = compile(mapping).map_err(|e| error!(Code::InvalidRequest, "urlmap: config mappings[{}]: {}", i, e))?;
        let groups = match re.captures(path) {
            Some(groups) => groups,
            None => continue,
        };
        for (name, span) in re.names().iter().zip(groups) {
            if let Some((start, end)) = span {
                set(&mut reply, name, &path[start..end]);
            }
        }
    }
    Ok(reply)
}

/// set sets the attribute name, replacing an earlier value.
fn set<'a>(reply: &mut ObjectReply<'a>, name: &str, text: &'a str) {
    let value = Value::Str(Cow::Borrowed(text));
    match reply.attributes.iter_mut().find(|(k, _)| k == name) {
        Some(attr) => attr.1 = value,
        None => reply.attributes.push((Cow::Owned(name.to_string()), value)),
    }
}

/// compile returns the expression of a mapping, from the cache when it was
/// seen before.
fn compile(mapping: Val<'_>) -> core::result::Result<Rc<Regex>, String> {
    let src = mapping.as_str().ok_or("want a regular expression, a string")?;
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(re) = cache.get(src) {
            return Ok(Rc::clone(re));
        }
        let re = Rc::new(Regex::new(src).map_err(|e| e.to_string())?);
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(src.to_string(), Rc::clone(&re));
        Ok(re)
    })
}
