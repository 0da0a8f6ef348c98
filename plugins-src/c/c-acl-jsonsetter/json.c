/* json.c: a reply, one JSON object, read as Go's encoding/json reads it
 * into the host's values: integral numbers that fit in 64 bits are
 * integers, other numbers floats (out of range: infinities); strings with
 * bytes that are not UTF-8 and lone surrogates get U+FFFD; a member
 * repeated keeps its last value. The reply is read into a tree, then
 * written as msgpack. */
#include <stdio.h>
#include <stdlib.h>

#include "../internal/utf8.h"
#include "jsonsetter.h"

enum jtype { J_NULL, J_FALSE, J_TRUE, J_INT, J_FLOAT, J_STR, J_ARRAY, J_OBJECT };

/* jval is a value of the tree, in the doc's array. Strings (and members'
 * names) are slices of the doc's strings; a container's items are chained
 * from first through next. */
typedef struct jval {
    uint8_t type;
    int64_t i;
    double f;
    uint32_t off, len;         /* J_STR */
    uint32_t name_off, name_len; /* a member's name */
    int32_t first, last, next;
    uint32_t count;
} jval;

struct json_doc {
    jval *v;
    int32_t n, cap;
    int32_t root;
    text strings;
    char why[96];
};

typedef struct parser {
    const uint8_t *s;
    uint32_t n, i;
    json_doc *d;
    bool failed;
} parser;

/* failf records why the reply is not read, at p->i, and returns false. */
static bool failf(parser *p, const char *what) {
    if (!p->failed) {
        if (p->i >= p->n) snprintf(p->d->why, sizeof p->d->why, "not a JSON object: the reply ends early");
        else snprintf(p->d->why, sizeof p->d->why, "not a JSON object: %s at offset %u", what, p->i);
    }
    p->failed = true;
    return false;
}

static void space(parser *p) {
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r')) p->i++;
}

static int32_t new_val(parser *p, uint8_t type) {
    json_doc *d = p->d;
    if (d->n == d->cap) {
        int32_t cap = d->cap ? d->cap * 2 : 64;
        jval *v = gh_realloc(d->v, sizeof(jval) * (size_t)cap);
        if (!v) return failf(p, "out of memory"), -1;
        d->v = v;
        d->cap = cap;
    }
    d->v[d->n] = (jval){.type = type, .first = -1, .last = -1, .next = -1};
    return d->n++;
}

static void append(json_doc *d, int32_t parent, int32_t child) {
    jval *c = &d->v[parent];
    if (c->last < 0) c->first = child;
    else d->v[c->last].next = child;
    c->last = child;
    c->count++;
}

static void put_rune(text *t, int32_t r) {
    char b[4];
    size_t n;
    if (r < 0x80) b[0] = (char)r, n = 1;
    else if (r < 0x800) b[0] = (char)(0xC0 | r >> 6), b[1] = (char)(0x80 | (r & 0x3F)), n = 2;
    else if (r < 0x10000)
        b[0] = (char)(0xE0 | r >> 12), b[1] = (char)(0x80 | (r >> 6 & 0x3F)), b[2] = (char)(0x80 | (r & 0x3F)), n = 3;
    else
        b[0] = (char)(0xF0 | r >> 18), b[1] = (char)(0x80 | (r >> 12 & 0x3F)), b[2] = (char)(0x80 | (r >> 6 & 0x3F)),
        b[3] = (char)(0x80 | (r & 0x3F)), n = 4;
    text_put(t, b, n);
}

/* hex4 reads the four hex digits at s[i:], -1 when they are not. */
static int32_t hex4(const parser *p, uint32_t i) {
    if (i > p->n || p->n - i < 4) return -1;
    int32_t v = 0;
    for (uint32_t k = i; k < i + 4; k++) {
        uint8_t c = p->s[k];
        int d = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* string reads a string at p->i (a quote) into the doc's strings. */
static bool string(parser *p, uint32_t *off, uint32_t *len) {
    text *t = &p->d->strings;
    *off = t->len;
    p->i++;
    for (;;) {
        if (p->i >= p->n) return failf(p, "unexpected character");
        uint8_t c = p->s[p->i];
        if (c == '"') break;
        if (c < 0x20) return failf(p, "control character in a string");
        if (c != '\\') {
            int32_t r;
            uint32_t w = utf8_decode(p->s + p->i, p->n - p->i, &r);
            if (w == 0) put_rune(t, 0xFFFD), w = 1;
            else text_put(t, (const char *)p->s + p->i, w);
            p->i += w;
            continue;
        }
        if (p->i + 1 >= p->n) return p->i++, failf(p, "unexpected character");
        const char *simple = "\"\"\\\\//b\bf\fn\nr\rt\t";
        uint8_t e = p->s[p->i + 1];
        const char *k = simple;
        while (*k && *k != (char)e) k += 2;
        if (*k) {
            text_putc(t, k[1]);
            p->i += 2;
            continue;
        }
        if (e != 'u') return p->i++, failf(p, "invalid escape");
        int32_t r = hex4(p, p->i + 2);
        if (r < 0) return p->i += 2, failf(p, "invalid \\u escape");
        p->i += 6;
        if (r >= 0xD800 && r < 0xE000) {
            int32_t lo = p->i + 1 < p->n && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u' ? hex4(p, p->i + 2) : -1;
            if (r < 0xDC00 && lo >= 0xDC00 && lo < 0xE000) {
                r = 0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00);
                p->i += 6;
            } else {
                r = 0xFFFD;
            }
        }
        put_rune(t, r);
    }
    p->i++;
    *len = t->len - *off;
    return !t->failed || failf(p, "out of memory");
}

/* digits reads decimal digits; false when there is none. */
static bool digits(parser *p) {
    uint32_t from = p->i;
    while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') p->i++;
    return p->i > from;
}

/* int64_of reads s, an integer literal, into *out; false when it does not
 * fit in 64 bits. */
static bool int64_of(const uint8_t *s, size_t n, int64_t *out) {
    bool negative = s[0] == '-';
    uint64_t u = 0, limit = negative ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
    for (size_t k = negative; k < n; k++) {
        uint64_t d = (uint64_t)(s[k] - '0');
        if (u > (limit - d) / 10) return false;
        u = u * 10 + d;
    }
    *out = negative ? (int64_t)(0 - u) : (int64_t)u;
    return true;
}

/* number reads a number: an integer when it has neither fraction nor
 * exponent and fits in 64 bits, else a float. */
static int32_t number(parser *p) {
    uint32_t start = p->i;
    bool integral = true;
    if (p->s[p->i] == '-') p->i++;
    if (p->i < p->n && p->s[p->i] == '0') p->i++;
    else if (!digits(p)) return failf(p, "unexpected character"), -1;
    if (p->i < p->n && p->s[p->i] == '.') {
        p->i++;
        integral = false;
        if (!digits(p)) return failf(p, "unexpected character"), -1;
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        p->i++;
        integral = false;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-')) p->i++;
        if (!digits(p)) return failf(p, "unexpected character"), -1;
    }
    int32_t id = new_val(p, J_INT);
    if (id < 0) return -1;
    jval *v = &p->d->v[id];
    if (integral && int64_of(p->s + start, p->i - start, &v->i)) return id;
    size_t len = p->i - start;
    char *lit = gh_malloc(len + 1);
    if (!lit) return failf(p, "out of memory"), -1;
    gh_memcpy(lit, p->s + start, len);
    lit[len] = 0;
    v->type = J_FLOAT;
    v->f = strtod(lit, NULL);
    gh_free(lit);
    return id;
}

static bool literal(parser *p, const char *word) {
    for (const char *w = word; *w; w++, p->i++)
        if (p->i >= p->n || p->s[p->i] != (uint8_t)*w) return failf(p, "unexpected character");
    return true;
}

static int32_t value(parser *p, int depth);

/* container reads an array or an object, p->i at its bracket. */
static int32_t container(parser *p, int depth, bool object) {
    char close = object ? '}' : ']';
    int32_t id = new_val(p, object ? J_OBJECT : J_ARRAY);
    if (id < 0) return -1;
    p->i++;
    space(p);
    if (p->i < p->n && p->s[p->i] == close) {
        p->i++;
        return id;
    }
    for (;;) {
        uint32_t name_off = 0, name_len = 0;
        if (object) {
            space(p);
            if (p->i >= p->n || p->s[p->i] != '"') return failf(p, "unexpected character"), -1;
            if (!string(p, &name_off, &name_len)) return -1;
            space(p);
            if (p->i >= p->n || p->s[p->i] != ':') return failf(p, "unexpected character"), -1;
            p->i++;
        }
        int32_t item = value(p, depth + 1);
        if (item < 0) return -1;
        p->d->v[item].name_off = name_off;
        p->d->v[item].name_len = name_len;
        append(p->d, id, item);
        space(p);
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
        } else if (p->i < p->n && p->s[p->i] == close) {
            p->i++;
            return id;
        } else {
            return failf(p, "unexpected character"), -1;
        }
    }
}

static int32_t value(parser *p, int depth) {
    if (depth > JSON_MAX_DEPTH) return failf(p, "nested deeper than 512 levels"), -1;
    space(p);
    if (p->i >= p->n) return failf(p, "unexpected character"), -1;
    int32_t id;
    switch (p->s[p->i]) {
    case '{': return container(p, depth, true);
    case '[': return container(p, depth, false);
    case '"':
        id = new_val(p, J_STR);
        if (id < 0) return -1;
        if (!string(p, &p->d->v[id].off, &p->d->v[id].len)) return -1;
        return id;
    case 't': return literal(p, "true") ? new_val(p, J_TRUE) : -1;
    case 'f': return literal(p, "false") ? new_val(p, J_FALSE) : -1;
    case 'n': return literal(p, "null") ? new_val(p, J_NULL) : -1;
    }
    if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9')) return number(p);
    return failf(p, "unexpected character"), -1;
}

const char *json_read(gh_bytes body, json_doc **doc) {
    json_doc *d = gh_calloc(1, sizeof *d);
    *doc = d;
    if (!d) return "not read: out of memory";
    parser p = {.s = body.ptr, .n = body.len, .d = d};
    space(&p);
    if (p.i == p.n) return "not a JSON object: empty";
    int32_t root = value(&p, 0);
    if (root < 0) return d->why;
    d->root = root;
    static const char *const kinds[] = {"null", "a boolean", "a boolean", "a number", "a number", "a string", "an array"};
    if (d->v[root].type != J_OBJECT) {
        snprintf(d->why, sizeof d->why, "not a JSON object: %s", kinds[d->v[root].type]);
        return d->why;
    }
    space(&p);
    if (p.i < p.n) return "more than one JSON value";
    return NULL;
}

static gh_str name_of(const json_doc *d, int32_t id) {
    return (gh_str){d->strings.buf + d->v[id].name_off, d->v[id].name_len};
}

/* by_name orders members by name, then by place, so that the last of a
 * repeated name ends its run; qsort takes no context, so the doc sorted is
 * in sorting (an instance runs one call at a time). */
static const json_doc *sorting;
static int by_name(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    int c = str_compare(name_of(sorting, x), name_of(sorting, y));
    return c != 0 ? c : (x > y) - (x < y);
}

/* members returns the members of the object id, each name once with its
 * last value, in *count; NULL when out of memory. */
static int32_t *members(const json_doc *d, int32_t id, uint32_t *count) {
    int32_t *m = gh_malloc(sizeof(int32_t) * (d->v[id].count + 1));
    if (!m) return NULL;
    uint32_t n = 0;
    for (int32_t k = d->v[id].first; k >= 0; k = d->v[k].next) m[n++] = k;
    sorting = d;
    qsort(m, n, sizeof *m, by_name);
    uint32_t kept = 0;
    for (uint32_t k = 0; k < n; k++)
        if (k + 1 == n || !gh_str_equal(name_of(d, m[k]), name_of(d, m[k + 1]))) m[kept++] = m[k];
    *count = kept;
    return m;
}

/* header writes a msgpack header: fix is the fix format's first byte and
 * limit its largest count, then the 8- (when b8 is not 0), 16- and 32-bit
 * formats. */
static void header(text *t, uint32_t n, uint8_t fix, uint32_t limit, uint8_t b8, uint8_t b16, uint8_t b32) {
    uint8_t h[5];
    size_t len;
    if (n <= limit) h[0] = (uint8_t)(fix | n), len = 1;
    else if (b8 && n <= 0xff) h[0] = b8, h[1] = (uint8_t)n, len = 2;
    else if (n <= 0xffff) h[0] = b16, h[1] = (uint8_t)(n >> 8), h[2] = (uint8_t)n, len = 3;
    else h[0] = b32, h[1] = (uint8_t)(n >> 24), h[2] = (uint8_t)(n >> 16), h[3] = (uint8_t)(n >> 8), h[4] = (uint8_t)n, len = 5;
    text_put(t, (const char *)h, len);
}

static void put_str(text *t, const char *s, uint32_t n) {
    header(t, n, 0xa0, 31, 0xd9, 0xda, 0xdb);
    text_put(t, s, n);
}

static void put_u64(text *t, uint8_t format, uint64_t v) {
    uint8_t b[9] = {format};
    for (int k = 0; k < 8; k++) b[1 + k] = (uint8_t)(v >> (56 - 8 * k));
    text_put(t, (const char *)b, 9);
}

/* encode writes the value id as msgpack. */
static void encode(text *t, const json_doc *d, int32_t id) {
    const jval *v = &d->v[id];
    switch (v->type) {
    case J_NULL: text_putc(t, (char)0xc0); return;
    case J_FALSE: text_putc(t, (char)0xc2); return;
    case J_TRUE: text_putc(t, (char)0xc3); return;
    case J_INT:
        if (v->i >= -32 && v->i <= 127) text_putc(t, (char)(int8_t)v->i);
        else put_u64(t, 0xd3, (uint64_t)v->i);
        return;
    case J_FLOAT: {
        uint64_t bits;
        gh_memcpy(&bits, &v->f, 8);
        put_u64(t, 0xcb, bits);
        return;
    }
    case J_STR: put_str(t, d->strings.buf + v->off, v->len); return;
    case J_ARRAY:
        header(t, v->count, 0x90, 15, 0, 0xdc, 0xdd);
        for (int32_t k = v->first; k >= 0; k = d->v[k].next) encode(t, d, k);
        return;
    case J_OBJECT: {
        uint32_t n;
        int32_t *m = members(d, id, &n);
        if (!m) {
            t->failed = true;
            return;
        }
        header(t, n, 0x80, 15, 0, 0xde, 0xdf);
        for (uint32_t k = 0; k < n; k++) {
            put_str(t, d->strings.buf + d->v[m[k]].name_off, d->v[m[k]].name_len);
            encode(t, d, m[k]);
        }
        gh_free(m);
    }
    }
}

void json_write_members(const json_doc *d, gh_writer *w) {
    uint32_t n;
    int32_t *m = members(d, d->root, &n);
    if (!m) {
        gh_error(w, GH_INTERNAL, "jsonsetter: out of memory for the reply's attributes");
        return;
    }
    text value = {0};
    for (uint32_t k = 0; k < n; k++) {
        const jval *v = &d->v[m[k]];
        gh_w_strn(w, d->strings.buf + v->name_off, v->name_len);
        value.len = 0;
        encode(&value, d, m[k]);
        if (value.failed) {
            gh_error(w, GH_INTERNAL, "jsonsetter: out of memory for the reply's attributes");
            break;
        }
        gh_w_val(w, (gh_val){(const uint8_t *)value.buf, value.len});
    }
    text_free(&value);
    gh_free(m);
}

void json_free(json_doc *d) {
    if (!d) return;
    gh_free(d->v);
    text_free(&d->strings);
    gh_free(d);
}
