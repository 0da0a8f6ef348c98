/* utf8.c: decoding UTF-8 (utf8.h). */
#include "utf8.h"

uint32_t utf8_decode(const uint8_t *s, uint32_t n, int32_t *r) {
    uint8_t c = s[0];
    if (c < 0x80) {
        *r = c;
        return 1;
    }
    uint32_t len;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    int32_t v = c & (0x7F >> len);
    for (uint32_t i = 1; i < len; i++) {
        if (i > 1 && (s[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    *r = v;
    return len;
}
