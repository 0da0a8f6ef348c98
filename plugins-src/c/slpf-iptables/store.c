/*
 * store.c: the actuator's rules in the plugin's kv namespace. Under
 * rule/<number> lies the command that added each rule the actuator knows,
 * persistent or not, as the msgpack map {"action", "target", "args"}; under
 * next lies the next rule number to assign, in decimal, so that a deleted
 * number is never handed out again.
 */
#include "slpf.h"

#define RULE_PREFIX "rule/"

#define RULE_PREFIX_LEN (sizeof RULE_PREFIX - 1)

/* rule_key returns the key of rule number n, in buf. */
static gh_str rule_key(int64_t n, char buf[32]) {
    gh_memcpy(buf, RULE_PREFIX, RULE_PREFIX_LEN);
    return (gh_str){buf, (uint32_t)RULE_PREFIX_LEN + format_decimal(buf + RULE_PREFIX_LEN, (uint64_t)n)};
}

/* parse_number reads a rule number, decimal without sign. */
static bool parse_number(const char *p, uint32_t len, int64_t *out) {
    uint64_t v = 0;
    if (len == 0 || len > 19) return false;
    for (uint32_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX) return false;
    *out = (int64_t)v;
    return true;
}

/* failed records a kv failure. */
static outcome failed(call *c, const gh_host_error *err) {
    c->err = *err;
    return FAILED;
}

outcome store_load(stored **rules, uint32_t *count, call *c) {
    gh_val keys, key;
    gh_host_error err;
    gh_iter it;
    if (!gh_kv_list(gh_cstr(RULE_PREFIX), &keys, &err)) return failed(c, &err);
    uint32_t cap = 0, n = 0;
    if (gh_array_iter(keys, &it)) cap = it.left;
    stored *out = gh_scratch(sizeof(stored) * (cap ? cap : 1));
    if (!out) return REFUSE(c, 500, "rules not restored: out of memory");
    gh_str k;
    while (gh_array_next(&it, &key)) {
        stored s = {0};
        gh_reader r = gh_val_reader(key); /* keys may come as str or bin: gh_read_str takes either */
        if (!gh_read_str(&r, &k)) return REFUSE(c, 500, "rules not restored: kv_list gave a key that is no string");
        gh_bytes b;
        if (k.len < RULE_PREFIX_LEN || !parse_number(k.ptr + RULE_PREFIX_LEN, k.len - RULE_PREFIX_LEN, &s.number))
            return REFUSE(c, 500, "rules not restored: kv key \"%.*s\" is not rule/<number>", GH_STR_ARG(k));
        if (!gh_kv_get(k, &b, &err)) return failed(c, &err);
        gh_val record = {b.ptr, b.len};
        gh_val action;
        if (gh_val_type(record) != GH_TYPE_MAP || !gh_val_get(record, "action", &action) ||
            !gh_val_str(action, &s.action) || !gh_val_get(record, "target", &s.target))
            return REFUSE(c, 500, "rules not restored: kv key \"%.*s\" does not hold a command", GH_STR_ARG(k));
        gh_val_get(record, "args", &s.args);
        /* insertion sort: kv lists keys in byte order, "rule/10" before "rule/9" */
        uint32_t i = n++;
        for (; i > 0 && out[i - 1].number > s.number; i--) out[i] = out[i - 1];
        out[i] = s;
    }
    if (it.bad) return REFUSE(c, 500, "rules not restored: kv_list gave a malformed list");
    *rules = out;
    *count = n;
    return DONE;
}

outcome store_has(int64_t number, bool *has, call *c) {
    char buf[32];
    gh_bytes b;
    gh_host_error err;
    *has = gh_kv_get(rule_key(number, buf), &b, &err);
    if (!*has && !gh_host_error_is(&err, "not_found")) return failed(c, &err);
    return DONE;
}

outcome store_next(int64_t *number, call *c) {
    gh_bytes b;
    gh_host_error err;
    *number = 1;
    if (!gh_kv_get(gh_cstr("next"), &b, &err)) return gh_host_error_is(&err, "not_found") ? DONE : failed(c, &err);
    if (!parse_number((const char *)b.ptr, b.len, number) || *number < 1)
        return REFUSE(c, 500, "kv key \"next\" holds %.*s, not a rule number", (int)b.len, (const char *)b.ptr);
    return DONE;
}

outcome store_save(int64_t number, gh_str action, gh_val target, gh_val args, call *c) {
    char buf[32];
    gh_host_error err;
    gh_writer w;
    gh_writer_init(&w);
    gh_w_map(&w);
    gh_w_key(&w, "action");
    gh_w_gstr(&w, action);
    gh_w_key(&w, "target");
    gh_w_val(&w, target);
    gh_w_key(&w, "args");
    gh_w_val(&w, args);
    gh_w_end(&w);
    bool ok = gh_writer_ok(&w) && gh_kv_set(rule_key(number, buf), gh_writer_bytes(&w), &err);
    bool encoded = gh_writer_ok(&w);
    gh_writer_free(&w);
    if (!encoded) return REFUSE(c, 500, "encode rule %lld: out of memory", (long long)number);
    if (!ok) return failed(c, &err);

    int64_t next;
    outcome o = store_next(&next, c);
    if (o != DONE || next > number || number == INT64_MAX) return o;
    uint32_t len = format_decimal(buf, (uint64_t)number + 1);
    if (!gh_kv_set(gh_cstr("next"), (gh_bytes){(const uint8_t *)buf, len}, &err)) return failed(c, &err);
    return DONE;
}

outcome store_delete(int64_t number, call *c) {
    char buf[32];
    gh_host_error err;
    if (!gh_kv_delete(rule_key(number, buf), &err)) return failed(c, &err);
    return DONE;
}
