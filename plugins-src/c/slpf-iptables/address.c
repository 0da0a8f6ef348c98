/*
 * address.c: IPv4 and IPv6 address ranges, read from commands and written
 * into iptables arguments, and decimal numbers written as text.
 */
#include "slpf.h"

/* digit_value returns the value of a hexadecimal digit, or -1. */
static int digit_value(char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* parse_decimal reads a decimal number of at most max without sign or
 * leading zero. */
static bool parse_decimal(const char *p, uint32_t len, uint32_t max, uint32_t *out) {
    if (len == 0 || len > 10 || (len > 1 && p[0] == '0')) return false;
    uint64_t v = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') return false;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (v > max) return false;
    *out = (uint32_t)v;
    return true;
}

/* parse_v4 reads a dotted-quad IPv4 address into 4 bytes. */
static bool parse_v4(const char *p, uint32_t len, uint8_t *out) {
    uint32_t part = 0, start = 0;
    for (uint32_t i = 0; i <= len; i++) {
        if (i < len && p[i] != '.') continue;
        uint32_t v;
        if (part == 4 || !parse_decimal(p + start, i - start, 255, &v)) return false;
        out[part++] = (uint8_t)v;
        start = i + 1;
    }
    return part == 4;
}

/* parse_v6 reads an IPv6 address in the text forms of RFC 4291 section 2.2:
 * eight groups of one to four hexadecimal digits, one "::" standing for one
 * or more zero groups, the last two groups optionally written as IPv4. */
static bool parse_v6(const char *p, uint32_t len, uint8_t *out) {
    uint8_t groups[16] = {0};
    int n = 0, gap = -1; /* bytes read; where "::" stands */
    uint32_t i = 0;
    if (len >= 2 && p[0] == ':' && p[1] == ':') gap = 0, i = 2;
    else if (len >= 1 && p[0] == ':') return false;
    while (i < len) {
        uint32_t start = i, v = 0;
        while (i < len && i - start < 5 && digit_value(p[i]) >= 0) v = v * 16 + (uint32_t)digit_value(p[i++]);
        if (i < len && p[i] == '.') { /* an IPv4 tail */
            if (n > 12 || !parse_v4(p + start, len - start, groups + n)) return false;
            n += 4;
            i = len;
            break;
        }
        if (i == start || i - start > 4 || n == 16) return false;
        groups[n++] = (uint8_t)(v >> 8);
        groups[n++] = (uint8_t)v;
        if (i == len) break;
        if (p[i] != ':') return false;
        i++;
        if (i < len && p[i] == ':') {
            if (gap >= 0) return false;
            gap = n;
            i++;
        } else if (i == len) {
            return false; /* a trailing single colon */
        }
    }
    if (gap < 0) {
        if (n != 16) return false;
        gh_memcpy(out, groups, 16);
        return true;
    }
    if (n > 14) return false; /* "::" stands for at least one group */
    gh_memset(out, 0, 16);
    gh_memcpy(out, groups, (size_t)gap);
    gh_memcpy(out + 16 - (n - gap), groups + gap, (size_t)(n - gap));
    return true;
}

bool parse_prefix(gh_str s, bool v6, prefix *out) {
    uint32_t bits = v6 ? 128 : 32, addr_len = s.len, len = bits;
    for (uint32_t i = 0; i < s.len; i++)
        if (s.ptr[i] == '/') {
            addr_len = i;
            if (!parse_decimal(s.ptr + i + 1, s.len - i - 1, bits, &len)) return false;
            break;
        }
    prefix p = {.set = true, .len = (uint8_t)len};
    if (!(v6 ? parse_v6(s.ptr, addr_len, p.addr) : parse_v4(s.ptr, addr_len, p.addr))) return false;
    for (uint32_t b = len; b < bits; b++) p.addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
    *out = p;
    return true;
}

uint32_t format_decimal(char *buf, uint64_t v) {
    char digits[20];
    uint32_t n = 0, i = 0;
    do digits[n++] = (char)('0' + v % 10);
    while ((v /= 10) > 0);
    while (n > 0) buf[i++] = digits[--n];
    return i;
}

/* put_v6 writes an IPv6 address as RFC 5952 recommends: lower-case
 * hexadecimal without leading zeros, the longest run of two or more zero
 * groups (the first of equal runs) written "::". */
static uint32_t put_v6(char *buf, const uint8_t *a) {
    int best = -1, best_len = 1;
    for (int g = 0; g < 8;) {
        int run = 0;
        while (g + run < 8 && a[2 * (g + run)] == 0 && a[2 * (g + run) + 1] == 0) run++;
        if (run > best_len) best = g, best_len = run;
        g += run ? run : 1;
    }
    uint32_t n = 0;
    for (int g = 0; g < 8; g++) {
        if (g == best) {
            buf[n++] = ':';
            buf[n++] = ':';
            g += best_len - 1;
            continue;
        }
        if (g > 0 && g != best + best_len) buf[n++] = ':';
        unsigned v = (unsigned)a[2 * g] << 8 | a[2 * g + 1];
        bool lead = true;
        for (int shift = 12; shift >= 0; shift -= 4) {
            unsigned d = (v >> shift) & 0xf;
            if (lead && d == 0 && shift > 0) continue;
            lead = false;
            buf[n++] = "0123456789abcdef"[d];
        }
    }
    return n;
}

void write_prefix(gh_writer *w, const prefix *p, bool v6) {
    char buf[48];
    uint32_t n = 0;
    if (v6) {
        n = put_v6(buf, p->addr);
    } else {
        for (int i = 0; i < 4; i++) {
            if (i > 0) buf[n++] = '.';
            n += format_decimal(buf + n, p->addr[i]);
        }
    }
    if (p->len != (v6 ? 128 : 32)) {
        buf[n++] = '/';
        n += format_decimal(buf + n, p->len);
    }
    gh_w_strn(w, buf, n);
}
