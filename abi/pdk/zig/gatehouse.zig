//! Gatehouse Zig PDK: the native binding of the Gatehouse plugin ABI v1
//! (abi/README.md is the normative specification), for Zig 0.11 on
//! wasm32-freestanding.
//!
//! A plugin declares its components in one comptime table and calls
//! `exportPlugin` in a comptime block; the kit provides every export of the
//! ABI (the marker, gatehouse_alloc/free, gatehouse_describe and the call
//! exports of the kinds used), decodes each request into a typed struct,
//! calls the component's handler with a reply writer and wraps what the
//! handler writes into the reply envelope. A handler that returns a Zig
//! error gets an error reply: see `fail` and `codeOf`.
//!
//!     const gh = @import("gatehouse");
//!     pub const panic = gh.panic;
//!     comptime { gh.exportPlugin(.{ .name = "p", .version = "1.0.0", .components = &.{ ... } }); }
//!
//! Build (from the repository root):
//!
//!     zig build-lib -target wasm32-freestanding -dynamic -rdynamic -O ReleaseSmall \
//!         --stack 65536 --mod gatehouse::abi/pdk/zig/gatehouse.zig --deps gatehouse -femit-bin=plugins/NAME.wasm main.zig
const std = @import("std");
const builtin = @import("builtin");

pub const abi_version = "1.3";

// ---------------------------------------------------------------------------
// Codes and errors

/// The plugin error codes of section 7.
pub const Code = enum {
    invalid_request,
    not_found,
    unsupported,
    denied,
    unavailable,
    internal,
};

/// Errors a handler may return that map to a code by their name. Any other
/// Zig error becomes `internal` with the error's name as message.
pub const PluginError = error{
    InvalidRequest,
    NotFound,
    Unsupported,
    Denied,
    Unavailable,
    Internal,
    /// set by `fail`: the code and message are in the pending error.
    Failed,
};

var pending_code: Code = .internal;
var pending_msg: []const u8 = "";

/// fail records an error with code and a formatted message for the reply
/// and returns error.Failed, for `return gh.fail(...)` in a handler.
pub fn fail(code: Code, comptime fmt: []const u8, args: anytype) error{Failed} {
    pending_code = code;
    pending_msg = std.fmt.allocPrint(arena(), fmt, args) catch "out of memory";
    return error.Failed;
}

/// codeOf maps a Zig error to an ABI code.
pub fn codeOf(err: anyerror) Code {
    return switch (err) {
        error.InvalidRequest => .invalid_request,
        error.NotFound => .not_found,
        error.Unsupported => .unsupported,
        error.Denied => .denied,
        error.Unavailable => .unavailable,
        else => .internal,
    };
}

/// panic traps, so that the host fails the call with `trap` and discards
/// the instance. Declare `pub const panic = gh.panic;` in the root file.
pub fn panic(msg: []const u8, trace: ?*std.builtin.StackTrace, ret: ?usize) noreturn {
    _ = msg;
    _ = trace;
    _ = ret;
    @trap();
}

// ---------------------------------------------------------------------------
// Memory

/// The kit's allocator: Zig's WebAssembly allocator over linear memory.
pub const allocator = std.heap.wasm_allocator;

var call_arena = std.heap.ArenaAllocator.init(allocator);

/// arena is freed at the start of the next call: for request-scoped data.
pub fn arena() std.mem.Allocator {
    return call_arena.allocator();
}

const header_size = 8;
const live_magic: u32 = 0x67617465; // "gate"

/// gatehouse_alloc allocates size bytes behind an 8-byte header holding the
/// size and a magic word, so gatehouse_free can check its argument.
fn ghAlloc(size: i32) callconv(.C) u32 {
    if (size < 0) return 0;
    const n: usize = @intCast(size);
    const mem = allocator.alignedAlloc(u8, 8, n + header_size) catch return 0;
    std.mem.writeIntLittle(u32, mem[0..4], @as(u32, @intCast(n)));
    std.mem.writeIntLittle(u32, mem[4..8], live_magic);
    return @intCast(@intFromPtr(mem.ptr) + header_size);
}

/// gatehouse_free releases a buffer of gatehouse_alloc; a pointer that is
/// not a live buffer (a double free) traps.
fn ghFree(ptr: u32, size: i32) callconv(.C) void {
    _ = size;
    const n = liveSize(ptr) orelse @trap();
    const base: [*]align(8) u8 = @ptrFromInt(ptr - header_size);
    std.mem.writeIntLittle(u32, base[4..8], 0);
    allocator.free(base[0 .. n + header_size]);
}

/// liveSize returns the size of the live buffer of gatehouse_alloc at ptr.
fn liveSize(ptr: u32) ?usize {
    if (ptr < header_size or ptr % 8 != 0) return null;
    const memsize = @wasmMemorySize(0) * 65536;
    if (ptr > memsize) return null;
    const base: [*]const u8 = @ptrFromInt(ptr - header_size);
    if (std.mem.readIntLittle(u32, base[4..8]) != live_magic) return null;
    const n = std.mem.readIntLittle(u32, base[0..4]);
    if (@as(usize, n) > memsize - ptr) return null;
    return n;
}

// ---------------------------------------------------------------------------
// MessagePack reader

pub const DecodeError = error{ Truncated, InvalidByte, WrongType, OutOfRange, BadUtf8 };

/// Reader reads msgpack values from a byte slice without copying: strings
/// and raw values are views into it.
pub const Reader = struct {
    buf: []const u8,
    pos: usize = 0,

    pub fn done(r: *const Reader) bool {
        return r.pos == r.buf.len;
    }

    fn byte(r: *Reader) DecodeError!u8 {
        if (r.pos >= r.buf.len) return error.Truncated;
        r.pos += 1;
        return r.buf[r.pos - 1];
    }

    pub fn peek(r: *const Reader) DecodeError!u8 {
        if (r.pos >= r.buf.len) return error.Truncated;
        return r.buf[r.pos];
    }

    fn take(r: *Reader, n: usize) DecodeError![]const u8 {
        if (n > r.buf.len - r.pos) return error.Truncated;
        r.pos += n;
        return r.buf[r.pos - n .. r.pos];
    }

    fn be(r: *Reader, comptime T: type) DecodeError!T {
        const b = try r.take(@sizeOf(T));
        return std.mem.readIntBig(T, b[0..@sizeOf(T)]);
    }

    /// nil consumes a nil and returns true, or returns false.
    pub fn nil(r: *Reader) DecodeError!bool {
        if ((try r.peek()) != 0xc0) return false;
        r.pos += 1;
        return true;
    }

    /// mapLen reads a map header; nil reads as an empty map.
    pub fn mapLen(r: *Reader) DecodeError!u32 {
        const b = try r.byte();
        return switch (b) {
            0x80...0x8f => b & 0x0f,
            0xde => try r.be(u16),
            0xdf => try r.be(u32),
            0xc0 => 0,
            else => error.WrongType,
        };
    }

    /// arrayLen reads an array header; nil reads as an empty array.
    pub fn arrayLen(r: *Reader) DecodeError!u32 {
        const b = try r.byte();
        return switch (b) {
            0x90...0x9f => b & 0x0f,
            0xdc => try r.be(u16),
            0xdd => try r.be(u32),
            0xc0 => 0,
            else => error.WrongType,
        };
    }

    /// str reads a str or bin, valid UTF-8; nil reads as "".
    pub fn str(r: *Reader) DecodeError![]const u8 {
        const s = try r.bytes();
        if (!std.unicode.utf8ValidateSlice(s)) return error.BadUtf8;
        return s;
    }

    /// bytes reads a str or bin as it is; nil reads as "".
    pub fn bytes(r: *Reader) DecodeError![]const u8 {
        const b = try r.byte();
        const n: usize = switch (b) {
            0xa0...0xbf => b & 0x1f,
            0xd9, 0xc4 => try r.be(u8),
            0xda, 0xc5 => try r.be(u16),
            0xdb, 0xc6 => try r.be(u32),
            0xc0 => 0,
            else => return error.WrongType,
        };
        return r.take(n);
    }

    /// int reads any integer format as an i64; nil reads as 0.
    pub fn int(r: *Reader) DecodeError!i64 {
        const b = try r.byte();
        return switch (b) {
            0x00...0x7f => b,
            0xe0...0xff => @as(i8, @bitCast(b)),
            0xcc => try r.be(u8),
            0xcd => try r.be(u16),
            0xce => try r.be(u32),
            0xcf => std.math.cast(i64, try r.be(u64)) orelse error.OutOfRange,
            0xd0 => try r.be(i8),
            0xd1 => try r.be(i16),
            0xd2 => try r.be(i32),
            0xd3 => try r.be(i64),
            0xc0 => 0,
            else => error.WrongType,
        };
    }

    /// float reads a float32, float64 or integer; nil reads as 0.
    pub fn float(r: *Reader) DecodeError!f64 {
        const b = try r.peek();
        switch (b) {
            0xca => {
                r.pos += 1;
                return @as(f32, @bitCast(try r.be(u32)));
            },
            0xcb => {
                r.pos += 1;
                return @as(f64, @bitCast(try r.be(u64)));
            },
            0xcf => {
                r.pos += 1;
                return @floatFromInt(try r.be(u64));
            },
            else => return @floatFromInt(try r.int()),
        }
    }

    /// boolean reads a bool; nil reads as false.
    pub fn boolean(r: *Reader) DecodeError!bool {
        return switch (try r.byte()) {
            0xc2, 0xc0 => false,
            0xc3 => true,
            else => error.WrongType,
        };
    }

    /// skip skips one value, however deeply nested, without recursion.
    pub fn skip(r: *Reader) DecodeError!void {
        var pending: u64 = 1;
        while (pending > 0) {
            pending -= 1;
            const b = try r.byte();
            switch (b) {
                0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3 => {},
                0x80...0x8f => pending += 2 * @as(u64, b & 0x0f),
                0x90...0x9f => pending += b & 0x0f,
                0xa0...0xbf => _ = try r.take(b & 0x1f),
                0xc4, 0xd9 => _ = try r.take(try r.be(u8)),
                0xc5, 0xda => _ = try r.take(try r.be(u16)),
                0xc6, 0xdb => _ = try r.take(try r.be(u32)),
                0xc7 => _ = try r.take(@as(usize, try r.be(u8)) + 1),
                0xc8 => _ = try r.take(@as(usize, try r.be(u16)) + 1),
                0xc9 => _ = try r.take(@as(usize, try r.be(u32)) + 1),
                0xca => _ = try r.take(4),
                0xcb => _ = try r.take(8),
                0xcc, 0xd0 => _ = try r.take(1),
                0xcd, 0xd1 => _ = try r.take(2),
                0xce, 0xd2 => _ = try r.take(4),
                0xcf, 0xd3 => _ = try r.take(8),
                0xd4 => _ = try r.take(2),
                0xd5 => _ = try r.take(3),
                0xd6 => _ = try r.take(5),
                0xd7 => _ = try r.take(9),
                0xd8 => _ = try r.take(17),
                0xdc => pending += try r.be(u16),
                0xdd => pending += try r.be(u32),
                0xde => pending += 2 * @as(u64, try r.be(u16)),
                0xdf => pending += 2 * @as(u64, try r.be(u32)),
                0xc1 => return error.InvalidByte,
            }
            // Every pending value takes at least one byte.
            if (pending > r.buf.len - r.pos) return error.Truncated;
        }
    }

    /// raw skips one value and returns its encoding.
    pub fn raw(r: *Reader) DecodeError![]const u8 {
        const start = r.pos;
        try r.skip();
        return r.buf[start..r.pos];
    }
};

/// Value is one msgpack value, as its encoding (a view into the request).
pub const Value = struct {
    raw: []const u8,

    pub const nil_value = Value{ .raw = "\xc0" };

    pub fn isNil(v: Value) bool {
        return v.raw.len == 1 and v.raw[0] == 0xc0;
    }

    /// str returns the value when it is a msgpack str (not bin).
    pub fn str(v: Value) ?[]const u8 {
        if (v.raw.len == 0) return null;
        switch (v.raw[0]) {
            0xa0...0xbf, 0xd9, 0xda, 0xdb => {},
            else => return null,
        }
        var r = Reader{ .buf = v.raw };
        return r.bytes() catch null;
    }

    /// int returns the value when it is an integer in the range of i64.
    pub fn int(v: Value) ?i64 {
        if (v.raw.len == 0 or v.raw[0] == 0xc0) return null;
        var r = Reader{ .buf = v.raw };
        return r.int() catch null;
    }

    /// items iterates over the items of an array value, nil being the
    /// empty array; null when the value is not an array.
    pub fn items(v: Value) ?Items {
        var r = Reader{ .buf = v.raw };
        const n = r.arrayLen() catch return null;
        return .{ .r = r, .left = n };
    }
};

/// Items iterates over the items of an array value, in order.
pub const Items = struct {
    r: Reader,
    left: u32,

    pub fn next(it: *Items) ?Value {
        if (it.left == 0) return null;
        it.left -= 1;
        return .{ .raw = it.r.raw() catch return null };
    }
};

/// Entry is one key of a Map and its value.
pub const Entry = struct {
    key: []const u8,
    value: Value,
};

/// Entries iterates over the entries of a Map, in order.
pub const Entries = struct {
    r: Reader,
    left: u32,

    pub fn next(it: *Entries) ?Entry {
        if (it.left == 0) return null;
        it.left -= 1;
        const k = it.r.bytes() catch return null;
        return .{ .key = k, .value = .{ .raw = it.r.raw() catch return null } };
    }
};

/// Map is a msgpack map of any, as its encoding; the empty map when missing.
pub const Map = struct {
    raw: []const u8 = "\x80",

    /// get returns the value of key (nil values included), or null when
    /// the map has no such key.
    pub fn get(m: Map, key: []const u8) ?Value {
        var it = m.entries();
        while (it.next()) |e| {
            if (std.mem.eql(u8, e.key, key)) return e.value;
        }
        return null;
    }

    /// count returns the number of entries.
    pub fn count(m: Map) u32 {
        var r = Reader{ .buf = m.raw };
        return r.mapLen() catch 0;
    }

    /// entries iterates over the entries.
    pub fn entries(m: Map) Entries {
        var r = Reader{ .buf = m.raw };
        const n = r.mapLen() catch 0;
        return .{ .r = r, .left = n };
    }

    /// value returns the map as a Value, to write it with Writer.value.
    pub fn value(m: Map) Value {
        return .{ .raw = m.raw };
    }
};

// ---------------------------------------------------------------------------
// MessagePack writer

/// Writer appends msgpack to a buffer. Maps and arrays are opened with
/// beginMap/beginArray and closed with end; their sizes are counted and
/// patched in at end, so a handler never counts. In a map, write a key
/// with key() then its value.
pub const Writer = struct {
    buf: std.ArrayList(u8),
    stack: std.ArrayList(Open),
    failed: bool = false,

    pub const Open = struct { pos: usize, count: u32, is_map: bool };

    fn put(w: *Writer, b: []const u8) void {
        w.buf.appendSlice(b) catch {
            w.failed = true;
        };
    }

    fn putBe(w: *Writer, comptime T: type, v: T) void {
        var b: [@sizeOf(T)]u8 = undefined;
        std.mem.writeIntBig(T, &b, v);
        w.put(&b);
    }

    fn item(w: *Writer) void {
        if (w.stack.items.len > 0) {
            const top = &w.stack.items[w.stack.items.len - 1];
            if (!top.is_map) top.count += 1;
        }
    }

    /// key writes a map key in the open map.
    pub fn key(w: *Writer, k: []const u8) void {
        if (w.stack.items.len > 0) w.stack.items[w.stack.items.len - 1].count += 1;
        w.strRaw(k);
    }

    fn strRaw(w: *Writer, s: []const u8) void {
        if (s.len < 32) {
            w.put(&[_]u8{0xa0 | @as(u8, @intCast(s.len))});
        } else if (s.len <= 0xff) {
            w.put(&[_]u8{ 0xd9, @intCast(s.len) });
        } else if (s.len <= 0xffff) {
            w.put(&[_]u8{0xda});
            w.putBe(u16, @as(u16, @intCast(s.len)));
        } else {
            w.put(&[_]u8{0xdb});
            w.putBe(u32, @as(u32, @intCast(s.len)));
        }
        w.put(s);
    }

    pub fn str(w: *Writer, s: []const u8) void {
        w.item();
        w.strRaw(s);
    }

    /// print writes a formatted str.
    pub fn print(w: *Writer, comptime fmt: []const u8, args: anytype) void {
        const s = std.fmt.allocPrint(arena(), fmt, args) catch {
            w.failed = true;
            return;
        };
        w.str(s);
    }

    pub fn bin(w: *Writer, b: []const u8) void {
        w.item();
        if (b.len <= 0xff) {
            w.put(&[_]u8{ 0xc4, @intCast(b.len) });
        } else if (b.len <= 0xffff) {
            w.put(&[_]u8{0xc5});
            w.putBe(u16, @as(u16, @intCast(b.len)));
        } else {
            w.put(&[_]u8{0xc6});
            w.putBe(u32, @as(u32, @intCast(b.len)));
        }
        w.put(b);
    }

    pub fn int(w: *Writer, v: i64) void {
        w.item();
        if (v >= 0 and v < 128) {
            w.put(&[_]u8{@intCast(v)});
        } else if (v < 0 and v >= -32) {
            w.put(&[_]u8{@bitCast(@as(i8, @intCast(v)))});
        } else if (v >= std.math.minInt(i32) and v <= std.math.maxInt(i32)) {
            w.put(&[_]u8{0xd2});
            w.putBe(i32, @as(i32, @intCast(v)));
        } else {
            w.put(&[_]u8{0xd3});
            w.putBe(i64, v);
        }
    }

    pub fn float(w: *Writer, v: f64) void {
        w.item();
        w.put(&[_]u8{0xcb});
        w.putBe(u64, @as(u64, @bitCast(v)));
    }

    pub fn boolean(w: *Writer, v: bool) void {
        w.item();
        w.put(&[_]u8{if (v) 0xc3 else 0xc2});
    }

    pub fn nil(w: *Writer) void {
        w.item();
        w.put(&[_]u8{0xc0});
    }

    /// value writes a value read from a request as it is.
    pub fn value(w: *Writer, v: Value) void {
        w.item();
        w.put(v.raw);
    }

    pub fn beginMap(w: *Writer) void {
        w.begin(true);
    }

    pub fn beginArray(w: *Writer) void {
        w.begin(false);
    }

    fn begin(w: *Writer, is_map: bool) void {
        w.item();
        w.stack.append(.{ .pos = w.buf.items.len, .count = 0, .is_map = is_map }) catch {
            w.failed = true;
            return;
        };
        w.put(&[_]u8{ 0, 0, 0, 0, 0 }); // room for the longest header
    }

    /// end closes the innermost open map or array.
    pub fn end(w: *Writer) void {
        const open = w.stack.popOrNull() orelse return;
        if (w.failed) return;
        var hdr: [5]u8 = undefined;
        var n: usize = 0;
        if (open.count < 16) {
            hdr[0] = (if (open.is_map) @as(u8, 0x80) else 0x90) | @as(u8, @intCast(open.count));
            n = 1;
        } else if (open.count <= 0xffff) {
            hdr[0] = if (open.is_map) 0xde else 0xdc;
            std.mem.writeIntBig(u16, hdr[1..3], @as(u16, @intCast(open.count)));
            n = 3;
        } else {
            hdr[0] = if (open.is_map) 0xdf else 0xdd;
            std.mem.writeIntBig(u32, hdr[1..5], open.count);
            n = 5;
        }
        const items = w.buf.items;
        @memcpy(items[open.pos .. open.pos + n], hdr[0..n]);
        if (n < 5) {
            std.mem.copyForwards(u8, items[open.pos + n ..], items[open.pos + 5 ..]);
            w.buf.shrinkRetainingCapacity(items.len - (5 - n));
        }
    }

    /// strs writes an array of strings.
    pub fn strs(w: *Writer, list: []const []const u8) void {
        w.beginArray();
        for (list) |s| w.str(s);
        w.end();
    }
};

var reply_writer = Writer{
    .buf = std.ArrayList(u8).init(allocator),
    .stack = std.ArrayList(Writer.Open).init(allocator),
};

fn writeError(w: *Writer, code: Code, msg: []const u8) void {
    w.buf.clearRetainingCapacity();
    w.stack.clearRetainingCapacity();
    w.failed = false;
    w.beginMap();
    w.key("error");
    w.beginMap();
    w.key("code");
    w.str(@tagName(code));
    w.key("message");
    w.str(msg);
    w.end();
    w.end();
}

// ---------------------------------------------------------------------------
// Host functions (section 8): imported only when used.

pub const LogLevel = enum(i32) { debug = 0, info = 1, warn = 2, err = 3 };

const host = struct {
    extern "gatehouse" fn log(level: i32, ptr: [*]const u8, len: i32) void;
    extern "gatehouse" fn kv_get(ptr: [*]const u8, len: i32) i32;
    extern "gatehouse" fn kv_set(kptr: [*]const u8, klen: i32, vptr: [*]const u8, vlen: i32) i32;
    extern "gatehouse" fn kv_delete(ptr: [*]const u8, len: i32) i32;
    extern "gatehouse" fn sink_write(sptr: [*]const u8, slen: i32, level: i32, mptr: [*]const u8, mlen: i32) i32;
    extern "gatehouse" fn plan(ptr: [*]const u8, len: i32) i32;
    extern "gatehouse" fn result(ptr: [*]u8, cap: i32) i32;
};

/// log writes a formatted message to the host log (capability "log").
pub fn log(level: LogLevel, comptime fmt: []const u8, args: anytype) void {
    const s = std.fmt.allocPrint(arena(), fmt, args) catch return;
    host.log(@intFromEnum(level), s.ptr, @intCast(s.len));
}

/// host_code is the host's error code of the last host function that
/// failed in this call ("capability_denied", "timeout", ...), "" before
/// any; it lives in the call's arena.
var host_code: []const u8 = "";

/// hostErrorCode returns the host's error code of the last host function
/// that failed, such as "capability_denied" or "timeout", which the plugin
/// codes of the pending error do not tell apart; its message is
/// `pendingMessage()`.
pub fn hostErrorCode() []const u8 {
    return host_code;
}

/// pendingMessage returns the message of the pending error, set by `fail`
/// or by a host function that failed.
pub fn pendingMessage() []const u8 {
    return pending_msg;
}

/// HostError is a failed host function: its code and message are pending
/// as by `fail`, so a handler can pass it on with `try`.
fn hostResult(n: i32) error{Failed}![]u8 {
    const len: usize = @intCast(if (n < 0) -n else n);
    const buf = arena().alloc(u8, len) catch return fail(.internal, "out of memory", .{});
    if (len > 0) _ = host.result(buf.ptr, @intCast(len));
    if (n >= 0) return buf;
    const m = Map{ .raw = buf };
    const msg = if (m.get("message")) |v| v.str() orelse "" else "";
    const code = if (m.get("code")) |v| v.str() orelse "" else "";
    host_code = code;
    const c: Code = if (std.mem.eql(u8, code, "not_found")) .not_found else if (std.mem.eql(u8, code, "invalid_request")) .invalid_request else .unavailable;
    return fail(c, "{s}", .{msg});
}

/// kvGet returns the value of key (capability "kv"), or null when missing.
pub fn kvGet(key: []const u8) error{Failed}!?[]u8 {
    return hostResult(host.kv_get(key.ptr, @intCast(key.len))) catch |e| {
        if (pending_code == .not_found) return null;
        return e;
    };
}

/// kvSet stores value under key (capability "kv").
pub fn kvSet(key: []const u8, val: []const u8) error{Failed}!void {
    _ = try hostResult(host.kv_set(key.ptr, @intCast(key.len), val.ptr, @intCast(val.len)));
}

/// kvDelete removes key (capability "kv").
pub fn kvDelete(key: []const u8) error{Failed}!void {
    _ = try hostResult(host.kv_delete(key.ptr, @intCast(key.len)));
}

/// sinkWrite writes message as one record, at level, to the destination the
/// grant names sink (capability "sink"), and returns once it has taken it.
/// A sink the grant does not name fails with the host code
/// "capability_denied", a destination that does not take the record with
/// "timeout" or "unavailable" (`hostErrorCode`).
pub fn sinkWrite(sink: []const u8, level: LogLevel, message: []const u8) error{Failed}!void {
    _ = try hostResult(host.sink_write(sink.ptr, @intCast(sink.len), @intFromEnum(level), message.ptr, @intCast(message.len)));
}

/// PlanRequest asks for a plan (section 8.8): no goals means the actor's
/// open goals and its location goals; gone are the possessibles the agent
/// found missing; the criterion is "expected" when empty.
pub const PlanRequest = struct {
    goals: []const []const u8 = &.{},
    gone: []const []const u8 = &.{},
    criterion: []const u8 = "",
};

/// plan asks the host for the plan of the actor of the agent act in
/// progress (capability "plan", ABI 1.3; every plugin may, but list it)
/// and returns the steps of the plan, none when there is none. Outside an
/// act it fails with the host code "unsupported" (`hostErrorCode`).
pub fn plan(req: PlanRequest) error{Failed}![]Action {
    var w = Writer{ .buf = std.ArrayList(u8).init(arena()), .stack = std.ArrayList(Writer.Open).init(arena()) };
    w.beginMap();
    w.key("goals");
    w.strs(req.goals);
    w.key("gone");
    w.strs(req.gone);
    w.key("criterion");
    w.str(req.criterion);
    w.end();
    if (w.failed) return fail(.internal, "out of memory", .{});
    const rep = Map{ .raw = try hostResult(host.plan(w.buf.items.ptr, @intCast(w.buf.items.len))) };
    var it = (rep.get("steps") orelse return &.{}).items() orelse return &.{};
    const steps = arena().alloc(Action, it.left) catch return fail(.internal, "out of memory", .{});
    var n: usize = 0;
    while (it.next()) |v| : (n += 1) {
        const m = Map{ .raw = v.raw };
        steps[n] = .{
            .kind = if (m.get("kind")) |k| k.str() orelse "" else "",
            .target = if (m.get("target")) |t| t.str() orelse "" else "",
        };
    }
    return steps[0..n];
}

// ---------------------------------------------------------------------------
// Requests

/// Context is the evaluation context: four maps of any.
pub const Context = struct {
    subject: Map = .{},
    object: Map = .{},
    environment: Map = .{},
    access: Map = .{},

    /// get looks up "category.key" (one level), e.g. "access.reason".
    pub fn get(c: *const Context, path: []const u8) ?Value {
        const dot = std.mem.indexOfScalar(u8, path, '.') orelse return null;
        const cat = path[0..dot];
        const m = if (std.mem.eql(u8, cat, "subject")) c.subject else if (std.mem.eql(u8, cat, "object")) c.object else if (std.mem.eql(u8, cat, "environment")) c.environment else if (std.mem.eql(u8, cat, "access")) c.access else return null;
        return m.get(path[dot + 1 ..]);
    }
};

pub const EnvironmentRequest = struct {
    component: []const u8 = "",
    key: []const u8 = "",
    context: Context = .{},
};

pub const ObligeRequest = struct {
    component: []const u8 = "",
    decision: []const u8 = "",
    context: Context = .{},
    config: Map = .{},
};

pub const ObjectRequest = struct {
    component: []const u8 = "",
    object: Map = .{},
    path: []const u8 = "",
    config: Map = .{},
};

pub const Command = struct {
    action: []const u8 = "",
    /// the target: one key, the target type, mapped to its value.
    target: Map = .{},
    args: Map = .{},
    actuator: Map = .{},
    command_id: []const u8 = "",

    /// onlyTarget returns the target's type and value, or null when the
    /// target has not exactly one type.
    pub fn onlyTarget(c: *const Command) ?Entry {
        if (c.target.count() != 1) return null;
        var it = c.target.entries();
        return it.next();
    }
};

pub const Headers = struct {
    request_id: []const u8 = "",
    created: i64 = 0,
    from: []const u8 = "",
    to: []const []const u8 = &.{},
};

pub const ActuateRequest = struct {
    component: []const u8 = "",
    command: Command = .{},
    headers: Headers = .{},
    profile: []const u8 = "",
    specifiers: Map = .{},
};

pub const Edge = struct {
    from: []const u8 = "",
    to: []const u8 = "",
};

pub const Option = struct {
    name: []const u8 = "",
    value: []const u8 = "",
};

pub const AgentResetRequest = struct {
    component: []const u8 = "",
    actor: []const u8 = "",
    seed: i64 = 0,
    goals: []const []const u8 = &.{},
    /// options as name/value pairs, in request order.
    options: []const Option = &.{},
    edges: []const Edge = &.{},

    /// option returns the value of the option name, "" when not sent.
    pub fn option(r: *const AgentResetRequest, name: []const u8) []const u8 {
        for (r.options) |o| if (std.mem.eql(u8, o.name, name)) return o.value;
        return "";
    }
};

pub const Action = struct {
    kind: []const u8 = "",
    target: []const u8 = "",
    risk: f64 = 0,
    time: i64 = 0,
};

pub const Observation = struct {
    tick: i64 = 0,
    location: []const u8 = "",
    holdings: []const []const u8 = &.{},
    goals: []const []const u8 = &.{},
    choices: []const Action = &.{},
};

pub const AgentActRequest = struct {
    component: []const u8 = "",
    actor: []const u8 = "",
    observation: Observation = .{},
};

pub const DescribeRequest = struct {
    host_abi: []const u8 = "",
};

/// decode reads a request of type T from buf: a map that fills it exactly.
/// Unknown keys are skipped; nil and missing keys take their defaults.
/// Failures become invalid_request errors naming the field.
fn decode(comptime T: type, buf: []const u8) error{Failed}!T {
    var r = Reader{ .buf = buf };
    if (buf.len == 0 or !isMap(buf[0])) return fail(.invalid_request, "request is not a map", .{});
    const v = try decodeValue(T, &r, "request");
    if (!r.done()) return fail(.invalid_request, "request has trailing bytes", .{});
    return v;
}

fn isMap(b: u8) bool {
    return (b >= 0x80 and b <= 0x8f) or b == 0xde or b == 0xdf;
}

fn decodeFail(err: DecodeError, path: []const u8) error{Failed} {
    return switch (err) {
        error.Truncated => fail(.invalid_request, "{s}: truncated", .{path}),
        error.InvalidByte => fail(.invalid_request, "{s}: invalid msgpack byte", .{path}),
        error.WrongType => fail(.invalid_request, "{s}: wrong type", .{path}),
        error.OutOfRange => fail(.invalid_request, "{s}: out of range", .{path}),
        error.BadUtf8 => fail(.invalid_request, "{s}: not valid UTF-8", .{path}),
    };
}

fn typeFail(err: DecodeError, path: []const u8, what: []const u8) error{Failed} {
    if (err == error.WrongType) return fail(.invalid_request, "{s}: not {s}", .{ path, what });
    return decodeFail(err, path);
}

fn decodeValue(comptime T: type, r: *Reader, path: []const u8) error{Failed}!T {
    if (T == []const u8) return r.str() catch |e| typeFail(e, path, "a string");
    if (T == i64) {
        const b = r.peek() catch |e| return decodeFail(e, path);
        if (b == 0xca or b == 0xcb) return fail(.invalid_request, "{s}: not an integer", .{path});
        return r.int() catch |e| typeFail(e, path, "an integer");
    }
    if (T == f64) return r.float() catch |e| typeFail(e, path, "a number");
    if (T == bool) return r.boolean() catch |e| typeFail(e, path, "a bool");
    if (T == Map) {
        const b = r.peek() catch |e| return decodeFail(e, path);
        if (b == 0xc0) {
            r.pos += 1;
            return Map{};
        }
        if (!isMap(b)) return fail(.invalid_request, "{s}: not a map", .{path});
        const m = Map{ .raw = r.raw() catch |e| return decodeFail(e, path) };
        // Map keys are strings everywhere, inside free-form values too.
        var it = m.entries();
        while (it.left > 0) {
            const e = it.next() orelse return fail(.invalid_request, "{s}: a key is not a string", .{path});
            if (!std.unicode.utf8ValidateSlice(e.key)) return fail(.invalid_request, "{s}: a key is not valid UTF-8", .{path});
        }
        return m;
    }
    if (T == []const Option) {
        var n = r.mapLen() catch |e| return typeFail(e, path, "a map");
        if (n > r.buf.len - r.pos) return fail(.invalid_request, "{s}: truncated", .{path});
        const out = arena().alloc(Option, n) catch return fail(.internal, "out of memory", .{});
        var i: usize = 0;
        while (n > 0) : (n -= 1) {
            const k = r.str() catch |e| return typeFail(e, path, "a string key");
            const v = r.str() catch |e| return typeFail(e, path, "a map of strings");
            out[i] = .{ .name = k, .value = v };
            i += 1;
        }
        return out;
    }
    switch (@typeInfo(T)) {
        .Pointer => |p| {
            // A slice of E: an array.
            const E = p.child;
            const n = r.arrayLen() catch |e| return typeFail(e, path, "an array");
            if (n > r.buf.len - r.pos) return fail(.invalid_request, "{s}: truncated", .{path});
            const out = arena().alloc(E, n) catch return fail(.internal, "out of memory", .{});
            for (out) |*o| o.* = try decodeValue(E, r, path);
            return out;
        },
        .Struct => |s| {
            var v = T{};
            var n = r.mapLen() catch |e| return typeFail(e, path, "a map");
            while (n > 0) : (n -= 1) {
                const k = r.str() catch |e| return typeFail(e, path, "a string key");
                var known = false;
                inline for (s.fields) |f| {
                    if (!known and std.mem.eql(u8, k, f.name)) {
                        known = true;
                        const sub = if (std.mem.eql(u8, path, "request")) f.name else std.fmt.allocPrint(arena(), "{s}.{s}", .{ path, f.name }) catch f.name;
                        if (r.nil() catch |e| return decodeFail(e, sub)) {
                            @field(v, f.name) = @field(T{}, f.name);
                        } else {
                            @field(v, f.name) = try decodeValue(f.type, r, sub);
                        }
                    }
                }
                if (!known) r.skip() catch |e| return decodeFail(e, path);
            }
            return v;
        },
        else => @compileError("cannot decode " ++ @typeName(T)),
    }
}

// ---------------------------------------------------------------------------
// Components

pub const Kind = enum { actuator, obligation, environment, object, agent };

pub const ManifestOption = struct {
    name: []const u8,
    description: []const u8 = "",
    default: []const u8 = "",
};

pub const Pair = struct {
    action: []const u8,
    targets: []const []const u8,
};

/// Handler functions. Each writes the keys of the kind's reply (the inside
/// of `ok`) with the writer, or returns an error.
pub const ActuateFn = *const fn (*const ActuateRequest, *Writer) anyerror!void;
pub const ObligeFn = *const fn (*const ObligeRequest, *Writer) anyerror!void;
pub const EnvironmentFn = *const fn (*const EnvironmentRequest, *Writer) anyerror!void;
pub const ObjectFn = *const fn (*const ObjectRequest, *Writer) anyerror!void;
pub const AgentResetFn = *const fn (*const AgentResetRequest) anyerror!void;
pub const AgentActFn = *const fn (*const AgentActRequest) anyerror!Action;

pub const Handler = union(Kind) {
    actuator: ActuateFn,
    obligation: ObligeFn,
    environment: EnvironmentFn,
    object: ObjectFn,
    agent: struct { reset: AgentResetFn, act: AgentActFn },
};

pub const Component = struct {
    name: []const u8,
    description: []const u8 = "",
    handler: Handler,
    /// environment: the attribute keys provided.
    attributes: []const []const u8 = &.{},
    /// object: order among object setters.
    priority: i64 = 0,
    /// agent: the options accepted at reset.
    options: []const ManifestOption = &.{},
    /// actuator: profiles and action/target pairs.
    profiles: []const []const u8 = &.{},
    pairs: []const Pair = &.{},

    pub fn kind(c: Component) Kind {
        return c.handler;
    }
};

pub const Plugin = struct {
    name: []const u8,
    version: []const u8,
    description: []const u8 = "",
    components: []const Component,
    capabilities: []const []const u8 = &.{},
};

// Reply helpers for the kinds' reply keys.

/// replyValue starts the environment reply's value: write one value next.
pub fn replyValue(w: *Writer) void {
    w.key("value");
}

/// replyFulfilled writes the obligation reply.
pub fn replyFulfilled(w: *Writer, fulfilled: bool, reason: ?[]const u8) void {
    w.key("fulfilled");
    w.boolean(fulfilled);
    if (reason) |s| {
        w.key("reason");
        w.str(s);
    }
}

/// replyStatus writes an actuator reply's status and status_text.
pub fn replyStatus(w: *Writer, status: i64, text: ?[]const u8) void {
    w.key("status");
    w.int(status);
    if (text) |s| {
        w.key("status_text");
        w.str(s);
    }
}

/// replyResults starts the actuator reply's results map; end it with w.end().
pub fn replyResults(w: *Writer) void {
    w.key("results");
    w.beginMap();
}

/// replyAttributes starts the object reply's attributes map; end it with w.end().
pub fn replyAttributes(w: *Writer) void {
    w.key("attributes");
    w.beginMap();
}

/// writeAction writes an action map.
pub fn writeAction(w: *Writer, a: Action) void {
    w.beginMap();
    w.key("kind");
    w.str(a.kind);
    if (a.target.len > 0) {
        w.key("target");
        w.str(a.target);
    }
    if (a.risk != 0) {
        w.key("risk");
        w.float(a.risk);
    }
    if (a.time != 0) {
        w.key("time");
        w.int(a.time);
    }
    w.end();
}

/// goQuote quotes s as Go's %q does for printable ASCII and UTF-8 text, for
/// messages that must match a Go twin.
pub fn goQuote(s: []const u8) []const u8 {
    var out = std.ArrayList(u8).init(arena());
    out.append('"') catch return s;
    for (s) |c| {
        switch (c) {
            '"' => out.appendSlice("\\\"") catch {},
            '\\' => out.appendSlice("\\\\") catch {},
            '\n' => out.appendSlice("\\n") catch {},
            '\r' => out.appendSlice("\\r") catch {},
            '\t' => out.appendSlice("\\t") catch {},
            0...8, 11, 12, 14...0x1f, 0x7f => out.writer().print("\\x{x:0>2}", .{c}) catch {},
            else => out.append(c) catch {},
        }
    }
    out.append('"') catch {};
    return out.items;
}

// ---------------------------------------------------------------------------
// Exports

fn pack(w: *Writer) u64 {
    const items = w.buf.items;
    return (@as(u64, @intFromPtr(items.ptr)) << 32) | @as(u64, items.len);
}

/// begin starts a call: frees the previous call's scratch memory and checks
/// that the request lies in a buffer from gatehouse_alloc.
fn begin(ptr: u32, len: i32) ?[]const u8 {
    _ = call_arena.reset(.retain_capacity);
    reply_writer.buf.clearRetainingCapacity();
    reply_writer.stack.clearRetainingCapacity();
    reply_writer.failed = false;
    pending_code = .internal;
    pending_msg = "";
    host_code = "";
    const size = liveSize(ptr) orelse return null;
    if (len < 0 or @as(usize, @intCast(len)) > size) return null;
    const p: [*]const u8 = @ptrFromInt(ptr);
    return p[0..@intCast(len)];
}

/// finish turns the handler's outcome into the envelope and packs it.
fn finish(w: *Writer, result: anyerror!void) u64 {
    if (result) |_| {
        while (w.stack.items.len > 0) w.end();
        if (w.failed) writeError(w, .internal, "out of memory writing the reply");
    } else |err| {
        if (err == error.Failed) {
            writeError(w, pending_code, pending_msg);
        } else if (err == error.OutOfMemory) {
            writeError(w, .internal, "out of memory");
        } else {
            const code = codeOf(err);
            writeError(w, code, if (code == .internal) @errorName(err) else pending_msg);
        }
    }
    return pack(w);
}

fn startOk(w: *Writer) void {
    w.beginMap();
    w.key("ok");
    w.beginMap();
}

fn findComponent(comptime p: Plugin, comptime kind: Kind, name: []const u8) ?Component {
    inline for (p.components) |c| {
        if (comptime c.kind() == kind) {
            if (std.mem.eql(u8, c.name, name)) return c;
        }
    }
    return null;
}

fn hasKind(comptime p: Plugin, comptime kind: Kind) bool {
    for (p.components) |c| if (c.kind() == kind) return true;
    return false;
}

fn writeManifest(comptime p: Plugin, w: *Writer) void {
    w.key("abi");
    w.str(abi_version);
    w.key("name");
    w.str(p.name);
    w.key("version");
    w.str(p.version);
    if (p.description.len > 0) {
        w.key("description");
        w.str(p.description);
    }
    if (p.capabilities.len > 0) {
        w.key("capabilities");
        w.strs(p.capabilities);
    }
    w.key("components");
    w.beginArray();
    inline for (p.components) |c| {
        w.beginMap();
        w.key("kind");
        w.str(@tagName(c.kind()));
        w.key("name");
        w.str(c.name);
        if (c.description.len > 0) {
            w.key("description");
            w.str(c.description);
        }
        switch (c.kind()) {
            .environment => {
                w.key("attributes");
                w.strs(c.attributes);
            },
            .object => if (c.priority != 0) {
                w.key("priority");
                w.int(c.priority);
            },
            .agent => if (c.options.len > 0) {
                w.key("options");
                w.beginArray();
                for (c.options) |o| {
                    w.beginMap();
                    w.key("name");
                    w.str(o.name);
                    if (o.description.len > 0) {
                        w.key("description");
                        w.str(o.description);
                    }
                    if (o.default.len > 0) {
                        w.key("default");
                        w.str(o.default);
                    }
                    w.end();
                }
                w.end();
            },
            .actuator => {
                if (c.profiles.len > 0) {
                    w.key("profiles");
                    w.strs(c.profiles);
                }
                w.key("pairs");
                w.beginMap();
                for (c.pairs) |pr| {
                    w.key(pr.action);
                    w.strs(pr.targets);
                }
                w.end();
            },
            .obligation => {},
        }
        w.end();
    }
    w.end();
}

/// exportPlugin exports the ABI for the plugin p. Call it in a comptime
/// block of the plugin's root file.
pub fn exportPlugin(comptime p: Plugin) void {
    const E = struct {
        fn marker() callconv(.C) void {}

        fn describe(ptr: u32, len: i32) callconv(.C) u64 {
            const w = &reply_writer;
            const req = begin(ptr, len) orelse return finish(w, fail(.invalid_request, "request is not in a buffer from gatehouse_alloc", .{}));
            return finish(w, describeRun(req, w));
        }

        fn describeRun(req: []const u8, w: *Writer) anyerror!void {
            _ = try decode(DescribeRequest, req);
            startOk(w);
            writeManifest(p, w);
        }

        fn call(comptime kind: Kind, comptime Req: type, ptr: u32, len: i32) u64 {
            const w = &reply_writer;
            const buf = begin(ptr, len) orelse return finish(w, fail(.invalid_request, "request is not in a buffer from gatehouse_alloc", .{}));
            return finish(w, run(kind, Req, buf, w));
        }

        fn run(comptime kind: Kind, comptime Req: type, buf: []const u8, w: *Writer) anyerror!void {
            const req = try decode(Req, buf);
            const c = findComponent(p, kind, req.component) orelse
                return fail(.not_found, "no {s} {s}", .{ @tagName(kind), goQuote(req.component) });
            const h = @field(c.handler, @tagName(kind));
            startOk(w);
            switch (kind) {
                .agent => if (Req == AgentResetRequest) {
                    try h.reset(&req);
                } else {
                    const a = try h.act(&req);
                    w.key("action");
                    writeAction(w, a);
                },
                else => try h(&req, w),
            }
        }

        fn actuate(ptr: u32, len: i32) callconv(.C) u64 {
            return call(.actuator, ActuateRequest, ptr, len);
        }
        fn oblige(ptr: u32, len: i32) callconv(.C) u64 {
            return call(.obligation, ObligeRequest, ptr, len);
        }
        fn environment(ptr: u32, len: i32) callconv(.C) u64 {
            return call(.environment, EnvironmentRequest, ptr, len);
        }
        fn object(ptr: u32, len: i32) callconv(.C) u64 {
            return call(.object, ObjectRequest, ptr, len);
        }
        fn agentReset(ptr: u32, len: i32) callconv(.C) u64 {
            return call(.agent, AgentResetRequest, ptr, len);
        }
        fn agentAct(ptr: u32, len: i32) callconv(.C) u64 {
            return call(.agent, AgentActRequest, ptr, len);
        }
    };
    @export(E.marker, .{ .name = "gatehouse_abi_v1" });
    @export(ghAlloc, .{ .name = "gatehouse_alloc" });
    @export(ghFree, .{ .name = "gatehouse_free" });
    @export(E.describe, .{ .name = "gatehouse_describe" });
    if (hasKind(p, .actuator)) @export(E.actuate, .{ .name = "gatehouse_actuate" });
    if (hasKind(p, .obligation)) @export(E.oblige, .{ .name = "gatehouse_oblige" });
    if (hasKind(p, .environment)) @export(E.environment, .{ .name = "gatehouse_environment" });
    if (hasKind(p, .object)) @export(E.object, .{ .name = "gatehouse_object" });
    if (hasKind(p, .agent)) {
        @export(E.agentReset, .{ .name = "gatehouse_agent_reset" });
        @export(E.agentAct, .{ .name = "gatehouse_agent_act" });
    }
}
