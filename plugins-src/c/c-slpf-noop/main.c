/*
 * c-slpf-noop: an SLPF-shaped actuator that changes nothing. Its actuator
 * noop declares the slpf profile with allow and deny of address ranges and
 * connections and delete slpf:rule_number (SLPF v1.0 section 2.3), answers
 * allow and deny with a rule number (the insert_rule argument when given,
 * else the next number of the instance, so numbers repeat across pooled
 * instances), and delete with 200. It stands in for a packet filter in the
 * tests and benchmarks of the OpenC2 consumer and transfer. Build from the
 * repository root:
 *
 *   clang --target=wasm32-unknown-unknown -nostdlib -Wl,--no-entry -Wl,--stack-first -O2 -flto -mbulk-memory -Iabi/pdk/c -o plugins/c-slpf-noop.wasm abi/pdk/c/gatehouse.c plugins-src/c/c-slpf-noop/main.c
 */
#include "gatehouse.h"

static int64_t next_rule = 1;

/* supports reports whether the component declares action with target. */
static bool supports(const gh_pair *pairs, gh_str action, gh_str target) {
    for (; pairs && pairs->action; pairs++) {
        if (!gh_str_eq(action, pairs->action)) continue;
        for (const char *const *t = pairs->targets; *t; t++)
            if (gh_str_eq(target, *t)) return true;
    }
    return false;
}

static gh_status noop(const gh_actuate_req *req, gh_writer *reply) {
    const gh_command *cmd = &req->command;
    if (cmd->target_keys != 1) return gh_error(reply, GH_INVALID_REQUEST, "target must have exactly one type");
    if (!supports(req->self->pairs, cmd->action, cmd->target_type)) {
        gh_w_key(reply, "status");
        gh_w_int(reply, 501);
        gh_w_key(reply, "status_text");
        gh_w_strf(reply, "command not supported: %.*s %.*s", GH_STR_ARG(cmd->action), GH_STR_ARG(cmd->target_type));
        return GH_OK;
    }
    if (gh_str_eq(cmd->action, "delete")) {
        gh_reply_status(reply, 200, NULL);
        return GH_OK;
    }
    int64_t rule;
    gh_val v;
    if (!gh_val_path(cmd->args, "slpf.insert_rule", &v) || !gh_val_int(v, &rule)) rule = next_rule++;
    gh_reply_status(reply, 200, NULL);
    gh_reply_results(reply);
    gh_w_key(reply, "slpf");
    gh_w_map(reply);
    gh_w_key(reply, "rule_number");
    gh_w_int(reply, rule);
    gh_w_end(reply);
    gh_w_end(reply);
    return GH_OK;
}

GATEHOUSE_PLUGIN(
    .name = "c-slpf-noop",
    .version = "1.0.0",
    .description = "an SLPF-shaped actuator that changes nothing, for tests and benchmarks",
    .components = GH_COMPONENTS({
        .kind = GH_ACTUATOR,
        .name = "noop",
        .description = "answers allow and deny with a rule number and delete with 200",
        .profiles = GH_STRS("slpf"),
        .pairs = GH_PAIRS({"allow", GH_STRS("ipv4_net", "ipv6_net", "ipv4_connection", "ipv6_connection")},
                          {"deny", GH_STRS("ipv4_net", "ipv6_net", "ipv4_connection", "ipv6_connection")},
                          {"delete", GH_STRS("slpf:rule_number")}),
        .actuate = noop,
    }));
