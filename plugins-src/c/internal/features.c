/*
 * features.c: an actuator's pairs and query features; see features.h. Compiled into
 * c-basics and slpf-iptables.
 */
#include "features.h"

bool actuator_supports(const gh_pair *pairs, gh_str action, gh_str target) {
    for (; pairs && pairs->action; pairs++) {
        if (!gh_str_eq(action, pairs->action)) continue;
        for (const char *const *t = pairs->targets; *t; t++)
            if (gh_str_eq(target, *t)) return true;
    }
    return false;
}

static const char *const versions[] = {"1.0", NULL};

static void write_strs(gh_writer *w, const char *const *list) {
    gh_w_array(w);
    for (; list && *list; list++) gh_w_str(w, *list);
    gh_w_end(w);
}

gh_status actuator_features(const gh_component *self, gh_val asked, gh_writer *reply) {
    gh_iter it;
    if (!gh_array_iter(asked, &it)) {
        gh_reply_status(reply, 400, "target features must be a list");
        return GH_OK;
    }
    bool want_versions = false, want_profiles = false, want_pairs = false;
    gh_val f;
    gh_str s;
    while (gh_array_next(&it, &f)) {
        if (!gh_val_str(f, &s)) continue;
        want_versions |= gh_str_eq(s, "versions");
        want_profiles |= gh_str_eq(s, "profiles");
        want_pairs |= gh_str_eq(s, "pairs");
    }
    gh_reply_status(reply, 200, NULL);
    if (!want_versions && !want_profiles && !want_pairs) return GH_OK;
    gh_reply_results(reply);
    if (want_versions) {
        gh_w_key(reply, "versions");
        write_strs(reply, versions);
    }
    if (want_profiles) {
        gh_w_key(reply, "profiles");
        write_strs(reply, self->profiles);
    }
    if (want_pairs) {
        gh_w_key(reply, "pairs");
        gh_w_map(reply);
        for (const gh_pair *p = self->pairs; p->action; p++) {
            gh_w_key(reply, p->action);
            write_strs(reply, p->targets);
        }
        gh_w_end(reply);
    }
    gh_w_end(reply);
    return GH_OK;
}
