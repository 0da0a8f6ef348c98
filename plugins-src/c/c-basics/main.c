/*
 * c-basics: the reference plugin of the C PDK on the native binding. Its
 * components, the actuator echo, the obligation require-reason, the
 * environment setter echo, the object setter path-segments and the agent
 * greedy and planner, have the names and the behaviour of their Go twins in
 * plugins-src/go/internal/basics; plugins-src/cases/basics.yaml holds the
 * cases every basics plugin passes.
 *
 * Build from the repository root:
 *
 *   clang --target=wasm32-unknown-unknown -nostdlib -Wl,--no-entry -Wl,--stack-first -O2 -flto -mbulk-memory -Iabi/pdk/c -o plugins/c-basics.wasm abi/pdk/c/gatehouse.c plugins-src/c/internal/echo.c plugins-src/c/internal/features.c plugins-src/c/c-basics/main.c plugins-src/c/c-basics/greedy.c plugins-src/c/c-basics/planner.c
 */
#include "gatehouse.h"

#include "../internal/echo.h"
#include "../internal/features.h"
#include "basics.h"

/* ---- obligation require-reason ---- */

/* require_reason is fulfilled only when access.reason is a non-empty string. */
static gh_status require_reason(const gh_oblige_req *req, gh_writer *reply) {
    gh_val v;
    gh_str s;
    if (!gh_context_get(&req->context, "access.reason", &v)) gh_reply_fulfilled(reply, false, "access.reason is missing");
    else if (!gh_val_str(v, &s)) gh_reply_fulfilled(reply, false, "access.reason is not a string");
    else if (s.len == 0) gh_reply_fulfilled(reply, false, "access.reason is empty");
    else gh_reply_fulfilled(reply, true, NULL);
    return GH_OK;
}

/* ---- actuator echo ---- */

/* echo_actuate answers query features, answers the other pairs it supports
 * with status 200 and results echoing the action and target under x-echo, any other pair
 * with 501, and a command whose target has not exactly one type with 400. */
static gh_status echo_actuate(const gh_actuate_req *req, gh_writer *reply) {
    const gh_command *cmd = &req->command;
    if (cmd->target_keys != 1) {
        gh_reply_status(reply, 400, "target must have exactly one type");
        return GH_OK;
    }
    if (!actuator_supports(req->self->pairs, cmd->action, cmd->target_type)) {
        gh_w_key(reply, "status");
        gh_w_int(reply, 501);
        gh_w_key(reply, "status_text");
        gh_w_strf(reply, "command not supported: %.*s %.*s", GH_STR_ARG(cmd->action), GH_STR_ARG(cmd->target_type));
        return GH_OK;
    }
    if (gh_str_eq(cmd->action, "query")) return actuator_features(req->self, cmd->target_value, reply);
    gh_reply_status(reply, 200, NULL);
    gh_reply_results(reply);
    gh_w_key(reply, "x-echo"); /* results of a profile go under its namespace (LS v1.0 section 3.3.2.2) */
    gh_w_map(reply);
    gh_w_key(reply, "action");
    gh_w_gstr(reply, cmd->action);
    gh_w_key(reply, "target");
    gh_w_val(reply, cmd->target);
    gh_w_end(reply);
    gh_w_end(reply);
    return GH_OK;
}

/* ---- object path-segments ---- */

/* path_segments sets segments to the non-empty segments of the path and,
 * when there is one, resource to the first. */
static gh_status path_segments(const gh_object_req *req, gh_writer *reply) {
    gh_str first = {"", 0};
    bool any = false;
    gh_reply_attributes(reply);
    gh_w_key(reply, "segments");
    gh_w_array(reply);
    for (uint32_t i = 0; i < req->path.len;) {
        while (i < req->path.len && req->path.ptr[i] == '/') i++;
        uint32_t start = i;
        while (i < req->path.len && req->path.ptr[i] != '/') i++;
        if (i == start) continue;
        gh_str seg = {req->path.ptr + start, i - start};
        if (!any) first = seg, any = true;
        gh_w_gstr(reply, seg);
    }
    gh_w_end(reply);
    if (any) {
        gh_w_key(reply, "resource");
        gh_w_gstr(reply, first);
    }
    gh_w_end(reply);
    return GH_OK;
}

/* ---- the plugin ---- */

GATEHOUSE_PLUGIN(
    .name = "c-basics",
    .version = "1.0.0",
    .description = "reference components in C, one or more of each kind",
    .capabilities = GH_STRS("plan"),
    .components = GH_COMPONENTS(
        {
            .kind = GH_ACTUATOR,
            .name = "echo",
            .description = "answers query features and echoes the other commands it supports",
            .profiles = GH_STRS("x-echo"),
            .pairs = GH_PAIRS({"query", GH_STRS("features")},
                              {"allow", GH_STRS("ipv4_net", "ipv6_net")},
                              {"deny", GH_STRS("ipv4_net", "ipv6_net")}),
            .actuate = echo_actuate,
        },
        {
            .kind = GH_OBLIGATION,
            .name = "require-reason",
            .description = "fulfilled only when access.reason is a non-empty string",
            .oblige = require_reason,
        },
        ECHO_ENVIRONMENT,
        {
            .kind = GH_OBJECT,
            .name = "path-segments",
            .description = "sets segments to the path's segments and resource to the first",
            .object = path_segments,
        },
        {
            .kind = GH_AGENT,
            .name = "greedy",
            .description = "reaches for a goal, plans moves over the edges, else takes the least risk",
            .agent_reset = greedy_reset,
            .agent_act = greedy_act,
        },
        {
            .kind = GH_AGENT,
            .name = "planner",
            .description = "follows the host's plan to its goals, planning again when the run goes otherwise, else acts as greedy",
            .agent_reset = planner_reset,
            .agent_act = planner_act,
        }));
