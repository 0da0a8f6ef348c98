/*
 * c-kvcounter: the C twin of plugins-src/go/kvcounter, a reference plugin
 * for the log, clock and kv capabilities. Its environment setter counter
 * increments a counter per key in kv, logs each call with the host's time
 * and returns the new count. Grant it log, clock and kv. Build from the
 * repository root:
 *
 *   clang --target=wasm32-unknown-unknown -nostdlib -Wl,--no-entry -Wl,--stack-first -O2 -mbulk-memory -Iabi/pdk/c -o plugins/c-kvcounter.wasm abi/pdk/c/gatehouse.c plugins-src/c/c-kvcounter/main.c
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

/* count increments the counter stored under "count/" + key and returns its
 * new value. */
static gh_status count(const gh_environment_req *req, gh_writer *reply) {
    char *k = gh_scratch(6 + req->key.len);
    if (!k) return gh_error(reply, GH_INTERNAL, "out of memory");
    gh_memcpy(k, "count/", 6);
    gh_memcpy(k + 6, req->key.ptr, req->key.len);
    gh_str key = {k, 6 + req->key.len};

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

    gh_logf(GH_LOG_INFO, "counted key=%.*s count=%lld at=%lld", GH_STR_ARG(req->key), (long long)n,
            (long long)gh_clock_wall());
    gh_reply_value(reply);
    gh_w_int(reply, n);
    return GH_OK;
}

GATEHOUSE_PLUGIN(
    .name = "c-kvcounter",
    .version = "1.0.0",
    .description = "counts calls per key in kv",
    .capabilities = GH_STRS("log", "clock", "kv"),
    .components = GH_COMPONENTS({
        .kind = GH_ENVIRONMENT,
        .name = "counter",
        .description = "increments and returns a persistent counter for the key asked for",
        .attributes = GH_STRS("counter"),
        .environment = count,
    }));
