/*
 * gatehouse.h: the C plugin development kit of the Gatehouse plugin ABI v1.
 *
 * The normative specification is abi/README.md; README.md beside this file
 * documents the kit. In short: a plugin defines its components in one static
 * table with GATEHOUSE_PLUGIN, compiles gatehouse.c with its own sources, and
 * the kit provides every export of the ABI (the marker, the allocator pair,
 * gatehouse_describe, gatehouse_start and the call exports of every kind),
 * decodes requests
 * into the structs below and writes the reply envelope around what the
 * handler writes.
 *
 *   clang --target=wasm32-unknown-unknown -nostdlib -Wl,--no-entry -Wl,--stack-first -O2 \
 *       -mbulk-memory -Iabi/pdk/c -o plugins/NAME.wasm abi/pdk/c/gatehouse.c your.c
 *
 * Compile every unit with -DGATEHOUSE_BINDING_EXTISM to build for the Extism
 * binding instead of the native one. Built with wasi-libc (--target=wasm32-wasi
 * -mexec-model=reactor) the kit uses libc's malloc; freestanding it brings its
 * own allocator and mem* functions.
 *
 * Memory rules, everywhere in this kit:
 *   - gh_str, gh_bytes and gh_val are views (pointer + length), never
 *     NUL-terminated, never owned. Views into a request, into gh_scratch
 *     memory or into host results stay valid until the next call export
 *     starts. Copy what you keep across calls (gh_strdup).
 *   - Nothing here is thread-safe; a Wasm instance runs one call at a time.
 */
#ifndef GATEHOUSE_H
#define GATEHOUSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this kit implements, as written in manifests. */
#define GATEHOUSE_ABI_VERSION "1.3"

#if defined(__GNUC__) || defined(__clang__)
#define GH_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define GH_PRINTF(fmt, args)
#endif

/* ========================================================================
 * Views
 * ======================================================================== */

/* gh_str is UTF-8 text: a pointer and a length, not NUL-terminated. */
typedef struct gh_str {
    const char *ptr;
    uint32_t len;
} gh_str;

/* gh_bytes is binary data: a pointer and a length. */
typedef struct gh_bytes {
    const uint8_t *ptr;
    uint32_t len;
} gh_bytes;

/* gh_val is one complete msgpack value, as encoded. len == 0 means the value
 * is missing (a key that is not there); a present nil is the one byte 0xc0. */
typedef struct gh_val {
    const uint8_t *ptr;
    uint32_t len;
} gh_val;

/* printf("%.*s", GH_STR_ARG(s)) prints a gh_str. */
#define GH_STR_ARG(s) (int)(s).len, (s).ptr

gh_str gh_cstr(const char *s);                 /* view of a NUL-terminated string; NULL is "" */
bool gh_str_eq(gh_str a, const char *s);       /* a equals the C string s */
bool gh_str_equal(gh_str a, gh_str b);
char *gh_strdup(gh_str s);                     /* NUL-terminated gh_malloc copy; NULL when out of memory */

/* ========================================================================
 * Memory
 * ======================================================================== */

/* The plugin's heap: libc's under WASI, the kit's own allocator (power-of-two
 * size classes with free lists, grown with memory.grow) when freestanding.
 * Blocks are 16-byte aligned. gh_free(NULL) does nothing; freeing a pointer
 * twice or one that gh_malloc did not return traps (freestanding). */
void *gh_malloc(size_t size);
void *gh_calloc(size_t count, size_t size);
void *gh_realloc(void *ptr, size_t size);
void gh_free(void *ptr);

/* gh_scratch returns size bytes, 16-byte aligned, from an arena that is
 * emptied when the next call export starts: for per-call working memory
 * without a matching free. NULL when out of memory. */
void *gh_scratch(size_t size);

#define gh_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define gh_memmove(d, s, n) __builtin_memmove((d), (s), (n))
#define gh_memset(d, c, n) __builtin_memset((d), (c), (n))
#define gh_memcmp(a, b, n) __builtin_memcmp((a), (b), (n))

/* ========================================================================
 * msgpack: reading
 * ======================================================================== */

typedef enum gh_type {
    GH_TYPE_NONE = 0, /* missing, or the end of the input */
    GH_TYPE_NIL,
    GH_TYPE_BOOL,
    GH_TYPE_INT, /* any integer format, signed or unsigned */
    GH_TYPE_FLOAT, /* float32 or float64 */
    GH_TYPE_STR,
    GH_TYPE_BIN,
    GH_TYPE_ARRAY,
    GH_TYPE_MAP,
    GH_TYPE_EXT, /* forbidden by the ABI; skipped, never decoded */
    GH_TYPE_INVALID /* 0xc1 */
} gh_type;

/* gh_reader reads msgpack values one after another from a buffer. Every
 * gh_read_* returns false, and leaves the reader where it was, when the next
 * value is not of the type asked for or runs past the end of the buffer. */
typedef struct gh_reader {
    const uint8_t *p, *end;
} gh_reader;

gh_reader gh_reader_of(const void *buf, size_t len);
gh_reader gh_val_reader(gh_val v);
gh_type gh_peek(const gh_reader *r);
bool gh_read_nil(gh_reader *r);
bool gh_read_bool(gh_reader *r, bool *out);
bool gh_read_int(gh_reader *r, int64_t *out);   /* any integer format; a uint64 above INT64_MAX fails */
bool gh_read_uint(gh_reader *r, uint64_t *out); /* any integer format; a negative value fails */
bool gh_read_float(gh_reader *r, double *out);  /* float32, float64, or any integer */
bool gh_read_str(gh_reader *r, gh_str *out);    /* str; bin accepted too */
bool gh_read_bin(gh_reader *r, gh_bytes *out);  /* bin; str accepted too */
bool gh_read_map(gh_reader *r, uint32_t *count);   /* the header; count key/value pairs follow */
bool gh_read_array(gh_reader *r, uint32_t *count); /* the header; count values follow */
bool gh_read_val(gh_reader *r, gh_val *out);    /* the next value whole, any type */
bool gh_skip(gh_reader *r);                     /* the next value, nested ones included; no recursion */

/* Values. A missing value has type GH_TYPE_NONE. The scalar getters are
 * strict: gh_val_str is true only for a msgpack str, gh_val_int only for an
 * integer, gh_val_float for a float or an integer, gh_val_bool for a bool. */
gh_type gh_val_type(gh_val v);
bool gh_val_exists(gh_val v); /* present, nil included */
bool gh_val_is_nil(gh_val v); /* missing or nil */
bool gh_val_str(gh_val v, gh_str *out);
bool gh_val_bin(gh_val v, gh_bytes *out);
bool gh_val_int(gh_val v, int64_t *out);
bool gh_val_float(gh_val v, double *out);
bool gh_val_bool(gh_val v, bool *out);

/* gh_val_get finds key in the map m; gh_val_path follows a dotted path
 * ("owner.id") through nested maps. Both return false when a map along the
 * way is missing, is not a map or lacks the key; a key present with a nil
 * value is found (true, *out is nil). */
bool gh_val_get(gh_val m, const char *key, gh_val *out);
bool gh_val_getn(gh_val m, const char *key, size_t key_len, gh_val *out);
bool gh_val_path(gh_val v, const char *path, gh_val *out);

/* Iteration over a map's entries or an array's items:
 *
 *     gh_iter it; gh_str k; gh_val v;
 *     if (gh_map_iter(m, &it)) while (gh_map_next(&it, &k, &v)) { ... }
 *
 * gh_map_iter/gh_array_iter accept a missing or nil value as empty and return
 * false for a value of another type. gh_*_next returns false at the end and
 * on a malformed entry (then it.bad is set). */
typedef struct gh_iter {
    gh_reader r;
    uint32_t left;
    bool bad;
} gh_iter;

bool gh_map_iter(gh_val m, gh_iter *it);
bool gh_map_next(gh_iter *it, gh_str *key, gh_val *value);
bool gh_array_iter(gh_val a, gh_iter *it);
bool gh_array_next(gh_iter *it, gh_val *value);

/* ========================================================================
 * msgpack: writing
 * ======================================================================== */

#define GH_MAX_DEPTH 32

/* gh_writer appends msgpack to a growing buffer. Maps and arrays are opened
 * with gh_w_map/gh_w_array and closed with gh_w_end; their entries are
 * counted for you (a map holds key, value, key, value, ...), and the smallest
 * header is written when they close. Out of memory, nesting deeper than
 * GH_MAX_DEPTH or a map closed after a key without its value mark the writer
 * failed: later writes do nothing and gh_writer_ok is false. */
typedef struct gh_writer {
    uint8_t *buf;
    uint32_t len, cap;
    uint32_t depth;
    uint8_t state; /* internal: 0 writing, 1 failed, 2 holds an error reply */
    const char *failure; /* why it failed */
    struct {
        uint32_t start, count;
        bool map;
    } open[GH_MAX_DEPTH];
} gh_writer;

void gh_writer_init(gh_writer *w);   /* an empty writer; allocates on first write */
void gh_writer_reset(gh_writer *w);  /* empty it, keeping its buffer */
void gh_writer_free(gh_writer *w);
bool gh_writer_ok(const gh_writer *w); /* not failed and nothing left open */
gh_bytes gh_writer_bytes(const gh_writer *w);

void gh_w_nil(gh_writer *w);
void gh_w_bool(gh_writer *w, bool v);
void gh_w_int(gh_writer *w, int64_t v);
void gh_w_uint(gh_writer *w, uint64_t v);
void gh_w_float(gh_writer *w, double v); /* float64 */
void gh_w_float32(gh_writer *w, float v);
void gh_w_str(gh_writer *w, const char *s); /* NUL-terminated; NULL writes "" */
void gh_w_strn(gh_writer *w, const char *s, size_t len);
void gh_w_gstr(gh_writer *w, gh_str s);
void gh_w_strf(gh_writer *w, const char *format, ...) GH_PRINTF(2, 3); /* gh_errorf's format subset */
void gh_w_bin(gh_writer *w, const void *p, size_t len);
void gh_w_val(gh_writer *w, gh_val v); /* copies an encoded value; nil when missing */
void gh_w_map(gh_writer *w);           /* opens a map */
void gh_w_array(gh_writer *w);         /* opens an array */
void gh_w_end(gh_writer *w);           /* closes the innermost open map or array */
#define gh_w_key gh_w_str              /* map keys are strings */

/* Inline forms: with a string literal the length is known at compile time. */
#define gh_w_str(w, s) gh__w_str_inline((w), (s))
#define gh_str_eq(a, s) gh__str_eq_inline((a), (s))
#define gh_cstr(s) gh__cstr_inline(s)

/* gh__eq compares n bytes, 8 at a time; with a constant n (a literal) the
 * compiler unrolls it completely. Loops are what costs in a plugin: a host
 * that can interrupt long calls (wazero's close-on-context-done) checks at
 * every loop iteration, at the price of a call into the host. */
static inline __attribute__((always_inline)) bool gh__eq(const void *a, const void *b, size_t n) {
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    for (; n >= 8; n -= 8, x += 8, y += 8) {
        uint64_t u, v;
        __builtin_memcpy_inline(&u, x, 8);
        __builtin_memcpy_inline(&v, y, 8);
        if (u != v) return false;
    }
    if (n >= 4) {
        uint32_t u, v;
        __builtin_memcpy_inline(&u, x, 4);
        __builtin_memcpy_inline(&v, y, 4);
        if (u != v) return false;
        x += 4, y += 4, n -= 4;
    }
    if (n >= 2) {
        uint16_t u, v;
        __builtin_memcpy_inline(&u, x, 2);
        __builtin_memcpy_inline(&v, y, 2);
        if (u != v) return false;
        x += 2, y += 2, n -= 2;
    }
    return n == 0 || *x == *y;
}

static inline void gh__w_str_inline(gh_writer *w, const char *s) {
    gh_w_strn(w, s ? s : "", s ? __builtin_strlen(s) : 0);
}

static inline bool gh__str_eq_inline(gh_str a, const char *s) {
    size_t n = s ? __builtin_strlen(s) : 0;
    return a.len == n && gh__eq(a.ptr, s, n);
}

static inline gh_str gh__cstr_inline(const char *s) {
    gh_str r = {s ? s : "", s ? (uint32_t)__builtin_strlen(s) : 0};
    return r;
}

/* ========================================================================
 * Errors and replies
 * ======================================================================== */

/* A handler returns GH_OK after writing its reply, or the result of
 * gh_error/gh_errorf. */
typedef int gh_status;
#define GH_OK 0
#define GH_FAILED (-1)

/* The plugin error codes (abi/README.md section 7). */
typedef enum gh_code {
    GH_INVALID_REQUEST = 1, /* the request is malformed or not understood */
    GH_NOT_FOUND,           /* the thing asked for does not exist */
    GH_UNSUPPORTED,         /* the component does not do what was asked */
    GH_DENIED,              /* the component refuses on purpose */
    GH_UNAVAILABLE,         /* a dependency is down; retrying may help */
    GH_INTERNAL             /* anything else */
} gh_code;

const char *gh_code_name(gh_code code); /* "invalid_request", ... */

/* gh_error replaces whatever the reply holds with the error envelope
 * {"error": {"code", "message"}} and returns GH_FAILED; later writes to the
 * reply are ignored. Messages are lower case, one line, no trailing period.
 * gh_errorf formats with a printf subset: %% %c %s %.*s %d %i %u %x with the
 * l and ll modifiers, and %p; no widths, no floats. */
gh_status gh_error(gh_writer *reply, gh_code code, const char *message);
gh_status gh_errorf(gh_writer *reply, gh_code code, const char *format, ...) GH_PRINTF(3, 4);

/* Kind-specific reply helpers. A handler is called with the reply's `ok` map
 * open and writes that map's entries (abi/README.md section 6): */
void gh_reply_status(gh_writer *reply, int status, const char *status_text); /* actuator; text may be NULL */
void gh_reply_results(gh_writer *reply);    /* actuator: opens "results"; write entries, then gh_w_end */
void gh_reply_fulfilled(gh_writer *reply, bool fulfilled, const char *reason); /* obligation; reason may be NULL */
void gh_reply_value(gh_writer *reply);      /* environment: writes the key "value"; write one value next */
void gh_reply_attributes(gh_writer *reply); /* object: opens "attributes"; write entries, then gh_w_end */
struct gh_action;
void gh_reply_action(gh_writer *reply, const struct gh_action *action); /* agent act */

/* ========================================================================
 * Requests
 * ======================================================================== */

typedef struct gh_component gh_component;

/* Lists decoded from requests live in gh_scratch memory. */
typedef struct gh_str_list {
    const gh_str *items;
    uint32_t len;
} gh_str_list;

bool gh_str_list_contains(gh_str_list list, gh_str s);

/* Context: the four attribute categories of an evaluation, each a map of any
 * (or missing). gh_context_get looks up a dotted path whose first segment is
 * the category: "subject.id", "access.reason", "object.owner.id". */
typedef struct gh_context {
    gh_val subject, object, environment, access;
} gh_context;

bool gh_context_get(const gh_context *ctx, const char *path, gh_val *out);

/* actuator: gatehouse_actuate */
typedef struct gh_command {
    gh_str action;
    gh_val target;       /* the target map, one key: the target type */
    uint32_t target_keys; /* how many keys target has (1 when well-formed) */
    gh_str target_type;  /* its key, when it has exactly one */
    gh_val target_value; /* its value, when it has exactly one */
    gh_val args;         /* map of any */
    gh_val actuator;     /* map of any: the profile namespace and its specifiers */
    gh_str command_id;
} gh_command;

typedef struct gh_headers {
    gh_str request_id;
    int64_t created; /* ms since the Unix epoch */
    gh_str from;
    gh_str_list to;
} gh_headers;

typedef struct gh_actuate_req {
    const gh_component *self; /* the component asked */
    gh_str component;
    gh_command command;
    gh_headers headers;
    gh_str profile;
    gh_val specifiers; /* map of any */
} gh_actuate_req;

/* obligation: gatehouse_oblige */
typedef enum gh_decision {
    GH_DECISION_OTHER = 0, /* none of the three below */
    GH_GRANT,
    GH_DENY,
    GH_NOT_APPLICABLE
} gh_decision;

typedef struct gh_oblige_req {
    const gh_component *self;
    gh_str component;
    gh_decision decision;
    gh_str decision_name; /* "GRANT", "DENY", "NOT_APPLICABLE" */
    gh_context context;
    gh_val config; /* map of any */
} gh_oblige_req;

/* environment: gatehouse_environment */
typedef struct gh_environment_req {
    const gh_component *self;
    gh_str component;
    gh_str key;
    gh_context context;
} gh_environment_req;

/* object: gatehouse_object */
typedef struct gh_object_req {
    const gh_component *self;
    gh_str component;
    gh_val object; /* map of any: the attributes so far */
    gh_str path;
    gh_val config; /* map of any */
} gh_object_req;

/* agent: gatehouse_agent_reset and gatehouse_agent_act */
typedef struct gh_option {
    gh_str name, value;
} gh_option;

typedef struct gh_option_list {
    const gh_option *items;
    uint32_t len;
} gh_option_list;

/* gh_option_get finds an option's value; false when the option is not sent. */
bool gh_option_get(gh_option_list list, const char *name, gh_str *value);

typedef struct gh_edge {
    gh_str from, to;
} gh_edge;

typedef struct gh_edge_list {
    const gh_edge *items;
    uint32_t len;
} gh_edge_list;

typedef struct gh_action {
    gh_str kind;   /* "move", "take", "read", "drop", "wait" */
    gh_str target; /* a location or a possessible; empty for wait */
    double risk;   /* in choices: the chance, 0 to 1, that it fails */
    int64_t time;  /* in choices: the ticks it keeps the actor busy */
} gh_action;

typedef struct gh_action_list {
    const gh_action *items;
    uint32_t len;
} gh_action_list;

typedef struct gh_agent_reset_req {
    const gh_component *self;
    gh_str component;
    gh_str actor;
    int64_t seed;
    gh_str_list goals;
    gh_option_list options;
    gh_edge_list edges;
} gh_agent_reset_req;

typedef struct gh_observation {
    int64_t tick;
    gh_str location;
    gh_str_list holdings;
    gh_str_list goals;
    gh_action_list choices;
} gh_observation;

typedef struct gh_agent_act_req {
    const gh_component *self;
    gh_str component;
    gh_str actor;
    gh_observation observation;
} gh_agent_act_req;

/* ========================================================================
 * Components and the plugin
 * ======================================================================== */

typedef gh_status (*gh_actuate_fn)(const gh_actuate_req *req, gh_writer *reply);
typedef gh_status (*gh_oblige_fn)(const gh_oblige_req *req, gh_writer *reply);
typedef gh_status (*gh_environment_fn)(const gh_environment_req *req, gh_writer *reply);
typedef gh_status (*gh_object_fn)(const gh_object_req *req, gh_writer *reply);
typedef gh_status (*gh_agent_reset_fn)(const gh_agent_reset_req *req, gh_writer *reply);
typedef gh_status (*gh_agent_act_fn)(const gh_agent_act_req *req, gh_writer *reply);

typedef enum gh_kind {
    GH_KIND_NONE = 0, /* ends a component list */
    GH_ACTUATOR,
    GH_OBLIGATION,
    GH_ENVIRONMENT,
    GH_OBJECT,
    GH_AGENT
} gh_kind;

const char *gh_kind_name(gh_kind kind); /* "actuator", ... */

/* An OpenC2 action and the target types an actuator accepts for it. */
typedef struct gh_pair {
    const char *action;
    const char *const *targets; /* NULL-terminated: GH_STRS(...) */
} gh_pair;

/* A setting an agent accepts at reset. */
typedef struct gh_option_decl {
    const char *name;
    const char *description;
    const char *default_value;
} gh_option_decl;

/* One component. Set kind, name, the handler(s) of that kind and the
 * manifest keys of that kind; the others are ignored. */
struct gh_component {
    gh_kind kind;
    const char *name;        /* ^[a-z0-9][a-z0-9._-]{0,63}$ */
    const char *description; /* optional, one line */

    const char *const *profiles; /* actuator: GH_STRS("slpf"), optional */
    const gh_pair *pairs;        /* actuator: GH_PAIRS(...) */
    const char *const *attributes; /* environment: GH_STRS("time") */
    int64_t priority;            /* object: lower runs first */
    const gh_option_decl *options; /* agent: GH_OPTIONS(...), optional */
    const char *const *config_keys; /* obligation, object: GH_STRS("log_format"), the config keys it reads; optional (ABI 1.2) */

    gh_actuate_fn actuate;
    gh_oblige_fn oblige;
    gh_environment_fn environment;
    gh_object_fn object;
    gh_agent_reset_fn agent_reset;
    gh_agent_act_fn agent_act;

    void *user; /* yours: handlers see it as req->self->user */
};

/* gh_start_fn is the plugin's start hook, which gatehouse_start runs
 * (abi/README.md section 4.6): once per loaded version of the plugin, in one
 * instance, with the plugin's capabilities, before any component is called.
 * It writes nothing and returns GH_OK, or fails the load with gh_error. */
typedef gh_status (*gh_start_fn)(gh_writer *reply);

/* The plugin: its manifest and its components. Define exactly one, with
 * GATEHOUSE_PLUGIN, in one of the plugin's units. */
typedef struct gh_plugin {
    const char *name;    /* ^[a-z0-9][a-z0-9._-]{0,63}$ */
    const char *version; /* not empty; SemVer recommended */
    const char *description;
    const char *const *capabilities; /* GH_STRS("log", "kv"): exactly those whose functions are used */
    const gh_component *components;  /* GH_COMPONENTS(...) */
    gh_start_fn start;               /* optional: the start hook; without one gatehouse_start does nothing */
} gh_plugin;

extern const gh_plugin gatehouse_plugin;

#define GATEHOUSE_PLUGIN(...) const gh_plugin gatehouse_plugin = {__VA_ARGS__}

/* Terminated lists for the table, as static compound literals. */
#define GH_STRS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define GH_PAIRS(...) ((const gh_pair[]){__VA_ARGS__, {NULL, NULL}})
#define GH_OPTIONS(...) ((const gh_option_decl[]){__VA_ARGS__, {NULL, NULL, NULL}})
#define GH_COMPONENTS(...) ((const gh_component[]){__VA_ARGS__, {.kind = GH_KIND_NONE}})

/* ========================================================================
 * Capabilities (abi/README.md section 8), native binding only
 *
 * Only the functions a plugin calls are imported into its module. List the
 * capability of each in gatehouse_plugin.capabilities, and have the host
 * grant it (plugins.<name>.grants.<capability>).
 * ======================================================================== */

#ifndef GATEHOUSE_BINDING_EXTISM

#define GH_IMPORT(name) __attribute__((import_module("gatehouse"), import_name(name)))

/* The raw host functions, with the exact signatures of the ABI. Prefer the
 * wrappers below, which run the result protocol for you. */
GH_IMPORT("log") void gh_host_log(int32_t level, const char *msg, int32_t msg_len);
GH_IMPORT("clock_wall") int64_t gh_host_clock_wall(void);
GH_IMPORT("clock_monotonic") int64_t gh_host_clock_monotonic(void);
GH_IMPORT("kv_get") int32_t gh_host_kv_get(const void *key, int32_t key_len);
GH_IMPORT("kv_set") int32_t gh_host_kv_set(const void *key, int32_t key_len, const void *val, int32_t val_len);
GH_IMPORT("kv_delete") int32_t gh_host_kv_delete(const void *key, int32_t key_len);
GH_IMPORT("kv_list") int32_t gh_host_kv_list(const void *prefix, int32_t prefix_len);
GH_IMPORT("http_request") int32_t gh_host_http_request(const void *req, int32_t req_len);
GH_IMPORT("exec") int32_t gh_host_exec(const void *req, int32_t req_len);
GH_IMPORT("sink_write") int32_t gh_host_sink_write(const void *sink, int32_t sink_len, int32_t level, const void *msg, int32_t msg_len);
GH_IMPORT("plan") int32_t gh_host_plan(const void *req, int32_t req_len);
GH_IMPORT("result") int32_t gh_host_result(void *out, int32_t out_cap);

/* log (capability "log"). Levels below debug count as debug, above error as
 * error. Messages over 64 KiB are cut by the host. */
typedef enum gh_log_level { GH_LOG_DEBUG = 0, GH_LOG_INFO = 1, GH_LOG_WARN = 2, GH_LOG_ERROR = 3 } gh_log_level;
void gh_log(gh_log_level level, const char *msg);
void gh_logn(gh_log_level level, const char *msg, size_t len);
void gh_logf(gh_log_level level, const char *format, ...) GH_PRINTF(2, 3); /* gh_errorf's format subset */

/* clock (capability "clock"): nanoseconds. */
static inline int64_t gh_clock_wall(void) { return gh_host_clock_wall(); }
static inline int64_t gh_clock_monotonic(void) { return gh_host_clock_monotonic(); }

/* An error a host function answered: a code ("not_found", "invalid_request",
 * "capability_denied", ...) and a message. Answers, not failures: pass them on
 * with a plugin code (gh_error_from_host). */
typedef struct gh_host_error {
    gh_str code;
    gh_str message;
} gh_host_error;

bool gh_host_error_is(const gh_host_error *err, const char *code);
/* gh_error_from_host fails the reply with code and the host's message. */
gh_status gh_error_from_host(gh_writer *reply, gh_code code, const gh_host_error *err);

/* kv (capability "kv"). Each returns true on success, else false with *err
 * filled (err may be NULL). Results live in gh_scratch memory. */
bool gh_kv_get(gh_str key, gh_bytes *value, gh_host_error *err); /* a missing key: "not_found" */
bool gh_kv_set(gh_str key, gh_bytes value, gh_host_error *err);
bool gh_kv_delete(gh_str key, gh_host_error *err);
bool gh_kv_list(gh_str prefix, gh_val *keys, gh_host_error *err); /* keys: a msgpack array of str */

/* http (capability "http") and exec (capability "exec") take the msgpack
 * request of sections 8.4 and 8.5 (build it with a gh_writer of your own) and
 * give back the msgpack response: use gh_val_get(resp, "status", ...). */
bool gh_http_request(gh_bytes request, gh_val *response, gh_host_error *err);
bool gh_exec(gh_bytes request, gh_val *result, gh_host_error *err);

/* sink (capability "sink", ABI 1.2) writes msg as one record to the
 * destination the grant names sink (plugins.<name>.grants.sink.<sink>),
 * and returns once the destination took it. Fails with "capability_denied"
 * for a sink the grant does not name, "invalid_request" for a record over
 * 64 KiB, "timeout" or "unavailable" for a destination that does not take
 * it. */
bool gh_sink_write(gh_str sink, gh_log_level level, const char *msg, size_t len, gh_host_error *err);

/* plan (capability "plan", ABI 1.3; every plugin may, but list it) takes
 * the msgpack plan request of section 8.8 ({"gone": [...]}, or an empty
 * map) during an agent's act and gives back the plan reply: iterate
 * gh_val_get(reply, "steps", ...) for its actions. Fails with "unsupported"
 * outside an act, "invalid_request" for a request naming what the model
 * does not have. */
bool gh_plan(gh_bytes request, gh_val *reply, gh_host_error *err);

#endif /* !GATEHOUSE_BINDING_EXTISM */

#ifdef __cplusplus
}
#endif

#endif /* GATEHOUSE_H */
