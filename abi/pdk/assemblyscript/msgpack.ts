// msgpack for the Gatehouse AssemblyScript PDK: a zero-copy reader over
// linear memory and an appending writer into a raw, reused buffer. Neither
// ever throws: the reader answers false or -1 when the next value is not of
// the type asked for (or runs past the end) and stays in place; the writer
// grows its buffer with heap.realloc.

// Val is an encoded msgpack value, still where it was read (the request
// buffer): valid until the call export returns.
export class Val {
  constructor(public ptr: usize, public len: usize) {}

  // reader returns a reader over the value.
  reader(): Reader {
    return new Reader(this.ptr, this.len);
  }

  // type is the first byte's family: "nil", "bool", "int", "float", "str",
  // "bin", "array", "map" or "ext".
  get type(): string {
    const b = load<u8>(this.ptr);
    if (b <= 0x7f || b >= 0xe0) return "int";
    if (b <= 0x8f) return "map";
    if (b <= 0x9f) return "array";
    if (b <= 0xbf) return "str";
    switch (b) {
      case 0xc0: return "nil";
      case 0xc2: case 0xc3: return "bool";
      case 0xc4: case 0xc5: case 0xc6: return "bin";
      case 0xca: case 0xcb: return "float";
      case 0xcc: case 0xcd: case 0xce: case 0xcf:
      case 0xd0: case 0xd1: case 0xd2: case 0xd3: return "int";
      case 0xd9: case 0xda: case 0xdb: return "str";
      case 0xdc: case 0xdd: return "array";
      case 0xde: case 0xdf: return "map";
    }
    return "ext";
  }

  get isNil(): bool { return load<u8>(this.ptr) == 0xc0; }
  get isMap(): bool { return this.type == "map"; }
  // isStr is true for the str formats only, not for bin.
  get isStr(): bool { return this.type == "str"; }

  // str returns the value as a string, or null when it is not a msgpack str.
  str(): string | null {
    if (!this.isStr) return null;
    const r = this.reader();
    if (!r.readStrSpan()) return null;
    return String.UTF8.decodeUnsafe(r.sptr, r.slen);
  }

  // strLen is the byte length of a str value, -1 for other types.
  strLen(): i64 {
    if (!this.isStr) return -1;
    const r = this.reader();
    return r.readStrSpan() ? <i64>r.slen : -1;
  }

  int(): i64 { const r = this.reader(); return r.readInt() ? r.ival : 0; }
  float(): f64 { const r = this.reader(); return r.readFloat() ? r.fval : 0; }
  bool(): bool { const r = this.reader(); return r.readBool() ? r.bval : false; }

  // get looks key up in a map value; null when the value is not a map or
  // has no such key. A key present with nil is found (isNil).
  get(key: string): Val | null {
    const r = this.reader();
    const n = r.readMapLen();
    if (n < 0) return null;
    for (let i: i64 = 0; i < n; i++) {
      if (!r.readStrSpan()) return null;
      const kp = r.sptr, kl = r.slen;
      const start = r.pos;
      if (!r.skip()) return null;
      if (bytesEq(kp, kl, key)) return new Val(start, r.pos - start);
    }
    return null;
  }

  // items returns the items of an array value, nil being the empty array;
  // null when the value is not an array.
  items(): Val[] | null {
    const out: Val[] = [];
    if (this.isNil) return out;
    const r = this.reader();
    const n = r.readArrayLen();
    if (n < 0) return null;
    for (let i: i64 = 0; i < n; i++) {
      const v = r.readVal();
      if (v === null) return null;
      out.push(v);
    }
    return out;
  }

  // path looks up a dotted path in nested maps: "owner.id".
  path(p: string): Val | null {
    let v: Val | null = this;
    const parts = p.split(".");
    for (let i = 0; i < parts.length; i++) {
      if (v === null) return null;
      v = v.get(parts[i]);
    }
    return v;
  }
}

// bytesEq compares len bytes at ptr with the UTF-8 form of s.
export function bytesEq(ptr: usize, len: usize, s: string): bool {
  const n = s.length;
  let ascii = true;
  if (<usize>n == len) {
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) { ascii = false; break; }
      if (<u32>load<u8>(ptr + <usize>i) != <u32>c) return false;
    }
    if (ascii) return true;
  } else if (<usize>n > len) {
    return false; // UTF-8 is never shorter than UTF-16 code units
  }
  return String.UTF8.decodeUnsafe(ptr, len) == s;
}

@inline function be16(p: usize): u32 { return <u32>bswap<u16>(load<u16>(p)); }
@inline function be32(p: usize): u32 { return bswap<u32>(load<u32>(p)); }
@inline function be64(p: usize): u64 { return bswap<u64>(load<u64>(p)); }

export class Reader {
  pos: usize;
  end: usize;
  // results of the last successful read
  sptr: usize = 0;
  slen: usize = 0;
  ival: i64 = 0;
  fval: f64 = 0;
  bval: bool = false;
  // outOfRange is set by readInt for a uint64 above the int64 range.
  outOfRange: bool = false;

  constructor(ptr: usize, len: usize) {
    this.pos = ptr;
    this.end = ptr + len;
  }

  get remaining(): usize { return this.end - this.pos; }
  get done(): bool { return this.pos >= this.end; }
  peek(): i32 { return this.pos < this.end ? <i32>load<u8>(this.pos) : -1; }

  @inline private has(n: usize): bool { return this.end - this.pos >= n; }

  readNil(): bool {
    if (this.peek() != 0xc0) return false;
    this.pos++;
    return true;
  }

  readBool(): bool {
    const b = this.peek();
    if (b != 0xc2 && b != 0xc3) return false;
    this.bval = b == 0xc3;
    this.pos++;
    return true;
  }

  // readInt reads every integer format into ival.
  readInt(): bool {
    this.outOfRange = false;
    const b = this.peek();
    if (b < 0) return false;
    const p = this.pos;
    if (b <= 0x7f) { this.ival = b; this.pos++; return true; }
    if (b >= 0xe0) { this.ival = <i64><i8>b; this.pos++; return true; }
    let n: usize = 0;
    switch (b) {
      case 0xcc: case 0xd0: n = 1; break;
      case 0xcd: case 0xd1: n = 2; break;
      case 0xce: case 0xd2: n = 4; break;
      case 0xcf: case 0xd3: n = 8; break;
      default: return false;
    }
    if (!this.has(1 + n)) return false;
    const q = p + 1;
    switch (b) {
      case 0xcc: this.ival = <i64>load<u8>(q); break;
      case 0xcd: this.ival = <i64>be16(q); break;
      case 0xce: this.ival = <i64>be32(q); break;
      case 0xcf: {
        const u = be64(q);
        if (u > <u64>i64.MAX_VALUE) { this.outOfRange = true; return false; }
        this.ival = <i64>u;
        break;
      }
      case 0xd0: this.ival = <i64>load<i8>(q); break;
      case 0xd1: this.ival = <i64><i16>be16(q); break;
      case 0xd2: this.ival = <i64><i32>be32(q); break;
      case 0xd3: this.ival = <i64>be64(q); break;
    }
    this.pos = q + n;
    return true;
  }

  // readFloat reads float32, float64 or any integer into fval.
  readFloat(): bool {
    const b = this.peek();
    if (b == 0xca) {
      if (!this.has(5)) return false;
      this.fval = <f64>reinterpret<f32>(be32(this.pos + 1));
      this.pos += 5;
      return true;
    }
    if (b == 0xcb) {
      if (!this.has(9)) return false;
      this.fval = reinterpret<f64>(be64(this.pos + 1));
      this.pos += 9;
      return true;
    }
    if (b == 0xcf && this.has(9)) {
      this.fval = <f64>be64(this.pos + 1);
      this.pos += 9;
      return true;
    }
    if (!this.readInt()) return false;
    this.fval = <f64>this.ival;
    return true;
  }

  // readStrSpan reads a str or a bin into sptr and slen, without copying.
  readStrSpan(): bool {
    const b = this.peek();
    if (b < 0) return false;
    let hdr: usize = 1, n: usize = 0;
    const q = this.pos + 1;
    if (b >= 0xa0 && b <= 0xbf) n = <usize>(b & 0x1f);
    else if (b == 0xd9 || b == 0xc4) { if (!this.has(2)) return false; hdr = 2; n = <usize>load<u8>(q); }
    else if (b == 0xda || b == 0xc5) { if (!this.has(3)) return false; hdr = 3; n = <usize>be16(q); }
    else if (b == 0xdb || b == 0xc6) { if (!this.has(5)) return false; hdr = 5; n = <usize>be32(q); }
    else return false;
    if (this.end - this.pos - hdr < n) return false;
    this.sptr = this.pos + hdr;
    this.slen = n;
    this.pos += hdr + n;
    return true;
  }

  // readStr reads a str or bin as a string; null when it is neither.
  readStr(): string | null {
    if (!this.readStrSpan()) return null;
    return String.UTF8.decodeUnsafe(this.sptr, this.slen);
  }

  private readLen(fix: i32, fixMax: i32, b16: i32, b32: i32): i64 {
    const b = this.peek();
    if (b < 0) return -1;
    if (b >= fix && b <= fixMax) { this.pos++; return <i64>(b & 0x0f); }
    if (b == b16) {
      if (!this.has(3)) return -1;
      const n = be16(this.pos + 1);
      this.pos += 3;
      return <i64>n;
    }
    if (b == b32) {
      if (!this.has(5)) return -1;
      const n = be32(this.pos + 1);
      this.pos += 5;
      return <i64>n;
    }
    return -1;
  }

  // readMapLen reads a map header: its number of entries, or -1.
  readMapLen(): i64 { return this.readLen(0x80, 0x8f, 0xde, 0xdf); }
  // readArrayLen reads an array header: its number of items, or -1.
  readArrayLen(): i64 { return this.readLen(0x90, 0x9f, 0xdc, 0xdd); }

  // skip skips one value of any depth, without recursion. False (and the
  // reader in an unspecified place) for a truncated or invalid value.
  skip(): bool {
    let left: i64 = 1;
    while (left > 0) {
      left--;
      const b = this.peek();
      if (b < 0) return false;
      const q = this.pos + 1;
      let n: usize = 0; // bytes after the first
      if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) n = 0;
      else if (b <= 0x8f) { left += <i64>(b & 0x0f) * 2; }
      else if (b <= 0x9f) { left += <i64>(b & 0x0f); }
      else if (b <= 0xbf) n = <usize>(b & 0x1f);
      else {
        switch (b) {
          case 0xcc: case 0xd0: n = 1; break;
          case 0xcd: case 0xd1: n = 2; break;
          case 0xca: case 0xce: case 0xd2: n = 4; break;
          case 0xcb: case 0xcf: case 0xd3: n = 8; break;
          case 0xd9: case 0xc4: if (!this.has(2)) return false; n = 1 + <usize>load<u8>(q); break;
          case 0xda: case 0xc5: if (!this.has(3)) return false; n = 2 + <usize>be16(q); break;
          case 0xdb: case 0xc6: if (!this.has(5)) return false; n = 4 + <usize>be32(q); break;
          case 0xdc: if (!this.has(3)) return false; n = 2; left += <i64>be16(q); break;
          case 0xdd: if (!this.has(5)) return false; n = 4; left += <i64>be32(q); break;
          case 0xde: if (!this.has(3)) return false; n = 2; left += <i64>be16(q) * 2; break;
          case 0xdf: if (!this.has(5)) return false; n = 4; left += <i64>be32(q) * 2; break;
          case 0xd4: n = 2; break; // fixext: skipped, never produced
          case 0xd5: n = 3; break;
          case 0xd6: n = 5; break;
          case 0xd7: n = 9; break;
          case 0xd8: n = 17; break;
          case 0xc7: if (!this.has(2)) return false; n = 2 + <usize>load<u8>(q); break;
          case 0xc8: if (!this.has(3)) return false; n = 3 + <usize>be16(q); break;
          case 0xc9: if (!this.has(5)) return false; n = 5 + <usize>be32(q); break;
          default: return false; // 0xc1
        }
      }
      if (this.end - this.pos - 1 < n) return false;
      this.pos = q + n;
      // a claimed count can never exceed the bytes left
      if (left > <i64>(this.end - this.pos)) return false;
    }
    return true;
  }

  // readVal skips one value and returns it as a Val; null when invalid.
  readVal(): Val | null {
    const start = this.pos;
    if (!this.skip()) return null;
    return new Val(start, this.pos - start);
  }
}

const MAX_DEPTH = 64;

// Writer appends msgpack to a raw buffer that it keeps and reuses. Maps and
// arrays opened with beginMap/beginArray count their own entries and get the
// smallest header when closed with end.
export class Writer {
  buf: usize = 0;
  cap: usize = 0;
  len: usize = 0;
  depth: i32 = 0;
  oom: bool = false;
  private offs: StaticArray<u32> = new StaticArray<u32>(MAX_DEPTH);
  private counts: StaticArray<u32> = new StaticArray<u32>(MAX_DEPTH);
  private isMap: StaticArray<bool> = new StaticArray<bool>(MAX_DEPTH);

  reset(): void {
    this.len = 0;
    this.depth = 0;
    this.oom = false;
  }

  // ensure makes room for n more bytes.
  ensure(n: usize): bool {
    if (this.cap - this.len >= n) return true;
    let c = this.cap < 256 ? <usize>256 : this.cap;
    while (c - this.len < n) c <<= 1;
    this.buf = this.buf == 0 ? heap.alloc(c) : heap.realloc(this.buf, c);
    this.cap = c;
    return true;
  }

  @inline private item(): void {
    if (this.depth > 0) unchecked(this.counts[this.depth - 1]++);
  }

  byte(b: u32): void {
    this.ensure(1);
    store<u8>(this.buf + this.len, <u8>b);
    this.len++;
  }

  private be16(v: u32): void { this.ensure(2); store<u16>(this.buf + this.len, bswap<u16>(<u16>v)); this.len += 2; }
  private be32(v: u32): void { this.ensure(4); store<u32>(this.buf + this.len, bswap<u32>(v)); this.len += 4; }
  private be64(v: u64): void { this.ensure(8); store<u64>(this.buf + this.len, bswap<u64>(v)); this.len += 8; }

  rawBytes(ptr: usize, n: usize): void {
    this.ensure(n);
    memory.copy(this.buf + this.len, ptr, n);
    this.len += n;
  }

  nil(): void { this.item(); this.byte(0xc0); }
  bool(b: bool): void { this.item(); this.byte(b ? 0xc3 : 0xc2); }

  int(v: i64): void {
    this.item();
    if (v >= 0) { this.uintBody(<u64>v); return; }
    if (v >= -32) this.byte(<u32>(<u8>v));
    else if (v >= -128) { this.byte(0xd0); this.byte(<u32>(<u8>v)); }
    else if (v >= -32768) { this.byte(0xd1); this.be16(<u32>(<u16>v)); }
    else if (v >= -2147483648) { this.byte(0xd2); this.be32(<u32>v); }
    else { this.byte(0xd3); this.be64(<u64>v); }
  }

  uint(v: u64): void { this.item(); this.uintBody(v); }

  private uintBody(v: u64): void {
    if (v <= 0x7f) this.byte(<u32>v);
    else if (v <= 0xff) { this.byte(0xcc); this.byte(<u32>v); }
    else if (v <= 0xffff) { this.byte(0xcd); this.be16(<u32>v); }
    else if (v <= 0xffffffff) { this.byte(0xce); this.be32(<u32>v); }
    else { this.byte(0xcf); this.be64(v); }
  }

  float(v: f64): void { this.item(); this.byte(0xcb); this.be64(reinterpret<u64>(v)); }

  private strHeader(n: usize, bin: bool): void {
    if (bin) {
      if (n <= 0xff) { this.byte(0xc4); this.byte(<u32>n); }
      else if (n <= 0xffff) { this.byte(0xc5); this.be16(<u32>n); }
      else { this.byte(0xc6); this.be32(<u32>n); }
      return;
    }
    if (n <= 31) this.byte(0xa0 | <u32>n);
    else if (n <= 0xff) { this.byte(0xd9); this.byte(<u32>n); }
    else if (n <= 0xffff) { this.byte(0xda); this.be16(<u32>n); }
    else { this.byte(0xdb); this.be32(<u32>n); }
  }

  str(s: string): void {
    this.item();
    const n = <usize>String.UTF8.byteLength(s);
    this.strHeader(n, false);
    this.ensure(n);
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, this.buf + this.len);
    this.len += n;
  }

  // key writes a map key (a str).
  @inline key(s: string): void { this.str(s); }

  strBytes(ptr: usize, n: usize): void { this.item(); this.strHeader(n, false); this.rawBytes(ptr, n); }
  bin(ptr: usize, n: usize): void { this.item(); this.strHeader(n, true); this.rawBytes(ptr, n); }

  // val copies an encoded value as is.
  val(v: Val): void { this.item(); this.rawBytes(v.ptr, v.len); }

  private begin(map: bool): void {
    this.item();
    if (this.depth >= MAX_DEPTH) { this.oom = true; return; }
    this.ensure(5);
    unchecked(this.offs[this.depth] = <u32>this.len);
    unchecked(this.counts[this.depth] = 0);
    unchecked(this.isMap[this.depth] = map);
    this.depth++;
    this.len += 5; // room for the widest header, shrunk at end
  }

  beginMap(): void { this.begin(true); }
  beginArray(): void { this.begin(false); }

  // end closes the innermost open map or array.
  end(): void {
    if (this.depth == 0) { this.oom = true; return; }
    this.depth--;
    const off = <usize>unchecked(this.offs[this.depth]);
    let n = unchecked(this.counts[this.depth]);
    const map = unchecked(this.isMap[this.depth]);
    if (map) {
      if (n & 1) this.oom = true; // a key without its value
      n >>= 1;
    }
    const p = this.buf + off;
    let h: usize;
    if (n <= 15) { store<u8>(p, (map ? 0x80 : 0x90) | n); h = 1; }
    else if (n <= 0xffff) { store<u8>(p, map ? 0xde : 0xdc); store<u16>(p + 1, bswap<u16>(<u16>n)); h = 3; }
    else { store<u8>(p, map ? 0xdf : 0xdd); store<u32>(p + 1, bswap<u32>(n)); h = 5; }
    if (h < 5) {
      memory.copy(p + h, p + 5, this.len - off - 5);
      this.len -= 5 - h;
    }
  }

  // complete is true when every map and array is closed and no key lacks
  // its value.
  get complete(): bool { return this.depth == 0 && !this.oom; }
}
