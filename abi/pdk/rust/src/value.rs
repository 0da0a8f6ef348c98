//! Values a plugin writes into replies.

use std::borrow::Cow;

use crate::msgpack::{Val, Writer};

/// A msgpack value to write into a reply (`any` in abi/README.md). It may
/// borrow from the request: `Value::Raw` copies an encoded request value as
/// is, without decoding it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(Cow<'a, str>),
    Bin(Cow<'a, [u8]>),
    Array(Vec<Value<'a>>),
    Map(Vec<(Cow<'a, str>, Value<'a>)>),
    /// An encoded value, copied as is; a missing one is written as nil.
    Raw(Val<'a>),
}

impl<'a> Value<'a> {
    /// A map from its entries, in order: `Value::map([("key", key.into())])`.
    pub fn map<K: Into<Cow<'a, str>>, I: IntoIterator<Item = (K, Value<'a>)>>(entries: I) -> Self {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// An array from its items.
    pub fn array<V: Into<Value<'a>>, I: IntoIterator<Item = V>>(items: I) -> Self {
        Value::Array(items.into_iter().map(Into::into).collect())
    }

    /// Writes the value.
    pub fn write(&self, w: &mut Writer) {
        match self {
            Value::Nil => {
                w.nil();
            }
            Value::Bool(b) => {
                w.bool(*b);
            }
            Value::Int(i) => {
                w.int(*i);
            }
            Value::Uint(u) => {
                w.uint(*u);
            }
            Value::Float(f) => {
                w.float(*f);
            }
            Value::Str(s) => {
                w.str(s);
            }
            Value::Bin(b) => {
                w.bin(b);
            }
            Value::Array(items) => {
                w.array(items.len() as u32);
                for v in items {
                    v.write(w);
                }
            }
            Value::Map(entries) => {
                w.map(entries.len() as u32);
                for (k, v) in entries {
                    w.str(k);
                    v.write(w);
                }
            }
            Value::Raw(v) => {
                w.val(*v);
            }
        }
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::Str(Cow::Borrowed(s))
    }
}
impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::Str(Cow::Owned(s))
    }
}
impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(b: &'a [u8]) -> Self {
        Value::Bin(Cow::Borrowed(b))
    }
}
impl From<Vec<u8>> for Value<'_> {
    fn from(b: Vec<u8>) -> Self {
        Value::Bin(Cow::Owned(b))
    }
}
impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value<'_> {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<i32> for Value<'_> {
    fn from(i: i32) -> Self {
        Value::Int(i as i64)
    }
}
impl From<u64> for Value<'_> {
    fn from(u: u64) -> Self {
        Value::Uint(u)
    }
}
impl From<f64> for Value<'_> {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}
impl<'a> From<Val<'a>> for Value<'a> {
    fn from(v: Val<'a>) -> Self {
        Value::Raw(v)
    }
}
impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Nil, Into::into)
    }
}
