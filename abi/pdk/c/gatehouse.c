/*
 * gatehouse.c: the implementation of the Gatehouse C plugin development kit
 * (gatehouse.h). Compile it once into every plugin, with the same flags as
 * the plugin's own units. See README.md.
 *
 * Configuration macros (define them on the command line, for every unit):
 *   GATEHOUSE_BINDING_EXTISM  build for the Extism binding (default: native)
 *   GATEHOUSE_USE_LIBC        use libc's malloc/free even without __wasi__
 *   GATEHOUSE_NO_MEMFUNCS     freestanding: do not define memcpy, memmove,
 *                             memset, memcmp and strlen (the plugin brings
 *                             its own)
 */
#include "gatehouse.h"

#if defined(__wasi__) || defined(GATEHOUSE_USE_LIBC)
#define GH__LIBC 1
#include <stdlib.h>
#include <string.h>
#else
#define GH__LIBC 0
#endif

#define GH__EXPORT(name) __attribute__((export_name(name)))
#define GH__NOBUILTIN __attribute__((no_builtin))

static size_t gh__strlen(const char *s);
static size_t gh__scan(const char *s, bool dot);

/* ========================================================================
 * Freestanding C runtime: the functions the compiler may call on its own
 * ======================================================================== */

#if !GH__LIBC && !defined(GATEHOUSE_NO_MEMFUNCS)
/* no_builtin keeps the optimiser from turning these loops into calls to
 * themselves. */
GH__NOBUILTIN void *memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    for (; n >= 8; n -= 8, d += 8, s += 8) {
        uint64_t v;
        __builtin_memcpy_inline(&v, s, 8);
        __builtin_memcpy_inline(d, &v, 8);
    }
    while (n--) *d++ = *s++;
    return dst;
}

GH__NOBUILTIN void *memmove(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d == s || n == 0) return dst;
    if (d < s || d >= s + n) return memcpy(dst, src, n);
    while (n--) d[n] = s[n];
    return dst;
}

GH__NOBUILTIN void *memset(void *dst, int c, size_t n) {
    uint8_t *d = dst;
    uint64_t v = (uint8_t)c * 0x0101010101010101ull;
    for (; n >= 8; n -= 8, d += 8) __builtin_memcpy_inline(d, &v, 8);
    while (n--) *d++ = (uint8_t)c;
    return dst;
}

GH__NOBUILTIN int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (; n >= 8 && gh__eq(x, y, 8); n -= 8, x += 8, y += 8) {
    }
    for (; n; n--, x++, y++)
        if (*x != *y) return *x < *y ? -1 : 1;
    return 0;
}

GH__NOBUILTIN size_t strlen(const char *s) { return gh__strlen(s); }
#endif

/* gh__scan returns the length of s up to its NUL, or up to its first '.'
 * too when dot is set. It reads aligned 8-byte words, so it never reads past
 * the word holding the end, which lies inside memory: memory ends on a 64 KiB
 * boundary. Eight bytes per loop iteration; see gh__eq for why. */
static size_t gh__scan(const char *s, bool dot) {
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull, dots = 0x2e2e2e2e2e2e2e2eull;
    uintptr_t at = (uintptr_t)s & ~(uintptr_t)7;
    unsigned lead = (unsigned)((uintptr_t)s & 7);
    uint64_t v;
    __builtin_memcpy_inline(&v, (const void *)at, 8);
    if (lead) v |= ~0ull >> (64 - 8 * lead); /* the bytes before s: neither NUL nor '.' */
    for (;;) {
        uint64_t z = (v - ones) & ~v & highs;
        if (dot) {
            uint64_t d = v ^ dots;
            z |= (d - ones) & ~d & highs;
        }
        if (z) return at + (__builtin_ctzll(z) >> 3) - (uintptr_t)s;
        at += 8;
        __builtin_memcpy_inline(&v, (const void *)at, 8);
    }
}

static size_t gh__strlen(const char *s) { return s ? gh__scan(s, false) : 0; }

/* ========================================================================
 * Heap
 * ======================================================================== */

#if GH__LIBC

void *gh_malloc(size_t size) { return malloc(size ? size : 1); }
void *gh_calloc(size_t count, size_t size) { return calloc(count ? count : 1, size ? size : 1); }
void *gh_realloc(void *ptr, size_t size) { return realloc(ptr, size ? size : 1); }
void gh_free(void *ptr) { free(ptr); }
__attribute__((unused)) static bool gh__owns(const void *ptr, uint32_t len) { return ptr != NULL || len == 0; }

#else

/* Every block is a power of two of 32 bytes or more, 16-byte aligned, with a
 * 16-byte header before the caller's bytes. Freed blocks go to the free list
 * of their size class and are reused for the same class; memory is taken
 * from the end of the heap with memory.grow and never given back. Simple,
 * O(1) and immune to fragmentation for the steady request/reply traffic of a
 * plugin. A block costs its size plus the header, rounded up to a power of
 * two: under twice that, and at least 32 bytes. */

#define GH__HDR 16u
#define GH__MIN_SHIFT 5
#define GH__MAX_SHIFT 31
#define GH__LIVE 0x6576696cu /* "live" */
#define GH__DEAD 0x64616564u /* "dead" */

typedef struct gh__block {
    uint32_t magic;
    uint32_t shift;
    struct gh__block *next; /* in a free list */
    uint32_t size;          /* bytes asked for, for gh__owns */
} gh__block;

extern unsigned char __heap_base;

static uint64_t gh__top, gh__limit; /* the unused end of the heap: [top, limit) */
static gh__block *gh__free_list[GH__MAX_SHIFT + 1];

static unsigned gh__shift_for(size_t size) {
    uint32_t need = (uint32_t)size + GH__HDR - 1; /* size <= 2^30 */
    unsigned shift = 32 - (unsigned)__builtin_clz(need | 1);
    return shift < GH__MIN_SHIFT ? GH__MIN_SHIFT : shift;
}

void *gh_malloc(size_t size) {
    if (size > ((size_t)1 << 30)) return NULL;
    unsigned shift = gh__shift_for(size);
    gh__block *b = gh__free_list[shift];
    if (b) {
        gh__free_list[shift] = b->next;
    } else {
        uint64_t bytes = (uint64_t)1 << shift;
        if (gh__top == 0) {
            gh__top = ((uint64_t)(uintptr_t)&__heap_base + 15) & ~(uint64_t)15;
            gh__limit = (uint64_t)__builtin_wasm_memory_size(0) * 65536;
        }
        if (gh__limit - gh__top < bytes) {
            uint64_t pages = (bytes - (gh__limit - gh__top) + 65535) / 65536;
            if (__builtin_wasm_memory_grow(0, (size_t)pages) == (size_t)-1) return NULL;
            gh__limit = (uint64_t)__builtin_wasm_memory_size(0) * 65536;
        }
        b = (gh__block *)(uintptr_t)gh__top;
        gh__top += bytes;
        b->shift = shift;
    }
    b->magic = GH__LIVE;
    b->next = NULL;
    b->size = (uint32_t)size;
    return (uint8_t *)b + GH__HDR;
}

static gh__block *gh__block_of(const void *ptr) {
    uintptr_t p = (uintptr_t)ptr;
    if (p < (uintptr_t)&__heap_base + GH__HDR || (p & 15) != 0 || (uint64_t)p > gh__top) return NULL;
    gh__block *b = (gh__block *)(p - GH__HDR);
    if ((b->magic != GH__LIVE && b->magic != GH__DEAD) || b->shift < GH__MIN_SHIFT || b->shift > GH__MAX_SHIFT) return NULL;
    return b;
}

void gh_free(void *ptr) {
    if (!ptr) return;
    gh__block *b = gh__block_of(ptr);
    if (!b || b->magic != GH__LIVE) __builtin_trap(); /* double free, or not from gh_malloc */
    b->magic = GH__DEAD;
    b->next = gh__free_list[b->shift];
    gh__free_list[b->shift] = b;
}

void *gh_calloc(size_t count, size_t size) {
    if (size && count > ((size_t)1 << 30) / size) return NULL;
    void *p = gh_malloc(count * size);
    if (p) gh_memset(p, 0, count * size);
    return p;
}

void *gh_realloc(void *ptr, size_t size) {
    if (!ptr) return gh_malloc(size);
    gh__block *b = gh__block_of(ptr);
    if (!b || b->magic != GH__LIVE) __builtin_trap();
    size_t room = ((size_t)1 << b->shift) - GH__HDR;
    if (size <= room) {
        b->size = (uint32_t)size;
        return ptr;
    }
    void *q = gh_malloc(size);
    if (!q) return NULL;
    gh_memcpy(q, ptr, b->size);
    gh_free(ptr);
    return q;
}

/* gh__owns reports whether ptr is a live block of at least len bytes: a
 * request buffer the host got from gatehouse_alloc. */
__attribute__((unused)) static bool gh__owns(const void *ptr, uint32_t len) {
    gh__block *b = gh__block_of(ptr);
    return b && b->magic == GH__LIVE && b->size >= len;
}

#endif

char *gh_strdup(gh_str s) {
    char *p = gh_malloc((size_t)s.len + 1);
    if (p) {
        if (s.len) gh_memcpy(p, s.ptr, s.len);
        p[s.len] = 0;
    }
    return p;
}

/* ---- the per-call arena ---- */

typedef struct gh__chunk {
    struct gh__chunk *next;
    uint32_t cap, used;
    uint32_t pad;
} gh__chunk;

static gh__chunk *gh__arena;

void *gh_scratch(size_t size) {
    if (size > ((size_t)1 << 30)) return NULL;
    size = (size + 15) & ~(size_t)15;
    gh__chunk *c = gh__arena;
    if (!c || c->cap - c->used < size) {
        size_t cap = c ? (size_t)c->cap * 2 : 4096 - sizeof(gh__chunk);
        if (cap < size) cap = size;
        if (cap > ((size_t)1 << 30)) cap = size;
        gh__chunk *n = gh_malloc(sizeof(gh__chunk) + cap);
        if (!n) return NULL;
        n->next = c;
        n->cap = (uint32_t)cap;
        n->used = 0;
        gh__arena = c = n;
    }
    void *p = (uint8_t *)(c + 1) + c->used;
    c->used += (uint32_t)size;
    return p;
}

/* gh__scratch_reset empties the arena, merging its chunks into one for the
 * next calls unless they grew past 1 MiB. */
static void gh__scratch_reset(void) {
    gh__chunk *c = gh__arena;
    if (!c) return;
    if (!c->next && c->cap <= (1u << 20)) {
        c->used = 0;
        return;
    }
    size_t total = 0;
    while (c) {
        gh__chunk *next = c->next;
        total += c->cap;
        gh_free(c);
        c = next;
    }
    gh__arena = NULL;
    if (total <= (1u << 20)) {
        gh__arena = gh_malloc(sizeof(gh__chunk) + total);
        if (gh__arena) {
            gh__arena->next = NULL;
            gh__arena->cap = (uint32_t)total;
            gh__arena->used = 0;
        }
    }
}

/* ========================================================================
 * Strings
 * ======================================================================== */

gh_str(gh_cstr)(const char *s) { return gh__cstr_inline(s); }

static inline bool gh__eqn(gh_str a, const char *s, size_t n) { return a.len == n && gh__eq(a.ptr, s, n); }

bool(gh_str_eq)(gh_str a, const char *s) { return gh__str_eq_inline(a, s); }

bool gh_str_equal(gh_str a, gh_str b) { return gh__eqn(a, b.ptr, b.len); }

bool gh_str_list_contains(gh_str_list list, gh_str s) {
    for (uint32_t i = 0; i < list.len; i++)
        if (gh_str_equal(list.items[i], s)) return true;
    return false;
}

bool gh_option_get(gh_option_list list, const char *name, gh_str *value) {
    size_t n = gh__strlen(name);
    for (uint32_t i = 0; i < list.len; i++) {
        if (gh__eqn(list.items[i].name, name, n)) {
            if (value) *value = list.items[i].value;
            return true;
        }
    }
    return false;
}

/* ========================================================================
 * msgpack: reading
 * ======================================================================== */

static inline uint16_t gh__be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t gh__be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t gh__be64(const uint8_t *p) { return (uint64_t)gh__be32(p) << 32 | gh__be32(p + 4); }

gh_reader gh_reader_of(const void *buf, size_t len) {
    gh_reader r = {(const uint8_t *)buf, (const uint8_t *)buf + (buf ? len : 0)};
    return r;
}

gh_reader gh_val_reader(gh_val v) { return gh_reader_of(v.ptr, v.len); }

gh_type gh_peek(const gh_reader *r) {
    if (r->p >= r->end) return GH_TYPE_NONE;
    uint8_t c = *r->p;
    if (c <= 0x7f || c >= 0xe0) return GH_TYPE_INT;
    if (c <= 0x8f) return GH_TYPE_MAP;
    if (c <= 0x9f) return GH_TYPE_ARRAY;
    if (c <= 0xbf) return GH_TYPE_STR;
    switch (c) {
    case 0xc0: return GH_TYPE_NIL;
    case 0xc1: return GH_TYPE_INVALID;
    case 0xc2: case 0xc3: return GH_TYPE_BOOL;
    case 0xc4: case 0xc5: case 0xc6: return GH_TYPE_BIN;
    case 0xca: case 0xcb: return GH_TYPE_FLOAT;
    case 0xd9: case 0xda: case 0xdb: return GH_TYPE_STR;
    case 0xdc: case 0xdd: return GH_TYPE_ARRAY;
    case 0xde: case 0xdf: return GH_TYPE_MAP;
    }
    if (c >= 0xcc && c <= 0xd3) return GH_TYPE_INT;
    return GH_TYPE_EXT; /* c7-c9, d4-d8 */
}

bool gh_read_nil(gh_reader *r) {
    if (r->p < r->end && *r->p == 0xc0) {
        r->p++;
        return true;
    }
    return false;
}

bool gh_read_bool(gh_reader *r, bool *out) {
    if (r->p < r->end && (*r->p == 0xc2 || *r->p == 0xc3)) {
        *out = *r->p++ == 0xc3;
        return true;
    }
    return false;
}

/* gh__integer decodes the integer at r: its 64 bits and whether the format
 * is signed. */
static bool gh__integer(const gh_reader *r, uint64_t *bits, bool *is_signed, size_t *size) {
    size_t rem = (size_t)(r->end - r->p);
    if (rem == 0) return false;
    const uint8_t *p = r->p;
    uint8_t c = p[0];
    *is_signed = false;
    if (c <= 0x7f) {
        *bits = c;
        *size = 1;
        return true;
    }
    if (c >= 0xe0) {
        *bits = (uint64_t)(int64_t)(int8_t)c;
        *is_signed = true;
        *size = 1;
        return true;
    }
    size_t n;
    switch (c) {
    case 0xcc: case 0xd0: n = 2; break;
    case 0xcd: case 0xd1: n = 3; break;
    case 0xce: case 0xd2: n = 5; break;
    case 0xcf: case 0xd3: n = 9; break;
    default: return false;
    }
    if (rem < n) return false;
    switch (c) {
    case 0xcc: *bits = p[1]; break;
    case 0xcd: *bits = gh__be16(p + 1); break;
    case 0xce: *bits = gh__be32(p + 1); break;
    case 0xcf: *bits = gh__be64(p + 1); break;
    case 0xd0: *bits = (uint64_t)(int64_t)(int8_t)p[1]; break;
    case 0xd1: *bits = (uint64_t)(int64_t)(int16_t)gh__be16(p + 1); break;
    case 0xd2: *bits = (uint64_t)(int64_t)(int32_t)gh__be32(p + 1); break;
    default: *bits = gh__be64(p + 1); break;
    }
    *is_signed = c >= 0xd0;
    *size = n;
    return true;
}

bool gh_read_int(gh_reader *r, int64_t *out) {
    uint64_t bits;
    bool sig;
    size_t n;
    if (!gh__integer(r, &bits, &sig, &n) || (!sig && bits > (uint64_t)INT64_MAX)) return false;
    *out = (int64_t)bits;
    r->p += n;
    return true;
}

bool gh_read_uint(gh_reader *r, uint64_t *out) {
    uint64_t bits;
    bool sig;
    size_t n;
    if (!gh__integer(r, &bits, &sig, &n) || (sig && (int64_t)bits < 0)) return false;
    *out = bits;
    r->p += n;
    return true;
}

bool gh_read_float(gh_reader *r, double *out) {
    size_t rem = (size_t)(r->end - r->p);
    if (rem >= 5 && *r->p == 0xca) {
        uint32_t b = gh__be32(r->p + 1);
        float f;
        gh_memcpy(&f, &b, 4);
        *out = f;
        r->p += 5;
        return true;
    }
    if (rem >= 9 && *r->p == 0xcb) {
        uint64_t b = gh__be64(r->p + 1);
        gh_memcpy(out, &b, 8);
        r->p += 9;
        return true;
    }
    uint64_t bits;
    bool sig;
    size_t n;
    if (!gh__integer(r, &bits, &sig, &n)) return false;
    *out = sig ? (double)(int64_t)bits : (double)bits;
    r->p += n;
    return true;
}

/* gh__span reads the header of a str or bin at r (both accepted) and
 * returns its bytes. */
static bool gh__span(gh_reader *r, const uint8_t **ptr, uint32_t *len) {
    size_t rem = (size_t)(r->end - r->p);
    if (rem == 0) return false;
    const uint8_t *p = r->p;
    uint8_t c = p[0];
    size_t hdr;
    uint32_t n;
    if (c >= 0xa0 && c <= 0xbf) {
        hdr = 1;
        n = c & 0x1f;
    } else if ((c == 0xd9 || c == 0xc4) && rem >= 2) {
        hdr = 2;
        n = p[1];
    } else if ((c == 0xda || c == 0xc5) && rem >= 3) {
        hdr = 3;
        n = gh__be16(p + 1);
    } else if ((c == 0xdb || c == 0xc6) && rem >= 5) {
        hdr = 5;
        n = gh__be32(p + 1);
    } else {
        return false;
    }
    if (n > rem - hdr) return false;
    *ptr = p + hdr;
    *len = n;
    r->p = p + hdr + n;
    return true;
}

bool gh_read_str(gh_reader *r, gh_str *out) {
    const uint8_t *p;
    uint32_t n;
    if (!gh__span(r, &p, &n)) return false;
    out->ptr = (const char *)p;
    out->len = n;
    return true;
}

bool gh_read_bin(gh_reader *r, gh_bytes *out) { return gh__span(r, &out->ptr, &out->len); }

static bool gh__container(gh_reader *r, uint32_t *count, uint8_t fix, uint8_t c16, uint8_t c32) {
    size_t rem = (size_t)(r->end - r->p);
    if (rem == 0) return false;
    uint8_t c = *r->p;
    if ((c & 0xf0) == fix) {
        *count = c & 0x0f;
        r->p += 1;
    } else if (c == c16 && rem >= 3) {
        *count = gh__be16(r->p + 1);
        r->p += 3;
    } else if (c == c32 && rem >= 5) {
        *count = gh__be32(r->p + 1);
        r->p += 5;
    } else {
        return false;
    }
    return true;
}

bool gh_read_map(gh_reader *r, uint32_t *count) { return gh__container(r, count, 0x80, 0xde, 0xdf); }
bool gh_read_array(gh_reader *r, uint32_t *count) { return gh__container(r, count, 0x90, 0xdc, 0xdd); }

/* gh__measure measures the value at p, of the rem bytes left: its encoded
 * size without the values it contains, and how many values it contains. */
static inline __attribute__((always_inline)) bool gh__measure(const uint8_t *p, size_t rem, size_t *size,
                                                              uint64_t *contains) {
    if (rem == 0) return false;
    uint8_t c = *p;
    size_t hdr = 1;
    uint64_t body = 0, n = 0;
    if (c <= 0x7f || c >= 0xe0) {
    } else if (c <= 0x8f) {
        n = 2u * (c & 0x0f);
    } else if (c <= 0x9f) {
        n = c & 0x0f;
    } else if (c <= 0xbf) {
        body = c & 0x1f;
    } else {
        switch (c) {
        case 0xc0: case 0xc2: case 0xc3: break;
        case 0xc1: return false;
        case 0xc4: case 0xd9: hdr = 2; if (rem < hdr) return false; body = p[1]; break;
        case 0xc5: case 0xda: hdr = 3; if (rem < hdr) return false; body = gh__be16(p + 1); break;
        case 0xc6: case 0xdb: hdr = 5; if (rem < hdr) return false; body = gh__be32(p + 1); break;
        case 0xc7: hdr = 3; if (rem < hdr) return false; body = p[1]; break;
        case 0xc8: hdr = 4; if (rem < hdr) return false; body = gh__be16(p + 1); break;
        case 0xc9: hdr = 6; if (rem < hdr) return false; body = gh__be32(p + 1); break;
        case 0xca: hdr = 5; break;
        case 0xcb: hdr = 9; break;
        case 0xcc: case 0xd0: hdr = 2; break;
        case 0xcd: case 0xd1: hdr = 3; break;
        case 0xce: case 0xd2: hdr = 5; break;
        case 0xcf: case 0xd3: hdr = 9; break;
        case 0xd4: hdr = 2; body = 1; break;
        case 0xd5: hdr = 2; body = 2; break;
        case 0xd6: hdr = 2; body = 4; break;
        case 0xd7: hdr = 2; body = 8; break;
        case 0xd8: hdr = 2; body = 16; break;
        case 0xdc: hdr = 3; if (rem < hdr) return false; n = gh__be16(p + 1); break;
        case 0xdd: hdr = 5; if (rem < hdr) return false; n = gh__be32(p + 1); break;
        case 0xde: hdr = 3; if (rem < hdr) return false; n = 2u * gh__be16(p + 1); break;
        case 0xdf: hdr = 5; if (rem < hdr) return false; n = 2ull * gh__be32(p + 1); break;
        }
    }
    if (rem < hdr || body > rem - hdr) return false;
    *size = hdr + (size_t)body;
    *contains = n;
    return true;
}

bool gh_skip(gh_reader *r) {
    const uint8_t *p = r->p, *end = r->end;
    size_t size;
    uint64_t left; /* values still to skip */
    /* The first value apart: a scalar is skipped without entering the loop. */
    if (!gh__measure(p, (size_t)(end - p), &size, &left)) return false;
    p += size;
    while (left) {
        /* every value left takes a byte at least */
        uint64_t more;
        if (left > (uint64_t)(end - p) || !gh__measure(p, (size_t)(end - p), &size, &more)) return false;
        p += size;
        left = left - 1 + more;
    }
    r->p = p;
    return true;
}

bool gh_read_val(gh_reader *r, gh_val *out) {
    const uint8_t *start = r->p;
    if (!gh_skip(r)) return false;
    out->ptr = start;
    out->len = (uint32_t)(r->p - start);
    return true;
}

/* ---- values ---- */

gh_type gh_val_type(gh_val v) {
    if (v.len == 0) return GH_TYPE_NONE;
    gh_reader r = gh_val_reader(v);
    return gh_peek(&r);
}

bool gh_val_exists(gh_val v) { return v.len != 0; }
bool gh_val_is_nil(gh_val v) { return v.len == 0 || v.ptr[0] == 0xc0; }

bool gh_val_str(gh_val v, gh_str *out) {
    gh_reader r = gh_val_reader(v);
    return gh_peek(&r) == GH_TYPE_STR && gh_read_str(&r, out);
}

bool gh_val_bin(gh_val v, gh_bytes *out) {
    gh_reader r = gh_val_reader(v);
    return gh_peek(&r) == GH_TYPE_BIN && gh_read_bin(&r, out);
}

bool gh_val_int(gh_val v, int64_t *out) {
    gh_reader r = gh_val_reader(v);
    return gh_read_int(&r, out);
}

bool gh_val_float(gh_val v, double *out) {
    gh_reader r = gh_val_reader(v);
    return gh_read_float(&r, out);
}

bool gh_val_bool(gh_val v, bool *out) {
    gh_reader r = gh_val_reader(v);
    return gh_read_bool(&r, out);
}

bool gh_val_getn(gh_val m, const char *key, size_t key_len, gh_val *out) {
    gh_reader r = gh_val_reader(m);
    uint32_t n;
    if (!gh_read_map(&r, &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh_read_str(&r, &k)) {
            if (!gh_skip(&r)) return false; /* a key that is no string: never a match */
            k.len = UINT32_MAX;
        }
        if (gh__eqn(k, key, key_len)) return gh_read_val(&r, out);
        if (!gh_skip(&r)) return false;
    }
    return false;
}

bool gh_val_get(gh_val m, const char *key, gh_val *out) { return gh_val_getn(m, key, gh__strlen(key), out); }

bool gh_val_path(gh_val v, const char *path, gh_val *out) {
    gh_val cur = v;
    const char *s = path;
    while (*s) {
        const char *dot = s + gh__scan(s, true);
        if (!gh_val_getn(cur, s, (size_t)(dot - s), &cur)) return false;
        s = *dot ? dot + 1 : dot;
    }
    *out = cur;
    return true;
}

bool gh_context_get(const gh_context *ctx, const char *path, gh_val *out) {
    const char *dot = path + gh__scan(path, true);
    gh_str cat = {path, (uint32_t)(dot - path)};
    gh_val v;
    if (gh_str_eq(cat, "subject")) v = ctx->subject;
    else if (gh_str_eq(cat, "object")) v = ctx->object;
    else if (gh_str_eq(cat, "environment")) v = ctx->environment;
    else if (gh_str_eq(cat, "access")) v = ctx->access;
    else return false;
    if (!*dot) {
        *out = v;
        return v.len != 0;
    }
    return gh_val_path(v, dot + 1, out);
}

bool gh_map_iter(gh_val m, gh_iter *it) {
    it->r = gh_val_reader(m);
    it->left = 0;
    it->bad = false;
    if (gh_val_is_nil(m)) return true;
    return gh_read_map(&it->r, &it->left);
}

bool gh_map_next(gh_iter *it, gh_str *key, gh_val *value) {
    if (it->left == 0 || it->bad) return false;
    if (!gh_read_str(&it->r, key) || !gh_read_val(&it->r, value)) {
        it->bad = true;
        return false;
    }
    it->left--;
    return true;
}

bool gh_array_iter(gh_val a, gh_iter *it) {
    it->r = gh_val_reader(a);
    it->left = 0;
    it->bad = false;
    if (gh_val_is_nil(a)) return true;
    return gh_read_array(&it->r, &it->left);
}

bool gh_array_next(gh_iter *it, gh_val *value) {
    if (it->left == 0 || it->bad) return false;
    if (!gh_read_val(&it->r, value)) {
        it->bad = true;
        return false;
    }
    it->left--;
    return true;
}

/* ========================================================================
 * msgpack: writing
 * ======================================================================== */

enum { GH__WRITING = 0, GH__BROKEN = 1, GH__ERROR = 2 };

void gh_writer_init(gh_writer *w) {
    w->buf = NULL;
    w->len = w->cap = 0;
    w->depth = 0;
    w->state = GH__WRITING;
    w->failure = NULL;
}

void gh_writer_reset(gh_writer *w) {
    w->len = 0;
    w->depth = 0;
    w->state = GH__WRITING;
    w->failure = NULL;
}

void gh_writer_free(gh_writer *w) {
    gh_free(w->buf);
    gh_writer_init(w);
}

bool gh_writer_ok(const gh_writer *w) { return w->state != GH__BROKEN && w->depth == 0; }

gh_bytes gh_writer_bytes(const gh_writer *w) {
    gh_bytes b = {w->buf, w->len};
    return b;
}

static void gh__w_break(gh_writer *w, const char *why) {
    if (w->state == GH__WRITING) {
        w->state = GH__BROKEN;
        w->failure = why;
    }
}

/* gh__w_grow grows the buffer to hold need bytes; false when the writer
 * breaks instead. */
__attribute__((noinline, cold)) static bool gh__w_grow(gh_writer *w, uint64_t need) {
    if (need > 0x7fffffffu) {
        gh__w_break(w, "reply larger than 2 GiB");
        return false;
    }
    uint64_t cap = w->cap ? w->cap : 256;
    while (cap < need) cap *= 2;
    uint8_t *b = gh_realloc(w->buf, (size_t)cap);
    if (!b) {
        gh__w_break(w, "out of memory");
        return false;
    }
    w->buf = b;
    w->cap = (uint32_t)cap;
    return true;
}

/* gh__w_room makes room for n more bytes and returns where they go, or NULL
 * when the writer is not writing or memory runs out. */
static inline uint8_t *gh__w_room(gh_writer *w, size_t n) {
    if (w->state != GH__WRITING) return NULL;
    uint64_t need = (uint64_t)w->len + n;
    if (need > w->cap && !gh__w_grow(w, need)) return NULL;
    uint8_t *p = w->buf + w->len;
    w->len += (uint32_t)n;
    return p;
}

/* gh__copy copies n bytes; up to 32 without a loop, with two or four
 * overlapping moves (see gh__eq for why loops are avoided), longer ones
 * with memory.copy, which the runtime runs out of line. */
static inline __attribute__((always_inline)) void gh__copy(uint8_t *d, const void *src, size_t n) {
    const uint8_t *s = src;
    if (n > 16 && n <= 32) {
        uint64_t a, b, c, e;
        __builtin_memcpy_inline(&a, s, 8);
        __builtin_memcpy_inline(&b, s + 8, 8);
        __builtin_memcpy_inline(&c, s + n - 16, 8);
        __builtin_memcpy_inline(&e, s + n - 8, 8);
        __builtin_memcpy_inline(d, &a, 8);
        __builtin_memcpy_inline(d + 8, &b, 8);
        __builtin_memcpy_inline(d + n - 16, &c, 8);
        __builtin_memcpy_inline(d + n - 8, &e, 8);
    } else if (n >= 8 && n <= 16) {
        uint64_t a, b;
        __builtin_memcpy_inline(&a, s, 8);
        __builtin_memcpy_inline(&b, s + n - 8, 8);
        __builtin_memcpy_inline(d, &a, 8);
        __builtin_memcpy_inline(d + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        __builtin_memcpy_inline(&a, s, 4);
        __builtin_memcpy_inline(&b, s + n - 4, 4);
        __builtin_memcpy_inline(d, &a, 4);
        __builtin_memcpy_inline(d + n - 4, &b, 4);
    } else if (n > 0 && n < 4) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    } else if (n > 16) {
        gh_memcpy(d, s, n);
    }
}

/* gh__w_value makes room for one value of n bytes, counted in the open map
 * or array. */
static inline uint8_t *gh__w_value(gh_writer *w, size_t n) {
    uint8_t *p = gh__w_room(w, n);
    if (p && w->depth) w->open[w->depth - 1].count++;
    return p;
}

static inline void gh__put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void gh__put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void gh__put64(uint8_t *p, uint64_t v) {
    gh__put32(p, (uint32_t)(v >> 32));
    gh__put32(p + 4, (uint32_t)v);
}

void gh_w_nil(gh_writer *w) {
    uint8_t *p = gh__w_value(w, 1);
    if (p) *p = 0xc0;
}

void gh_w_bool(gh_writer *w, bool v) {
    uint8_t *p = gh__w_value(w, 1);
    if (p) *p = v ? 0xc3 : 0xc2;
}

void gh_w_uint(gh_writer *w, uint64_t v) {
    uint8_t *p;
    if (v <= 0x7f) {
        if ((p = gh__w_value(w, 1))) p[0] = (uint8_t)v;
    } else if (v <= 0xff) {
        if ((p = gh__w_value(w, 2))) p[0] = 0xcc, p[1] = (uint8_t)v;
    } else if (v <= 0xffff) {
        if ((p = gh__w_value(w, 3))) p[0] = 0xcd, gh__put16(p + 1, (uint16_t)v);
    } else if (v <= 0xffffffffu) {
        if ((p = gh__w_value(w, 5))) p[0] = 0xce, gh__put32(p + 1, (uint32_t)v);
    } else {
        if ((p = gh__w_value(w, 9))) p[0] = 0xcf, gh__put64(p + 1, v);
    }
}

void gh_w_int(gh_writer *w, int64_t v) {
    uint8_t *p;
    if (v >= 0) {
        gh_w_uint(w, (uint64_t)v);
    } else if (v >= -32) {
        if ((p = gh__w_value(w, 1))) p[0] = (uint8_t)(int8_t)v;
    } else if (v >= INT8_MIN) {
        if ((p = gh__w_value(w, 2))) p[0] = 0xd0, p[1] = (uint8_t)(int8_t)v;
    } else if (v >= INT16_MIN) {
        if ((p = gh__w_value(w, 3))) p[0] = 0xd1, gh__put16(p + 1, (uint16_t)(int16_t)v);
    } else if (v >= INT32_MIN) {
        if ((p = gh__w_value(w, 5))) p[0] = 0xd2, gh__put32(p + 1, (uint32_t)(int32_t)v);
    } else {
        if ((p = gh__w_value(w, 9))) p[0] = 0xd3, gh__put64(p + 1, (uint64_t)v);
    }
}

void gh_w_float(gh_writer *w, double v) {
    uint8_t *p = gh__w_value(w, 9);
    if (p) {
        uint64_t b;
        gh_memcpy(&b, &v, 8);
        p[0] = 0xcb;
        gh__put64(p + 1, b);
    }
}

void gh_w_float32(gh_writer *w, float v) {
    uint8_t *p = gh__w_value(w, 5);
    if (p) {
        uint32_t b;
        gh_memcpy(&b, &v, 4);
        p[0] = 0xca;
        gh__put32(p + 1, b);
    }
}

/* gh__w_span writes a str (fix 0xa0, 8-bit 0xd9, ...) or bin header and
 * the bytes. */
static void gh__w_span(gh_writer *w, const void *s, size_t len, bool bin) {
    if (len > 0xffffffffu) {
        gh__w_break(w, "string longer than 4 GiB");
        return;
    }
    uint8_t *p;
    size_t hdr;
    if (!bin && len <= 31) {
        if (!(p = gh__w_value(w, 1 + len))) return;
        p[0] = (uint8_t)(0xa0 | len);
        hdr = 1;
    } else if (len <= 0xff) {
        if (!(p = gh__w_value(w, 2 + len))) return;
        p[0] = bin ? 0xc4 : 0xd9;
        p[1] = (uint8_t)len;
        hdr = 2;
    } else if (len <= 0xffff) {
        if (!(p = gh__w_value(w, 3 + len))) return;
        p[0] = bin ? 0xc5 : 0xda;
        gh__put16(p + 1, (uint16_t)len);
        hdr = 3;
    } else {
        if (!(p = gh__w_value(w, 5 + len))) return;
        p[0] = bin ? 0xc6 : 0xdb;
        gh__put32(p + 1, (uint32_t)len);
        hdr = 5;
    }
    gh__copy(p + hdr, s, len);
}

void(gh_w_str)(gh_writer *w, const char *s) { gh__w_str_inline(w, s); }
void gh_w_strn(gh_writer *w, const char *s, size_t len) { gh__w_span(w, s, len, false); }
void gh_w_gstr(gh_writer *w, gh_str s) { gh__w_span(w, s.ptr, s.len, false); }
void gh_w_bin(gh_writer *w, const void *p, size_t len) { gh__w_span(w, p, len, true); }

void gh_w_val(gh_writer *w, gh_val v) {
    if (v.len == 0) {
        gh_w_nil(w);
        return;
    }
    uint8_t *p = gh__w_value(w, v.len);
    if (p) gh__copy(p, v.ptr, v.len);
}

/* An open map or array gets a 1-byte header, right for up to 15 entries;
 * gh_w_end writes it once the count is known, and moves the entries to make
 * room for a longer header only when there are more. */
static void gh__w_open(gh_writer *w, bool map) {
    if (w->state != GH__WRITING) return;
    if (w->depth == GH_MAX_DEPTH) {
        gh__w_break(w, "maps and arrays nested too deep");
        return;
    }
    uint32_t start = w->len;
    if (!gh__w_value(w, 1)) return;
    w->open[w->depth].start = start;
    w->open[w->depth].count = 0;
    w->open[w->depth].map = map;
    w->depth++;
}

void gh_w_map(gh_writer *w) { gh__w_open(w, true); }
void gh_w_array(gh_writer *w) { gh__w_open(w, false); }

void gh_w_end(gh_writer *w) {
    if (w->state != GH__WRITING) return;
    if (w->depth == 0) {
        gh__w_break(w, "gh_w_end without an open map or array");
        return;
    }
    w->depth--;
    uint32_t start = w->open[w->depth].start;
    uint32_t n = w->open[w->depth].count;
    bool map = w->open[w->depth].map;
    if (map) {
        if (n & 1) {
            gh__w_break(w, "a map key without its value");
            return;
        }
        n /= 2;
    }
    if (n <= 15) {
        w->buf[start] = (uint8_t)((map ? 0x80 : 0x90) | n);
        return;
    }
    uint32_t body = w->len - start - 1;
    uint32_t extra = n <= 0xffff ? 2 : 4;
    if (!gh__w_room(w, extra)) return;
    uint8_t *b = w->buf + start;
    gh_memmove(b + 1 + extra, b + 1, body);
    if (extra == 2) {
        b[0] = map ? 0xde : 0xdc;
        gh__put16(b + 1, (uint16_t)n);
    } else {
        b[0] = map ? 0xdf : 0xdd;
        gh__put32(b + 1, n);
    }
}

/* ---- formatting ---- */

static void gh__w_raw(gh_writer *w, const void *s, size_t n) {
    uint8_t *p = gh__w_room(w, n);
    if (p && n) gh_memcpy(p, s, n);
}

static void gh__w_digits(gh_writer *w, uint64_t v, bool neg, unsigned base) {
    char buf[24];
    int i = (int)sizeof buf;
    do {
        buf[--i] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg) buf[--i] = '-';
    gh__w_raw(w, buf + i, sizeof buf - (size_t)i);
}

/* gh__vformat appends the formatted text to w as raw bytes. */
static void gh__vformat(gh_writer *w, const char *f, va_list ap) {
    while (*f) {
        const char *lit = f;
        while (*f && *f != '%') f++;
        if (f > lit) gh__w_raw(w, lit, (size_t)(f - lit));
        if (!*f) break;
        f++; /* '%' */
        int prec = -1;
        if (*f == '.') {
            f++;
            if (*f == '*') {
                prec = va_arg(ap, int);
                f++;
            } else {
                prec = 0;
                while (*f >= '0' && *f <= '9') prec = prec * 10 + (*f++ - '0');
            }
        }
        int longs = 0;
        bool size = false;
        while (*f == 'l') longs++, f++;
        if (*f == 'z') size = true, f++;
        char conv = *f ? *f++ : 0;
        switch (conv) {
        case '%': gh__w_raw(w, "%", 1); break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            gh__w_raw(w, &c, 1);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            size_t n = 0;
            while ((prec < 0 || n < (size_t)prec) && s[n]) n++;
            gh__w_raw(w, s, n);
            break;
        }
        case 'd': case 'i': {
            int64_t v = size ? (int64_t)va_arg(ap, ptrdiff_t) : longs >= 2 ? va_arg(ap, long long)
                      : longs == 1 ? va_arg(ap, long) : va_arg(ap, int);
            gh__w_digits(w, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0, 10);
            break;
        }
        case 'u': case 'x': {
            uint64_t v = size ? va_arg(ap, size_t) : longs >= 2 ? va_arg(ap, unsigned long long)
                       : longs == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            gh__w_digits(w, v, false, conv == 'x' ? 16 : 10);
            break;
        }
        case 'p':
            gh__w_raw(w, "0x", 2);
            gh__w_digits(w, (uintptr_t)va_arg(ap, void *), false, 16);
            break;
        default: /* unsupported: written as is */
            gh__w_raw(w, "%", 1);
            if (conv) gh__w_raw(w, &conv, 1);
        }
    }
}

/* GH__KEY writes a literal key, its length known at compile time. */
#define GH__KEY(w, lit) gh_w_strn((w), (lit), sizeof(lit) - 1)

/* gh__w_fstr writes a msgpack str of the formatted text. */
static void gh__w_fstr(gh_writer *w, const char *format, va_list ap) {
    uint32_t start = w->len;
    if (!gh__w_value(w, 5)) return;
    gh__vformat(w, format, ap);
    if (w->state != GH__WRITING) return;
    uint32_t n = w->len - start - 5;
    uint8_t *b = w->buf + start;
    if (n <= 31) {
        b[0] = (uint8_t)(0xa0 | n);
        gh_memmove(b + 1, b + 5, n);
        w->len -= 4;
    } else if (n <= 0xff) {
        b[0] = 0xd9;
        b[1] = (uint8_t)n;
        gh_memmove(b + 2, b + 5, n);
        w->len -= 3;
    } else if (n <= 0xffff) {
        b[0] = 0xda;
        gh__put16(b + 1, (uint16_t)n);
        gh_memmove(b + 3, b + 5, n);
        w->len -= 2;
    } else {
        b[0] = 0xdb;
        gh__put32(b + 1, n);
    }
}

void gh_w_strf(gh_writer *w, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    gh__w_fstr(w, format, ap);
    va_end(ap);
}

/* ========================================================================
 * Errors and replies
 * ======================================================================== */

const char *gh_code_name(gh_code code) {
    switch (code) {
    case GH_INVALID_REQUEST: return "invalid_request";
    case GH_NOT_FOUND: return "not_found";
    case GH_UNSUPPORTED: return "unsupported";
    case GH_DENIED: return "denied";
    case GH_UNAVAILABLE: return "unavailable";
    default: return "internal";
    }
}

const char *gh_kind_name(gh_kind kind) {
    switch (kind) {
    case GH_ACTUATOR: return "actuator";
    case GH_OBLIGATION: return "obligation";
    case GH_ENVIRONMENT: return "environment";
    case GH_OBJECT: return "object";
    case GH_AGENT: return "agent";
    default: return "";
    }
}

static gh_status gh__verror(gh_writer *w, gh_code code, const char *format, va_list ap) {
    w->len = 0;
    w->depth = 0;
    w->state = GH__WRITING;
    gh_w_map(w);
    GH__KEY(w, "error");
    gh_w_map(w);
    GH__KEY(w, "code");
    gh_w_str(w, gh_code_name(code));
    GH__KEY(w, "message");
    gh__w_fstr(w, format, ap);
    gh_w_end(w);
    gh_w_end(w);
    if (w->state == GH__WRITING) w->state = GH__ERROR;
    return GH_FAILED;
}

gh_status gh_errorf(gh_writer *w, gh_code code, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    gh__verror(w, code, format, ap);
    va_end(ap);
    return GH_FAILED;
}

gh_status gh_error(gh_writer *w, gh_code code, const char *message) {
    return gh_errorf(w, code, "%s", message ? message : "");
}

void gh_reply_status(gh_writer *w, int status, const char *status_text) {
    GH__KEY(w, "status");
    gh_w_int(w, status);
    if (status_text && *status_text) {
        GH__KEY(w, "status_text");
        gh_w_str(w, status_text);
    }
}

void gh_reply_results(gh_writer *w) {
    GH__KEY(w, "results");
    gh_w_map(w);
}

void gh_reply_fulfilled(gh_writer *w, bool fulfilled, const char *reason) {
    GH__KEY(w, "fulfilled");
    gh_w_bool(w, fulfilled);
    if (reason && *reason) {
        GH__KEY(w, "reason");
        gh_w_str(w, reason);
    }
}

void gh_reply_value(gh_writer *w) { GH__KEY(w, "value"); }

void gh_reply_attributes(gh_writer *w) {
    GH__KEY(w, "attributes");
    gh_w_map(w);
}

void gh_reply_action(gh_writer *w, const gh_action *a) {
    GH__KEY(w, "action");
    gh_w_map(w);
    GH__KEY(w, "kind");
    gh_w_gstr(w, a->kind);
    if (a->target.len) {
        GH__KEY(w, "target");
        gh_w_gstr(w, a->target);
    }
    if (a->risk != 0) {
        GH__KEY(w, "risk");
        gh_w_float(w, a->risk);
    }
    if (a->time != 0) {
        GH__KEY(w, "time");
        gh_w_int(w, a->time);
    }
    gh_w_end(w);
}

/* ========================================================================
 * Request decoding
 * ======================================================================== */

/* A decoder reads one request; on a malformed one it writes the
 * invalid_request reply and returns false. */
typedef struct gh__dec {
    gh_reader r;
    const char *what; /* "environment request" */
    gh_writer *w;
} gh__dec;

static bool gh__bad(gh__dec *d, const char *field, const char *problem) {
    gh_errorf(d->w, GH_INVALID_REQUEST, "decode %s: %s: %s", d->what, field, problem);
    return false;
}

#define GH__IS(k, lit) ((k).len == sizeof(lit) - 1 && gh__eq((k).ptr, lit, sizeof(lit) - 1))

/* gh__ascii reports whether the n bytes at p are all ASCII: up to 16 of them
 * without a loop, with two overlapping loads (see gh__eq for why loops are
 * avoided), longer ones 8 at a time. */
static inline __attribute__((always_inline)) bool gh__ascii(const uint8_t *p, size_t n) {
    uint64_t a, b;
    if (n >= 8) {
        for (; n > 16; n -= 8, p += 8) {
            __builtin_memcpy_inline(&a, p, 8);
            if (a & 0x8080808080808080ull) return false;
        }
        __builtin_memcpy_inline(&a, p, 8);
        __builtin_memcpy_inline(&b, p + n - 8, 8);
        return ((a | b) & 0x8080808080808080ull) == 0;
    }
    if (n >= 4) {
        uint32_t x, y;
        __builtin_memcpy_inline(&x, p, 4);
        __builtin_memcpy_inline(&y, p + n - 4, 4);
        return ((x | y) & 0x80808080u) == 0;
    }
    return n == 0 || ((p[0] | p[n / 2] | p[n - 1]) & 0x80) == 0;
}

/* gh__utf8_valid reports whether s is valid UTF-8: no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
static bool gh__utf8_valid(gh_str s) {
    const uint8_t *p = (const uint8_t *)s.ptr, *end = p + s.len;
    if (gh__ascii(p, s.len)) return true;
    while (p < end) {
        uint8_t c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n;
        uint8_t lo = 0x80, hi = 0xbf; /* the range of the second byte */
        if (c >= 0xc2 && c <= 0xdf) n = 2;
        else if (c == 0xe0) n = 3, lo = 0xa0;
        else if (c == 0xed) n = 3, hi = 0x9f;
        else if (c >= 0xe1 && c <= 0xef) n = 3;
        else if (c == 0xf0) n = 4, lo = 0x90;
        else if (c == 0xf4) n = 4, hi = 0x8f;
        else if (c >= 0xf1 && c <= 0xf3) n = 4;
        else return false;
        if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi) return false;
        for (size_t i = 2; i < n; i++)
            if ((p[i] & 0xc0) != 0x80) return false;
        p += n;
    }
    return true;
}

/* gh__d_key reads a key. It is checked for UTF-8 only when it is none of
 * the message's keys (gh__d_other): those are ASCII literals, so a key equal
 * to one is valid. */
static bool gh__d_key(gh__dec *d, gh_str *k) {
    return gh_read_str(&d->r, k) || gh__bad(d, "map", "a key is not a string");
}

static bool gh__d_utf8_key(gh__dec *d, gh_str k) {
    return gh__utf8_valid(k) || gh__bad(d, "map", "a key is not valid UTF-8");
}

static bool gh__d_skip(gh__dec *d) { return gh_skip(&d->r) || gh__bad(d, "request", "truncated or invalid msgpack"); }

/* gh__d_other checks the key k that is none of the message's and skips its
 * value. */
static bool gh__d_other(gh__dec *d, gh_str k) { return gh__d_utf8_key(d, k) && gh__d_skip(d); }

/* gh__d_map reads the header of a message map; nil is an empty one. */
static bool gh__d_map(gh__dec *d, const char *field, uint32_t *n) {
    *n = 0;
    return gh_read_nil(&d->r) || gh_read_map(&d->r, n) || gh__bad(d, field, "not a map");
}

/* gh__d_str reads a string field: str or bin, valid UTF-8; nil is "". */
static bool gh__d_str(gh__dec *d, const char *field, gh_str *out) {
    out->ptr = "";
    out->len = 0;
    if (gh_read_nil(&d->r)) return true;
    if (!gh_read_str(&d->r, out)) return gh__bad(d, field, "not a string");
    return gh__utf8_valid(*out) || gh__bad(d, field, "not valid UTF-8");
}

static bool gh__d_int(gh__dec *d, const char *field, int64_t *out) {
    *out = 0;
    if (gh_read_nil(&d->r) || gh_read_int(&d->r, out)) return true;
    return gh__bad(d, field, gh_peek(&d->r) == GH_TYPE_INT ? "out of range" : "not an integer");
}

static bool gh__d_float(gh__dec *d, const char *field, double *out) {
    *out = 0;
    return gh_read_nil(&d->r) || gh_read_float(&d->r, out) || gh__bad(d, field, "not a number");
}

/* gh__d_anymap reads a map of any; nil leaves it missing. */
static bool gh__d_anymap(gh__dec *d, const char *field, gh_val *out) {
    out->ptr = NULL;
    out->len = 0;
    if (gh_read_nil(&d->r)) return true;
    if (gh_peek(&d->r) != GH_TYPE_MAP) return gh__bad(d, field, "not a map");
    return gh_read_val(&d->r, out) || gh__bad(d, field, "truncated or invalid msgpack");
}

/* gh__d_array reads an array header and makes room for its items in the
 * scratch arena; nil is an empty array. */
static bool gh__d_array(gh__dec *d, const char *field, size_t item, void **items, uint32_t *n) {
    *items = NULL;
    *n = 0;
    if (gh_read_nil(&d->r)) return true;
    if (!gh_read_array(&d->r, n)) return gh__bad(d, field, "not an array");
    if (*n > (size_t)(d->r.end - d->r.p)) return gh__bad(d, field, "truncated");
    if (*n > ((size_t)1 << 30) / item) return gh__bad(d, field, "too long");
    if (*n && !(*items = gh_scratch(*n * item))) return gh__bad(d, field, "out of memory");
    return true;
}

static bool gh__d_strs(gh__dec *d, const char *field, gh_str_list *out) {
    void *items;
    uint32_t n;
    if (!gh__d_array(d, field, sizeof(gh_str), &items, &n)) return false;
    gh_str *s = items;
    for (uint32_t i = 0; i < n; i++)
        if (!gh__d_str(d, field, &s[i])) return false;
    out->items = s;
    out->len = n;
    return true;
}

static bool gh__d_context(gh__dec *d, gh_context *c) {
    uint32_t n;
    if (!gh__d_map(d, "context", &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k)) return false;
        bool ok = GH__IS(k, "subject")       ? gh__d_anymap(d, "context.subject", &c->subject)
                  : GH__IS(k, "object")      ? gh__d_anymap(d, "context.object", &c->object)
                  : GH__IS(k, "environment") ? gh__d_anymap(d, "context.environment", &c->environment)
                  : GH__IS(k, "access")      ? gh__d_anymap(d, "context.access", &c->access)
                                             : gh__d_other(d, k);
        if (!ok) return false;
    }
    return true;
}

/* gh__d_request reads the header of the request map. */
static bool gh__d_request(gh__dec *d, uint32_t *n) {
    return gh_read_map(&d->r, n) || gh__bad(d, "request", "not a map");
}

static bool gh__d_done(gh__dec *d) { return d->r.p == d->r.end || gh__bad(d, "request", "trailing bytes after the map"); }

static bool gh__d_describe(gh__dec *d, gh_str *host_abi) {
    uint32_t n;
    if (!gh__d_request(d, &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k)) return false;
        if (!(GH__IS(k, "host_abi") ? gh__d_str(d, "host_abi", host_abi) : gh__d_other(d, k))) return false;
    }
    return gh__d_done(d);
}

/* gh__d_start reads the start request: a map whose keys are all skipped. */
static bool gh__d_start(gh__dec *d) {
    uint32_t n;
    if (!gh__d_request(d, &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k) || !gh__d_other(d, k)) return false;
    }
    return gh__d_done(d);
}

static bool gh__d_command(gh__dec *d, gh_command *c) {
    uint32_t n;
    if (!gh__d_map(d, "command", &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k)) return false;
        bool ok = GH__IS(k, "action")       ? gh__d_str(d, "command.action", &c->action)
                  : GH__IS(k, "target")     ? gh__d_anymap(d, "command.target", &c->target)
                  : GH__IS(k, "args")       ? gh__d_anymap(d, "command.args", &c->args)
                  : GH__IS(k, "actuator")   ? gh__d_anymap(d, "command.actuator", &c->actuator)
                  : GH__IS(k, "command_id") ? gh__d_str(d, "command.command_id", &c->command_id)
                                            : gh__d_other(d, k);
        if (!ok) return false;
    }
    gh_iter it;
    gh_str key;
    gh_val val;
    gh_map_iter(c->target, &it);
    while (gh_map_next(&it, &key, &val)) {
        if (!gh__utf8_valid(key)) return gh__bad(d, "command.target", "a key is not valid UTF-8");
        if (++c->target_keys == 1) {
            c->target_type = key;
            c->target_value = val;
        }
    }
    if (it.bad) return gh__bad(d, "command.target", "a key is not a string");
    if (c->target_keys != 1) {
        c->target_type.len = 0;
        c->target_value.len = 0;
    }
    return true;
}

static bool gh__d_headers(gh__dec *d, gh_headers *h) {
    uint32_t n;
    if (!gh__d_map(d, "headers", &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k)) return false;
        bool ok = GH__IS(k, "request_id") ? gh__d_str(d, "headers.request_id", &h->request_id)
                  : GH__IS(k, "created")  ? gh__d_int(d, "headers.created", &h->created)
                  : GH__IS(k, "from")     ? gh__d_str(d, "headers.from", &h->from)
                  : GH__IS(k, "to")       ? gh__d_strs(d, "headers.to", &h->to)
                                          : gh__d_other(d, k);
        if (!ok) return false;
    }
    return true;
}

static bool gh__d_actuate(gh__dec *d, gh_actuate_req *q) {
    uint32_t n;
    if (!gh__d_request(d, &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k)) return false;
        bool ok = GH__IS(k, "component")    ? gh__d_str(d, "component", &q->component)
                  : GH__IS(k, "command")    ? gh__d_command(d, &q->command)
                  : GH__IS(k, "headers")    ? gh__d_headers(d, &q->headers)
                  : GH__IS(k, "profile")    ? gh__d_str(d, "profile", &q->profile)
                  : GH__IS(k, "specifiers") ? gh__d_anymap(d, "specifiers", &q->specifiers)
                                            : gh__d_other(d, k);
        if (!ok) return false;
    }
    return gh__d_done(d);
}

static bool gh__d_oblige(gh__dec *d, gh_oblige_req *q) {
    uint32_t n;
    if (!gh__d_request(d, &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k)) return false;
        bool ok = GH__IS(k, "component")  ? gh__d_str(d, "component", &q->component)
                  : GH__IS(k, "decision") ? gh__d_str(d, "decision", &q->decision_name)
                  : GH__IS(k, "context")  ? gh__d_context(d, &q->context)
                  : GH__IS(k, "config")   ? gh__d_anymap(d, "config", &q->config)
                                          : gh__d_other(d, k);
        if (!ok) return false;
    }
    q->decision = GH__IS(q->decision_name, "GRANT")            ? GH_GRANT
                  : GH__IS(q->decision_name, "DENY")           ? GH_DENY
                  : GH__IS(q->decision_name, "NOT_APPLICABLE") ? GH_NOT_APPLICABLE
                                                               : GH_DECISION_OTHER;
    return gh__d_done(d);
}

static bool gh__d_environment(gh__dec *d, gh_environment_req *q) {
    uint32_t n;
    if (!gh__d_request(d, &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k)) return false;
        bool ok = GH__IS(k, "component") ? gh__d_str(d, "component", &q->component)
                  : GH__IS(k, "key")     ? gh__d_str(d, "key", &q->key)
                  : GH__IS(k, "context") ? gh__d_context(d, &q->context)
                                         : gh__d_other(d, k);
        if (!ok) return false;
    }
    return gh__d_done(d);
}

static bool gh__d_object(gh__dec *d, gh_object_req *q) {
    uint32_t n;
    if (!gh__d_request(d, &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k)) return false;
        bool ok = GH__IS(k, "component") ? gh__d_str(d, "component", &q->component)
                  : GH__IS(k, "object")  ? gh__d_anymap(d, "object", &q->object)
                  : GH__IS(k, "path")    ? gh__d_str(d, "path", &q->path)
                  : GH__IS(k, "config")  ? gh__d_anymap(d, "config", &q->config)
                                         : gh__d_other(d, k);
        if (!ok) return false;
    }
    return gh__d_done(d);
}

static bool gh__d_options(gh__dec *d, gh_option_list *out) {
    uint32_t n;
    if (!gh__d_map(d, "options", &n)) return false;
    if (n > (size_t)(d->r.end - d->r.p)) return gh__bad(d, "options", "truncated");
    if (n > ((size_t)1 << 30) / sizeof(gh_option)) return gh__bad(d, "options", "too long");
    gh_option *o = NULL;
    if (n && !(o = gh_scratch(n * sizeof *o))) return gh__bad(d, "options", "out of memory");
    for (uint32_t i = 0; i < n; i++)
        if (!gh__d_key(d, &o[i].name) || !gh__d_utf8_key(d, o[i].name) || !gh__d_str(d, "options", &o[i].value)) return false;
    out->items = o;
    out->len = n;
    return true;
}

static bool gh__d_edges(gh__dec *d, gh_edge_list *out) {
    void *items;
    uint32_t n;
    if (!gh__d_array(d, "edges", sizeof(gh_edge), &items, &n)) return false;
    gh_edge *e = items;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t m;
        e[i].from.ptr = e[i].to.ptr = "";
        e[i].from.len = e[i].to.len = 0;
        if (!gh__d_map(d, "edges", &m)) return false;
        while (m--) {
            gh_str k;
            if (!gh__d_key(d, &k)) return false;
            bool ok = GH__IS(k, "from") ? gh__d_str(d, "edges.from", &e[i].from)
                      : GH__IS(k, "to") ? gh__d_str(d, "edges.to", &e[i].to)
                                        : gh__d_other(d, k);
            if (!ok) return false;
        }
    }
    out->items = e;
    out->len = n;
    return true;
}

static bool gh__d_agent_reset(gh__dec *d, gh_agent_reset_req *q) {
    uint32_t n;
    if (!gh__d_request(d, &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k)) return false;
        bool ok = GH__IS(k, "component") ? gh__d_str(d, "component", &q->component)
                  : GH__IS(k, "actor")   ? gh__d_str(d, "actor", &q->actor)
                  : GH__IS(k, "seed")    ? gh__d_int(d, "seed", &q->seed)
                  : GH__IS(k, "goals")   ? gh__d_strs(d, "goals", &q->goals)
                  : GH__IS(k, "options") ? gh__d_options(d, &q->options)
                  : GH__IS(k, "edges")   ? gh__d_edges(d, &q->edges)
                                         : gh__d_other(d, k);
        if (!ok) return false;
    }
    return gh__d_done(d);
}

static bool gh__d_choices(gh__dec *d, gh_action_list *out) {
    void *items;
    uint32_t n;
    if (!gh__d_array(d, "observation.choices", sizeof(gh_action), &items, &n)) return false;
    gh_action *a = items;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t m;
        a[i].kind.ptr = a[i].target.ptr = "";
        a[i].kind.len = a[i].target.len = 0;
        a[i].risk = 0;
        a[i].time = 0;
        if (!gh__d_map(d, "observation.choices", &m)) return false;
        while (m--) {
            gh_str k;
            if (!gh__d_key(d, &k)) return false;
            bool ok = GH__IS(k, "kind")     ? gh__d_str(d, "observation.choices.kind", &a[i].kind)
                      : GH__IS(k, "target") ? gh__d_str(d, "observation.choices.target", &a[i].target)
                      : GH__IS(k, "risk")   ? gh__d_float(d, "observation.choices.risk", &a[i].risk)
                      : GH__IS(k, "time")   ? gh__d_int(d, "observation.choices.time", &a[i].time)
                                            : gh__d_other(d, k);
            if (!ok) return false;
        }
    }
    out->items = a;
    out->len = n;
    return true;
}

static bool gh__d_observation(gh__dec *d, gh_observation *o) {
    uint32_t n;
    if (!gh__d_map(d, "observation", &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k)) return false;
        bool ok = GH__IS(k, "tick")       ? gh__d_int(d, "observation.tick", &o->tick)
                  : GH__IS(k, "location") ? gh__d_str(d, "observation.location", &o->location)
                  : GH__IS(k, "holdings") ? gh__d_strs(d, "observation.holdings", &o->holdings)
                  : GH__IS(k, "goals")    ? gh__d_strs(d, "observation.goals", &o->goals)
                  : GH__IS(k, "choices")  ? gh__d_choices(d, &o->choices)
                                          : gh__d_other(d, k);
        if (!ok) return false;
    }
    return true;
}

static bool gh__d_agent_act(gh__dec *d, gh_agent_act_req *q) {
    uint32_t n;
    if (!gh__d_request(d, &n)) return false;
    while (n--) {
        gh_str k;
        if (!gh__d_key(d, &k)) return false;
        bool ok = GH__IS(k, "component")     ? gh__d_str(d, "component", &q->component)
                  : GH__IS(k, "actor")       ? gh__d_str(d, "actor", &q->actor)
                  : GH__IS(k, "observation") ? gh__d_observation(d, &q->observation)
                                             : gh__d_other(d, k);
        if (!ok) return false;
    }
    return gh__d_done(d);
}

/* ========================================================================
 * Describe
 * ======================================================================== */

static void gh__w_strs(gh_writer *w, const char *const *list) {
    gh_w_array(w);
    for (; list && *list; list++) gh_w_str(w, *list);
    gh_w_end(w);
}

/* gh__check returns what is wrong with the plugin table, or NULL. */
static const char *gh__check(const gh_component **bad) {
    const gh_plugin *p = &gatehouse_plugin;
    *bad = NULL;
    if (!p->name || !*p->name) return "the plugin has no name";
    if (!p->version || !*p->version) return "the plugin has no version";
    if (!p->components || p->components[0].kind == GH_KIND_NONE) return "the plugin has no components";
    for (const gh_component *c = p->components; c->kind != GH_KIND_NONE; c++) {
        *bad = c;
        if (!c->name || !*c->name) return "a component has no name";
        switch (c->kind) {
        case GH_ACTUATOR: if (!c->actuate) return "no actuate handler"; break;
        case GH_OBLIGATION: if (!c->oblige) return "no oblige handler"; break;
        case GH_ENVIRONMENT: if (!c->environment) return "no environment handler"; break;
        case GH_OBJECT: if (!c->object) return "no object handler"; break;
        case GH_AGENT: if (!c->agent_reset || !c->agent_act) return "no agent_reset or agent_act handler"; break;
        default: return "unknown kind";
        }
    }
    *bad = NULL;
    return NULL;
}

static void gh__describe(gh__dec *d) {
    gh_str host_abi;
    if (!gh__d_describe(d, &host_abi)) return;
    gh_writer *w = d->w;
    const gh_component *bad;
    const char *problem = gh__check(&bad);
    if (problem) {
        if (bad) gh_errorf(w, GH_INTERNAL, "component %s: %s", bad->name ? bad->name : "(unnamed)", problem);
        else gh_error(w, GH_INTERNAL, problem);
        return;
    }
    const gh_plugin *p = &gatehouse_plugin;
    gh_w_map(w);
    GH__KEY(w, "ok");
    gh_w_map(w);
    GH__KEY(w, "abi");
    gh_w_str(w, GATEHOUSE_ABI_VERSION);
    GH__KEY(w, "name");
    gh_w_str(w, p->name);
    GH__KEY(w, "version");
    gh_w_str(w, p->version);
    if (p->description && *p->description) {
        GH__KEY(w, "description");
        gh_w_str(w, p->description);
    }
    GH__KEY(w, "components");
    gh_w_array(w);
    for (const gh_component *c = p->components; c->kind != GH_KIND_NONE; c++) {
        gh_w_map(w);
        GH__KEY(w, "kind");
        gh_w_str(w, gh_kind_name(c->kind));
        GH__KEY(w, "name");
        gh_w_str(w, c->name);
        if (c->description && *c->description) {
            GH__KEY(w, "description");
            gh_w_str(w, c->description);
        }
        switch (c->kind) {
        case GH_ACTUATOR:
            if (c->profiles) {
                GH__KEY(w, "profiles");
                gh__w_strs(w, c->profiles);
            }
            GH__KEY(w, "pairs");
            gh_w_map(w);
            for (const gh_pair *pr = c->pairs; pr && pr->action; pr++) {
                gh_w_key(w, pr->action);
                gh__w_strs(w, pr->targets);
            }
            gh_w_end(w);
            break;
        case GH_ENVIRONMENT:
            GH__KEY(w, "attributes");
            gh__w_strs(w, c->attributes);
            break;
        case GH_OBJECT:
            if (c->priority) {
                GH__KEY(w, "priority");
                gh_w_int(w, c->priority);
            }
            break;
        case GH_AGENT:
            if (c->options) {
                GH__KEY(w, "options");
                gh_w_array(w);
                for (const gh_option_decl *o = c->options; o->name; o++) {
                    gh_w_map(w);
                    GH__KEY(w, "name");
                    gh_w_str(w, o->name);
                    if (o->description && *o->description) {
                        GH__KEY(w, "description");
                        gh_w_str(w, o->description);
                    }
                    if (o->default_value && *o->default_value) {
                        GH__KEY(w, "default");
                        gh_w_str(w, o->default_value);
                    }
                    gh_w_end(w);
                }
                gh_w_end(w);
            }
            break;
        default:
            break;
        }
        if (c->config_keys && (c->kind == GH_OBLIGATION || c->kind == GH_OBJECT)) {
            GH__KEY(w, "config_keys");
            gh__w_strs(w, c->config_keys);
        }
        gh_w_end(w);
    }
    gh_w_end(w);
    if (p->capabilities && *p->capabilities) {
        GH__KEY(w, "capabilities");
        gh__w_strs(w, p->capabilities);
    }
    gh_w_end(w);
    gh_w_end(w);
}

/* ========================================================================
 * Dispatch
 * ======================================================================== */

enum { GH__DESCRIBE, GH__ACTUATE, GH__OBLIGE, GH__ENVIRONMENT, GH__OBJECT, GH__AGENT_RESET, GH__AGENT_ACT, GH__START };

static const char *const gh__requests[] = {
    "describe request", "actuate request",     "oblige request",    "environment request",
    "object request",   "agent reset request", "agent act request", "start request",
};

/* The reply of the last call: valid until the next call into the instance. */
static gh_writer gh__reply;

static const uint8_t gh__oom_reply[] = "\x81\xa5" "error" "\x82\xa4" "code" "\xa8" "internal"
                                       "\xa7" "message" "\xad" "out of memory";

static const gh_component *gh__find(gh__dec *d, gh_kind kind, gh_str name) {
    for (const gh_component *c = gatehouse_plugin.components; c && c->kind != GH_KIND_NONE; c++)
        if (c->kind == kind && gh_str_eq(name, c->name)) return c;
    gh_errorf(d->w, GH_NOT_FOUND, "no %s \"%.*s\"", gh_kind_name(kind), GH_STR_ARG(name));
    return NULL;
}

/* gh__open_ok starts the envelope {"ok": {...}} a handler writes into. */
static void gh__open_ok(gh_writer *w) {
    gh_w_map(w);
    GH__KEY(w, "ok");
    gh_w_map(w);
}

/* gh__close_ok finishes the envelope after a handler, named by kind and
 * name, returned st. */
static void gh__close_ok(gh_writer *w, const char *kind, const char *name, gh_status st) {
    if (w->state == GH__ERROR) return;
    if (w->state == GH__BROKEN) {
        gh_errorf(w, GH_INTERNAL, "%s %s: reply: %s", kind, name, w->failure);
    } else if (st != GH_OK) {
        gh_errorf(w, GH_INTERNAL, "%s %s failed without an error reply", kind, name);
    } else if (w->depth != 2) {
        gh_errorf(w, GH_INTERNAL, "%s %s: reply: %d maps or arrays left open", kind, name, (int)w->depth - 2);
    } else {
        gh_w_end(w);
        gh_w_end(w);
    }
}

/* gh__serve answers the request of export ex into gh__reply. */
static void gh__serve(int ex, const uint8_t *req, uint32_t len) {
    gh_writer *w = &gh__reply;
    gh__dec d = {gh_reader_of(req, len), gh__requests[ex], w};
    const gh_component *c;
    gh_status st;
    switch (ex) {
    case GH__DESCRIBE:
        gh__describe(&d);
        return;
    case GH__START:
        if (!gh__d_start(&d)) return;
        gh__open_ok(w);
        gh__close_ok(w, "start", "hook", gatehouse_plugin.start ? gatehouse_plugin.start(w) : GH_OK);
        return;
    case GH__ACTUATE: {
        gh_actuate_req q = {0};
        if (!gh__d_actuate(&d, &q) || !(c = gh__find(&d, GH_ACTUATOR, q.component))) return;
        q.self = c;
        gh__open_ok(w);
        st = c->actuate(&q, w);
        break;
    }
    case GH__OBLIGE: {
        gh_oblige_req q = {0};
        if (!gh__d_oblige(&d, &q) || !(c = gh__find(&d, GH_OBLIGATION, q.component))) return;
        q.self = c;
        gh__open_ok(w);
        st = c->oblige(&q, w);
        break;
    }
    case GH__ENVIRONMENT: {
        gh_environment_req q = {0};
        if (!gh__d_environment(&d, &q) || !(c = gh__find(&d, GH_ENVIRONMENT, q.component))) return;
        q.self = c;
        gh__open_ok(w);
        st = c->environment(&q, w);
        break;
    }
    case GH__OBJECT: {
        gh_object_req q = {0};
        if (!gh__d_object(&d, &q) || !(c = gh__find(&d, GH_OBJECT, q.component))) return;
        q.self = c;
        gh__open_ok(w);
        st = c->object(&q, w);
        break;
    }
    case GH__AGENT_RESET: {
        gh_agent_reset_req q = {0};
        if (!gh__d_agent_reset(&d, &q) || !(c = gh__find(&d, GH_AGENT, q.component))) return;
        q.self = c;
        gh__open_ok(w);
        st = c->agent_reset(&q, w);
        break;
    }
    default: {
        gh_agent_act_req q = {0};
        if (!gh__d_agent_act(&d, &q) || !(c = gh__find(&d, GH_AGENT, q.component))) return;
        q.self = c;
        gh__open_ok(w);
        st = c->agent_act(&q, w);
        break;
    }
    }
    gh__close_ok(w, gh_kind_name(c->kind), c->name, st);
}

/* gh__begin readies the kit for a new call: the previous reply and the
 * scratch arena are reclaimed. */
static void gh__begin(void) {
    gh__scratch_reset();
    if (gh__reply.cap > (1u << 20)) gh_writer_free(&gh__reply);
    gh_writer_reset(&gh__reply);
}

/* gh__finish returns the reply to hand to the host. */
static gh_bytes gh__finish(void) {
    gh_writer *w = &gh__reply;
    if (w->state == GH__BROKEN || w->depth != 0 || w->len == 0) {
        if (w->state != GH__BROKEN || w->failure == NULL) w->failure = "no reply";
        gh_errorf(w, GH_INTERNAL, "reply: %s", w->failure);
        if (w->state != GH__ERROR) {
            gh_bytes oom = {gh__oom_reply, sizeof gh__oom_reply - 1};
            return oom;
        }
    }
    return gh_writer_bytes(w);
}

#ifndef GATEHOUSE_BINDING_EXTISM

/* ========================================================================
 * Native binding exports
 * ======================================================================== */

GH__EXPORT("gatehouse_abi_v1") void gh__export_abi_v1(void) {}

GH__EXPORT("gatehouse_alloc") void *gh__export_alloc(int32_t size) {
    if (size < 0) return NULL;
    return gh_malloc((size_t)size);
}

GH__EXPORT("gatehouse_free") void gh__export_free(void *ptr, int32_t size) {
    (void)size;
    gh_free(ptr);
}

static uint64_t gh__native(int ex, uint8_t *req, int32_t len) {
    gh__begin();
    if (len >= 0 && gh__owns(req, (uint32_t)len)) {
        gh__serve(ex, req, (uint32_t)len); /* the buffer stays the host's, for its next request */
    } else if (len == 0) {
        gh__serve(ex, NULL, 0);
    } else {
        gh_errorf(&gh__reply, GH_INVALID_REQUEST, "request at %p (%d bytes) is not a buffer from gatehouse_alloc",
                  (void *)req, (int)len);
    }
    gh_bytes out = gh__finish();
    return (uint64_t)(uintptr_t)out.ptr << 32 | out.len;
}

GH__EXPORT("gatehouse_describe") uint64_t gh__export_describe(uint8_t *p, int32_t n) { return gh__native(GH__DESCRIBE, p, n); }
GH__EXPORT("gatehouse_start") uint64_t gh__export_start(uint8_t *p, int32_t n) { return gh__native(GH__START, p, n); }
GH__EXPORT("gatehouse_actuate") uint64_t gh__export_actuate(uint8_t *p, int32_t n) { return gh__native(GH__ACTUATE, p, n); }
GH__EXPORT("gatehouse_oblige") uint64_t gh__export_oblige(uint8_t *p, int32_t n) { return gh__native(GH__OBLIGE, p, n); }
GH__EXPORT("gatehouse_environment") uint64_t gh__export_environment(uint8_t *p, int32_t n) { return gh__native(GH__ENVIRONMENT, p, n); }
GH__EXPORT("gatehouse_object") uint64_t gh__export_object(uint8_t *p, int32_t n) { return gh__native(GH__OBJECT, p, n); }
GH__EXPORT("gatehouse_agent_reset") uint64_t gh__export_agent_reset(uint8_t *p, int32_t n) { return gh__native(GH__AGENT_RESET, p, n); }
GH__EXPORT("gatehouse_agent_act") uint64_t gh__export_agent_act(uint8_t *p, int32_t n) { return gh__native(GH__AGENT_ACT, p, n); }

/* ========================================================================
 * Capabilities
 * ======================================================================== */

void gh_logn(gh_log_level level, const char *msg, size_t len) {
    gh_host_log((int32_t)level, msg, (int32_t)(len > 0x7fffffff ? 0x7fffffff : len));
}

void gh_log(gh_log_level level, const char *msg) { gh_logn(level, msg, gh__strlen(msg)); }

void gh_logf(gh_log_level level, const char *format, ...) {
    gh_writer w;
    gh_writer_init(&w);
    va_list ap;
    va_start(ap, format);
    gh__vformat(&w, format, ap);
    va_end(ap);
    if (w.state == GH__WRITING) gh_logn(level, (const char *)w.buf, w.len);
    gh_writer_free(&w);
}

bool gh_host_error_is(const gh_host_error *err, const char *code) { return err && gh_str_eq(err->code, code); }

gh_status gh_error_from_host(gh_writer *reply, gh_code code, const gh_host_error *err) {
    if (!err) return gh_error(reply, code, "host function failed");
    return gh_errorf(reply, code, "%.*s", GH_STR_ARG(err->message));
}

static bool gh__host_fail(gh_host_error *err, const char *message) {
    if (err) {
        err->code = gh_cstr("internal");
        err->message = gh_cstr(message);
    }
    return false;
}

/* gh__result fetches the bytes a data function left pending after
 * answering n (the result protocol, abi/README.md section 8.1). */
static bool gh__result(int32_t n, gh_bytes *out, gh_host_error *err) {
    uint32_t size = n < 0 ? (uint32_t)(-(int64_t)n) : (uint32_t)n;
    uint8_t *buf = NULL;
    if (size) {
        if (!(buf = gh_scratch(size))) return gh__host_fail(err, "result: out of memory");
        if (gh_host_result(buf, (int32_t)size) != (int32_t)size) return gh__host_fail(err, "result: the pending bytes changed");
    }
    if (n >= 0) {
        if (out) {
            out->ptr = buf;
            out->len = size;
        }
        return true;
    }
    if (err) {
        gh_val e = {buf, size}, v;
        err->code = gh_cstr("internal");
        err->message = gh_cstr("");
        if (gh_val_get(e, "code", &v) && gh_val_str(v, &err->code) && err->code.len == 0) err->code = gh_cstr("internal");
        if (gh_val_get(e, "message", &v)) gh_val_str(v, &err->message);
    }
    return false;
}

static bool gh__result_val(int32_t n, gh_val *out, gh_host_error *err) {
    gh_bytes b;
    if (!gh__result(n, &b, err)) return false;
    if (out) {
        out->ptr = b.ptr;
        out->len = b.len;
    }
    return true;
}

bool gh_kv_get(gh_str key, gh_bytes *value, gh_host_error *err) {
    return gh__result(gh_host_kv_get(key.ptr, (int32_t)key.len), value, err);
}

bool gh_kv_set(gh_str key, gh_bytes value, gh_host_error *err) {
    return gh__result(gh_host_kv_set(key.ptr, (int32_t)key.len, value.ptr, (int32_t)value.len), NULL, err);
}

bool gh_kv_delete(gh_str key, gh_host_error *err) {
    return gh__result(gh_host_kv_delete(key.ptr, (int32_t)key.len), NULL, err);
}

bool gh_kv_list(gh_str prefix, gh_val *keys, gh_host_error *err) {
    return gh__result_val(gh_host_kv_list(prefix.ptr, (int32_t)prefix.len), keys, err);
}

bool gh_http_request(gh_bytes request, gh_val *response, gh_host_error *err) {
    return gh__result_val(gh_host_http_request(request.ptr, (int32_t)request.len), response, err);
}

bool gh_exec(gh_bytes request, gh_val *result, gh_host_error *err) {
    return gh__result_val(gh_host_exec(request.ptr, (int32_t)request.len), result, err);
}

bool gh_plan(gh_bytes request, gh_val *reply, gh_host_error *err) {
    return gh__result_val(gh_host_plan(request.ptr, (int32_t)request.len), reply, err);
}

bool gh_sink_write(gh_str sink, gh_log_level level, const char *msg, size_t len, gh_host_error *err) {
    return gh__result(gh_host_sink_write(sink.ptr, (int32_t)sink.len, (int32_t)level, msg, (int32_t)len), NULL, err);
}

#else /* GATEHOUSE_BINDING_EXTISM */

/* ========================================================================
 * Extism binding exports
 *
 * The request is the Extism input and the reply envelope the Extism output,
 * both in the Extism kernel's memory, reached through these imports (their
 * signatures are the Extism kernel's, extism/go-sdk host.go).
 * ======================================================================== */

#define GH__EXTISM(name) __attribute__((import_module("extism:host/env"), import_name(name)))

GH__EXTISM("input_length") uint64_t gh__extism_input_length(void);
GH__EXTISM("input_load_u8") uint32_t gh__extism_input_load_u8(uint64_t offset);
GH__EXTISM("input_load_u64") uint64_t gh__extism_input_load_u64(uint64_t offset);
GH__EXTISM("alloc") uint64_t gh__extism_alloc(uint64_t length);
GH__EXTISM("store_u8") void gh__extism_store_u8(uint64_t offset, uint32_t value);
GH__EXTISM("store_u64") void gh__extism_store_u64(uint64_t offset, uint64_t value);
GH__EXTISM("output_set") void gh__extism_output_set(uint64_t offset, uint64_t length);

/* The request, copied in from the Extism input; reused from call to call. */
static uint8_t *gh__input;
static uint32_t gh__input_cap;

static int32_t gh__extism(int ex) {
    gh__begin();
    uint64_t n = gh__extism_input_length();
    if (n > 0x7fffffffu) {
        gh_errorf(&gh__reply, GH_INVALID_REQUEST, "request of %llu bytes", (unsigned long long)n);
    } else {
        if (n > gh__input_cap) {
            gh_free(gh__input);
            gh__input_cap = 0;
            if ((gh__input = gh_malloc((size_t)n))) gh__input_cap = (uint32_t)n;
        }
        if (n > gh__input_cap) {
            gh_error(&gh__reply, GH_INTERNAL, "out of memory for the request");
        } else {
            uint64_t i = 0;
            for (; i + 8 <= n; i += 8) {
                uint64_t v = gh__extism_input_load_u64(i);
                gh_memcpy(gh__input + i, &v, 8);
            }
            for (; i < n; i++) gh__input[i] = (uint8_t)gh__extism_input_load_u8(i);
            gh__serve(ex, gh__input, (uint32_t)n);
        }
    }
    gh_bytes out = gh__finish();
    uint64_t off = gh__extism_alloc(out.len);
    if (off == 0) return 1;
    uint64_t i = 0;
    for (; i + 8 <= out.len; i += 8) {
        uint64_t v;
        gh_memcpy(&v, out.ptr + i, 8);
        gh__extism_store_u64(off + i, v);
    }
    for (; i < out.len; i++) gh__extism_store_u8(off + i, out.ptr[i]);
    gh__extism_output_set(off, out.len);
    return 0;
}

GH__EXPORT("gatehouse_abi_v1") int32_t gh__export_abi_v1(void) { return 0; }
GH__EXPORT("gatehouse_describe") int32_t gh__export_describe(void) { return gh__extism(GH__DESCRIBE); }
GH__EXPORT("gatehouse_start") int32_t gh__export_start(void) { return gh__extism(GH__START); }
GH__EXPORT("gatehouse_actuate") int32_t gh__export_actuate(void) { return gh__extism(GH__ACTUATE); }
GH__EXPORT("gatehouse_oblige") int32_t gh__export_oblige(void) { return gh__extism(GH__OBLIGE); }
GH__EXPORT("gatehouse_environment") int32_t gh__export_environment(void) { return gh__extism(GH__ENVIRONMENT); }
GH__EXPORT("gatehouse_object") int32_t gh__export_object(void) { return gh__extism(GH__OBJECT); }
GH__EXPORT("gatehouse_agent_reset") int32_t gh__export_agent_reset(void) { return gh__extism(GH__AGENT_RESET); }
GH__EXPORT("gatehouse_agent_act") int32_t gh__export_agent_act(void) { return gh__extism(GH__AGENT_ACT); }

#endif /* GATEHOUSE_BINDING_EXTISM */
