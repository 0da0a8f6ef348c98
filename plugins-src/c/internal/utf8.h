/* utf8.h: decoding UTF-8 as Go does, shared by the C plugins' parsers. */
#ifndef PLUGINS_C_UTF8_H
#define PLUGINS_C_UTF8_H

#include "gatehouse.h"

/* utf8_decode reads the rune at s[0:n], n > 0, into *r and returns its
 * length; 0 for a byte that does not start a valid UTF-8 sequence (no
 * surrogates, no overlong forms), which Go reads as one U+FFFD. */
uint32_t utf8_decode(const uint8_t *s, uint32_t n, int32_t *r);

#endif
