/*
 * actuator.c: the SLPF actuator itself: rule numbers, the store and the
 * filter brought together, as the Go twin (plugins-src/go/internal/slpf,
 * actuator.go) does for nftables.
 */
#include "../internal/features.h"
#include "slpf.h"

#define DRY_RUN_TEXT "dry run: the packet filter commands were recorded, not run"

void call_refuse(call *c, int status) {
    c->status = status;
    gh_writer_reset(&c->text);
}

/* reply_done writes the 200 response, with a rule number when number >= 0. */
static void reply_done(gh_writer *reply, const snapshot *s, int64_t number) {
    gh_reply_status(reply, 200, s->dry_run ? DRY_RUN_TEXT : NULL);
    if (number < 0) return;
    gh_reply_results(reply);
    gh_w_key(reply, "slpf");
    gh_w_map(reply);
    gh_w_key(reply, "rule_number");
    gh_w_int(reply, number);
    gh_w_end(reply);
    gh_w_end(reply);
}

/* add installs the rule of an allow or deny under the number it asks for,
 * or the next one, and stores the command. */
static outcome add(const gh_actuate_req *req, const request *rq, gh_writer *reply, call *c) {
    snapshot s;
    outcome o;
    c->doing = "firewall rule not added";
    if ((o = filter_snapshot(&s, c)) != DONE) return o;
    numbered nr = {.number = rq->number, .rule = rq->rule};
    if (rq->insert) {
        bool taken;
        if ((o = store_has(nr.number, &taken, c)) != DONE) return o;
        if (taken || snapshot_holds(&s, nr.number))
            return REFUSE(c, 501, "rule number currently in use: %lld", (long long)nr.number);
    } else if ((o = store_next(&nr.number, c)) != DONE) {
        return o;
    }
    if ((o = filter_install(&s, &nr, 1, c)) != DONE) return o;
    if ((o = store_save(nr.number, req->command.action, req->command.target, req->command.args, c)) != DONE) {
        /* Take the rule out again: a rule the store does not know could
         * never be deleted. */
        call undo = {.doing = "take back the rule added"};
        gh_writer_init(&undo.text);
        filter_remove(&s, &nr.number, 1, &undo);
        gh_writer_free(&undo.text);
        return o;
    }
    reply_done(reply, &s, nr.number);
    return DONE;
}

/* delete_rule removes a rule from the filter and the store (SLPF v1.0
 * section 2.3.4.1: a rule that cannot be removed is answered 500). */
static outcome delete_rule(int64_t number, gh_writer *reply, call *c) {
    snapshot s;
    bool known;
    outcome o;
    c->doing = "firewall rule not removed or updated";
    if ((o = store_has(number, &known, c)) != DONE) return o;
    if (!known) return REFUSE(c, 500, "%s: no rule number %lld", c->doing, (long long)number);
    if ((o = filter_snapshot(&s, c)) != DONE) return o;
    if ((o = filter_remove(&s, &number, 1, c)) != DONE) return o;
    if ((o = store_delete(number, c)) != DONE) return o;
    reply_done(reply, &s, -1);
    return DONE;
}

/* started is whether the filter was brought in line with the store in this
 * instance. */
static bool started;

/* begin_call returns the call of this instance, ready for a new command or
 * a start. */
static call *begin_call(void) {
    static call c;
    static bool ready;
    if (!ready) gh_writer_init(&c.text), ready = true;
    return &c;
}

/* number_list writes the numbers as "[1 2 3]" in scratch memory, and
 * returns its length, or 0 when out of memory. */
static uint32_t number_list(const int64_t *numbers, uint32_t count, char **out) {
    char *buf = gh_scratch(22 * (size_t)count + 2);
    if (!buf) return 0;
    uint32_t len = 0;
    buf[len++] = '[';
    for (uint32_t i = 0; i < count; i++) {
        if (i) buf[len++] = ' ';
        len += format_decimal(buf + len, (uint64_t)numbers[i]);
    }
    buf[len++] = ']';
    *out = buf;
    return len;
}

/* start brings the filter in line with the store: persistent rules the
 * filter lost are installed again under their numbers, rules that were not
 * persistent are forgotten, and rules of the actuator the store assigned
 * and no longer knows (deleted) are removed. A rule whose number the store
 * never assigned means that the store is not the one the rules came from
 * (new, lost, or an older copy): then start refuses and changes nothing,
 * so that a lost store never clears the filter. In dry run the filter's
 * state is unknown and nothing changes. */
static outcome start(const gh_component *self, call *c) {
    stored *rules;
    uint32_t count;
    snapshot s;
    outcome o;
    c->doing = "rules not restored";
    if ((o = store_load(&rules, &count, c)) != DONE) return o;
    if ((o = filter_snapshot(&s, c)) != DONE) return o;
    if (s.dry_run) return DONE;

    int64_t *held, next;
    if ((o = store_next(&next, c)) != DONE) return o;
    uint32_t nheld = snapshot_numbers(&s, &held), norphans = 0, nunassigned = 0;
    int64_t *orphans = gh_scratch(sizeof(int64_t) * (nheld ? nheld : 1));
    int64_t *unassigned = gh_scratch(sizeof(int64_t) * (nheld ? nheld : 1));
    if (!held || !orphans || !unassigned) return REFUSE(c, 500, "%s: out of memory", c->doing);
    for (uint32_t i = 0; i < nheld; i++) {
        bool known = false;
        for (uint32_t k = 0; k < count; k++) known |= rules[k].number == held[i];
        if (known) continue;
        if (held[i] >= next) unassigned[nunassigned++] = held[i];
        else orphans[norphans++] = held[i];
    }
    if (nunassigned) {
        char *list;
        uint32_t len = number_list(unassigned, nunassigned, &list);
        if (!len) return REFUSE(c, 500, "%s: out of memory", c->doing);
        return REFUSE(c, 500,
                      "%s: the packet filter holds rules %.*s that the store never assigned, so the store is new, "
                      "was lost or is an older copy; nothing was changed: restore the store, or remove the "
                      "actuator's rules from the packet filter by hand",
                      c->doing, (int)len, list);
    }
    if (norphans) {
        if ((o = filter_remove(&s, orphans, norphans, c)) != DONE) return o;
        for (uint32_t i = 0; i < norphans; i++)
            gh_logf(GH_LOG_INFO, "removed a rule the store does not know rule_number=%lld", (long long)orphans[i]);
    }

    numbered *restore = gh_scratch(sizeof(numbered) * (count ? count : 1));
    uint32_t nrestore = 0;
    if (!restore) return REFUSE(c, 500, "%s: out of memory", c->doing);
    for (uint32_t i = 0; i < count; i++) {
        if (snapshot_holds(&s, rules[i].number)) continue;
        request rq;
        o = parse_command(self->pairs, rules[i].action, rules[i].target, rules[i].args, &rq, c);
        if (o == FAILED) return o;
        if (o == REFUSED || rq.kind != ADD_RULE)
            return REFUSE(c, 500, "%s: kv key rule/%lld holds no allow or deny command", c->doing,
                          (long long)rules[i].number);
        if (!rq.rule.persistent) {
            if ((o = store_delete(rules[i].number, c)) != DONE) return o;
            gh_logf(GH_LOG_INFO, "forgot a rule that was not persistent rule_number=%lld", (long long)rules[i].number);
            continue;
        }
        restore[nrestore++] = (numbered){.number = rules[i].number, .rule = rq.rule};
    }
    if ((o = filter_install(&s, restore, nrestore, c)) != DONE) return o;
    for (uint32_t i = 0; i < nrestore; i++)
        gh_logf(GH_LOG_INFO, "restored a persistent rule rule_number=%lld", (long long)restore[i].number);
    return DONE;
}

gh_status slpf_start(gh_writer *reply) {
    call *c = begin_call();
    outcome o = start(&gatehouse_plugin.components[0], c); /* the plugin's one component */
    if (o == DONE) started = true;
    if (o == FAILED) return gh_error_from_host(reply, GH_UNAVAILABLE, &c->err);
    if (o == REFUSED) {
        gh_bytes text = gh_writer_bytes(&c->text);
        gh_reader r = gh_reader_of(text.ptr, text.len);
        gh_str s;
        if (!gh_read_str(&r, &s)) s = gh_cstr("rules not restored");
        return gh_errorf(reply, GH_UNAVAILABLE, "%.*s", GH_STR_ARG(s));
    }
    return GH_OK;
}

gh_status slpf_actuate(const gh_actuate_req *req, gh_writer *reply) {
    call *c = begin_call();
    outcome o = DONE;
    if (!started && (o = start(req->self, c)) == DONE) started = true;
    request rq;
    if (o == DONE) o = parse_command(req->self->pairs, req->command.action, req->command.target, req->command.args, &rq, c);
    if (o == DONE) {
        switch (rq.kind) {
        case QUERY_FEATURES:
            return actuator_features(req->self, rq.features, reply);
        case ADD_RULE:
            o = add(req, &rq, reply, c);
            break;
        case DELETE_RULE:
            o = delete_rule(rq.number, reply, c);
            break;
        }
    }
    if (o == FAILED) return gh_error_from_host(reply, GH_UNAVAILABLE, &c->err);
    if (o == REFUSED) {
        gh_bytes text = gh_writer_bytes(&c->text);
        gh_w_key(reply, "status");
        gh_w_int(reply, c->status);
        gh_w_key(reply, "status_text");
        gh_w_val(reply, (gh_val){text.ptr, text.len});
    }
    return GH_OK;
}
