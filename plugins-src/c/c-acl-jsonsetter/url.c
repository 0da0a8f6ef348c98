/* url.c: the URL of the web service, as the config key url gives it. */
#include "jsonsetter.h"

/* find returns the index of the first byte of s from `from` on that is one
 * of set, or s.len. */
static uint32_t find(gh_str s, uint32_t from, const char *set) {
    for (uint32_t i = from; i < s.len; i++)
        for (const char *c = set; *c; c++)
            if (s.ptr[i] == *c) return i;
    return s.len;
}

static bool ascii_eq_fold(const char *p, uint32_t n, const char *lower) {
    uint32_t k = 0;
    for (; k < n && lower[k]; k++)
        if ((p[k] | 0x20) != lower[k]) return false;
    return k == n && !lower[k];
}

/* authority finds the authority of an absolute http or https URL, the part
 * after "scheme://" before the path, query or fragment: false for another
 * URL. */
static bool authority(gh_str url, uint32_t *start, uint32_t *end) {
    uint32_t colon = 0;
    while (colon + 2 < url.len && !(url.ptr[colon] == ':' && url.ptr[colon + 1] == '/' && url.ptr[colon + 2] == '/')) colon++;
    if (colon + 2 >= url.len) return false;
    if (!ascii_eq_fold(url.ptr, colon, "http") && !ascii_eq_fold(url.ptr, colon, "https")) return false;
    *start = colon + 3;
    *end = find(url, *start, "/?#");
    return true;
}

bool url_is_absolute_http(gh_str url) {
    uint32_t start, end;
    if (!authority(url, &start, &end)) return false;
    uint32_t host = start;
    for (uint32_t i = start; i < end; i++) {
        if (url.ptr[i] == '@') host = i + 1;
        if (url.ptr[i] == ' ') return false;
    }
    for (uint32_t i = 0; i < url.len; i++)
        if ((uint8_t)url.ptr[i] < 0x20 || url.ptr[i] == 0x7f) return false;
    return host < end;
}

void url_with_query(text *t, gh_str url, const text *query) {
    uint32_t end = find(url, 0, "#");
    text_put(t, url.ptr, end);
    if (query->len == 0) return;
    uint32_t q = find(url, 0, "?");
    if (q >= end) text_putc(t, '?');
    else if (q + 1 < end) text_putc(t, '&');
    text_put(t, query->buf, query->len);
}

void url_redacted(text *t, gh_str url) {
    uint32_t start, end;
    if (authority(url, &start, &end)) {
        uint32_t at = end, colon = end;
        for (uint32_t i = start; i < end; i++) {
            if (url.ptr[i] == '@') at = i;
            if (url.ptr[i] == ':' && colon == end) colon = i;
        }
        if (at < end && colon < at) {
            text_put(t, url.ptr, colon + 1);
            text_put(t, "xxxxx", 5);
            text_put(t, url.ptr + at, url.len - at);
            return;
        }
    }
    text_put(t, url.ptr, url.len);
}

void go_quote(text *t, gh_str s) {
    static const char hex[] = "0123456789abcdef";
    text_putc(t, '"');
    for (uint32_t i = 0; i < s.len; i++) {
        uint8_t c = (uint8_t)s.ptr[i];
        const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
        if (esc) {
            text_put(t, esc, 2);
        } else if (c < 0x20 || c == 0x7f) {
            char x[4] = {'\\', 'x', hex[c >> 4], hex[c & 0xf]};
            text_put(t, x, 4);
        } else {
            text_putc(t, (char)c);
        }
    }
    text_putc(t, '"');
}
