/* urlmap.c: the object setter urlmap, the twin of plugins-src/go/internal/acl/urlmap.go. */
#include <stdlib.h>

#include "../internal/regex.h"
#include "acl.h"

/* attr is an attribute a mapping sets: a group's name and the text it
 * matched, views into the request, and when it was set. */
typedef struct attr {
    gh_str name, text;
    uint32_t order;
} attr;

static int by_name(const void *a, const void *b) {
    const attr *x = a, *y = b;
    int c = str_compare(x->name, y->name);
    return c != 0 ? c : (x->order > y->order) - (x->order < y->order);
}

/* match_mapping matches re against the whole path and appends to attrs an
 * attribute for each named group that took part; false when out of memory. */
static bool match_mapping(const regex *re, gh_str path, attr **attrs, uint32_t *n, uint32_t *cap) {
    int groups = re_groups(re);
    int32_t *caps = gh_malloc(sizeof(int32_t) * 2 * ((size_t)groups + 1));
    if (!caps) return false;
    int found = re_match_whole(re, path, caps);
    for (int g = 1; found == 1 && g <= groups; g++) {
        gh_str name = re_group_name(re, g);
        if (name.len == 0 || caps[2 * g] < 0) continue;
        if (*n == *cap) {
            uint32_t c = *cap ? *cap * 2 : 8;
            attr *a = gh_realloc(*attrs, sizeof(attr) * c);
            if (!a) {
                found = -1;
                break;
            }
            *attrs = a;
            *cap = c;
        }
        (*attrs)[*n] = (attr){name, {path.ptr + caps[2 * g], (uint32_t)(caps[2 * g + 1] - caps[2 * g])}, *n};
        (*n)++;
    }
    gh_free(caps);
    return found >= 0;
}

/* urlmap_object matches each regular expression of the config key mappings
 * against the whole request path without its leading slash; every one that
 * matches sets an attribute for each of its named groups that took part,
 * later mappings overriding earlier ones. */
gh_status urlmap_object(const gh_object_req *req, gh_writer *reply) {
    gh_val mappings;
    if (!gh_val_get(req->config, "mappings", &mappings) || gh_val_is_nil(mappings))
        return gh_error(reply, GH_INVALID_REQUEST,
                        "urlmap: config mappings is missing; list the regular expressions to match the path with");
    gh_iter it;
    if (gh_val_type(mappings) != GH_TYPE_ARRAY || !gh_array_iter(mappings, &it))
        return gh_error(reply, GH_INVALID_REQUEST, "urlmap: config mappings: want a list of regular expressions");
    gh_str path = req->path;
    if (path.len > 0 && path.ptr[0] == '/') path.ptr++, path.len--;

    attr *attrs = NULL;
    uint32_t n = 0, cap = 0;
    gh_val m;
    for (uint32_t i = 0; gh_array_next(&it, &m); i++) {
        gh_str src;
        if (!gh_val_str(m, &src)) {
            gh_free(attrs);
            return gh_errorf(reply, GH_INVALID_REQUEST, "urlmap: config mappings[%u]: want a regular expression, a string", i);
        }
        re_error err;
        regex *re = re_compile(src, &err);
        if (!re) {
            gh_free(attrs);
            if (err.reason == RE_OUT_OF_MEMORY) return gh_error(reply, GH_INTERNAL, "urlmap: out of memory compiling a mapping");
            return gh_errorf(reply, GH_INVALID_REQUEST, "urlmap: config mappings[%u]: error parsing regexp: %s: `%.*s`", i,
                             err.reason, GH_STR_ARG(err.expr));
        }
        bool ok = match_mapping(re, path, &attrs, &n, &cap);
        re_free(re);
        if (!ok) {
            gh_free(attrs);
            return gh_error(reply, GH_INTERNAL, "urlmap: out of memory matching the path");
        }
    }
    /* Sorted by name, then by the order they were set: the last of each
     * name is the one that stays. */
    qsort(attrs, n, sizeof *attrs, by_name);
    gh_reply_attributes(reply);
    for (uint32_t k = 0; k < n; k++) {
        if (k + 1 < n && gh_str_equal(attrs[k].name, attrs[k + 1].name)) continue;
        gh_w_gstr(reply, attrs[k].name);
        gh_w_gstr(reply, attrs[k].text);
    }
    gh_w_end(reply);
    gh_free(attrs);
    return GH_OK;
}
