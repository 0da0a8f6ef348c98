/*
 * planner.c: the agent planner of c-basics, the C twin of planner in
 * plugins-src/go/internal/basics/planner.go. It follows the plan the host's
 * plan function gives it (ABI 1.3) from the state it observes, planning
 * again when the actor is not where and as the plan expects; a take or read
 * of something not there marks it gone. When no plan starts it acts as
 * greedy, whose run of the actor its reset starts too.
 *
 * Each actor's state is a handful of owned string lists, each one heap
 * block: the gh_str array, then the text.
 */
#include "basics.h"

/* owned is a list of strings in one gh_malloc block. */
typedef struct owned {
    gh_str *items;
    uint32_t len;
} owned;

/* own sets *out to copies of a (na strings), then b (nb), freeing what *out
 * held after copying, so a and b may point into it; false when out of
 * memory, with *out unchanged. */
static bool own(owned *out, const gh_str *a, uint32_t na, const gh_str *b, uint32_t nb) {
    size_t text = 0;
    for (uint32_t i = 0; i < na; i++) text += a[i].len;
    for (uint32_t i = 0; i < nb; i++) text += b[i].len;
    gh_str *items = gh_malloc((na + nb) * sizeof *items + text + 1);
    if (!items) return false;
    char *at = (char *)(items + na + nb);
    for (uint32_t i = 0; i < na + nb; i++) {
        gh_str s = i < na ? a[i] : b[i - na];
        if (s.len) gh_memcpy(at, s.ptr, s.len);
        items[i] = (gh_str){at, s.len};
        at += s.len;
    }
    gh_free(out->items);
    out->items = items;
    out->len = na + nb;
    return true;
}

/* contains reports whether list holds s. */
static bool contains(const gh_str *list, uint32_t n, gh_str s) {
    for (uint32_t i = 0; i < n; i++)
        if (gh_str_equal(list[i], s)) return true;
    return false;
}

/* same_set reports whether a and b, lists without repeats, hold the same
 * strings. */
static bool same_set(const gh_str *a, uint32_t na, const gh_str *b, uint32_t nb) {
    if (na != nb) return false;
    for (uint32_t i = 0; i < na; i++)
        if (!contains(b, nb, a[i])) return false;
    return true;
}

typedef struct prun {
    owned actor;
    owned steps;    /* the plan being followed: kind, target, for each step */
    uint32_t next;  /* the step to take next */
    owned at;       /* where the actor should be before the next step */
    owned holds;    /* what it should hold then */
    owned gone;     /* possessibles found missing */
    owned stuck;    /* the holdings, then the gone possessibles, with which planning last failed */
    uint32_t stuck_holds;
    bool is_stuck;
} prun;

/* The runs, by actor, in a growing array. */
static prun **pruns;
static uint32_t npruns, pruns_cap;

static prun *pfind(gh_str actor) {
    for (uint32_t i = 0; i < npruns; i++)
        if (gh_str_equal(pruns[i]->actor.items[0], actor)) return pruns[i];
    return NULL;
}

static void clear(prun *r) {
    owned *lists[] = {&r->steps, &r->at, &r->holds, &r->gone, &r->stuck};
    for (uint32_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        gh_free(lists[i]->items);
        *lists[i] = (owned){NULL, 0};
    }
    r->next = r->stuck_holds = 0;
    r->is_stuck = false;
}

gh_status planner_reset(const gh_agent_reset_req *req, gh_writer *reply) {
    gh_status st = greedy_reset(req, reply);
    if (st != GH_OK) return st;
    prun *r = pfind(req->actor);
    if (!r) {
        if (npruns == pruns_cap) {
            uint32_t cap = pruns_cap ? 2 * pruns_cap : 16;
            prun **grown = gh_realloc(pruns, cap * sizeof *grown);
            if (!grown) return gh_error(reply, GH_INTERNAL, "out of memory");
            pruns = grown;
            pruns_cap = cap;
        }
        r = gh_calloc(1, sizeof *r);
        if (!r || !own(&r->actor, &req->actor, 1, NULL, 0)) {
            gh_free(r);
            return gh_error(reply, GH_INTERNAL, "out of memory");
        }
        pruns[npruns++] = r;
    }
    clear(r);
    return GH_OK;
}

/* replan asks the host for a plan from the observed state and reports
 * whether it got one with a step to take. It does not ask again with the
 * holdings and gone possessibles of its last failure: wherever the actor
 * walks to with them, no plan starts either. */
static bool replan(prun *r, const gh_observation *obs) {
    gh_str_list held = obs->holdings;
    if (r->is_stuck && r->stuck_holds == held.len && r->stuck.len == held.len + r->gone.len &&
        same_set(r->stuck.items, held.len, held.items, held.len) &&
        same_set(r->stuck.items + held.len, r->gone.len, r->gone.items, r->gone.len))
        return false;

    static gh_writer w;
    static bool ready;
    if (!ready) gh_writer_init(&w), ready = true;
    gh_writer_reset(&w);
    gh_w_map(&w);
    gh_w_key(&w, "gone");
    gh_w_array(&w);
    for (uint32_t i = 0; i < r->gone.len; i++) gh_w_gstr(&w, r->gone.items[i]);
    gh_w_end(&w);
    gh_w_end(&w);

    gh_val rep, steps, step;
    gh_iter it;
    uint32_t n = 0;
    gh_str *pairs = NULL;
    if (gh_writer_ok(&w) && gh_plan(gh_writer_bytes(&w), &rep, NULL) && gh_val_get(rep, "steps", &steps) &&
        gh_array_iter(steps, &it) && it.left > 0 && (pairs = gh_scratch(2 * it.left * sizeof *pairs))) {
        while (gh_array_next(&it, &step)) {
            gh_val kind, target;
            if (!gh_val_get(step, "kind", &kind) || !gh_val_str(kind, &pairs[2 * n])) break;
            pairs[2 * n + 1] = (gh_str){"", 0};
            if (gh_val_get(step, "target", &target)) gh_val_str(target, &pairs[2 * n + 1]);
            n++;
        }
        if (it.bad) n = 0;
    }
    if (n == 0 || !own(&r->steps, pairs, 2 * n, NULL, 0) || !own(&r->at, &obs->location, 1, NULL, 0) ||
        !own(&r->holds, held.items, held.len, NULL, 0)) {
        if (own(&r->stuck, held.items, held.len, r->gone.items, r->gone.len)) {
            r->stuck_holds = held.len;
            r->is_stuck = true;
        }
        gh_free(r->steps.items);
        r->steps = (owned){NULL, 0};
        return false;
    }
    r->next = 0;
    r->is_stuck = false;
    return true;
}

gh_status planner_act(const gh_agent_act_req *req, gh_writer *reply) {
    prun *r = pfind(req->actor);
    if (!r) return gh_errorf(reply, GH_INVALID_REQUEST, "actor \"%.*s\" has no run: reset it first", GH_STR_ARG(req->actor));
    const gh_observation *obs = &req->observation;
    gh_action_list choices = obs->choices;
    if (greedy_goals(req->actor).len == 0) {
        gh_action wait = {gh_cstr("wait"), gh_cstr(""), 0, 0};
        gh_reply_action(reply, &wait);
        return GH_OK;
    }
    bool on_plan = r->next < r->steps.len / 2 && r->at.len == 1 && gh_str_equal(obs->location, r->at.items[0]) &&
                   same_set(obs->holdings.items, obs->holdings.len, r->holds.items, r->holds.len);
    while (on_plan || replan(r, obs)) {
        gh_str kind = r->steps.items[2 * r->next], target = r->steps.items[2 * r->next + 1];
        for (uint32_t i = 0; i < choices.len; i++) {
            if (!gh_str_equal(choices.items[i].kind, kind) || !gh_str_equal(choices.items[i].target, target)) continue;
            r->next++;
            bool ok = true;
            if (gh_str_eq(kind, "move")) ok = own(&r->at, &target, 1, NULL, 0);
            else if (gh_str_eq(kind, "take")) ok = own(&r->holds, r->holds.items, r->holds.len, &target, 1);
            if (!ok) return gh_error(reply, GH_INTERNAL, "out of memory");
            gh_reply_action(reply, &choices.items[i]);
            return GH_OK;
        }
        if (gh_str_eq(kind, "move") || contains(r->gone.items, r->gone.len, target)) break;
        if (!own(&r->gone, r->gone.items, r->gone.len, &target, 1)) return gh_error(reply, GH_INTERNAL, "out of memory");
        on_plan = false;
    }
    return greedy_act(req, reply);
}
