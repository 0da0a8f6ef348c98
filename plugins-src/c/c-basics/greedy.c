/*
 * greedy.c: the agent greedy of c-basics, the C twin of greedy in
 * plugins-src/go/internal/basics/agent.go. It takes a choice that reaches a
 * goal; else the move to the next location on a shortest path over the
 * reset's edges to a goal; else the least risky choice, the first among
 * equals.
 *
 * A reset copies what the run needs into one heap block per actor: the
 * actor's goals and the edges as a graph of interned locations (successor
 * lists in the order of the edges, which decides among paths of equal
 * length exactly as the Go agent does, and predecessor lists). The run
 * keeps the distance of every location to the goals it was last asked
 * about, so that an actor whose goals do not change pays one breadth-first
 * search for the whole run.
 */
#include "basics.h"

typedef struct run {
    gh_str actor;
    gh_str_list goals;
    uint32_t nodes;     /* distinct locations */
    gh_str *names;      /* by node */
    uint32_t *first;    /* nodes+1 offsets into succ */
    uint32_t *succ;     /* successors, by edge order */
    uint32_t *pfirst;   /* nodes+1 offsets into pred */
    uint32_t *pred;     /* predecessors */
    int32_t *dist;      /* by node, edges to the nearest target, -1 for none */
    uint32_t *table;    /* open addressing: node+1, 0 for empty */
    uint32_t mask;      /* table size - 1 */
    uint32_t *targets;  /* the goal locations dist is for (gh_malloc), or NULL before the first */
    uint32_t ntargets;
} run;

/* The runs by actor: open addressing on the hash of the actor's name, at
 * most half full. A reset of an actor replaces its run in place. */
static run **runs;
static uint32_t runs_mask, runs_count;

static uint32_t hash(gh_str s) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < s.len; i++) h = (h ^ (uint8_t)s.ptr[i]) * 16777619u;
    return h;
}

/* lookup returns the node of a location, or -1. */
static int64_t lookup(const uint32_t *table, uint32_t mask, const gh_str *names, gh_str s) {
    for (uint32_t i = hash(s) & mask;; i = (i + 1) & mask) {
        uint32_t slot = table[i];
        if (slot == 0) return -1;
        if (gh_str_equal(names[slot - 1], s)) return slot - 1;
    }
}

/* intern returns the node of a location, adding it if new. */
static uint32_t intern(uint32_t *table, uint32_t mask, gh_str *names, uint32_t *nodes, gh_str s) {
    uint32_t i = hash(s) & mask;
    for (; table[i]; i = (i + 1) & mask)
        if (gh_str_equal(names[table[i] - 1], s)) return table[i] - 1;
    names[*nodes] = s;
    table[i] = ++*nodes;
    return *nodes - 1;
}

/* slot returns the slot of the actor's run, or the empty slot it would
 * take. runs must not be NULL. */
static run **slot(gh_str actor) {
    for (uint32_t i = hash(actor) & runs_mask;; i = (i + 1) & runs_mask)
        if (!runs[i] || gh_str_equal(runs[i]->actor, actor)) return &runs[i];
}

static run *find(gh_str actor) { return runs ? *slot(actor) : NULL; }

/* put stores r as the run of its actor, freeing the run it replaces;
 * false when out of memory. */
static bool put(run *r) {
    if (!runs || 2 * (runs_count + 1) > runs_mask + 1) {
        uint32_t old_size = runs ? runs_mask + 1 : 0, size = runs ? 2 * old_size : 16;
        run **old = runs, **grown = gh_calloc(size, sizeof *grown);
        if (!grown) return false;
        runs = grown;
        runs_mask = size - 1;
        for (uint32_t i = 0; i < old_size; i++)
            if (old[i]) *slot(old[i]->actor) = old[i];
        gh_free(old);
    }
    run **at = slot(r->actor);
    if (*at) {
        gh_free((*at)->targets);
        gh_free(*at);
    } else {
        runs_count++;
    }
    *at = r;
    return true;
}

/* copy_str copies s to *at and returns the copy. */
static gh_str copy_str(char **at, gh_str s) {
    gh_str c = {*at, s.len};
    if (s.len) gh_memcpy(*at, s.ptr, s.len);
    *at += s.len;
    return c;
}

/* adjacency fills first (nodes+1 offsets) and adj with the edges a[i] ->
 * b[i] by a, in edge order; fill is scratch for nodes offsets. */
static void adjacency(uint32_t nodes, uint32_t edges, const uint32_t *a, const uint32_t *b, uint32_t *first,
                      uint32_t *adj, uint32_t *fill) {
    gh_memset(first, 0, (nodes + 1) * sizeof *first);
    for (uint32_t i = 0; i < edges; i++) first[a[i] + 1]++;
    for (uint32_t n = 0; n < nodes; n++) first[n + 1] += first[n];
    gh_memcpy(fill, first, nodes * sizeof *fill);
    for (uint32_t i = 0; i < edges; i++) adj[fill[a[i]]++] = b[i];
}

gh_status greedy_reset(const gh_agent_reset_req *req, gh_writer *reply) {
    gh_str bias;
    if (gh_option_get(req->options, "goal-bias", &bias) && bias.len && !gh_str_eq(bias, "true") &&
        !gh_str_eq(bias, "false"))
        return gh_errorf(reply, GH_INVALID_REQUEST, "option goal-bias is \"%.*s\", not true or false", GH_STR_ARG(bias));

    /* Intern the locations in scratch memory first, to size the block. */
    uint32_t edges = req->edges.len;
    if (edges > (1u << 24)) return gh_error(reply, GH_INVALID_REQUEST, "too many edges");
    uint32_t size = 4;
    while (size < 4 * edges) size *= 2;
    uint32_t *table = gh_scratch(size * sizeof *table);
    gh_str *names = gh_scratch(2 * edges * sizeof *names + 1);
    uint32_t *from = gh_scratch(2 * edges * sizeof *from + 1), *to = from + edges;
    if (!table || !names || !from) return gh_error(reply, GH_INTERNAL, "out of memory");
    gh_memset(table, 0, size * sizeof *table);
    uint32_t nodes = 0;
    for (uint32_t i = 0; i < edges; i++) {
        from[i] = intern(table, size - 1, names, &nodes, req->edges.items[i].from);
        to[i] = intern(table, size - 1, names, &nodes, req->edges.items[i].to);
    }

    size_t text = req->actor.len;
    for (uint32_t i = 0; i < req->goals.len; i++) text += req->goals.items[i].len;
    for (uint32_t i = 0; i < nodes; i++) text += names[i].len;
    size_t bytes = sizeof(run) + req->goals.len * sizeof(gh_str) + nodes * sizeof(gh_str) +
                   (3 * nodes + 2 + 2 * edges + size) * sizeof(uint32_t) + text;
    run *r = gh_malloc(bytes);
    if (!r) return gh_error(reply, GH_INTERNAL, "out of memory");
    gh_str *goals = (gh_str *)(r + 1);
    r->names = goals + req->goals.len;
    r->first = (uint32_t *)(r->names + nodes);
    r->succ = r->first + nodes + 1;
    r->pfirst = r->succ + edges;
    r->pred = r->pfirst + nodes + 1;
    r->dist = (int32_t *)(r->pred + edges);
    r->table = (uint32_t *)(r->dist + nodes);
    r->targets = NULL;
    r->ntargets = 0;
    char *at = (char *)(r->table + size);

    r->actor = copy_str(&at, req->actor);
    for (uint32_t i = 0; i < req->goals.len; i++) goals[i] = copy_str(&at, req->goals.items[i]);
    r->goals.items = goals;
    r->goals.len = req->goals.len;
    for (uint32_t i = 0; i < nodes; i++) r->names[i] = copy_str(&at, names[i]);
    gh_memcpy(r->table, table, size * sizeof *table);
    r->mask = size - 1;
    r->nodes = nodes;

    /* Successor and predecessor lists: stable counting sorts of the edges
     * by from and by to. */
    uint32_t *fill = gh_scratch(nodes * sizeof *fill + 1);
    if (!fill) {
        gh_free(r);
        return gh_error(reply, GH_INTERNAL, "out of memory");
    }
    adjacency(nodes, edges, from, to, r->first, r->succ, fill);
    adjacency(nodes, edges, to, from, r->pfirst, r->pred, fill);

    if (!put(r)) {
        gh_free(r);
        return gh_error(reply, GH_INTERNAL, "out of memory");
    }
    return GH_OK;
}

/* measure sets r->dist by a breadth-first search from the targets against
 * the edges; false when out of memory. */
static bool measure(run *r) {
    uint32_t *queue = gh_scratch(r->nodes * sizeof *queue + 1);
    if (!queue) return false;
    for (uint32_t n = 0; n < r->nodes; n++) r->dist[n] = -1;
    uint32_t head = 0, tail = 0;
    for (uint32_t i = 0; i < r->ntargets; i++) {
        r->dist[r->targets[i]] = 0;
        queue[tail++] = r->targets[i];
    }
    while (head < tail) {
        uint32_t at = queue[head++];
        for (uint32_t e = r->pfirst[at]; e < r->pfirst[at + 1]; e++) {
            uint32_t from = r->pred[e];
            if (r->dist[from] >= 0) continue;
            r->dist[from] = r->dist[at] + 1;
            queue[tail++] = from;
        }
    }
    return true;
}

/* next_hop returns the first location on a shortest path from the location
 * to any goal other than it, the first in edge order among equals (where a
 * breadth-first search from the location reaches a goal through first), or
 * -1. A path through the location is never a shortest one, so the
 * distances to the goals but the location serve every location. */
static int64_t next_hop(run *r, gh_str location, gh_str_list goals) {
    int64_t start = lookup(r->table, r->mask, r->names, location);
    if (start < 0) return -1;
    uint32_t *want = gh_scratch(goals.len * sizeof *want + 1), n = 0;
    if (!want) return -1;
    for (uint32_t i = 0; i < goals.len; i++) {
        int64_t g = lookup(r->table, r->mask, r->names, goals.items[i]);
        if (g < 0 || g == start) continue;
        bool seen = false;
        for (uint32_t k = 0; k < n && !seen; k++) seen = want[k] == (uint32_t)g;
        if (!seen) want[n++] = (uint32_t)g;
    }
    bool same = r->targets && r->ntargets == n;
    for (uint32_t k = 0; k < n && same; k++) same = r->targets[k] == want[k];
    if (!same) {
        uint32_t *t = gh_realloc(r->targets, n * sizeof *t + 1);
        if (!t) return -1;
        gh_memcpy(t, want, n * sizeof *t);
        r->targets = t;
        r->ntargets = n;
        if (!measure(r)) {
            r->ntargets = 0;
            gh_free(r->targets);
            r->targets = NULL;
            return -1;
        }
    }
    int64_t best = -1;
    for (uint32_t e = r->first[start]; e < r->first[start + 1]; e++) {
        uint32_t to = r->succ[e];
        if (r->dist[to] >= 0 && (best < 0 || r->dist[to] < r->dist[best])) best = to;
    }
    return best;
}

gh_str_list greedy_goals(gh_str actor) {
    run *r = find(actor);
    return r ? r->goals : (gh_str_list){NULL, 0};
}

gh_status greedy_act(const gh_agent_act_req *req, gh_writer *reply) {
    run *r = find(req->actor);
    if (!r) return gh_errorf(reply, GH_INVALID_REQUEST, "actor \"%.*s\" has no run: reset it first", GH_STR_ARG(req->actor));
    const gh_observation *obs = &req->observation;
    gh_action_list choices = obs->choices;
    if (choices.len == 0) {
        gh_action wait = {gh_cstr("wait"), gh_cstr(""), 0, 0};
        gh_reply_action(reply, &wait);
        return GH_OK;
    }
    gh_str_list goals = obs->goals.len ? obs->goals : r->goals;

    for (uint32_t i = 0; i < choices.len; i++) {
        if (choices.items[i].target.len && gh_str_list_contains(goals, choices.items[i].target)) {
            gh_reply_action(reply, &choices.items[i]);
            return GH_OK;
        }
    }
    int64_t hop = next_hop(r, obs->location, goals);
    if (hop >= 0) {
        for (uint32_t i = 0; i < choices.len; i++) {
            if (gh_str_eq(choices.items[i].kind, "move") && gh_str_equal(choices.items[i].target, r->names[hop])) {
                gh_reply_action(reply, &choices.items[i]);
                return GH_OK;
            }
        }
    }
    const gh_action *best = &choices.items[0];
    for (uint32_t i = 1; i < choices.len; i++)
        if (choices.items[i].risk < best->risk) best = &choices.items[i];
    gh_reply_action(reply, best);
    return GH_OK;
}
