/* jsontext.c: msgpack values as JSON text. */
#include <stdio.h>
#include <stdlib.h>

#include "acl.h"

void json_put_string(text *t, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    text_putc(t, '"');
    size_t run = 0; /* bytes copied as they are, not yet written */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != '"' && c != '\\' && c >= 0x20) continue;
        text_put(t, s + run, i - run);
        run = i + 1;
        if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            text_put(t, esc, sizeof esc);
        } else {
            char esc[2] = {'\\', (char)c};
            text_put(t, esc, sizeof esc);
        }
    }
    text_put(t, s + run, n - run);
    text_putc(t, '"');
}

/* put_float writes f in the fewest significant digits, 15 to 17, that read
 * back as f. */
static void put_float(text *t, double f) {
    if (__builtin_isnan(f) || __builtin_isinf(f)) {
        text_put(t, "null", 4);
        return;
    }
    char buf[32];
    int n = 0;
    for (int digits = 15; digits <= 17; digits++) {
        n = snprintf(buf, sizeof buf, "%.*g", digits, f);
        if (strtod(buf, NULL) == f) break;
    }
    text_put(t, buf, (size_t)n);
}

static void put_int(text *t, bool negative, uint64_t u) {
    char digits[24];
    int i = (int)sizeof digits;
    do digits[--i] = (char)('0' + u % 10);
    while ((u /= 10) > 0);
    if (negative) digits[--i] = '-';
    text_put(t, digits + i, sizeof digits - (size_t)i);
}

/* member is an entry of a map. */
typedef struct member {
    gh_str key;
    gh_val value;
} member;

/* by_key orders members by the bytes of their keys. */
static int by_key(const void *a, const void *b) {
    return str_compare(((const member *)a)->key, ((const member *)b)->key);
}

static void put_value(text *t, gh_val v, int depth) {
    gh_reader r = gh_val_reader(v);
    gh_iter it;
    gh_str s;
    gh_bytes b;
    bool flag;
    int64_t i;
    uint64_t u;
    double f;
    if (depth > JSON_MAX_DEPTH) {
        text_put(t, "null", 4);
        return;
    }
    switch (gh_val_type(v)) {
    case GH_TYPE_BOOL:
        gh_val_bool(v, &flag);
        text_put(t, flag ? "true" : "false", flag ? 4 : 5);
        return;
    case GH_TYPE_INT:
        if (gh_read_int(&r, &i)) put_int(t, i < 0, i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i);
        else if (gh_read_uint(&r, &u)) put_int(t, false, u);
        return;
    case GH_TYPE_FLOAT:
        gh_val_float(v, &f);
        put_float(t, f);
        return;
    case GH_TYPE_STR:
        gh_val_str(v, &s);
        json_put_string(t, s.ptr, s.len);
        return;
    case GH_TYPE_BIN:
        gh_val_bin(v, &b);
        json_put_string(t, (const char *)b.ptr, b.len);
        return;
    case GH_TYPE_ARRAY: {
        gh_val item;
        bool first = true;
        gh_array_iter(v, &it);
        text_putc(t, '[');
        while (gh_array_next(&it, &item)) {
            if (!first) text_putc(t, ',');
            first = false;
            put_value(t, item, depth + 1);
        }
        text_putc(t, ']');
        return;
    }
    case GH_TYPE_MAP: {
        gh_map_iter(v, &it);
        uint32_t count = it.left, n = 0;
        member *m = gh_scratch(sizeof *m * (count ? count : 1));
        if (!m) {
            t->failed = true;
            return;
        }
        while (n < count && gh_map_next(&it, &m[n].key, &m[n].value)) n++;
        qsort(m, n, sizeof *m, by_key);
        text_putc(t, '{');
        for (uint32_t k = 0; k < n; k++) {
            if (k > 0) text_putc(t, ',');
            json_put_string(t, m[k].key.ptr, m[k].key.len);
            text_putc(t, ':');
            put_value(t, m[k].value, depth + 1);
        }
        text_putc(t, '}');
        return;
    }
    default: /* nil, and ext, which the ABI forbids */
        text_put(t, "null", 4);
    }
}

void json_put(text *t, gh_val v) { put_value(t, v, 0); }
