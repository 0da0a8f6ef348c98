//! msgpack values as JSON text.

use gatehouse_pdk::{Type, Val};

/// The deepest a value is written: values nested deeper are null.
const MAX_DEPTH: usize = 100;

/// put_json writes v as JSON: map keys sorted, bin as a string of its
/// bytes, floats that JSON cannot hold (NaN, infinities) and values
/// nested deeper than MAX_DEPTH as null.
pub fn put_json(out: &mut Vec<u8>, v: Val<'_>) {
    put_value(out, v, 0)
}

fn put_value(out: &mut Vec<u8>, v: Val<'_>, depth: usize) {
    if depth > MAX_DEPTH {
        out.extend_from_slice(b"null");
        return;
    }
    match v.kind() {
        Type::Bool => out.extend_from_slice(if v.as_bool() == Some(true) { b"true" } else { b"false" }),
        Type::Int => match (v.as_i64(), v.as_u64()) {
            (Some(i), _) => out.extend_from_slice(i.to_string().as_bytes()),
            (None, Some(u)) => out.extend_from_slice(u.to_string().as_bytes()),
            (None, None) => out.extend_from_slice(b"null"),
        },
        Type::Float => match v.as_f64() {
            Some(f) if f.is_finite() => out.extend_from_slice(f.to_string().as_bytes()),
            _ => out.extend_from_slice(b"null"),
        },
        Type::Str | Type::Bin => put_json_string(out, v.as_bin().unwrap_or_default()),
        Type::Array => {
            out.push(b'[');
            for (i, item) in v.items().into_iter().flatten().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                put_value(out, item, depth + 1);
            }
            out.push(b']');
        }
        Type::Map => {
            let mut members: Vec<(&str, Val<'_>)> = v.entries().into_iter().flatten().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                put_json_string(out, k.as_bytes());
                out.push(b':');
                put_value(out, item, depth + 1);
            }
            out.push(b'}');
        }
        // nil, and ext, which the ABI forbids
        _ => out.extend_from_slice(b"null"),
    }
}

/// put_json_string writes s as a JSON string: quotes, backslashes and
/// control characters escaped, every other byte as it is.
pub fn put_json_string(out: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &c in s {
        match c {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', c]),
            0..=0x1f => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(c >> 4)], HEX[usize::from(c & 0xf)]]),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}
