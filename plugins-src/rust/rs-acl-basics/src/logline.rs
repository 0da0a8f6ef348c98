//! The lines of the log obligations, as the Go twin's LogLine
//! (plugins-src/go/internal/acl/logline.go) writes them.

use gatehouse_pdk::{Context, Val};

use crate::jsontext::{put_json, put_json_string};

/// The context's categories in the order they are written.
const CATEGORIES: [&str; 4] = ["subject", "object", "environment", "access"];

fn category<'a>(ctx: &Context<'a>, name: &str) -> Val<'a> {
    match name {
        "subject" => ctx.subject,
        "object" => ctx.object,
        "environment" => ctx.environment,
        _ => ctx.access,
    }
}

/// log_line is the line the log obligation name writes for a decision and
/// its context: without a format, "<name>: <decision> <context>", the
/// context a JSON object of its non-empty categories; with one, the format
/// with "{}" replaced by the decision and each attribute reference
/// ("subject.email") by the attribute's value.
pub fn log_line(name: &str, format: &str, decision: &str, ctx: &Context<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    if format.is_empty() {
        out.extend_from_slice(format!("{}: {} {{", name, decision).as_bytes());
        let mut first = true;
        for name in CATEGORIES {
            let v = category(ctx, name);
            if is_empty(v) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            put_json_string(&mut out, name.as_bytes());
            out.push(b':');
            put_json(&mut out, v);
        }
        out.push(b'}');
        return out;
    }
    let f = format.as_bytes();
    let mut i = 0;
    while i < f.len() {
        if f[i..].starts_with(b"{}") {
            out.extend_from_slice(decision.as_bytes());
            i += 2;
            continue;
        }
        if i == 0 || !is_word(f[i - 1]) {
            if let Some((cat, n)) = reference(&f[i..]) {
                let path = &format[i + cat.len() + 1..i + n];
                put_attribute(&mut out, category(ctx, cat), path);
                i += n;
                continue;
            }
        }
        out.push(f[i]);
        i += 1;
    }
    out
}

/// is_empty reports whether a category is missing, nil or an empty map.
fn is_empty(v: Val<'_>) -> bool {
    v.entries().map_or(false, |mut it| it.next().is_none())
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// reference reads an attribute reference at the start of s: its category
/// and its length.
fn reference(s: &[u8]) -> Option<(&'static str, usize)> {
    for cat in CATEGORIES {
        let n = cat.len();
        if s.len() > n && s.starts_with(cat.as_bytes()) && s[n] == b'.' {
            let path = dotted_path(&s[n + 1..]);
            return if path == 0 { None } else { Some((cat, n + 1 + path)) };
        }
    }
    None
}

/// dotted_path is the length of the dotted path of word bytes at the start
/// of s: segments separated by single dots, without a final dot.
fn dotted_path(s: &[u8]) -> usize {
    let (mut n, mut end) = (0, 0);
    while n < s.len() {
        if is_word(s[n]) {
            n += 1;
            end = n;
        } else if s[n] == b'.' && end == n && n > 0 && n + 1 < s.len() && is_word(s[n + 1]) {
            n += 1;
        } else {
            break;
        }
    }
    end
}

/// put_attribute writes the text of the attribute at the dotted path in the
/// category v: a string (or bin) as it is, nothing for a missing or nil
/// value, JSON otherwise.
fn put_attribute(out: &mut Vec<u8>, v: Val<'_>, path: &str) {
    match v.path(path) {
        None => {}
        Some(found) if found.is_nil() => {}
        Some(found) => match found.as_bin() {
            Some(b) => out.extend_from_slice(b),
            None => put_json(out, found),
        },
    }
}
