//! A regular-expression engine for urlmap: the part of RE2's syntax that
//! docs/access-control-plugins.md lists, matched against a whole text with
//! RE2's leftmost-first submatches, in time linear in the text.
//!
//! An expression is parsed into a tree, compiled into a program of a
//! Thompson NFA and run by a Pike VM: every thread of the NFA advances one
//! character at a time, in priority order, each carrying its own group
//! positions, and a state reached twice at one position keeps the first
//! (preferred) thread. A match costs O(text length × program size); the
//! program is bounded by MAX_INSTS and MAX_SLOTS.
//!
//! Syntax errors read as Go's regexp writes them,
//! "error parsing regexp: <reason>: `<text>`".

use std::collections::HashMap;
use std::fmt;

/// The largest program, in instructions.
const MAX_INSTS: usize = 20_000;
/// The largest table of group positions the VM keeps per list of threads:
/// seats (instructions that wait for a char or match) × 2 × named groups.
const MAX_SLOTS: usize = 1_000_000;
/// The nesting of groups that is too deep: RE2 refuses an expression
/// taller than 1000, which 999 groups around a char are inside the
/// anchors urlmap adds.
const MAX_DEPTH: usize = 999;
/// The largest count of a repetition {n,m}, and of nested ones multiplied.
const MAX_REPEAT: u32 = 1000;

/// A position not set by any group.
const UNSET: usize = usize::MAX;

/// Error is a syntax error: a reason (Go's wording) and the text at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    reason: &'static str,
    text: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error parsing regexp: {}: `{}`", self.reason, self.text)
    }
}

fn fail<T>(reason: &'static str, text: &str) -> Result<T, Error> {
    Err(Error { reason, text: text.to_string() })
}

/// Ranges of code points, sorted, disjoint and not adjacent.
#[derive(Debug, Clone, PartialEq)]
struct Class(Vec<(u32, u32)>);

impl Class {
    /// from_ranges normalises ranges in any order, negated if negate.
    fn from_ranges(mut r: Vec<(u32, u32)>, negate: bool) -> Class {
        r.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(r.len());
        for (lo, hi) in r {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        if !negate {
            return Class(out);
        }
        let mut neg = Vec::with_capacity(out.len() + 1);
        let mut next = 0u32;
        for (lo, hi) in out {
            if lo > next {
                neg.push((next, lo - 1));
            }
            next = hi + 1;
        }
        if next <= char::MAX as u32 {
            neg.push((next, char::MAX as u32));
        }
        Class(neg)
    }

    fn contains(&self, c: u32) -> bool {
        self.0
            .binary_search_by(|&(lo, hi)| {
                if hi < c {
                    std::cmp::Ordering::Less
                } else if lo > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }
}

/// The ASCII classes: Perl's \d \s \w and the POSIX [:name:] ones, as RE2
/// defines them.
fn ascii_class(name: &str) -> Option<&'static [(u32, u32)]> {
    const fn r(lo: u8, hi: u8) -> (u32, u32) {
        (lo as u32, hi as u32)
    }
    const ALNUM: &[(u32, u32)] = &[r(b'0', b'9'), r(b'A', b'Z'), r(b'a', b'z')];
    const ALPHA: &[(u32, u32)] = &[r(b'A', b'Z'), r(b'a', b'z')];
    const ASCII: &[(u32, u32)] = &[r(0, 0x7f)];
    const BLANK: &[(u32, u32)] = &[r(b'\t', b'\t'), r(b' ', b' ')];
    const CNTRL: &[(u32, u32)] = &[r(0, 0x1f), r(0x7f, 0x7f)];
    const DIGIT: &[(u32, u32)] = &[r(b'0', b'9')];
    const GRAPH: &[(u32, u32)] = &[r(b'!', b'~')];
    const LOWER: &[(u32, u32)] = &[r(b'a', b'z')];
    const PRINT: &[(u32, u32)] = &[r(b' ', b'~')];
    const PUNCT: &[(u32, u32)] = &[r(b'!', b'/'), r(b':', b'@'), r(b'[', b'`'), r(b'{', b'~')];
    const SPACE: &[(u32, u32)] = &[r(b'\t', 0x0d), r(b' ', b' ')];
    const PERL_SPACE: &[(u32, u32)] = &[r(b'\t', b'\n'), r(0x0c, 0x0d), r(b' ', b' ')];
    const UPPER: &[(u32, u32)] = &[r(b'A', b'Z')];
    const WORD: &[(u32, u32)] = &[r(b'0', b'9'), r(b'A', b'Z'), r(b'_', b'_'), r(b'a', b'z')];
    const XDIGIT: &[(u32, u32)] = &[r(b'0', b'9'), r(b'A', b'F'), r(b'a', b'f')];
    Some(match name {
        "d" | "digit" => DIGIT,
        "s" => PERL_SPACE,
        "w" | "word" => WORD,
        "alnum" => ALNUM,
        "alpha" => ALPHA,
        "ascii" => ASCII,
        "blank" => BLANK,
        "cntrl" => CNTRL,
        "graph" => GRAPH,
        "lower" => LOWER,
        "print" => PRINT,
        "punct" => PUNCT,
        "space" => SPACE,
        "upper" => UPPER,
        "xdigit" => XDIGIT,
        _ => return None,
    })
}

fn is_word(c: Option<char>) -> bool {
    matches!(c, Some(c) if c.is_ascii_alphanumeric() || c == '_')
}

/// The last code point that has a case.
const CASED_MAX: u32 = 0x1E943;

/// single is the char of a case mapping of one char.
fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    let c = it.next()?;
    if it.next().is_some() {
        None
    } else {
        Some(c)
    }
}

/// fold_key is what c folds to under Unicode's simple case folding: the
/// chars of one key are one of RE2's case orbits (k K and the Kelvin sign,
/// s S and the long s, ...).
fn fold_key(c: char) -> char {
    // the dotless i folds to nothing else, although its capital is I
    if c == '\u{131}' {
        return c;
    }
    let upper = single(c.to_uppercase()).unwrap_or(c);
    single(upper.to_lowercase()).unwrap_or(upper)
}

thread_local! {
    /// The case orbits of more than one char, by key.
    static ORBITS: HashMap<char, Vec<char>> = {
        let mut orbits: HashMap<char, Vec<char>> = HashMap::new();
        for c in (0..=CASED_MAX).filter_map(char::from_u32) {
            orbits.entry(fold_key(c)).or_default().push(c);
        }
        orbits.retain(|_, orbit| orbit.len() > 1);
        orbits
    };
}

/// fold adds to ranges the chars of the case orbits they touch.
fn fold(ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    let set = Class::from_ranges(ranges, false);
    let mut out = set.0.clone();
    ORBITS.with(|orbits| {
        for orbit in orbits.values() {
            if orbit.iter().any(|&c| set.contains(c as u32)) {
                out.extend(orbit.iter().map(|&c| (c as u32, c as u32)));
            }
        }
    });
    out
}

/// The flags that change what follows them, up to the end of the group:
/// (?i) folds case, (?m) makes ^ and $ match at lines, (?s) lets . match
/// a newline, (?U) swaps greedy and lazy repetitions.
#[derive(Clone, Copy, Default)]
struct Flags {
    fold: bool,
    multi_line: bool,
    dot_nl: bool,
    ungreedy: bool,
}

/// An assertion of empty width.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Look {
    /// ^ and \A: the start of the text.
    Start,
    /// $ and \z: the end of the text.
    End,
    /// ^ with (?m): the start of the text or of a line.
    LineStart,
    /// $ with (?m): the end of the text or of a line.
    LineEnd,
    /// \b: between a word character and a non-word one (ASCII).
    WordBoundary,
    /// \B: not \b.
    NotWordBoundary,
}

impl Look {
    fn holds(self, prev: Option<char>, next: Option<char>) -> bool {
        match self {
            Look::Start => prev.is_none(),
            Look::End => next.is_none(),
            Look::LineStart => prev.map_or(true, |c| c == '\n'),
            Look::LineEnd => next.map_or(true, |c| c == '\n'),
            Look::WordBoundary => is_word(prev) != is_word(next),
            Look::NotWordBoundary => is_word(prev) == is_word(next),
        }
    }
}

/// The parse tree.
#[derive(Debug)]
enum Node {
    Empty,
    /// A code point; one that is no char (a surrogate) matches nothing.
    Char(u32),
    Class(Class),
    Look(Look),
    /// A group, with the index of its name among the named groups.
    Group(Option<usize>, Box<Node>),
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    /// x{min,max}; max None is unbounded.
    Repeat { sub: Box<Node>, min: u32, max: Option<u32>, greedy: bool },
}

impl Node {
    /// nullable reports whether the node matches the empty text.
    fn nullable(&self) -> bool {
        match self {
            Node::Empty | Node::Look(_) => true,
            Node::Char(_) | Node::Class(_) => false,
            Node::Group(_, sub) => sub.nullable(),
            Node::Concat(v) => v.iter().all(Node::nullable),
            Node::Alt(v) => v.iter().any(Node::nullable),
            Node::Repeat { sub, min, .. } => *min == 0 || sub.nullable(),
        }
    }

    /// size is the length of the node's program, as Compiler writes it.
    fn size(&self) -> usize {
        match self {
            Node::Empty => 0,
            Node::Char(_) | Node::Class(_) | Node::Look(_) => 1,
            Node::Group(name, sub) => sub.size().saturating_add(if name.is_some() { 2 } else { 0 }),
            Node::Concat(v) => v.iter().fold(0, |n, x| n.saturating_add(x.size())),
            // a split before and a jump after each alternative but the last
            Node::Alt(v) => v.iter().fold(0usize, |n, x| n.saturating_add(x.size()).saturating_add(2)) - 2,
            Node::Repeat { sub, min, max, .. } => {
                let (s, min) = (sub.size(), *min as usize);
                match max {
                    Some(max) => min.saturating_mul(s).saturating_add((*max as usize - min).saturating_mul(s + 1)),
                    None if min == 0 => s.saturating_add(2),
                    None => min.saturating_mul(s).saturating_add(1),
                }
            }
        }
    }

    /// repeats_within reports whether the counts of the repetitions {n,m}
    /// nested in the node, multiplied, stay within limit, as RE2 requires.
    fn repeats_within(&self, mut limit: u32) -> bool {
        match self {
            Node::Group(_, sub) => sub.repeats_within(limit),
            Node::Concat(v) | Node::Alt(v) => v.iter().all(|x| x.repeats_within(limit)),
            Node::Repeat { sub, min, max, .. } => {
                let m = max.unwrap_or(*min);
                if m > limit {
                    return false;
                }
                if m > 0 {
                    limit /= m;
                }
                sub.repeats_within(limit)
            }
            _ => true,
        }
    }
}

const MISSING_PAREN: &str = "missing closing )";
const UNEXPECTED_PAREN: &str = "unexpected )";
const MISSING_BRACKET: &str = "missing closing ]";
const BAD_RANGE: &str = "invalid character class range";
const BAD_ESCAPE: &str = "invalid escape sequence";
const TRAILING_BACKSLASH: &str = "trailing backslash at end of expression";
const MISSING_ARGUMENT: &str = "missing argument to repetition operator";
const NESTED_REPEAT: &str = "invalid nested repetition operator";
const BAD_REPEAT_COUNT: &str = "invalid repeat count";
const BAD_NAMED_CAPTURE: &str = "invalid named capture";
const BAD_PERL_OP: &str = "invalid or unsupported Perl syntax";
const TOO_DEEP: &str = "expression nests too deeply";
const TOO_LARGE: &str = "expression too large";

/// Parser reads an expression by recursive descent; pos is a byte offset
/// into src.
struct Parser<'s> {
    src: &'s str,
    pos: usize,
    depth: usize,
    flags: Flags,
    names: Vec<String>,
}

impl<'s> Parser<'s> {
    fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// next consumes and returns the next char.
    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            return true;
        }
        false
    }

    fn parse(mut self) -> Result<(Node, Vec<String>), Error> {
        let node = self.alternation()?;
        if self.pos < self.src.len() {
            // only a ) stops an alternation before the end
            return fail(UNEXPECTED_PAREN, self.src);
        }
        Ok((node, self.names))
    }

    fn alternation(&mut self) -> Result<Node, Error> {
        let mut alts = vec![self.concatenation()?];
        while self.eat('|') {
            alts.push(self.concatenation()?);
        }
        Ok(if alts.len() == 1 { alts.pop().unwrap_or(Node::Empty) } else { Node::Alt(alts) })
    }

    fn concatenation(&mut self) -> Result<Node, Error> {
        let mut items = Vec::new();
        // the offset of the repetition operator just read, if the last
        // thing read was one
        let mut last_repeat = None;
        loop {
            let start = self.pos;
            let c = match self.peek() {
                None | Some('|') | Some(')') => break,
                Some(c) => c,
            };
            let counts = match c {
                '*' => Some((0, None)),
                '+' => Some((1, None)),
                '?' => Some((0, Some(1))),
                '{' => self.counts()?,
                _ => None,
            };
            if let Some((min, max)) = counts {
                if c != '{' {
                    self.pos += 1;
                }
                self.repeat(&mut items, start, last_repeat, min, max, c == '{')?;
                last_repeat = Some(start);
                continue;
            }
            last_repeat = None;
            let node = match c {
                '(' => match self.group()? {
                    Some(group) => group,
                    None => continue, // (?flags)
                },
                '[' => self.class()?,
                '.' => {
                    self.pos += 1;
                    let nl = if self.flags.dot_nl { vec![] } else { vec![('\n' as u32, '\n' as u32)] };
                    Node::Class(Class::from_ranges(nl, true))
                }
                '^' => {
                    self.pos += 1;
                    Node::Look(if self.flags.multi_line { Look::LineStart } else { Look::Start })
                }
                '$' => {
                    self.pos += 1;
                    Node::Look(if self.flags.multi_line { Look::LineEnd } else { Look::End })
                }
                '\\' => self.escape(&mut items)?,
                _ => {
                    self.pos += c.len_utf8();
                    self.literal(c as u32)
                }
            };
            items.push(node);
        }
        Ok(match items.len() {
            0 => Node::Empty,
            1 => items.pop().unwrap_or(Node::Empty),
            _ => Node::Concat(items),
        })
    }

    /// literal is the node of the code point c: with (?i), a class of its
    /// case orbit.
    fn literal(&self, c: u32) -> Node {
        if self.flags.fold {
            if let Some(orbit) = char::from_u32(c).and_then(|c| ORBITS.with(|o| o.get(&fold_key(c)).cloned())) {
                return Node::Class(Class::from_ranges(orbit.iter().map(|&c| (c as u32, c as u32)).collect(), false));
            }
        }
        Node::Char(c)
    }

    /// set is the class of ranges, case-folded with (?i), then negated if
    /// negate.
    fn set(&self, ranges: Vec<(u32, u32)>, negate: bool) -> Class {
        Class::from_ranges(if self.flags.fold { fold(ranges) } else { ranges }, negate)
    }

    /// counts reads {n}, {n,} or {n,m} at pos; it returns None, and reads
    /// nothing, where the text is not of that form (the { is a literal).
    fn counts(&mut self) -> Result<Option<(u32, Option<u32>)>, Error> {
        let start = self.pos;
        let mut p = Parser { src: self.src, pos: start + 1, depth: 0, flags: self.flags, names: Vec::new() };
        let min = match p.number() {
            Some(n) => n,
            None => return Ok(None),
        };
        let max = if p.eat(',') {
            if p.peek() == Some('}') {
                None
            } else {
                match p.number() {
                    Some(n) => Some(n),
                    None => return Ok(None),
                }
            }
        } else {
            Some(min)
        };
        if !p.eat('}') {
            return Ok(None);
        }
        self.pos = p.pos;
        if min > MAX_REPEAT || max.map_or(false, |m| m > MAX_REPEAT || m < min) {
            return fail(BAD_REPEAT_COUNT, &self.src[start..self.pos]);
        }
        Ok(Some((min, max)))
    }

    /// number reads a decimal number without leading zeros; a number too
    /// large for a count reads as u32::MAX.
    fn number(&mut self) -> Option<u32> {
        let digits = self.rest().bytes().take_while(u8::is_ascii_digit).count();
        let text = &self.rest()[..digits];
        if digits == 0 || (digits > 1 && text.starts_with('0')) {
            return None;
        }
        self.pos += digits;
        Some(text.parse().unwrap_or(u32::MAX))
    }

    /// repeat applies the repetition operator read from start to pos to
    /// the last item, after reading its lazy ?.
    fn repeat(
        &mut self,
        items: &mut Vec<Node>,
        start: usize,
        last_repeat: Option<usize>,
        min: u32,
        max: Option<u32>,
        counted: bool,
    ) -> Result<(), Error> {
        let greedy = self.eat('?') == self.flags.ungreedy;
        if let Some(last) = last_repeat {
            return fail(NESTED_REPEAT, &self.src[last..self.pos]);
        }
        let sub = match items.pop() {
            Some(sub) => Box::new(sub),
            None => return fail(MISSING_ARGUMENT, &self.src[start..self.pos]),
        };
        let node = Node::Repeat { sub, min, max, greedy };
        if counted && (min >= 2 || max.map_or(false, |m| m >= 2)) && !node.repeats_within(MAX_REPEAT) {
            return fail(BAD_REPEAT_COUNT, &self.src[start..self.pos]);
        }
        items.push(node);
        Ok(())
    }

    /// group reads a group at pos, its ( included; None for (?flags),
    /// which sets the flags up to the end of the group around it.
    fn group(&mut self) -> Result<Option<Node>, Error> {
        let outer = self.flags;
        let rest = self.rest();
        let name_at = if rest.starts_with("(?P<") && rest.len() > 4 {
            Some(4)
        } else if rest.starts_with("(?<") && rest.len() > 3 {
            Some(3)
        } else {
            None
        };
        let index = if let Some(at) = name_at {
            let end = match rest.find('>') {
                Some(end) => end,
                None => return fail(BAD_NAMED_CAPTURE, rest),
            };
            let name = &rest[at..end];
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                return fail(BAD_NAMED_CAPTURE, &rest[..=end]);
            }
            self.names.push(name.to_string());
            self.pos += end + 1;
            Some(self.names.len() - 1)
        } else if rest.starts_with("(?:") {
            self.pos += 3;
            None
        } else if rest.starts_with("(?") {
            if !self.flag_group()? {
                return Ok(None);
            }
            None
        } else {
            self.pos += 1;
            None
        };
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return fail(TOO_DEEP, self.src);
        }
        let sub = self.alternation()?;
        if !self.eat(')') {
            return fail(MISSING_PAREN, self.src);
        }
        self.depth -= 1;
        self.flags = outer;
        Ok(Some(Node::Group(index, Box::new(sub))))
    }

    /// flag_group reads (?flags) or (?flags: at pos, flags being some of
    /// i m s U, then optionally - and some to clear, and sets them; it
    /// reports whether a group opens.
    fn flag_group(&mut self) -> Result<bool, Error> {
        let start = self.pos;
        self.pos += 2;
        let mut flags = self.flags;
        // clear: after the -; cleared: a flag came after it
        let (mut clear, mut cleared) = (false, false);
        while let Some(c) = self.next() {
            let flag = match c {
                'i' => &mut flags.fold,
                'm' => &mut flags.multi_line,
                's' => &mut flags.dot_nl,
                'U' => &mut flags.ungreedy,
                '-' if !clear => {
                    clear = true;
                    cleared = false;
                    continue;
                }
                ':' | ')' if !clear || cleared => {
                    self.flags = flags;
                    return Ok(c == ':');
                }
                _ => break,
            };
            *flag = !clear;
            cleared = clear;
        }
        fail(BAD_PERL_OP, &self.src[start..self.pos])
    }

    /// escape reads an escape outside brackets at pos: an assertion, a
    /// class, \Q...\E (whose literals but the last go to items) or a char.
    fn escape(&mut self, items: &mut Vec<Node>) -> Result<Node, Error> {
        let start = self.pos;
        let mut it = self.rest().chars().skip(1);
        let look = match it.next() {
            Some('A') => Some(Look::Start),
            Some('z') => Some(Look::End),
            Some('b') => Some(Look::WordBoundary),
            Some('B') => Some(Look::NotWordBoundary),
            Some('Q') => {
                let text = &self.src[start + 2..];
                let (lit, len) = match text.find("\\E") {
                    Some(end) => (&text[..end], end + 2),
                    None => (text, text.len()),
                };
                self.pos = start + 2 + len;
                let mut chars: Vec<Node> = lit.chars().map(|c| self.literal(c as u32)).collect();
                let last = chars.pop().unwrap_or(Node::Empty);
                items.extend(chars);
                return Ok(last);
            }
            _ => None,
        };
        if let Some(look) = look {
            self.pos += 2;
            return Ok(Node::Look(look));
        }
        if let Some(class) = self.perl_class() {
            return Ok(Node::Class(class));
        }
        let c = self.escaped_char()?;
        Ok(self.literal(c))
    }

    /// perl_class reads \d \s \w \D \S \W at pos, if there is one.
    fn perl_class(&mut self) -> Option<Class> {
        let b = self.rest().as_bytes();
        if b.len() < 2 || b[0] != b'\\' {
            return None;
        }
        let ranges = ascii_class(match b[1] {
            b'd' | b'D' => "d",
            b's' | b'S' => "s",
            b'w' | b'W' => "w",
            _ => return None,
        })?;
        self.pos += 2;
        Some(self.set(ranges.to_vec(), b[1].is_ascii_uppercase()))
    }

    /// escaped_char reads an escape of one char at pos: an escaped
    /// punctuation character, \a \f \t \n \r \v, octal \0oo or \ooo, hex
    /// \xhh or \x{h...}.
    fn escaped_char(&mut self) -> Result<u32, Error> {
        let start = self.pos;
        self.pos += 1;
        let c = match self.next() {
            Some(c) => c,
            None => return fail(TRAILING_BACKSLASH, ""),
        };
        let value = match c {
            c if c.is_ascii() && !c.is_ascii_alphanumeric() => Some(c as u32),
            'a' => Some(7),
            'f' => Some(0x0c),
            't' => Some(u32::from(b'\t')),
            'n' => Some(u32::from(b'\n')),
            'r' => Some(u32::from(b'\r')),
            'v' => Some(0x0b),
            // \1 to \7 alone would be a backreference
            '0'..='7' if c == '0' || self.peek().map_or(false, |d| ('0'..='7').contains(&d)) => {
                let mut v = c as u32 - '0' as u32;
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ '0'..='7') => {
                            v = v * 8 + (d as u32 - '0' as u32);
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                Some(v)
            }
            'x' => self.hex(),
            _ => None,
        };
        match value {
            Some(v) => Ok(v),
            None => fail(BAD_ESCAPE, &self.src[start..self.pos]),
        }
    }

    /// hex reads the digits of \xhh or \x{h...} after the x.
    fn hex(&mut self) -> Option<u32> {
        if self.eat('{') {
            let mut v = 0u32;
            let mut digits = 0;
            loop {
                let c = self.next()?;
                if c == '}' && digits > 0 {
                    return Some(v);
                }
                v = v * 16 + c.to_digit(16)?;
                if v > char::MAX as u32 {
                    return None;
                }
                digits += 1;
            }
        }
        let hi = self.next()?.to_digit(16);
        let lo = self.next()?.to_digit(16);
        Some(hi? * 16 + lo?)
    }

    /// class reads a bracket expression at pos, its [ included.
    fn class(&mut self) -> Result<Node, Error> {
        let start = self.pos;
        self.pos += 1;
        let negate = self.eat('^');
        let mut ranges = Vec::new();
        let mut first = true;
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return fail(MISSING_BRACKET, &self.src[start..]);
            }
            if rest.starts_with(']') && !first {
                self.pos += 1;
                break;
            }
            first = false;
            if rest.starts_with("[:") {
                if let Some(end) = rest[2..].find(":]") {
                    let name = &rest[..end + 4];
                    let (negated, bare) = match name[2..end + 2].strip_prefix('^') {
                        Some(bare) => (true, bare),
                        None => (false, &name[2..end + 2]),
                    };
                    let class = match ascii_class(bare) {
                        Some(c) if bare.len() > 1 => c,
                        _ => return fail(BAD_RANGE, name),
                    };
                    ranges.extend(self.set(class.to_vec(), negated).0);
                    self.pos += name.len();
                    continue;
                }
            }
            if let Some(class) = self.perl_class() {
                ranges.extend(class.0);
                continue;
            }
            let range_start = self.pos;
            let lo = self.class_char(start)?;
            let mut hi = lo;
            let rest = self.rest().as_bytes();
            if rest.len() >= 2 && rest[0] == b'-' && rest[1] != b']' {
                self.pos += 1;
                hi = self.class_char(start)?;
                if hi < lo {
                    return fail(BAD_RANGE, &self.src[range_start..self.pos]);
                }
            }
            ranges.push((lo, hi));
        }
        Ok(Node::Class(self.set(ranges, negate)))
    }

    /// class_char reads a char or an escaped one inside the brackets that
    /// open at start.
    fn class_char(&mut self, start: usize) -> Result<u32, Error> {
        match self.peek() {
            None => fail(MISSING_BRACKET, &self.src[start..]),
            Some('\\') => self.escaped_char(),
            Some(c) => {
                self.pos += c.len_utf8();
                Ok(c as u32)
            }
        }
    }
}

/// An instruction of the program.
#[derive(Debug)]
enum Inst {
    Char(u32),
    Class(Class),
    Look(Look),
    /// Continue at both, preferring the first.
    Split(usize, usize),
    Jmp(usize),
    /// Record the position in a slot.
    Save(usize),
    Match,
}

/// Compiler appends the program of a tree.
struct Compiler {
    prog: Vec<Inst>,
}

impl Compiler {
    fn emit(&mut self, inst: Inst) -> usize {
        self.prog.push(inst);
        self.prog.len() - 1
    }

    /// patch_split turns the placeholder at into a split between what
    /// follows it and target, preferring what follows it when greedy.
    fn patch_split(&mut self, at: usize, target: usize, greedy: bool) {
        self.prog[at] = if greedy { Inst::Split(at + 1, target) } else { Inst::Split(target, at + 1) };
    }

    fn compile(&mut self, node: &Node) {
        match node {
            Node::Empty => {}
            Node::Char(c) => {
                self.emit(Inst::Char(*c));
            }
            Node::Class(c) => {
                self.emit(Inst::Class(c.clone()));
            }
            Node::Look(l) => {
                self.emit(Inst::Look(*l));
            }
            Node::Group(None, sub) => self.compile(sub),
            Node::Group(Some(i), sub) => {
                self.emit(Inst::Save(2 * i));
                self.compile(sub);
                self.emit(Inst::Save(2 * i + 1));
            }
            Node::Concat(v) => v.iter().for_each(|x| self.compile(x)),
            Node::Alt(v) => {
                let mut jumps = Vec::new();
                for (i, x) in v.iter().enumerate() {
                    if i + 1 == v.len() {
                        self.compile(x);
                        break;
                    }
                    let split = self.emit(Inst::Jmp(0));
                    self.compile(x);
                    jumps.push(self.emit(Inst::Jmp(0)));
                    let next = self.prog.len();
                    self.patch_split(split, next, true);
                }
                let end = self.prog.len();
                for j in jumps {
                    self.prog[j] = Inst::Jmp(end);
                }
            }
            Node::Repeat { sub, min, max, greedy } => self.repeat(sub, *min, *max, *greedy),
        }
    }

    /// repeat compiles x{min,max} as RE2 expands it: x{2,4} as xx(x(x)?)?,
    /// x{2,} as xx+; x* of an x that matches the empty text as (x+)?, so
    /// that the preferred thread is the one that goes on.
    fn repeat(&mut self, sub: &Node, min: u32, max: Option<u32>, greedy: bool) {
        match (min, max) {
            (0, Some(0)) => {}
            (0, None) if sub.nullable() => self.optional(greedy, |c| c.plus(sub, greedy)),
            (0, None) => {
                let split = self.emit(Inst::Jmp(0));
                self.compile(sub);
                self.emit(Inst::Jmp(split));
                let end = self.prog.len();
                self.patch_split(split, end, greedy);
            }
            (_, None) => {
                for _ in 1..min {
                    self.compile(sub);
                }
                self.plus(sub, greedy);
            }
            (_, Some(max)) => {
                for _ in 0..min {
                    self.compile(sub);
                }
                // (x(x)?)?: each split skips to the end of them all
                let splits: Vec<usize> = (min..max)
                    .map(|_| {
                        let split = self.emit(Inst::Jmp(0));
                        self.compile(sub);
                        split
                    })
                    .collect();
                let end = self.prog.len();
                for split in splits {
                    self.patch_split(split, end, greedy);
                }
            }
        }
    }

    /// plus compiles x+.
    fn plus(&mut self, sub: &Node, greedy: bool) {
        let start = self.prog.len();
        self.compile(sub);
        let split = self.emit(Inst::Jmp(0));
        self.prog[split] = if greedy { Inst::Split(start, split + 1) } else { Inst::Split(split + 1, start) };
    }

    /// optional compiles (body)?.
    fn optional(&mut self, greedy: bool, body: impl FnOnce(&mut Self)) {
        let split = self.emit(Inst::Jmp(0));
        body(self);
        let end = self.prog.len();
        self.patch_split(split, end, greedy);
    }
}

/// Regex is a compiled expression.
#[derive(Debug)]
pub struct Regex {
    prog: Vec<Inst>,
    names: Vec<String>,
    /// seats[pc] numbers the instructions that wait for a char or match,
    /// the only ones whose threads keep group positions
    seats: Vec<usize>,
    nseats: usize,
}

impl Regex {
    /// new parses and compiles src.
    pub fn new(src: &str) -> Result<Regex, Error> {
        let (node, names) = Parser { src, pos: 0, depth: 0, flags: Flags::default(), names: Vec::new() }.parse()?;
        let size = node.size().saturating_add(1);
        if size > MAX_INSTS {
            return fail(TOO_LARGE, src);
        }
        let mut c = Compiler { prog: Vec::with_capacity(size) };
        c.compile(&node);
        c.emit(Inst::Match);
        debug_assert_eq!(c.prog.len(), size);
        let mut nseats = 0;
        let seats = c
            .prog
            .iter()
            .map(|inst| match inst {
                Inst::Char(_) | Inst::Class(_) | Inst::Match => {
                    nseats += 1;
                    nseats - 1
                }
                _ => UNSET,
            })
            .collect();
        if nseats.saturating_mul(2 * names.len()) > MAX_SLOTS {
            return fail(TOO_LARGE, src);
        }
        Ok(Regex { prog: c.prog, names, seats, nseats })
    }

    /// names are the names of the named groups, in the order they open.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// captures matches the whole text; when it matches, it returns the
    /// byte span of each named group, None for those that took no part.
    pub fn captures(&self, text: &str) -> Option<Vec<Option<(usize, usize)>>> {
        let nslots = 2 * self.names.len();
        let mut clist = Threads::new(self.prog.len(), self.nseats, nslots);
        let mut nlist = Threads::new(self.prog.len(), self.nseats, nslots);
        let mut vm = Vm { prog: &self.prog, seats: &self.seats, caps: vec![UNSET; nslots], stack: Vec::new() };
        let mut chars = text.char_indices().peekable();
        let first = chars.peek().map(|&(_, c)| c);
        vm.add(&mut clist, 0, 0, None, first);
        while let Some((_, c)) = chars.next() {
            let (pos, next) = match chars.peek() {
                Some(&(i, n)) => (i, Some(n)),
                None => (text.len(), None),
            };
            nlist.clear();
            for i in 0..clist.pcs.len() {
                let pc = clist.pcs[i];
                let takes = match &self.prog[pc] {
                    Inst::Char(want) => *want == c as u32,
                    Inst::Class(class) => class.contains(c as u32),
                    _ => false,
                };
                if takes {
                    vm.caps.copy_from_slice(clist.slots_of(self.seats[pc]));
                    vm.add(&mut nlist, pc + 1, pos, Some(c), next);
                }
            }
            std::mem::swap(&mut clist, &mut nlist);
            if clist.pcs.is_empty() {
                return None;
            }
        }
        // the first thread to match at the end is the preferred match
        let pc = clist.pcs.iter().copied().find(|&pc| matches!(self.prog[pc], Inst::Match))?;
        let slots = clist.slots_of(self.seats[pc]);
        Some(
            (0..self.names.len())
                .map(|g| match (slots[2 * g], slots[2 * g + 1]) {
                    (UNSET, _) | (_, UNSET) => None,
                    (a, b) => Some((a, b)),
                })
                .collect(),
        )
    }
}

/// Threads is a list of threads in priority order: the instructions
/// reached at one position, each once, and the group positions of those
/// that wait for a char or match, by seat.
struct Threads {
    pcs: Vec<usize>,
    /// index into pcs of each pc in the list (a sparse set)
    index: Vec<usize>,
    slots: Vec<usize>,
    nslots: usize,
}

impl Threads {
    fn new(ninsts: usize, nseats: usize, nslots: usize) -> Threads {
        Threads { pcs: Vec::with_capacity(ninsts), index: vec![0; ninsts], slots: vec![UNSET; nseats * nslots], nslots }
    }

    fn clear(&mut self) {
        self.pcs.clear();
    }

    /// insert adds pc, and reports whether it was not in the list.
    fn insert(&mut self, pc: usize) -> bool {
        let i = self.index[pc];
        if i < self.pcs.len() && self.pcs[i] == pc {
            return false;
        }
        self.index[pc] = self.pcs.len();
        self.pcs.push(pc);
        true
    }

    fn slots_of(&self, seat: usize) -> &[usize] {
        &self.slots[seat * self.nslots..(seat + 1) * self.nslots]
    }

    fn slots_of_mut(&mut self, seat: usize) -> &mut [usize] {
        &mut self.slots[seat * self.nslots..(seat + 1) * self.nslots]
    }
}

/// Job is a step of following a thread through the instructions that
/// consume nothing.
enum Job {
    Follow(usize),
    /// Put back a slot's value once the paths through a Save are done.
    Restore(usize, usize),
}

/// Vm holds the scratch state of a match.
struct Vm<'p> {
    prog: &'p [Inst],
    seats: &'p [usize],
    /// the group positions of the thread being followed
    caps: Vec<usize>,
    stack: Vec<Job>,
}

impl Vm<'_> {
    /// add follows a thread from pc at the byte position pos, between the
    /// chars prev and next, adding every instruction it reaches to list in
    /// priority order. It keeps an explicit stack, so that a long chain of
    /// splits cannot exhaust the call stack.
    fn add(&mut self, list: &mut Threads, pc: usize, pos: usize, prev: Option<char>, next: Option<char>) {
        self.stack.push(Job::Follow(pc));
        while let Some(job) = self.stack.pop() {
            let pc = match job {
                Job::Restore(slot, v) => {
                    self.caps[slot] = v;
                    continue;
                }
                Job::Follow(pc) => pc,
            };
            if !list.insert(pc) {
                continue;
            }
            match self.prog[pc] {
                Inst::Jmp(to) => self.stack.push(Job::Follow(to)),
                Inst::Split(first, second) => {
                    self.stack.push(Job::Follow(second));
                    self.stack.push(Job::Follow(first));
                }
                Inst::Save(slot) => {
                    self.stack.push(Job::Restore(slot, self.caps[slot]));
                    self.caps[slot] = pos;
                    self.stack.push(Job::Follow(pc + 1));
                }
                Inst::Look(look) => {
                    if look.holds(prev, next) {
                        self.stack.push(Job::Follow(pc + 1));
                    }
                }
                Inst::Char(_) | Inst::Class(_) | Inst::Match => {
                    list.slots_of_mut(self.seats[pc]).copy_from_slice(&self.caps);
                }
            }
        }
    }
}
