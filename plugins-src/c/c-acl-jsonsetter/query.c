/* query.c: the object's attributes as URL query parameters. */
#include <stdio.h>
#include <stdlib.h>

#include "jsonsetter.h"

/* member is an attribute of the object. */
typedef struct member {
    gh_str name;
    gh_val value;
} member;

static int by_name(const void *a, const void *b) {
    return str_compare(((const member *)a)->name, ((const member *)b)->name);
}

/* escape appends s escaped as HTML forms escape it: letters, digits and
 * "-_.~" as they are, a space as "+", every other byte as %XX. */
static void escape(text *t, const char *s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
            text_putc(t, (char)c);
        } else if (c == ' ') {
            text_putc(t, '+');
        } else {
            char x[3] = {'%', hex[c >> 4], hex[c & 0xf]};
            text_put(t, x, 3);
        }
    }
}

/* float_text writes f, finite, in the shortest decimal that reads back as
 * f, without an exponent, as Go's strconv.FormatFloat(f, 'f', -1, 64):
 * the fewest significant digits that read back, then placed by the
 * exponent. */
static size_t float_text(char *out, double f) {
    char e[40];
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(e, sizeof e, "%.*e", digits - 1, f);
        if (strtod(e, NULL) == f) break;
    }
    const char *p = e;
    size_t n = 0;
    if (*p == '-') out[n++] = *p++;
    char digits[20];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.') digits[nd++] = *p;
    int exp = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (exp < 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int k = -1; k > exp; k--) out[n++] = '0';
        for (int k = 0; k < nd; k++) out[n++] = digits[k];
    } else {
        for (int k = 0; k < nd || k <= exp; k++) {
            if (k == exp + 1) out[n++] = '.';
            out[n++] = k < nd ? digits[k] : '0';
        }
    }
    return n;
}

/* add appends the parameter name=v, unless v is not sent: nil, a map, a
 * list, a number that is not finite. */
static void add(text *t, gh_str name, gh_val v) {
    char buf[400]; /* the longest float: 0. then 323 zeros and 17 digits */
    gh_str s = {buf, 0};
    gh_reader r = gh_val_reader(v);
    bool flag;
    int64_t i;
    uint64_t u;
    double f;
    switch (gh_val_type(v)) {
    case GH_TYPE_STR:
    case GH_TYPE_BIN:
        gh_read_str(&r, &s);
        break;
    case GH_TYPE_BOOL:
        gh_val_bool(v, &flag);
        s = gh_cstr(flag ? "true" : "false");
        break;
    case GH_TYPE_INT:
        if (gh_read_int(&r, &i)) s.len = (uint32_t)snprintf(buf, sizeof buf, "%lld", (long long)i);
        else if (gh_read_uint(&r, &u)) s.len = (uint32_t)snprintf(buf, sizeof buf, "%llu", (unsigned long long)u);
        break;
    case GH_TYPE_FLOAT:
        gh_val_float(v, &f);
        if (__builtin_isnan(f) || __builtin_isinf(f)) return;
        s.len = (uint32_t)float_text(buf, f);
        break;
    default:
        return;
    }
    if (t->len > 0) text_putc(t, '&');
    escape(t, name.ptr, name.len);
    text_putc(t, '=');
    escape(t, s.ptr, s.len);
}

/* query_put encodes the object's attributes: one parameter per attribute,
 * in the byte order of the names, and for a list one parameter per item,
 * in order. */
void query_put(text *t, gh_val object) {
    gh_iter it;
    if (!gh_map_iter(object, &it) || it.left == 0) return;
    member *m = gh_malloc(sizeof *m * it.left);
    if (!m) {
        t->failed = true;
        return;
    }
    uint32_t n = 0, count = it.left;
    while (n < count && gh_map_next(&it, &m[n].name, &m[n].value)) n++;
    qsort(m, n, sizeof *m, by_name);
    for (uint32_t k = 0; k < n; k++) {
        gh_iter items;
        gh_val item;
        if (gh_val_type(m[k].value) == GH_TYPE_ARRAY && gh_array_iter(m[k].value, &items)) {
            while (gh_array_next(&items, &item)) add(t, m[k].name, item);
        } else {
            add(t, m[k].name, m[k].value);
        }
    }
    gh_free(m);
}
