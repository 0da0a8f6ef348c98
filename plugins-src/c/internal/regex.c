/*
 * regex.c: the parser, compiler and Pike VM of regex.h.
 *
 * The parser builds a tree of nodes; the compiler turns it into a program
 * of instructions (Thompson's construction, with repetitions expanded as
 * Go expands them); the VM runs every thread of the program in lock step
 * over the text, one rune at a time, keeping threads in priority order so
 * that the first to reach the end wins (leftmost-first). Each step visits
 * each instruction at most once, so a match costs O(text × program).
 */
#include "regex.h"
#include "utf8.h"

#define RUNE_MAX 0x10FFFF
#define RUNE_ERROR 0xFFFD

const char RE_OUT_OF_MEMORY[] = "out of memory";

/* Go's regexp/syntax reasons. */
static const char ERR_ESCAPE[] = "invalid escape sequence";
static const char ERR_RANGE[] = "invalid character class range";
static const char ERR_NAME[] = "invalid named capture";
static const char ERR_PERL[] = "invalid or unsupported Perl syntax";
static const char ERR_REPEAT_OP[] = "invalid nested repetition operator";
static const char ERR_REPEAT_SIZE[] = "invalid repeat count";
static const char ERR_UTF8[] = "invalid UTF-8";
static const char ERR_BRACKET[] = "missing closing ]";
static const char ERR_PAREN[] = "missing closing )";
static const char ERR_ARGUMENT[] = "missing argument to repetition operator";
static const char ERR_BACKSLASH[] = "trailing backslash at end of expression";
static const char ERR_UNEXPECTED[] = "unexpected )";
static const char ERR_DEPTH[] = "expression nests too deeply";
static const char ERR_LARGE[] = "expression too large";
static const char ERR_UNSUPPORTED[] = "syntax this engine does not support";

/* ------------------------------------------------------------------------
 * Runes
 * ------------------------------------------------------------------------ */

/* A class is a sorted list of disjoint rune ranges. */
typedef struct range {
    int32_t lo, hi;
} range;

static const range digit_ranges[] = {{'0', '9'}};
static const range space_ranges[] = {{'\t', '\n'}, {'\f', '\r'}, {' ', ' '}};
static const range word_ranges[] = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};

/* ------------------------------------------------------------------------
 * The tree
 * ------------------------------------------------------------------------ */

enum node_kind { N_EMPTY, N_CLASS, N_ASSERT, N_CAT, N_ALT, N_REPEAT, N_CAPTURE };
enum assert_kind { A_BEGIN, A_END, A_WORD, A_NOT_WORD };

/* node is a node of the tree, in the parser's array; child and next are
 * indexes (-1 for none): the first child, and the next sibling. */
typedef struct node {
    uint8_t kind;
    uint8_t assertion;
    bool greedy;
    bool braces;               /* N_REPEAT: written {n,m} */
    int32_t child, next, last; /* last: the last child, while children are added */
    int32_t min, max;          /* N_REPEAT; max -1 for no bound */
    int32_t cap;               /* N_CAPTURE: the group's number */
    int32_t ranges, nranges;   /* N_CLASS: a slice of the range pool */
} node;

typedef struct parser {
    const uint8_t *s;
    uint32_t n, i;
    node *nodes;
    int32_t nnodes, cap_nodes;
    range *ranges;
    int32_t nranges, cap_ranges;
    gh_str *names; /* names[g] for g >= 1 */
    int32_t groups, cap_names;
    re_error *err;
} parser;

/* fail records the first error and returns -1, the parser's failure. */
static int32_t fail(parser *p, const char *reason, uint32_t from, uint32_t to) {
    if (!p->err->reason) *p->err = (re_error){reason, {(const char *)p->s + from, to - from}};
    return -1;
}

static bool grow(void **buf, int32_t *cap, int32_t need, size_t size) {
    if (need <= *cap) return true;
    int32_t c = *cap ? *cap * 2 : 16;
    while (c < need) c *= 2;
    void *b = gh_realloc(*buf, (size_t)c * size);
    if (!b) return false;
    *buf = b;
    *cap = c;
    return true;
}

static int32_t new_node(parser *p, uint8_t kind) {
    if (!grow((void **)&p->nodes, &p->cap_nodes, p->nnodes + 1, sizeof(node)))
        return fail(p, RE_OUT_OF_MEMORY, 0, 0);
    p->nodes[p->nnodes] = (node){.kind = kind, .child = -1, .next = -1, .last = -1, .greedy = true};
    return p->nnodes++;
}

static void add_child(parser *p, int32_t parent, int32_t child) {
    node *n = &p->nodes[parent];
    if (n->last < 0) n->child = child;
    else p->nodes[n->last].next = child;
    n->last = child;
}

static bool add_range(parser *p, int32_t lo, int32_t hi) {
    if (!grow((void **)&p->ranges, &p->cap_ranges, p->nranges + 1, sizeof(range))) {
        fail(p, RE_OUT_OF_MEMORY, 0, 0);
        return false;
    }
    p->ranges[p->nranges++] = (range){lo, hi};
    return true;
}

/* add_ranges adds the sorted ranges r, or their complement when negated. */
static bool add_ranges(parser *p, const range *r, size_t n, bool negated) {
    int32_t next = 0;
    for (size_t k = 0; k < n; k++) {
        if (!negated && !add_range(p, r[k].lo, r[k].hi)) return false;
        if (negated && r[k].lo > next && !add_range(p, next, r[k].lo - 1)) return false;
        next = r[k].hi + 1;
    }
    return !negated || next > RUNE_MAX || add_range(p, next, RUNE_MAX);
}

/* class_node makes a class of the ranges added from index start on:
 * sorted, merged, and complemented when negated. */
static int32_t class_node(parser *p, int32_t start, bool negated) {
    range *r = p->ranges + start;
    int32_t n = p->nranges - start;
    for (int32_t a = 1; a < n; a++) /* insertion sort: classes are short */
        for (int32_t b = a; b > 0 && r[b].lo < r[b - 1].lo; b--) {
            range t = r[b];
            r[b] = r[b - 1];
            r[b - 1] = t;
        }
    int32_t m = 0;
    for (int32_t k = 0; k < n; k++) {
        if (m > 0 && r[k].lo <= r[m - 1].hi + 1) {
            if (r[k].hi > r[m - 1].hi) r[m - 1].hi = r[k].hi;
        } else {
            r[m++] = r[k];
        }
    }
    p->nranges = start + m;
    if (negated) {
        /* The complement of m ranges has at most m + 1: room first, so that
         * adding them does not move the ranges read. */
        int32_t from = p->nranges;
        if (!grow((void **)&p->ranges, &p->cap_ranges, from + m + 1, sizeof(range))) return fail(p, RE_OUT_OF_MEMORY, 0, 0);
        if (!add_ranges(p, p->ranges + start, (size_t)m, true)) return -1;
        gh_memmove(p->ranges + start, p->ranges + from, (size_t)(p->nranges - from) * sizeof(range));
        p->nranges = start + (p->nranges - from);
    }
    int32_t id = new_node(p, N_CLASS);
    if (id < 0) return -1;
    p->nodes[id].ranges = start;
    p->nodes[id].nranges = p->nranges - start;
    return id;
}

static int32_t rune_node(parser *p, int32_t r) {
    int32_t start = p->nranges;
    return add_range(p, r, r) ? class_node(p, start, false) : -1;
}

static int32_t assert_node(parser *p, uint8_t kind) {
    int32_t id = new_node(p, N_ASSERT);
    if (id >= 0) p->nodes[id].assertion = kind;
    return id;
}

/* ------------------------------------------------------------------------
 * The parser
 * ------------------------------------------------------------------------ */

static bool at(const parser *p, char c) { return p->i < p->n && p->s[p->i] == (uint8_t)c; }

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }
static bool is_alnum(int32_t c) { return is_digit((uint8_t)c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static int32_t unhex(int32_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* next_rune reads the pattern's rune at p->i (the pattern is valid UTF-8). */
static int32_t next_rune(parser *p) {
    int32_t r = 0;
    p->i += utf8_decode(p->s + p->i, p->n - p->i, &r);
    return r;
}

/* perl_escape reads \d, \s, \w or their negations \D, \S, \W at p->i,
 * adding their ranges; 0 when the text there is not one of them, -1 when
 * out of memory. */
static int perl_escape(parser *p) {
    if (p->i + 1 >= p->n || p->s[p->i] != '\\') return 0;
    uint8_t e = p->s[p->i + 1];
    const range *r;
    size_t n;
    switch (e | 0x20) {
    case 'd': r = digit_ranges, n = 1; break;
    case 's': r = space_ranges, n = 3; break;
    case 'w': r = word_ranges, n = 4; break;
    default: return 0;
    }
    p->i += 2;
    return add_ranges(p, r, n, e < 'a') ? 1 : -1;
}

/* unsupported tells whether an escape of the syntax this engine refuses
 * starts at p->i: Unicode classes and quoting. */
static bool unsupported(const parser *p) {
    return p->i + 1 < p->n && p->s[p->i] == '\\' && (p->s[p->i + 1] == 'p' || p->s[p->i + 1] == 'P' || p->s[p->i + 1] == 'Q');
}

/* parse_escape reads the escape at p->i (a backslash) that stands for one
 * rune: escaped punctuation, octal, hex and C escapes, as Go reads them. */
static bool parse_escape(parser *p, int32_t *out) {
    uint32_t start = p->i++;
    if (p->i >= p->n) return fail(p, ERR_BACKSLASH, p->n, p->n), false;
    int32_t c = next_rune(p);
    if (c < 0x80 && !is_alnum(c)) { /* punctuation, '_' included, is itself */
        *out = c;
        return true;
    }
    switch (c) {
    case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '7') break; /* a backreference */
        /* fallthrough */
    case '0': {
        int32_t r = c - '0';
        for (int k = 1; k < 3 && p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '7'; k++) r = r * 8 + (p->s[p->i++] - '0');
        *out = r;
        return true;
    }
    case 'x': {
        if (p->i >= p->n) break;
        int32_t d = next_rune(p);
        if (d == '{') {
            int32_t r = 0, digits = 0;
            for (;;) {
                if (p->i >= p->n) goto bad;
                d = next_rune(p);
                if (d == '}') break;
                if (unhex(d) < 0) goto bad;
                r = r * 16 + unhex(d);
                if (r > RUNE_MAX) goto bad;
                digits++;
            }
            if (digits == 0) break;
            *out = r;
            return true;
        }
        if (p->i >= p->n) break;
        int32_t e = next_rune(p);
        if (unhex(d) < 0 || unhex(e) < 0) break;
        *out = unhex(d) * 16 + unhex(e);
        return true;
    }
    case 'a': *out = '\a'; return true;
    case 'f': *out = '\f'; return true;
    case 'n': *out = '\n'; return true;
    case 'r': *out = '\r'; return true;
    case 't': *out = '\t'; return true;
    case 'v': *out = '\v'; return true;
    }
bad:
    return fail(p, ERR_ESCAPE, start, p->i), false;
}

/* parse_class reads a bracket class, p->i at its '['. */
static int32_t parse_class(parser *p) {
    uint32_t open = p->i++;
    bool negated = at(p, '^');
    if (negated) p->i++;
    int32_t start = p->nranges;
    bool first = true;
    for (;;) {
        if (p->i >= p->n) return fail(p, ERR_BRACKET, open, p->n);
        if (at(p, ']') && !first) break;
        first = false;
        uint32_t item = p->i;
        uint8_t c = p->s[p->i];
        if (c == '[' && p->i + 1 < p->n && p->s[p->i + 1] == ':') {
            for (uint32_t k = p->i + 2; k + 1 < p->n; k++)
                if (p->s[k] == ':' && p->s[k + 1] == ']') return fail(p, ERR_UNSUPPORTED, item, k + 2);
        }
        int perl = perl_escape(p);
        if (perl < 0) return -1;
        if (perl > 0) continue;
        if (unsupported(p)) return fail(p, ERR_UNSUPPORTED, item, p->i + 2);
        int32_t lo, hi;
        if (c == '\\') {
            if (!parse_escape(p, &lo)) return -1;
        } else {
            lo = next_rune(p);
        }
        hi = lo;
        if (at(p, '-') && p->i + 1 < p->n && p->s[p->i + 1] != ']') {
            p->i++;
            if (at(p, '\\')) {
                if (!parse_escape(p, &hi)) return -1;
            } else {
                hi = next_rune(p);
            }
            if (hi < lo) return fail(p, ERR_RANGE, item, p->i);
        }
        if (!add_range(p, lo, hi)) return -1;
    }
    p->i++;
    return class_node(p, start, negated);
}

/* parse_int reads a repetition count as Go does: no leading zeros; -1 when
 * it is too large. */
static bool parse_int(parser *p, int32_t *out) {
    if (p->i >= p->n || !is_digit(p->s[p->i])) return false;
    if (p->s[p->i] == '0' && p->i + 1 < p->n && is_digit(p->s[p->i + 1])) return false;
    int32_t v = 0;
    for (; p->i < p->n && is_digit(p->s[p->i]); p->i++) v = v < 0 || v >= 100000000 ? -1 : v * 10 + (p->s[p->i] - '0');
    *out = v;
    return true;
}

/* parse_braces reads {n}, {n,} or {n,m} at p->i; false, with p->i where it
 * was, when the text there is not one (then '{' is a literal). */
static bool parse_braces(parser *p, int32_t *min, int32_t *max) {
    uint32_t start = p->i++;
    if (!parse_int(p, min)) goto literal;
    *max = *min;
    if (at(p, ',')) {
        p->i++;
        if (at(p, '}')) *max = -1;
        else if (!parse_int(p, max)) goto literal;
        else if (*max < 0) *min = -1;
    }
    if (!at(p, '}')) goto literal;
    p->i++;
    return true;
literal:
    p->i = start;
    return false;
}

/* is_repeat tells whether a repetition operator starts at p->i. */
static bool is_repeat(parser *p, uint32_t *end, int32_t *min, int32_t *max) {
    uint32_t start = p->i;
    bool ok = true;
    switch (p->i < p->n ? p->s[p->i] : 0) {
    case '*': *min = 0, *max = -1, p->i++; break;
    case '+': *min = 1, *max = -1, p->i++; break;
    case '?': *min = 0, *max = 1, p->i++; break;
    case '{': ok = parse_braces(p, min, max); break;
    default: ok = false;
    }
    *end = p->i;
    p->i = start;
    return ok;
}

static int32_t parse_alt(parser *p, int depth);

/* new_group numbers a capturing group named name (empty for none). */
static int32_t new_group(parser *p, gh_str name) {
    if (!grow((void **)&p->names, &p->cap_names, p->groups + 2, sizeof(gh_str))) return fail(p, RE_OUT_OF_MEMORY, 0, 0);
    p->names[++p->groups] = name;
    return p->groups;
}

/* parse_group reads a group, p->i at its '('. */
static int32_t parse_group(parser *p, int depth) {
    uint32_t open = p->i++;
    int32_t cap = 0;
    if (at(p, '?')) {
        uint32_t q = p->i + 1;
        bool python = q + 1 < p->n && p->s[q] == 'P' && p->s[q + 1] == '<';
        if (python || (q < p->n && p->s[q] == '<')) {
            uint32_t name = q + (python ? 2 : 1), end = name;
            while (end < p->n && p->s[end] != '>') end++;
            if (end >= p->n) return fail(p, ERR_NAME, open, p->n);
            bool valid = end > name;
            for (uint32_t k = name; k < end; k++) valid = valid && (is_alnum(p->s[k]) || p->s[k] == '_');
            if (!valid) return fail(p, ERR_NAME, open, end + 1);
            cap = new_group(p, (gh_str){(const char *)p->s + name, end - name});
            if (cap < 0) return -1;
            p->i = end + 1;
        } else if (q < p->n && p->s[q] == ':') {
            p->i = q + 1;
            cap = -1;
        } else {
            const char *why = q < p->n && (p->s[q] == 'i' || p->s[q] == 'm' || p->s[q] == 's' || p->s[q] == 'U' || p->s[q] == '-')
                                  ? ERR_UNSUPPORTED
                                  : ERR_PERL;
            if (q >= p->n) return fail(p, ERR_PAREN, 0, p->n);
            p->i = q;
            next_rune(p);
            return fail(p, why, open, p->i);
        }
    }
    if (cap == 0 && (cap = new_group(p, (gh_str){"", 0})) < 0) return -1;
    int32_t body = parse_alt(p, depth + 1);
    if (body < 0) return -1;
    if (!at(p, ')')) return fail(p, ERR_PAREN, 0, p->n);
    p->i++;
    if (cap < 0) return body;
    int32_t id = new_node(p, N_CAPTURE);
    if (id < 0) return -1;
    p->nodes[id].cap = cap;
    add_child(p, id, body);
    return id;
}

/* parse_atom reads one item of a concatenation, p->i at its start, not at
 * '|', ')' or the end. */
static int32_t parse_atom(parser *p, int depth) {
    uint32_t start = p->i;
    switch (p->s[p->i]) {
    case '(':
        return parse_group(p, depth);
    case '[':
        return parse_class(p);
    case '.': {
        p->i++;
        int32_t from = p->nranges;
        if (!add_range(p, 0, '\n' - 1) || !add_range(p, '\n' + 1, RUNE_MAX)) return -1;
        return class_node(p, from, false);
    }
    case '^':
        p->i++;
        return assert_node(p, A_BEGIN);
    case '$':
        p->i++;
        return assert_node(p, A_END);
    case '\\': {
        int32_t from = p->nranges;
        int perl = perl_escape(p);
        if (perl != 0) return perl < 0 ? -1 : class_node(p, from, false);
        if (unsupported(p)) return fail(p, ERR_UNSUPPORTED, start, p->i + 2);
        uint8_t e = p->i + 1 < p->n ? p->s[p->i + 1] : 0;
        int kind = e == 'A' ? A_BEGIN : e == 'z' ? A_END : e == 'b' ? A_WORD : e == 'B' ? A_NOT_WORD : -1;
        if (kind >= 0) {
            p->i += 2;
            return assert_node(p, (uint8_t)kind);
        }
        int32_t r;
        if (!parse_escape(p, &r)) return -1;
        return rune_node(p, r);
    }
    }
    return rune_node(p, next_rune(p));
}

/* counts_within tells whether the counts of the {n,m} repetitions nested
 * in id, multiplied, stay within limit, as Go requires. */
static bool counts_within(const parser *p, int32_t id, int32_t limit) {
    const node *n = &p->nodes[id];
    if (n->kind == N_REPEAT && n->braces) {
        int32_t m = n->max < 0 ? n->min : n->max;
        if (m == 0) return true;
        if (m > limit) return false;
        limit /= m;
    }
    for (int32_t k = n->child; k >= 0; k = p->nodes[k].next)
        if (!counts_within(p, k, limit)) return false;
    return true;
}

/* parse_concat reads a concatenation of repeated items, up to '|', ')' or
 * the end. */
static int32_t parse_concat(parser *p, int depth) {
    int32_t cat = new_node(p, N_CAT);
    if (cat < 0) return -1;
    int32_t last = -1;          /* the last item, which a repetition takes */
    uint32_t last_repeat = 0;   /* where the repetition of the last item starts, if it has one */
    bool repeated = false;
    while (p->i < p->n && !at(p, '|') && !at(p, ')')) {
        uint32_t start = p->i, end;
        int32_t min, max;
        if (is_repeat(p, &end, &min, &max)) {
            bool lazy = end < p->n && p->s[end] == '?';
            uint32_t op_end = end + lazy;
            if (last < 0) return fail(p, ERR_ARGUMENT, start, op_end);
            if (repeated) return fail(p, ERR_REPEAT_OP, last_repeat, op_end);
            if (min < 0 || min > RE_MAX_REPEAT || max > RE_MAX_REPEAT || (max >= 0 && min > max))
                return fail(p, ERR_REPEAT_SIZE, start, end);
            if (depth + 1 > RE_MAX_DEPTH) return fail(p, ERR_DEPTH, 0, p->n);
            int32_t rep = new_node(p, N_REPEAT);
            if (rep < 0) return -1;
            node *n = &p->nodes[rep];
            n->min = min, n->max = max, n->greedy = !lazy, n->braces = p->s[start] == '{';
            n->child = last;
            if (n->braces && (min >= 2 || max >= 2) && !counts_within(p, rep, RE_MAX_REPEAT))
                return fail(p, ERR_REPEAT_SIZE, start, end);
            /* Replace the last item of the concatenation by its repetition. */
            node *c = &p->nodes[cat];
            if (c->child == last) {
                c->child = rep;
            } else {
                int32_t k = c->child;
                while (p->nodes[k].next != last) k = p->nodes[k].next;
                p->nodes[k].next = rep;
            }
            c->last = rep;
            last = rep;
            p->i = op_end;
            repeated = true;
            last_repeat = start;
            continue;
        }
        if (depth > RE_MAX_DEPTH) return fail(p, ERR_DEPTH, 0, p->n);
        int32_t item = parse_atom(p, depth);
        if (item < 0) return -1;
        add_child(p, cat, item);
        last = item;
        repeated = false;
    }
    return cat;
}

static int32_t parse_alt(parser *p, int depth) {
    int32_t first = parse_concat(p, depth);
    if (first < 0 || !at(p, '|')) return first;
    int32_t alt = new_node(p, N_ALT);
    if (alt < 0) return -1;
    add_child(p, alt, first);
    while (at(p, '|')) {
        p->i++;
        int32_t next = parse_concat(p, depth);
        if (next < 0) return -1;
        add_child(p, alt, next);
    }
    return alt;
}

/* ------------------------------------------------------------------------
 * The program
 * ------------------------------------------------------------------------ */

enum op { I_CLASS, I_SPLIT, I_JMP, I_SAVE, I_ASSERT, I_MATCH };

/* inst is an instruction. I_CLASS: x is the first range, y the count;
 * I_SPLIT: x, then y; I_JMP: x; I_SAVE: x is the slot; I_ASSERT: x is the
 * assertion. */
typedef struct inst {
    int32_t op, x, y;
} inst;

struct regex {
    inst *prog;
    int32_t len;
    range *ranges;
    gh_str *names;
    int32_t groups;
};

typedef struct compiler {
    const parser *p;
    inst *prog;
    int32_t len, cap;
    bool failed;
} compiler;

static int32_t emit(compiler *c, int32_t op, int32_t x, int32_t y) {
    if (c->failed) return 0;
    if (c->len >= RE_MAX_PROGRAM || !grow((void **)&c->prog, &c->cap, c->len + 1, sizeof(inst))) {
        c->failed = true;
        return 0;
    }
    c->prog[c->len] = (inst){op, x, y};
    return c->len++;
}

/* split emits a split to a and b, the first preferred when greedy. */
static int32_t split(compiler *c, int32_t a, int32_t b, bool greedy) {
    return greedy ? emit(c, I_SPLIT, a, b) : emit(c, I_SPLIT, b, a);
}

/* patch_out points the free branch of the split at pc to target: the
 * branch that is not its next instruction. */
static void patch_out(compiler *c, int32_t pc, int32_t target) {
    if (c->failed) return;
    inst *in = &c->prog[pc];
    if (in->x == pc + 1) in->y = target;
    else in->x = target;
}

static bool nullable(const parser *p, int32_t id) {
    const node *n = &p->nodes[id];
    switch (n->kind) {
    case N_CLASS: return false;
    case N_CAT:
        for (int32_t k = n->child; k >= 0; k = p->nodes[k].next)
            if (!nullable(p, k)) return false;
        return true;
    case N_ALT:
        for (int32_t k = n->child; k >= 0; k = p->nodes[k].next)
            if (nullable(p, k)) return true;
        return false;
    case N_REPEAT: return n->min == 0 || nullable(p, n->child);
    case N_CAPTURE: return nullable(p, n->child);
    }
    return true; /* empty, assertions */
}

static void compile(compiler *c, int32_t id);

/* plus emits x+: x, then a split back to it. */
static void plus(compiler *c, int32_t id, bool greedy) {
    int32_t body = c->len;
    compile(c, id);
    split(c, body, c->len + 1, greedy);
}

/* star emits x*: a loop, or (x+)? when x matches the empty text, so that
 * an empty iteration does not win over a longer one (Go does the same). */
static void star(compiler *c, int32_t id, bool greedy) {
    int32_t s = split(c, c->len + 1, -1, greedy);
    if (nullable(c->p, id)) {
        plus(c, id, greedy);
    } else {
        compile(c, id);
        emit(c, I_JMP, s, 0);
    }
    patch_out(c, s, c->len);
}

static void compile(compiler *c, int32_t id) {
    const node *n = &c->p->nodes[id];
    if (c->failed) return;
    switch (n->kind) {
    case N_CLASS:
        emit(c, I_CLASS, n->ranges, n->nranges);
        return;
    case N_ASSERT:
        emit(c, I_ASSERT, n->assertion, 0);
        return;
    case N_CAT:
        for (int32_t k = n->child; k >= 0; k = c->p->nodes[k].next) compile(c, k);
        return;
    case N_ALT: {
        int32_t jumps = -1; /* the jumps to the end, chained through x */
        for (int32_t k = n->child; k >= 0; k = c->p->nodes[k].next) {
            if (c->p->nodes[k].next < 0) {
                compile(c, k);
                break;
            }
            int32_t s = emit(c, I_SPLIT, c->len + 1, -1);
            compile(c, k);
            jumps = emit(c, I_JMP, jumps, 0);
            patch_out(c, s, c->len);
        }
        while (jumps >= 0 && !c->failed) {
            int32_t prev = c->prog[jumps].x;
            c->prog[jumps].x = c->len;
            jumps = prev;
        }
        return;
    }
    case N_CAPTURE:
        emit(c, I_SAVE, 2 * n->cap, 0);
        compile(c, n->child);
        emit(c, I_SAVE, 2 * n->cap + 1, 0);
        return;
    case N_REPEAT: {
        /* As Go expands them: x{n,} is x{n-1} then x+, x{n,m} is x{n}
         * then (x(x...)?)? for the m-n optional ones. */
        if (n->max < 0) {
            if (n->min == 0) {
                star(c, n->child, n->greedy);
                return;
            }
            for (int32_t k = 1; k < n->min; k++) compile(c, n->child);
            plus(c, n->child, n->greedy);
            return;
        }
        for (int32_t k = 0; k < n->min; k++) compile(c, n->child);
        int32_t outs = -1; /* the optional splits, chained through their free branch */
        for (int32_t k = n->min; k < n->max; k++) {
            int32_t s = split(c, c->len + 1, outs, n->greedy);
            compile(c, n->child);
            outs = s;
        }
        while (outs >= 0 && !c->failed) {
            inst *in = &c->prog[outs];
            int32_t *free = in->x == outs + 1 ? &in->y : &in->x;
            int32_t prev = *free;
            *free = c->len;
            outs = prev;
        }
        return;
    }
    }
}

regex *re_compile(gh_str pattern, re_error *err) {
    *err = (re_error){0};
    regex *re = gh_calloc(1, sizeof *re);
    if (!re) return *err = (re_error){RE_OUT_OF_MEMORY, {0}}, NULL;
    parser p = {.s = (const uint8_t *)pattern.ptr, .n = pattern.len, .err = err};
    int32_t root = -1;
    if (pattern.len > RE_MAX_PATTERN) {
        fail(&p, ERR_LARGE, 0, p.n);
    } else {
        for (uint32_t k = 0; k < p.n;) {
            int32_t r;
            uint32_t w = utf8_decode(p.s + k, p.n - k, &r);
            if (w == 0) {
                fail(&p, ERR_UTF8, 0, p.n);
                break;
            }
            k += w;
        }
        if (!err->reason) root = parse_alt(&p, 0);
        if (root >= 0 && p.i < p.n) root = fail(&p, ERR_UNEXPECTED, 0, p.n); /* a ')' without its '(' */
    }
    if (root >= 0) {
        compiler c = {.p = &p};
        emit(&c, I_SAVE, 0, 0);
        compile(&c, root);
        emit(&c, I_ASSERT, A_END, 0);
        emit(&c, I_SAVE, 1, 0);
        emit(&c, I_MATCH, 0, 0);
        /* Each of the VM's two lists holds a capture array per instruction. */
        size_t slots = 2 * ((size_t)p.groups + 1);
        if (c.failed || (size_t)c.len * slots > (4u << 20) / sizeof(int32_t)) {
            fail(&p, c.len >= RE_MAX_PROGRAM || !c.failed ? ERR_LARGE : RE_OUT_OF_MEMORY, 0, p.n);
            gh_free(c.prog);
        } else {
            re->prog = c.prog;
            re->len = c.len;
        }
    }
    gh_free(p.nodes);
    if (err->reason) {
        gh_free(p.ranges);
        gh_free(p.names);
        gh_free(re);
        return NULL;
    }
    re->ranges = p.ranges;
    re->names = p.names;
    re->groups = p.groups;
    return re;
}

void re_free(regex *re) {
    if (!re) return;
    gh_free(re->prog);
    gh_free(re->ranges);
    gh_free(re->names);
    gh_free(re);
}

int re_groups(const regex *re) { return re->groups; }

gh_str re_group_name(const regex *re, int g) { return re->names[g]; }

/* ------------------------------------------------------------------------
 * The VM
 * ------------------------------------------------------------------------ */

/* list is the threads at one position, in priority order: the instruction
 * of each (a class or the match) and its capture slots. */
typedef struct list {
    int32_t *pcs, *caps;
    int32_t n;
} list;

/* frame is work left in the closure: explore pc, or (pc < 0) put back the
 * slot's value. */
typedef struct frame {
    int32_t pc, slot, val;
} frame;

typedef struct vm {
    const regex *re;
    const uint8_t *s;
    uint32_t n;
    int32_t slots;
    int32_t *seen, *seen_at; /* a sparse set of the instructions visited at a position */
    int32_t nseen;
    frame *stack;
} vm;

static bool is_word(uint8_t c) { return is_alnum(c) || c == '_'; }

static bool holds(const vm *m, int32_t kind, uint32_t pos) {
    bool before = pos > 0 && is_word(m->s[pos - 1]), after = pos < m->n && is_word(m->s[pos]);
    switch (kind) {
    case A_BEGIN: return pos == 0;
    case A_END: return pos == m->n;
    case A_WORD: return before != after;
    default: return before == after;
    }
}

/* add adds to l the threads that pc leads to at pos without reading a
 * rune, in priority order; caps are the thread's slots, changed and put
 * back on the way. */
static void add(vm *m, list *l, int32_t pc, int32_t *caps, uint32_t pos) {
    int32_t top = 0;
    m->stack[top++] = (frame){pc, 0, 0};
    while (top > 0) {
        frame f = m->stack[--top];
        if (f.pc < 0) {
            caps[f.slot] = f.val;
            continue;
        }
        pc = f.pc;
        int32_t k = m->seen_at[pc];
        if (k < m->nseen && m->seen[k] == pc) continue;
        m->seen_at[pc] = m->nseen;
        m->seen[m->nseen++] = pc;
        const inst *in = &m->re->prog[pc];
        switch (in->op) {
        case I_JMP:
            m->stack[top++] = (frame){in->x, 0, 0};
            break;
        case I_SPLIT:
            m->stack[top++] = (frame){in->y, 0, 0};
            m->stack[top++] = (frame){in->x, 0, 0};
            break;
        case I_SAVE:
            m->stack[top++] = (frame){-1, in->x, caps[in->x]};
            caps[in->x] = (int32_t)pos;
            m->stack[top++] = (frame){pc + 1, 0, 0};
            break;
        case I_ASSERT:
            if (holds(m, in->x, pos)) m->stack[top++] = (frame){pc + 1, 0, 0};
            break;
        default: /* a class or the match: a thread */
            l->pcs[l->n] = pc;
            gh_memcpy(l->caps + (size_t)l->n * m->slots, caps, (size_t)m->slots * sizeof(int32_t));
            l->n++;
        }
    }
}

static bool class_has(const range *r, int32_t n, int32_t c) {
    int32_t lo = 0, hi = n;
    while (lo < hi) {
        int32_t mid = (lo + hi) / 2;
        if (c < r[mid].lo) hi = mid;
        else if (c > r[mid].hi) lo = mid + 1;
        else return true;
    }
    return false;
}

int re_match_whole(const regex *re, gh_str text, int32_t *caps) {
    int32_t len = re->len, slots = 2 * (re->groups + 1);
    /* One block: two lists (instructions and slots), the sparse set, the
     * closure's stack (at most two frames per instruction, and the first)
     * and the slots of the thread being followed. */
    size_t lists = 2 * (size_t)len * (1 + (size_t)slots), set = 2 * (size_t)len;
    size_t stack = (2 * (size_t)len + 1) * (sizeof(frame) / sizeof(int32_t));
    int32_t *mem = gh_malloc((lists + set + stack + (size_t)slots) * sizeof(int32_t));
    if (!mem) return -1;
    list a = {.pcs = mem, .caps = mem + len};
    list b = {.pcs = a.caps + (size_t)len * slots};
    b.caps = b.pcs + len;
    vm m = {.re = re, .s = (const uint8_t *)text.ptr, .n = text.len, .slots = slots};
    m.seen = mem + lists;
    m.seen_at = m.seen + len;
    m.stack = (frame *)(m.seen_at + len);
    int32_t *cur = mem + lists + set + stack;
    gh_memset(m.seen_at, 0, (size_t)len * sizeof(int32_t));

    list *clist = &a, *nlist = &b;
    for (int32_t k = 0; k < slots; k++) cur[k] = -1;
    add(&m, clist, 0, cur, 0);
    uint32_t pos = 0;
    int found = 0;
    while (clist->n > 0) {
        if (pos == m.n) {
            for (int32_t t = 0; t < clist->n; t++)
                if (re->prog[clist->pcs[t]].op == I_MATCH) {
                    gh_memcpy(caps, clist->caps + (size_t)t * slots, (size_t)slots * sizeof(int32_t));
                    found = 1;
                    break;
                }
            break;
        }
        int32_t r = RUNE_ERROR;
        uint32_t w = utf8_decode(m.s + pos, m.n - pos, &r);
        if (w == 0) r = RUNE_ERROR, w = 1;
        nlist->n = 0;
        m.nseen = 0;
        for (int32_t t = 0; t < clist->n; t++) {
            const inst *in = &re->prog[clist->pcs[t]];
            if (in->op != I_CLASS || !class_has(re->ranges + in->x, in->y, r)) continue;
            gh_memcpy(cur, clist->caps + (size_t)t * slots, (size_t)slots * sizeof(int32_t));
            add(&m, nlist, clist->pcs[t] + 1, cur, pos + w);
        }
        list *swap = clist;
        clist = nlist;
        nlist = swap;
        pos += w;
    }
    gh_free(mem);
    return found;
}
