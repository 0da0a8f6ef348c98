/*
 * c-kvcounter: a reference plugin for the log, clock and kv capabilities
 * of the C kit. Its environment setter counter, the twin of the one of
 * plugins-src/go/kvcounter,
 * increments a counter per key in kv, logs each call with the host's clocks
 * and returns the new count; the environment setter counters lists the keys
 * counted; the obligation reset-counter deletes the counter of access.key.
 * rs-kvcounter and as-kvcounter are its twins. Grant it log, clock and kv.
 * Build from the repository root:
 *
 *   clang --target=wasm32-unknown-unknown -nostdlib -Wl,--no-entry -Wl,--stack-first -O2 -flto -mbulk-memory -Iabi/pdk/c -o plugins/c-kvcounter.wasm abi/pdk/c/gatehouse.c plugins-src/c/c-kvcounter/main.c
 */
#include "gatehouse.h"

/* parse reads a decimal count. */
static bool parse(gh_bytes b, int64_t *out) {
    int64_t n = 0;
    if (b.len == 0 || b.len > 18) return false;
    for (uint32_t i = 0; i < b.len; i++) {
        if (b.ptr[i] < '0' || b.ptr[i] > '9') return false;
        n = n * 10 + (b.ptr[i] - '0');
    }
    *out = n;
    return true;
}

#define PREFIX "count/"
#define PREFIX_LEN 6

/* counter_key returns "count/" + name, in scratch memory; false when out of
 * memory. */
static bool counter_key(gh_str name, gh_str *key) {
    char *k = gh_scratch(PREFIX_LEN + name.len);
    if (!k) return false;
    gh_memcpy(k, PREFIX, PREFIX_LEN);
    gh_memcpy(k + PREFIX_LEN, name.ptr, name.len);
    *key = (gh_str){k, PREFIX_LEN + name.len};
    return true;
}

/* count increments the counter stored under "count/" + key and returns its
 * new value. */
static gh_status count(const gh_environment_req *req, gh_writer *reply) {
    int64_t start = gh_clock_monotonic();
    gh_str key;
    if (!counter_key(req->key, &key)) return gh_error(reply, GH_INTERNAL, "out of memory");

    int64_t n = 0;
    gh_bytes value;
    gh_host_error err;
    if (gh_kv_get(key, &value, &err)) {
        if (!parse(value, &n))
            return gh_errorf(reply, GH_INTERNAL, "kv %.*s holds %.*s, not a count", GH_STR_ARG(key), (int)value.len,
                             (const char *)value.ptr);
    } else if (!gh_host_error_is(&err, "not_found")) {
        return gh_error_from_host(reply, GH_UNAVAILABLE, &err);
    }
    n++;

    char digits[24];
    int i = (int)sizeof digits;
    int64_t v = n;
    do digits[--i] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    gh_bytes text = {(const uint8_t *)digits + i, (uint32_t)(sizeof digits - (size_t)i)};
    if (!gh_kv_set(key, text, &err)) return gh_error_from_host(reply, GH_UNAVAILABLE, &err);

    int64_t took = gh_clock_monotonic() - start;
    gh_logf(GH_LOG_INFO, "counted key=%.*s count=%lld at=%lld took=%lld", GH_STR_ARG(req->key), (long long)n,
            (long long)gh_clock_wall(), (long long)took);
    gh_reply_value(reply);
    gh_w_int(reply, n);
    return GH_OK;
}

/* counters returns the keys counted so far, in ascending byte order. */
static gh_status counters(const gh_environment_req *req, gh_writer *reply) {
    (void)req;
    gh_val keys, k;
    gh_host_error err;
    gh_iter it;
    gh_bytes b;
    if (!gh_kv_list(gh_cstr(PREFIX), &keys, &err)) return gh_error_from_host(reply, GH_UNAVAILABLE, &err);
    if (!gh_array_iter(keys, &it)) return gh_error(reply, GH_INTERNAL, "kv_list: the result is not a list of keys");
    gh_reply_value(reply);
    gh_w_array(reply);
    while (gh_array_next(&it, &k)) {
        gh_reader r = gh_val_reader(k); /* keys are bytes: str or bin */
        if (gh_read_bin(&r, &b) && b.len >= PREFIX_LEN)
            gh_w_gstr(reply, (gh_str){(const char *)b.ptr + PREFIX_LEN, b.len - PREFIX_LEN});
    }
    gh_w_end(reply);
    return GH_OK;
}

/* reset_counter deletes the counter of access.key: fulfilled once it is
 * gone, whether it was there or not. */
static gh_status reset_counter(const gh_oblige_req *req, gh_writer *reply) {
    gh_val v;
    gh_str name, key;
    gh_host_error err;
    if (!gh_context_get(&req->context, "access.key", &v) || !gh_val_str(v, &name)) {
        gh_reply_fulfilled(reply, false, "access.key is not a string");
        return GH_OK;
    }
    if (!counter_key(name, &key)) return gh_error(reply, GH_INTERNAL, "out of memory");
    if (!gh_kv_delete(key, &err)) return gh_error_from_host(reply, GH_UNAVAILABLE, &err);
    gh_logf(GH_LOG_WARN, "reset key=%.*s", GH_STR_ARG(name));
    gh_reply_fulfilled(reply, true, NULL);
    return GH_OK;
}

GATEHOUSE_PLUGIN(
    .name = "c-kvcounter",
    .version = "1.0.0",
    .description = "counts calls per key in kv",
    .capabilities = GH_STRS("log", "clock", "kv"),
    .components = GH_COMPONENTS(
        {
            .kind = GH_ENVIRONMENT,
            .name = "counter",
            .description = "increments and returns a persistent counter for the key asked for",
            .attributes = GH_STRS("counter"),
            .environment = count,
        },
        {
            .kind = GH_ENVIRONMENT,
            .name = "counters",
            .description = "the keys counted so far",
            .attributes = GH_STRS("counters"),
            .environment = counters,
        },
        {
            .kind = GH_OBLIGATION,
            .name = "reset-counter",
            .description = "deletes the counter of access.key",
            .oblige = reset_counter,
        }));
