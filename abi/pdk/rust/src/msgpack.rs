//! A small, zero-copy MessagePack reader and an appending writer, enough for
//! the messages of the Gatehouse ABI (abi/README.md section 3).
//!
//! Reading never recurses and never panics: every length is checked against
//! the input, and [`Reader::skip`] walks nested values of any depth with a
//! counter. Ext values are skipped, never decoded.

use core::fmt;

/// The type of the next msgpack value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// Missing: a key that is not there, or the end of the input.
    None,
    Nil,
    Bool,
    /// Any integer format, signed or unsigned.
    Int,
    /// float32 or float64.
    Float,
    Str,
    Bin,
    Array,
    Map,
    /// Forbidden by the ABI; skipped, never decoded.
    Ext,
    /// The byte 0xc1.
    Invalid,
}

/// Why a value could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// The next value is of another type.
    Type,
    /// An integer does not fit the type asked for.
    Range,
    /// The input ends inside the value, or holds the byte 0xc1.
    Truncated,
    /// A str is not valid UTF-8.
    Utf8,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReadError::Type => "wrong type",
            ReadError::Range => "out of range",
            ReadError::Truncated => "truncated or invalid msgpack",
            ReadError::Utf8 => "not valid UTF-8",
        })
    }
}

/// Reads msgpack values one after another from a byte slice. Every `read_*`
/// leaves the reader where it was when it fails.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// The big-endian number in b (1, 2, 4 or 8 bytes; other lengths read 0),
/// without a loop: a host that interrupts long calls checks at every loop
/// iteration, at the price of a call into the host.
#[inline]
fn be(b: &[u8]) -> u64 {
    match b.len() {
        1 => b[0] as u64,
        2 => u16::from_be_bytes([b[0], b[1]]) as u64,
        4 => u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64,
        8 => u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        _ => 0,
    }
}

impl<'a> Reader<'a> {
    /// A reader at the start of buf.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ReadError> {
        let rest = &self.buf[self.pos..];
        if rest.len() < n {
            return Err(ReadError::Truncated);
        }
        self.pos += n;
        Ok(&rest[..n])
    }

    /// The type of the next value, without reading it.
    pub fn peek(&self) -> Type {
        match self.buf.get(self.pos) {
            None => Type::None,
            Some(&c) => match c {
                0x00..=0x7f | 0xe0..=0xff | 0xcc..=0xd3 => Type::Int,
                0x80..=0x8f | 0xde | 0xdf => Type::Map,
                0x90..=0x9f | 0xdc | 0xdd => Type::Array,
                0xa0..=0xbf | 0xd9..=0xdb => Type::Str,
                0xc0 => Type::Nil,
                0xc1 => Type::Invalid,
                0xc2 | 0xc3 => Type::Bool,
                0xc4..=0xc6 => Type::Bin,
                0xca | 0xcb => Type::Float,
                _ => Type::Ext, // c7-c9, d4-d8
            },
        }
    }

    /// Reads a nil; false (and nothing read) when the next value is not nil.
    pub fn read_nil(&mut self) -> bool {
        if self.buf.get(self.pos) == Some(&0xc0) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn read_bool(&mut self) -> Result<bool, ReadError> {
        match self.buf.get(self.pos) {
            Some(&0xc2) => {
                self.pos += 1;
                Ok(false)
            }
            Some(&0xc3) => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => Err(ReadError::Type),
            None => Err(ReadError::Truncated),
        }
    }

    /// The integer at the reader: its 64 bits, whether the format is signed,
    /// and its encoded size.
    fn integer(&self) -> Result<(u64, bool, usize), ReadError> {
        let rest = &self.buf[self.pos..];
        let c = *rest.first().ok_or(ReadError::Truncated)?;
        let n = match c {
            0x00..=0x7f => return Ok((c as u64, false, 1)),
            0xe0..=0xff => return Ok((c as i8 as i64 as u64, true, 1)),
            0xcc | 0xd0 => 2,
            0xcd | 0xd1 => 3,
            0xce | 0xd2 => 5,
            0xcf | 0xd3 => 9,
            _ => return Err(ReadError::Type),
        };
        if rest.len() < n {
            return Err(ReadError::Truncated);
        }
        let raw = be(&rest[1..n]);
        let bits = match c {
            0xd0 => raw as u8 as i8 as i64 as u64,
            0xd1 => raw as u16 as i16 as i64 as u64,
            0xd2 => raw as u32 as i32 as i64 as u64,
            _ => raw,
        };
        Ok((bits, c >= 0xd0, n))
    }

    /// Reads an integer of any format; a uint64 above i64::MAX fails with Range.
    pub fn read_i64(&mut self) -> Result<i64, ReadError> {
        let (bits, signed, n) = self.integer()?;
        if !signed && bits > i64::MAX as u64 {
            return Err(ReadError::Range);
        }
        self.pos += n;
        Ok(bits as i64)
    }

    /// Reads an integer of any format; a negative value fails with Range.
    pub fn read_u64(&mut self) -> Result<u64, ReadError> {
        let (bits, signed, n) = self.integer()?;
        if signed && (bits as i64) < 0 {
            return Err(ReadError::Range);
        }
        self.pos += n;
        Ok(bits)
    }

    /// Reads a float32, a float64 or any integer.
    pub fn read_f64(&mut self) -> Result<f64, ReadError> {
        let rest = &self.buf[self.pos..];
        match rest.first() {
            Some(&0xca) => {
                let b = self.take(5)?;
                Ok(f32::from_bits(be(&b[1..]) as u32) as f64)
            }
            Some(&0xcb) => {
                let b = self.take(9)?;
                Ok(f64::from_bits(be(&b[1..])))
            }
            _ => {
                let (bits, signed, n) = self.integer()?;
                self.pos += n;
                Ok(if signed { bits as i64 as f64 } else { bits as f64 })
            }
        }
    }

    /// The payload of a str (when str) or bin (when !str) at the reader.
    fn span(&mut self) -> Result<&'a [u8], ReadError> {
        let rest = &self.buf[self.pos..];
        let c = *rest.first().ok_or(ReadError::Truncated)?;
        let (head, len) = match c {
            0xa0..=0xbf => (1, (c & 0x1f) as usize),
            0xc4 | 0xd9 => (2, be(rest.get(1..2).ok_or(ReadError::Truncated)?) as usize),
            0xc5 | 0xda => (3, be(rest.get(1..3).ok_or(ReadError::Truncated)?) as usize),
            0xc6 | 0xdb => (5, be(rest.get(1..5).ok_or(ReadError::Truncated)?) as usize),
            _ => return Err(ReadError::Type),
        };
        if rest.len() - head < len {
            return Err(ReadError::Truncated);
        }
        self.pos += head + len;
        Ok(&rest[head..head + len])
    }

    /// Reads a str (bin accepted too) as UTF-8 text.
    pub fn read_str(&mut self) -> Result<&'a str, ReadError> {
        let save = self.pos;
        let b = self.span()?;
        core::str::from_utf8(b).map_err(|_| {
            self.pos = save;
            ReadError::Utf8
        })
    }

    /// Reads a bin (str accepted too).
    pub fn read_bin(&mut self) -> Result<&'a [u8], ReadError> {
        self.span()
    }

    fn container(&mut self, fix: core::ops::RangeInclusive<u8>, c16: u8, c32: u8) -> Result<u32, ReadError> {
        let rest = &self.buf[self.pos..];
        let c = *rest.first().ok_or(ReadError::Truncated)?;
        let (head, n) = if fix.contains(&c) {
            (1, (c & 0x0f) as u32)
        } else if c == c16 {
            (3, be(rest.get(1..3).ok_or(ReadError::Truncated)?) as u32)
        } else if c == c32 {
            (5, be(rest.get(1..5).ok_or(ReadError::Truncated)?) as u32)
        } else {
            return Err(ReadError::Type);
        };
        self.pos += head;
        Ok(n)
    }

    /// Reads a map header: the number of key/value pairs that follow.
    pub fn read_map(&mut self) -> Result<u32, ReadError> {
        self.container(0x80..=0x8f, 0xde, 0xdf)
    }

    /// Reads an array header: the number of values that follow.
    pub fn read_array(&mut self) -> Result<u32, ReadError> {
        self.container(0x90..=0x9f, 0xdc, 0xdd)
    }

    /// Skips the next value whole, nested values included, without recursion.
    pub fn skip(&mut self) -> Result<(), ReadError> {
        let save = self.pos;
        let r = self.skip_inner();
        if r.is_err() {
            self.pos = save;
        }
        r
    }

    fn skip_inner(&mut self) -> Result<(), ReadError> {
        let mut pending: u64 = 1;
        while pending > 0 {
            pending -= 1;
            let rest = &self.buf[self.pos..];
            let c = *rest.first().ok_or(ReadError::Truncated)?;
            let need = |n: usize| if rest.len() < n { Err(ReadError::Truncated) } else { Ok(n) };
            let size = match c {
                0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => 1,
                0xcc | 0xd0 => need(2)?,
                0xcd | 0xd1 => need(3)?,
                0xce | 0xd2 | 0xca => need(5)?,
                0xcf | 0xd3 | 0xcb => need(9)?,
                0xd4 => need(3)?,
                0xd5 => need(4)?,
                0xd6 => need(6)?,
                0xd7 => need(10)?,
                0xd8 => need(18)?,
                0xa0..=0xbf | 0xc4..=0xc6 | 0xd9..=0xdb => {
                    self.span()?;
                    continue;
                }
                0xc7..=0xc9 => {
                    let (h, n) = match c {
                        0xc7 => (3, be(rest.get(1..2).ok_or(ReadError::Truncated)?)),
                        0xc8 => (4, be(rest.get(1..3).ok_or(ReadError::Truncated)?)),
                        _ => (6, be(rest.get(1..5).ok_or(ReadError::Truncated)?)),
                    };
                    need(h)?;
                    if ((rest.len() - h) as u64) < n {
                        return Err(ReadError::Truncated);
                    }
                    h + n as usize
                }
                0x80..=0x8f | 0xde | 0xdf => {
                    pending += 2 * self.read_map()? as u64;
                    continue;
                }
                0x90..=0x9f | 0xdc | 0xdd => {
                    pending += self.read_array()? as u64;
                    continue;
                }
                _ => return Err(ReadError::Truncated), // 0xc1
            };
            self.pos += size;
            // Values left to read can never outnumber the bytes left.
            if pending > (self.buf.len() - self.pos) as u64 {
                return Err(ReadError::Truncated);
            }
        }
        Ok(())
    }

    /// Reads the next value whole, any type, as a [`Val`].
    pub fn read_val(&mut self) -> Result<Val<'a>, ReadError> {
        let start = self.pos;
        self.skip()?;
        Ok(Val(&self.buf[start..self.pos]))
    }
}

/// One complete msgpack value, as encoded: a view into a request. An empty
/// `Val` is a missing value (a key that is not there); a present nil is the
/// one byte 0xc0. The scalar getters are strict about the type: `as_str` is
/// `None` for a bin, `as_i64` for a float.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Val<'a>(pub &'a [u8]);

impl fmt::Debug for Val<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Val({:02x?})", self.0)
    }
}

impl<'a> Val<'a> {
    /// The missing value.
    pub const MISSING: Val<'static> = Val(&[]);

    /// The encoded bytes; empty when missing.
    pub fn bytes(&self) -> &'a [u8] {
        self.0
    }
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.0)
    }
    pub fn kind(&self) -> Type {
        self.reader().peek()
    }
    /// Present, nil included.
    pub fn exists(&self) -> bool {
        !self.0.is_empty()
    }
    /// Missing or nil.
    pub fn is_nil(&self) -> bool {
        matches!(self.kind(), Type::None | Type::Nil)
    }
    /// The text of a msgpack str (not bin) that is valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        if self.kind() != Type::Str {
            return None;
        }
        self.reader().read_str().ok()
    }
    /// The bytes of a bin or a str.
    pub fn as_bin(&self) -> Option<&'a [u8]> {
        self.reader().read_bin().ok()
    }
    pub fn as_i64(&self) -> Option<i64> {
        self.reader().read_i64().ok()
    }
    pub fn as_u64(&self) -> Option<u64> {
        self.reader().read_u64().ok()
    }
    /// A float, or an integer as a float.
    pub fn as_f64(&self) -> Option<f64> {
        self.reader().read_f64().ok()
    }
    pub fn as_bool(&self) -> Option<bool> {
        self.reader().read_bool().ok()
    }

    /// The entries of a map; a missing or nil value is an empty map. `None`
    /// for another type.
    pub fn entries(&self) -> Option<MapIter<'a>> {
        let mut r = self.reader();
        if r.read_nil() || r.is_empty() {
            return Some(MapIter { r, left: 0, bad: false });
        }
        let left = r.read_map().ok()?;
        Some(MapIter { r, left, bad: false })
    }

    /// The items of an array; a missing or nil value is an empty array.
    /// `None` for another type.
    pub fn items(&self) -> Option<ArrayIter<'a>> {
        let mut r = self.reader();
        if r.read_nil() || r.is_empty() {
            return Some(ArrayIter { r, left: 0, bad: false });
        }
        let left = r.read_array().ok()?;
        Some(ArrayIter { r, left, bad: false })
    }

    /// The value of key in this map: `None` when this is not a map or lacks
    /// the key; a key present with nil is found (a nil `Val`).
    pub fn get(&self, key: &str) -> Option<Val<'a>> {
        let mut it = self.entries()?;
        it.find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Follows a dotted path ("owner.id") through nested maps.
    pub fn path(&self, path: &str) -> Option<Val<'a>> {
        let mut v = *self;
        for seg in path.split('.') {
            v = v.get(seg)?;
        }
        Some(v)
    }
}

/// Iterates over the entries of a map [`Val`]. It stops at the end and at a
/// malformed entry or a key that is not a str; then [`MapIter::bad`] is true.
pub struct MapIter<'a> {
    r: Reader<'a>,
    left: u32,
    bad: bool,
}

impl MapIter<'_> {
    /// Whether iteration stopped on a malformed entry.
    pub fn bad(&self) -> bool {
        self.bad
    }
    /// How many entries are left.
    pub fn remaining(&self) -> u32 {
        self.left
    }
}

impl<'a> Iterator for MapIter<'a> {
    type Item = (&'a str, Val<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 || self.bad {
            return None;
        }
        match (self.r.read_str(), self.r.read_val()) {
            (Ok(k), Ok(v)) => {
                self.left -= 1;
                Some((k, v))
            }
            _ => {
                self.bad = true;
                None
            }
        }
    }
}

/// Iterates over the items of an array [`Val`]; see [`MapIter`].
pub struct ArrayIter<'a> {
    r: Reader<'a>,
    left: u32,
    bad: bool,
}

impl ArrayIter<'_> {
    pub fn bad(&self) -> bool {
        self.bad
    }
    pub fn remaining(&self) -> u32 {
        self.left
    }
}

impl<'a> Iterator for ArrayIter<'a> {
    type Item = Val<'a>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 || self.bad {
            return None;
        }
        match self.r.read_val() {
            Ok(v) => {
                self.left -= 1;
                Some(v)
            }
            Err(_) => {
                self.bad = true;
                None
            }
        }
    }
}

/// Appends msgpack to a growing buffer. Integers take their smallest
/// format. Maps and arrays are written as a header with their length,
/// followed by that many entries (key, value) or items.
#[derive(Default, Debug)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub const fn new() -> Self {
        Writer { buf: Vec::new() }
    }
    pub fn with_capacity(n: usize) -> Self {
        Writer { buf: Vec::with_capacity(n) }
    }
    /// The bytes written so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
    /// Empties the writer, keeping its buffer.
    pub fn clear(&mut self) {
        self.buf.clear();
    }
    pub(crate) fn buf_mut(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    fn head(&mut self, fix: u8, fix_max: u32, c8: Option<u8>, c16: u8, c32: u8, n: u32) {
        if n <= fix_max {
            self.buf.push(fix | n as u8);
        } else if let (Some(c), true) = (c8, n <= 0xff) {
            self.buf.extend_from_slice(&[c, n as u8]);
        } else if n <= 0xffff {
            self.buf.push(c16);
            self.buf.extend_from_slice(&(n as u16).to_be_bytes());
        } else {
            self.buf.push(c32);
            self.buf.extend_from_slice(&n.to_be_bytes());
        }
    }

    pub fn nil(&mut self) -> &mut Self {
        self.buf.push(0xc0);
        self
    }
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.buf.push(if v { 0xc3 } else { 0xc2 });
        self
    }
    pub fn int(&mut self, v: i64) -> &mut Self {
        if v >= 0 {
            return self.uint(v as u64);
        }
        if v >= -32 {
            self.buf.push(v as i8 as u8);
        } else if v >= i8::MIN as i64 {
            self.buf.extend_from_slice(&[0xd0, v as i8 as u8]);
        } else if v >= i16::MIN as i64 {
            self.buf.push(0xd1);
            self.buf.extend_from_slice(&(v as i16).to_be_bytes());
        } else if v >= i32::MIN as i64 {
            self.buf.push(0xd2);
            self.buf.extend_from_slice(&(v as i32).to_be_bytes());
        } else {
            self.buf.push(0xd3);
            self.buf.extend_from_slice(&v.to_be_bytes());
        }
        self
    }
    pub fn uint(&mut self, v: u64) -> &mut Self {
        if v <= 0x7f {
            self.buf.push(v as u8);
        } else if v <= 0xff {
            self.buf.extend_from_slice(&[0xcc, v as u8]);
        } else if v <= 0xffff {
            self.buf.push(0xcd);
            self.buf.extend_from_slice(&(v as u16).to_be_bytes());
        } else if v <= 0xffff_ffff {
            self.buf.push(0xce);
            self.buf.extend_from_slice(&(v as u32).to_be_bytes());
        } else {
            self.buf.push(0xcf);
            self.buf.extend_from_slice(&v.to_be_bytes());
        }
        self
    }
    /// A float64.
    pub fn float(&mut self, v: f64) -> &mut Self {
        self.buf.push(0xcb);
        self.buf.extend_from_slice(&v.to_bits().to_be_bytes());
        self
    }
    pub fn float32(&mut self, v: f32) -> &mut Self {
        self.buf.push(0xca);
        self.buf.extend_from_slice(&v.to_bits().to_be_bytes());
        self
    }
    /// A str. Texts longer than 4 GiB cannot be encoded; wasm32 memory
    /// cannot hold one anyway.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.head(0xa0, 31, Some(0xd9), 0xda, 0xdb, s.len() as u32);
        self.buf.extend_from_slice(s.as_bytes());
        self
    }
    pub fn bin(&mut self, b: &[u8]) -> &mut Self {
        let n = b.len() as u32;
        if n <= 0xff {
            self.buf.extend_from_slice(&[0xc4, n as u8]);
        } else if n <= 0xffff {
            self.buf.push(0xc5);
            self.buf.extend_from_slice(&(n as u16).to_be_bytes());
        } else {
            self.buf.push(0xc6);
            self.buf.extend_from_slice(&n.to_be_bytes());
        }
        self.buf.extend_from_slice(b);
        self
    }
    /// A map header: n key/value pairs must follow.
    pub fn map(&mut self, n: u32) -> &mut Self {
        self.head(0x80, 15, None, 0xde, 0xdf, n);
        self
    }
    /// An array header: n values must follow.
    pub fn array(&mut self, n: u32) -> &mut Self {
        self.head(0x90, 15, None, 0xdc, 0xdd, n);
        self
    }
    /// Copies an encoded value; a missing one is written as nil.
    pub fn val(&mut self, v: Val<'_>) -> &mut Self {
        if v.exists() {
            self.buf.extend_from_slice(v.0);
        } else {
            self.nil();
        }
        self
    }
    /// Appends raw, already encoded msgpack.
    pub fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }
}
