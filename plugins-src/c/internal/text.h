/* text.h: a growing buffer of text (or bytes) on the kit's heap, shared by
 * the C access-control plugins. */
#ifndef PLUGINS_C_TEXT_H
#define PLUGINS_C_TEXT_H

#include "gatehouse.h"

/* text is a growing buffer. Out of memory marks it failed: later writes do
 * nothing. */
typedef struct text {
    char *buf;
    uint32_t len, cap;
    bool failed;
} text;

void text_put(text *t, const char *s, size_t n);
void text_putc(text *t, char c);
void text_free(text *t);

/* str_compare orders strings by their bytes, a prefix first: <0, 0 or >0. */
int str_compare(gh_str a, gh_str b);

#endif
