/*
 * command.c: OpenC2 commands checked against the Language Specification
 * v1.0 and the SLPF profile, and turned into requests.
 */
#include "../internal/features.h"
#include "slpf.h"

/* The actions of LS v1.0 section 3.3.1.1 and the targets of section 3.4.1. */
static const char *const ls_actions[] = {"scan", "locate", "query", "deny", "contain", "allow", "start",
                                         "stop", "restart", "cancel", "set", "update", "redirect", "create",
                                         "delete", "detonate", "restore", "copy", "investigate", "remediate",
                                         NULL};
static const char *const ls_targets[] = {"artifact", "command", "device", "domain_name", "email_addr", "features",
                                         "file", "idn_domain_name", "idn_email_addr", "ipv4_net", "ipv4_connection",
                                         "ipv6_net", "ipv6_connection", "iri", "mac_addr", "process", "properties",
                                         "uri", NULL};

/* one_of returns the index of s in the NULL-terminated list, or -1. */
static int one_of(gh_str s, const char *const *list) {
    for (int i = 0; list[i]; i++)
        if (gh_str_eq(s, list[i])) return i;
    return -1;
}

/* slpf_args are the slpf arguments of a command; a field not given is
 * unset. */
typedef struct slpf_args {
    gh_str drop_process, direction; /* empty when not given */
    bool has_persistent, persistent;
    bool has_insert;
    int64_t insert;
} slpf_args;

/* enum_arg checks that v is a str among choices (a NULL-terminated list
 * written in the message as "a, b or c") and stores it. */
static outcome enum_arg(gh_val v, const char *field, const char *const *choices, const char *wanted, gh_str *out,
                        call *c) {
    if (!gh_val_str(v, out) || one_of(*out, choices) < 0)
        return REFUSE(c, 400, "invalid command: %s: must be %s", field, wanted);
    return DONE;
}

static const char *const drop_processes[] = {"none", "reject", "false_ack", NULL};
static const char *const directions[] = {"both", "ingress", "egress", NULL};
static const char *const response_types[] = {"none", "ack", "status", "complete", NULL};

/* parse_slpf_args reads args.slpf (SLPF v1.0 section 2.1.3.2). */
static outcome parse_slpf_args(gh_val m, slpf_args *a, call *c) {
    gh_iter it;
    gh_str k;
    gh_val v;
    if (gh_val_type(m) != GH_TYPE_MAP || !gh_map_iter(m, &it))
        return REFUSE(c, 400, "invalid command: args.slpf: must be an object");
    while (gh_map_next(&it, &k, &v)) {
        outcome o = DONE;
        if (gh_str_eq(k, "drop_process")) {
            o = enum_arg(v, "args.slpf.drop_process", drop_processes, "none, reject or false_ack", &a->drop_process, c);
        } else if (gh_str_eq(k, "direction")) {
            o = enum_arg(v, "args.slpf.direction", directions, "both, ingress or egress", &a->direction, c);
        } else if (gh_str_eq(k, "persistent")) {
            if (!gh_val_bool(v, &a->persistent)) return REFUSE(c, 400, "invalid command: args.slpf.persistent: must be a boolean");
            a->has_persistent = true;
        } else if (gh_str_eq(k, "insert_rule")) {
            if (!gh_val_int(v, &a->insert) || a->insert < 0)
                return REFUSE(c, 400, "invalid command: args.slpf.insert_rule: must be an integer of at least 0");
            a->has_insert = true;
        } else {
            return REFUSE(c, 400, "invalid command: args.slpf: unknown field \"%.*s\"", GH_STR_ARG(k));
        }
        if (o != DONE) return o;
    }
    if (it.bad) return REFUSE(c, 400, "invalid command: args.slpf: malformed");
    return DONE;
}

/* parse_args reads the command's arguments (LS v1.0 section 3.3.1.4). Of
 * the Language Specification's arguments only response_requested is
 * supported: a rule takes effect when the command arrives and lasts until it
 * is deleted, so start_time, stop_time and duration get 501, as do the
 * arguments of other profiles. */
static outcome parse_args(gh_val args, slpf_args *a, call *c) {
    gh_iter it;
    gh_str k;
    gh_val v;
    *a = (slpf_args){0};
    if (gh_val_is_nil(args)) return DONE;
    if (gh_val_type(args) != GH_TYPE_MAP || !gh_map_iter(args, &it))
        return REFUSE(c, 400, "invalid command: args: must be an object");
    uint32_t count = 0;
    while (gh_map_next(&it, &k, &v)) {
        count++;
        int64_t n;
        gh_str s;
        if (gh_str_eq(k, "start_time") || gh_str_eq(k, "stop_time") || gh_str_eq(k, "duration")) {
            if (!gh_val_int(v, &n) || n < 0)
                return REFUSE(c, 400, "invalid command: args.%.*s: must be an integer of at least 0", GH_STR_ARG(k));
            return REFUSE(c, 501, "option not supported: args.%.*s", GH_STR_ARG(k));
        } else if (gh_str_eq(k, "response_requested")) {
            outcome o = enum_arg(v, "args.response_requested", response_types, "none, ack, status or complete", &s, c);
            if (o != DONE) return o;
        } else if (gh_str_eq(k, "slpf")) {
            outcome o = parse_slpf_args(v, a, c);
            if (o != DONE) return o;
        } else if (starts_with(k, "x-", NULL)) {
            return REFUSE(c, 501, "option not supported: args.%.*s", GH_STR_ARG(k));
        } else {
            return REFUSE(c, 400, "invalid command: args: unknown argument \"%.*s\"", GH_STR_ARG(k));
        }
    }
    if (it.bad) return REFUSE(c, 400, "invalid command: args: malformed");
    if (count == 0) return REFUSE(c, 400, "invalid command: args: must hold at least one argument");
    return DONE;
}

/* parse_port reads a port, 0 to 65535. */
static outcome parse_port(gh_val v, const char *target, const char *field, int32_t *out, call *c) {
    int64_t n;
    if (!gh_val_int(v, &n) || n < 0 || n > 65535)
        return REFUSE(c, 400, "invalid command: target.%s.%s: must be a port, 0 to 65535", target, field);
    *out = (int32_t)n;
    return DONE;
}

static const char *const protocols[] = {"", "tcp", "udp", "icmp", "sctp", NULL};

/* parse_address reads the address range at field of a target. */
static outcome parse_address(gh_val v, bool v6, const char *field, prefix *out, call *c) {
    gh_str s;
    if (!gh_val_str(v, &s) || !parse_prefix(s, v6, out))
        return REFUSE(c, 400, "invalid command: %s: not an %s address with an optional /prefix length", field,
                      v6 ? "IPv6" : "IPv4");
    return DONE;
}

/* parse_connection reads an ipv4_connection or ipv6_connection target (LS
 * v1.0 sections 3.4.1.11 and 3.4.1.13): at least one of its five fields;
 * a field not given matches anything. */
static outcome parse_connection(gh_val m, const char *name, rule *r, call *c) {
    gh_iter it;
    gh_str k;
    gh_val v;
    uint32_t count = 0;
    if (gh_val_type(m) != GH_TYPE_MAP || !gh_map_iter(m, &it))
        return REFUSE(c, 400, "invalid command: target.%s: must be an object", name);
    while (gh_map_next(&it, &k, &v)) {
        outcome o = DONE;
        count++;
        if (gh_str_eq(k, "src_addr")) {
            o = parse_address(v, r->v6, r->v6 ? "target.ipv6_connection.src_addr" : "target.ipv4_connection.src_addr",
                              &r->src, c);
        } else if (gh_str_eq(k, "dst_addr")) {
            o = parse_address(v, r->v6, r->v6 ? "target.ipv6_connection.dst_addr" : "target.ipv4_connection.dst_addr",
                              &r->dst, c);
        } else if (gh_str_eq(k, "src_port")) {
            o = parse_port(v, name, "src_port", &r->src_port, c);
        } else if (gh_str_eq(k, "dst_port")) {
            o = parse_port(v, name, "dst_port", &r->dst_port, c);
        } else if (gh_str_eq(k, "protocol")) {
            gh_str s;
            int p;
            if (!gh_val_str(v, &s) || s.len == 0 || (p = one_of(s, protocols)) < 0)
                return REFUSE(c, 400, "invalid command: target.%s.protocol: must be icmp, tcp, udp or sctp", name);
            r->protocol = (enum protocol)p;
        } else {
            return REFUSE(c, 400, "invalid command: target.%s: unknown field \"%.*s\"", name, GH_STR_ARG(k));
        }
        if (o != DONE) return o;
    }
    if (it.bad) return REFUSE(c, 400, "invalid command: target.%s: malformed", name);
    if (count == 0) return REFUSE(c, 400, "invalid command: target.%s: must hold at least one field", name);
    if (r->protocol == PROTO_ICMP && (r->src_port != ANY_PORT || r->dst_port != ANY_PORT))
        return REFUSE(c, 400, "target.%s: src_port and dst_port do not apply to protocol icmp", name);
    return DONE;
}

/* parse_rule reads the target and slpf arguments of an allow or deny. */
static outcome parse_rule(bool allow, gh_str type, gh_val value, const slpf_args *a, rule *r, call *c) {
    *r = (rule){.allow = allow, .persistent = true, .src_port = ANY_PORT, .dst_port = ANY_PORT};
    r->v6 = starts_with(type, "ipv6_", NULL);
    if (a->has_persistent) r->persistent = a->persistent;
    if (a->direction.len) r->direction = (enum direction)one_of(a->direction, directions);
    if (a->drop_process.len) r->drop = (enum drop_process)one_of(a->drop_process, drop_processes);
    outcome o;
    if (gh_str_eq(type, "ipv4_net") || gh_str_eq(type, "ipv6_net"))
        o = parse_address(value, r->v6, r->v6 ? "target.ipv6_net" : "target.ipv4_net", &r->net, c);
    else
        o = parse_connection(value, r->v6 ? "ipv6_connection" : "ipv4_connection", r, c);
    if (o != DONE) return o;
    if (r->drop == DROP_FALSE_ACK && r->protocol != PROTO_ANY && r->protocol != PROTO_TCP)
        return REFUSE(c, 501,
                      "option not supported: args.slpf.drop_process false_ack with protocol %s: only tcp has an "
                      "acknowledgement to fake",
                      protocols[r->protocol]);
    return DONE;
}

/* parse_features checks the list of features asked for (LS v1.0 section
 * 3.4.2.4). */
static outcome parse_features(gh_val v, call *c) {
    static const char *const features[] = {"versions", "profiles", "pairs", "rate_limit", NULL};
    gh_iter it;
    gh_val f;
    gh_str s;
    if (gh_val_type(v) != GH_TYPE_ARRAY || !gh_array_iter(v, &it))
        return REFUSE(c, 400, "invalid command: target.features: must be a list");
    while (gh_array_next(&it, &f))
        if (!gh_val_str(f, &s) || one_of(s, features) < 0)
            return REFUSE(c, 400, "invalid command: target.features: items must be versions, profiles, pairs or rate_limit");
    if (it.bad) return REFUSE(c, 400, "invalid command: target.features: malformed");
    return DONE;
}

/* target_of finds the one key of the target map. */
static outcome target_of(gh_val target, gh_str *type, gh_val *value, call *c) {
    gh_iter it;
    gh_str k;
    gh_val v;
    uint32_t count = 0;
    if (gh_val_type(target) != GH_TYPE_MAP || !gh_map_iter(target, &it))
        return REFUSE(c, 400, "invalid command: target: must be an object");
    while (gh_map_next(&it, &k, &v)) *type = k, *value = v, count++;
    if (it.bad || count != 1)
        return REFUSE(c, 400, "invalid command: target: must hold exactly one target type, got %u", count);
    return DONE;
}

outcome parse_command(const gh_pair *pairs, gh_str action, gh_val target, gh_val args, request *out, call *c) {
    gh_str type;
    gh_val value;
    outcome o = target_of(target, &type, &value, c);
    if (o != DONE) return o;
    if (one_of(action, ls_actions) < 0)
        return REFUSE(c, 400, "invalid command: action: unknown action \"%.*s\"", GH_STR_ARG(action));
    bool extension = false;
    for (uint32_t i = 0; i < type.len; i++) extension |= type.ptr[i] == ':';
    if (!extension && one_of(type, ls_targets) < 0)
        return REFUSE(c, 400, "invalid command: target: unknown target type \"%.*s\"", GH_STR_ARG(type));
    if (!actuator_supports(pairs, action, type)) {
        if (gh_str_eq(action, "update"))
            return REFUSE(c, 501,
                          "command not supported: update %.*s: rules are added and removed one by one with allow, "
                          "deny and delete",
                          GH_STR_ARG(type));
        return REFUSE(c, 501, "command not supported: %.*s %.*s", GH_STR_ARG(action), GH_STR_ARG(type));
    }
    slpf_args a;
    if ((o = parse_args(args, &a, c)) != DONE) return o;
    bool allow = gh_str_eq(action, "allow"), deny = gh_str_eq(action, "deny");
    const char *first = a.drop_process.len ? "drop_process"
                        : a.has_persistent ? "persistent"
                        : a.direction.len  ? "direction"
                        : a.has_insert     ? "insert_rule"
                                           : NULL;
    if (first && !allow && !deny)
        return REFUSE(c, 501, "option not supported: args.slpf.%s with %.*s", first, GH_STR_ARG(action));
    if (allow && a.drop_process.len) return REFUSE(c, 501, "option not supported: args.slpf.drop_process with allow");

    *out = (request){0};
    if (gh_str_eq(action, "query")) {
        if ((o = parse_features(value, c)) != DONE) return o;
        out->kind = QUERY_FEATURES;
        out->features = value;
        return DONE;
    }
    if (gh_str_eq(action, "delete")) {
        if (!gh_val_int(value, &out->number) || out->number < 0)
            return REFUSE(c, 400, "invalid command: target.slpf:rule_number: must be an integer of at least 0");
        out->kind = DELETE_RULE;
        return DONE;
    }
    out->kind = ADD_RULE;
    out->insert = a.has_insert;
    out->number = a.insert;
    return parse_rule(allow, type, value, &a, &out->rule, c);
}
