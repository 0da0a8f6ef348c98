/* text.c: a growing buffer of text (text.h). */
#include "text.h"

void text_put(text *t, const char *s, size_t n) {
    if (t->failed || n == 0) return;
    if (n > UINT32_MAX - t->len) {
        t->failed = true;
        return;
    }
    uint32_t need = t->len + (uint32_t)n;
    if (need > t->cap) {
        uint32_t cap = t->cap ? t->cap : 256;
        while (cap < need) cap = cap > UINT32_MAX / 2 ? need : cap * 2;
        char *b = gh_realloc(t->buf, cap);
        if (!b) {
            t->failed = true;
            return;
        }
        t->buf = b;
        t->cap = cap;
    }
    gh_memcpy(t->buf + t->len, s, n);
    t->len = need;
}

void text_putc(text *t, char c) { text_put(t, &c, 1); }

int str_compare(gh_str a, gh_str b) {
    int c = gh_memcmp(a.ptr, b.ptr, a.len < b.len ? a.len : b.len);
    return c != 0 ? c : (a.len > b.len) - (a.len < b.len);
}

void text_free(text *t) {
    gh_free(t->buf);
    *t = (text){0};
}
