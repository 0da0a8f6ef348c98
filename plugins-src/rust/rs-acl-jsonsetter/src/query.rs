//! The object's attributes as URL query parameters, as the Go twin's Query
//! (plugins-src/go/internal/jsonsetter/query.go) encodes them.

use gatehouse_pdk::{Type, Val};

/// query encodes an object's attributes: one parameter per attribute, in
/// the byte order of the names, and for a list one parameter per item, in
/// order. Strings (and bin) are sent as they are, integers in decimal,
/// other numbers in the shortest decimal that reads back the same, without
/// an exponent, booleans as true and false. Nil values, maps, lists inside
/// lists and numbers that are not finite are left out. Names and values are
/// escaped as in HTML forms (a space is "+").
pub fn query(object: Val<'_>) -> String {
    let mut attrs: Vec<(&str, Val<'_>)> = object.entries().into_iter().flatten().collect();
    attrs.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    for (name, v) in attrs {
        if v.kind() == Type::Array {
            for item in v.items().into_iter().flatten() {
                add(&mut out, name, item);
            }
        } else {
            add(&mut out, name, v);
        }
    }
    out
}

/// add appends the parameter name=v, unless v is not sent.
fn add(out: &mut String, name: &str, v: Val<'_>) {
    let text = match param_text(v) {
        Some(text) => text,
        None => return,
    };
    if !out.is_empty() {
        out.push('&');
    }
    escape(out, name.as_bytes());
    out.push('=');
    escape(out, &text);
}

/// param_text is the text of a scalar value as a query parameter.
fn param_text(v: Val<'_>) -> Option<Vec<u8>> {
    match v.kind() {
        Type::Str | Type::Bin => v.as_bin().map(<[u8]>::to_vec),
        Type::Bool => Some(if v.as_bool() == Some(true) { b"true".to_vec() } else { b"false".to_vec() }),
        Type::Int => match v.as_i64() {
            Some(i) => Some(i.to_string().into_bytes()),
            None => v.as_u64().map(|u| u.to_string().into_bytes()),
        },
        Type::Float => v.as_f64().filter(|f| f.is_finite()).map(|f| f.to_string().into_bytes()),
        _ => None,
    }
}

/// escape appends s escaped for a query: letters, digits and "-_.~" as
/// they are, a space as "+", every other byte as %XX.
fn escape(out: &mut String, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in s {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(c)),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(c >> 4)]));
                out.push(char::from(HEX[usize::from(c & 0xf)]));
            }
        }
    }
}
