/* logline.c: the lines of the log obligations. */
#include "acl.h"

static const char *const categories[] = {"subject", "object", "environment", "access"};

static gh_val category(const gh_context *ctx, int i) {
    switch (i) {
    case 0: return ctx->subject;
    case 1: return ctx->object;
    case 2: return ctx->environment;
    default: return ctx->access;
    }
}

static bool is_word(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* dotted_path is the length of the dotted path of word bytes at the start
 * of s: segments separated by single dots, without a final dot. */
static uint32_t dotted_path(const char *s, uint32_t len) {
    uint32_t n = 0, end = 0;
    while (n < len) {
        if (is_word(s[n])) {
            end = ++n;
        } else if (s[n] == '.' && end == n && n > 0 && n + 1 < len && is_word(s[n + 1])) {
            n++;
        } else {
            break;
        }
    }
    return end;
}

/* is_empty reports whether a category is missing, nil or an empty map. */
static bool is_empty(gh_val v) {
    gh_iter it;
    return gh_val_is_nil(v) || (gh_map_iter(v, &it) && it.left == 0);
}

/* put_attribute writes the text of the attribute at the dotted path (a
 * view into the format) in the category v: a string (or bin) as it is,
 * nothing for a missing or nil value, JSON otherwise. */
static void put_attribute(text *t, gh_val v, const char *path, uint32_t len) {
    char *p = gh_scratch((size_t)len + 1);
    gh_val found;
    gh_str s;
    gh_bytes b;
    if (!p) {
        t->failed = true;
        return;
    }
    gh_memcpy(p, path, len);
    p[len] = 0;
    if (!gh_val_path(v, p, &found) || gh_val_is_nil(found)) return;
    if (gh_val_str(found, &s)) text_put(t, s.ptr, s.len);
    else if (gh_val_bin(found, &b)) text_put(t, (const char *)b.ptr, b.len);
    else json_put(t, found);
}

/* reference reads an attribute reference at the start of s[0:len]: its
 * category and its length, 0 when there is none. */
static uint32_t reference(const char *s, uint32_t len, int *cat) {
    for (int i = 0; i < 4; i++) {
        uint32_t n = (uint32_t)__builtin_strlen(categories[i]);
        if (len <= n || gh_memcmp(s, categories[i], n) != 0 || s[n] != '.') continue;
        uint32_t path = dotted_path(s + n + 1, len - n - 1);
        if (path == 0) return 0;
        *cat = i;
        return n + 1 + path;
    }
    return 0;
}

void log_line(text *t, const char *name, gh_str format, gh_str decision, const gh_context *ctx) {
    if (format.len == 0) {
        bool first = true;
        text_put(t, name, __builtin_strlen(name));
        text_put(t, ": ", 2);
        text_put(t, decision.ptr, decision.len);
        text_put(t, " {", 2);
        for (int i = 0; i < 4; i++) {
            gh_val v = category(ctx, i);
            if (is_empty(v)) continue;
            if (!first) text_putc(t, ',');
            first = false;
            json_put_string(t, categories[i], __builtin_strlen(categories[i]));
            text_putc(t, ':');
            json_put(t, v);
        }
        text_putc(t, '}');
        return;
    }
    const char *f = format.ptr;
    for (uint32_t i = 0; i < format.len;) {
        int cat;
        uint32_t n;
        if (i + 1 < format.len && f[i] == '{' && f[i + 1] == '}') {
            text_put(t, decision.ptr, decision.len);
            i += 2;
        } else if ((i == 0 || !is_word(f[i - 1])) && (n = reference(f + i, format.len - i, &cat)) > 0) {
            uint32_t dot = (uint32_t)__builtin_strlen(categories[cat]) + 1;
            put_attribute(t, category(ctx, cat), f + i + dot, n - dot);
            i += n;
        } else {
            text_putc(t, f[i++]);
        }
    }
}
