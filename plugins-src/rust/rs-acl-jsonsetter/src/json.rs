//! JSON replies as the values of a reply, read as the host reads JSON
//! (abi/README.md section 3.1): integral numbers that fit in 64 bits are
//! integers, other numbers floats.

use std::borrow::Cow;

use gatehouse_pdk::Value;

/// The deepest nesting read.
const MAX_DEPTH: usize = 512;

/// An object's members, in order, each name once.
pub type Members = Vec<(Cow<'static, str>, Value<'static>)>;

/// parse_object reads body, one JSON object and nothing after it but white
/// space. A member repeated keeps its last value.
pub fn parse_object(body: &[u8]) -> Result<Members, String> {
    let mut p = Parser { s: body, i: 0 };
    p.space();
    if p.i == body.len() {
        return Err("not a JSON object: empty".to_string());
    }
    let v = p.value(0).map_err(|e| format!("not a JSON object: {}", e))?;
    let members = match v {
        Value::Map(m) => m,
        Value::Nil => return Err("not a JSON object: null".to_string()),
        Value::Array(_) => return Err("not a JSON object: an array".to_string()),
        Value::Str(_) => return Err("not a JSON object: a string".to_string()),
        _ => return Err("not a JSON object: a number or a boolean".to_string()),
    };
    p.space();
    if p.i < body.len() {
        return Err("more than one JSON value".to_string());
    }
    Ok(members)
}

struct Parser<'b> {
    s: &'b [u8],
    i: usize,
}

impl Parser<'_> {
    fn space(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn unexpected(&self) -> String {
        match self.peek() {
            Some(c) => format!("unexpected {:?} at offset {}", char::from(c), self.i),
            None => "unexpected end of the reply".to_string(),
        }
    }

    /// expect consumes the byte c after white space.
    fn expect(&mut self, c: u8) -> Result<(), String> {
        self.space();
        if self.peek() != Some(c) {
            return Err(self.unexpected());
        }
        self.i += 1;
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Value<'static>, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {} levels", MAX_DEPTH));
        }
        self.space();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Value::Str(Cow::Owned(self.string()?))),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Nil),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.unexpected()),
        }
    }

    fn literal(&mut self, word: &str, v: Value<'static>) -> Result<Value<'static>, String> {
        if !self.s[self.i..].starts_with(word.as_bytes()) {
            return Err(self.unexpected());
        }
        self.i += word.len();
        Ok(v)
    }

    fn object(&mut self, depth: usize) -> Result<Value<'static>, String> {
        self.i += 1;
        let mut members: Members = Vec::new();
        self.space();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Map(members));
        }
        loop {
            self.space();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected());
            }
            let name = self.string()?;
            self.expect(b':')?;
            let v = self.value(depth + 1)?;
            match members.iter_mut().find(|(k, _)| *k == name) {
                Some(m) => m.1 = v,
                None => members.push((Cow::Owned(name), v)),
            }
            self.space();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Map(members));
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value<'static>, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.space();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.space();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.unexpected()),
            }
        }
    }

    /// string reads a string; bytes that are not UTF-8 and lone surrogates
    /// become U+FFFD.
    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek().ok_or_else(|| self.unexpected())?;
            self.i += 1;
            match c {
                b'"' => return Ok(String::from_utf8_lossy(&out).into_owned()),
                0..=0x1f => return Err(format!("control character in a string at offset {}", self.i - 1)),
                b'\\' => {
                    let e = self.peek().ok_or_else(|| self.unexpected())?;
                    self.i += 1;
                    let simple = match e {
                        b'"' => b'"',
                        b'\\' => b'\\',
                        b'/' => b'/',
                        b'b' => 0x08,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'u' => {
                            let ch = self.unicode_escape()?;
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            continue;
                        }
                        _ => return Err(format!("invalid escape at offset {}", self.i - 2)),
                    };
                    out.push(simple);
                }
                _ => out.push(c),
            }
        }
    }

    /// unicode_escape reads the XXXX of \uXXXX, and a low surrogate's
    /// escape after a high one.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let hi = self.hex4()?;
        if (0xd800..0xdc00).contains(&hi) && self.s[self.i..].starts_with(b"\\u") {
            let save = self.i;
            self.i += 2;
            let lo = self.hex4()?;
            if (0xdc00..0xe000).contains(&lo) {
                return Ok(char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)).unwrap_or('\u{fffd}'));
            }
            self.i = save;
        }
        Ok(char::from_u32(hi).unwrap_or('\u{fffd}'))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.s.get(self.i..self.i + 4).ok_or_else(|| "unexpected end of the reply".to_string())?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(format!("invalid \\u escape at offset {}", self.i));
        }
        let v = digits.iter().fold(0, |v, &d| v * 16 + char::from(d).to_digit(16).unwrap_or(0));
        self.i += 4;
        Ok(v)
    }

    /// number reads a number: an integer when it has neither fraction nor
    /// exponent and fits in 64 bits, else a float.
    fn number(&mut self) -> Result<Value<'static>, String> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let from = p.i;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.i += 1;
            }
            p.i > from
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        if self.peek() == Some(b'0') {
            self.i += 1;
        } else if !digits(self) {
            return Err(self.unexpected());
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            self.i += 1;
            integral = false;
            if !digits(self) {
                return Err(self.unexpected());
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            integral = false;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return Err(self.unexpected());
            }
        }
        // The bytes are ASCII digits and signs: UTF-8.
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
        if integral {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Value::Int(i));
            }
        }
        text.parse::<f64>().map(Value::Float).map_err(|_| format!("bad number {:?}", text))
    }
}
