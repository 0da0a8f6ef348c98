/*
 * iptables.c: the packet filter. The actuator's rules live in its own
 * chains of the filter table, GATEHOUSE-INPUT, GATEHOUSE-FORWARD and
 * GATEHOUSE-OUTPUT, which the first rule of INPUT, FORWARD and OUTPUT jumps
 * to; iptables holds the IPv4 rules and ip6tables the IPv6 ones. Each rule
 * carries the comment slpf:<rule number>, which is how the actuator finds
 * its rules again in the listing of iptables -S. Every run is one argument
 * vector through the exec capability, never a shell.
 */
#include "slpf.h"

static const char *const programs[2] = {"iptables", "ip6tables"};
static const char *const hooks[HOOKS] = {"INPUT", "FORWARD", "OUTPUT"};
static const char *const chains[HOOKS] = {"GATEHOUSE-INPUT", "GATEHOUSE-FORWARD", "GATEHOUSE-OUTPUT"};

/* ---- running iptables ---- */

static gh_writer exec_req; /* the exec request being written */
static bool exec_ready;

/* begin starts an exec request of the family's program; arg and arg_int
 * append its arguments. */
static void begin(int family) {
    if (!exec_ready) gh_writer_init(&exec_req), exec_ready = true;
    gh_writer_reset(&exec_req);
    gh_w_map(&exec_req);
    gh_w_key(&exec_req, "program");
    gh_w_str(&exec_req, programs[family]);
    gh_w_key(&exec_req, "args");
    gh_w_array(&exec_req);
    gh_w_str(&exec_req, "-w"); /* wait for the xtables lock rather than fail */
}

static void arg(const char *s) { gh_w_str(&exec_req, s); }
static void arg_int(int64_t n) { gh_w_strf(&exec_req, "%lld", (long long)n); }

/* first_line returns the first line of a program's error output. */
static gh_str first_line(gh_bytes b) {
    gh_str s = {(const char *)b.ptr, 0};
    while (s.len < b.len && b.ptr[s.len] != '\n') s.len++;
    return s.len ? s : gh_cstr("no error output");
}

/* run runs the request begun for family. out, when not NULL, receives the
 * program's standard output and dry_run whether the host only recorded the
 * request. A failure to run and a non-zero exit are refused with 500. */
static outcome run(int family, gh_bytes *out, bool *dry_run, call *c) {
    gh_w_end(&exec_req);
    gh_w_end(&exec_req);
    if (!gh_writer_ok(&exec_req)) return REFUSE(c, 500, "%s: out of memory", c->doing);
    gh_val result, v;
    gh_host_error err;
    if (!gh_exec(gh_writer_bytes(&exec_req), &result, &err))
        return REFUSE(c, 500, "%s: run %s: %.*s: %.*s", c->doing, programs[family], GH_STR_ARG(err.code),
                      GH_STR_ARG(err.message));
    int64_t code = 0;
    if (gh_val_get(result, "exit_code", &v)) gh_val_int(v, &code);
    if (code != 0) {
        gh_bytes stderr_text = {0};
        if (gh_val_get(result, "stderr", &v)) gh_val_bin(v, &stderr_text);
        return REFUSE(c, 500, "%s: %s exited with status %lld: %.*s", c->doing, programs[family], (long long)code,
                      GH_STR_ARG(first_line(stderr_text)));
    }
    if (dry_run && gh_val_get(result, "dry_run", &v)) gh_val_bool(v, dry_run);
    if (out && gh_val_get(result, "stdout", &v)) gh_val_bin(v, out);
    return DONE;
}

/* ---- what a snapshot knows of a chain ---- */

/* insert_at puts number at index at of the chain's list. */
static bool insert_at(chain *ch, uint32_t at, int64_t number) {
    if (ch->len == ch->cap) {
        uint32_t cap = ch->cap * 2 + 16;
        int64_t *numbers = gh_scratch(sizeof(int64_t) * cap);
        if (!numbers) return false;
        if (ch->len) gh_memcpy(numbers, ch->numbers, sizeof(int64_t) * ch->len);
        ch->numbers = numbers, ch->cap = cap;
    }
    gh_memmove(ch->numbers + at + 1, ch->numbers + at, sizeof(int64_t) * (ch->len - at));
    ch->numbers[at] = number;
    ch->len++;
    return true;
}

static void remove_at(chain *ch, uint32_t at) {
    gh_memmove(ch->numbers + at, ch->numbers + at + 1, sizeof(int64_t) * (ch->len - at - 1));
    ch->len--;
}

/* position returns the index of the first rule of ch with a number greater
 * than number, or the chain's length. */
static uint32_t position(const chain *ch, int64_t number) {
    uint32_t i = 0;
    while (i < ch->len && ch->numbers[i] <= number) i++;
    return i;
}

/* ---- listing ---- */

/* comment_number finds the rule number in the comment of a rule line of
 * iptables -S, which writes it --comment "slpf:7" or --comment slpf:7; -1
 * when the rule has none. */
static int64_t comment_number(gh_str line) {
    for (uint32_t i = 0; i < line.len; i++) {
        gh_str rest;
        if (!starts_with((gh_str){line.ptr + i, line.len - i}, "--comment ", &rest)) continue;
        if (rest.len && rest.ptr[0] == '"') rest.ptr++, rest.len--;
        if (!starts_with(rest, "slpf:", &rest)) return -1;
        int64_t n = 0;
        uint32_t digits = 0;
        while (digits < rest.len && digits < 19 && rest.ptr[digits] >= '0' && rest.ptr[digits] <= '9')
            n = n * 10 + (rest.ptr[digits++] - '0');
        return digits ? n : -1;
    }
    return -1;
}

/* read_line takes one line of iptables -S into the family's chains. */
static bool read_line(chain *family, gh_str line) {
    for (int h = 0; h < HOOKS; h++) {
        gh_str rest;
        if (starts_with(line, "-N ", &rest) && gh_str_eq(rest, chains[h])) family[h].exists = true;
        if (starts_with(line, "-A ", &rest) && starts_with(rest, hooks[h], &rest) &&
            starts_with(rest, " -j ", &rest) && gh_str_eq(rest, chains[h]))
            family[h].jumped = true;
        if (starts_with(line, "-A ", &rest) && starts_with(rest, chains[h], &rest) && starts_with(rest, " ", NULL))
            return insert_at(&family[h], family[h].len, comment_number(line));
    }
    return true;
}

/* list reads the family's filter table into s. */
static outcome list(snapshot *s, int family, call *c) {
    gh_bytes out = {0};
    bool dry_run = false;
    begin(family);
    arg("-S");
    outcome o = run(family, &out, &dry_run, c);
    if (o != DONE) return o;
    s->dry_run |= dry_run;
    gh_str line = {(const char *)out.ptr, 0};
    for (uint32_t i = 0; i <= out.len; i++) {
        if (i < out.len && out.ptr[i] != '\n') continue;
        line.len = (uint32_t)((const char *)out.ptr + i - line.ptr);
        while (line.len && (line.ptr[line.len - 1] == ' ' || line.ptr[line.len - 1] == '\r')) line.len--;
        if (!read_line(s->chains[family], line)) return REFUSE(c, 500, "%s: out of memory", c->doing);
        line.ptr = (const char *)out.ptr + i + 1;
    }
    return DONE;
}

/* set_up creates the family's chains and jumps that s lacks. */
static outcome set_up(snapshot *s, int family, call *c) {
    for (int h = 0; h < HOOKS; h++) {
        chain *ch = &s->chains[family][h];
        outcome o;
        if (!ch->exists) {
            begin(family);
            arg("-N");
            arg(chains[h]);
            if ((o = run(family, NULL, NULL, c)) != DONE) return o;
            ch->exists = true;
        }
        if (!ch->jumped) {
            begin(family);
            arg("-I");
            arg(hooks[h]);
            arg("1");
            arg("-j");
            arg(chains[h]);
            if ((o = run(family, NULL, NULL, c)) != DONE) return o;
            ch->jumped = true;
        }
    }
    return DONE;
}

outcome filter_snapshot(snapshot *s, call *c) {
    *s = (snapshot){0};
    for (int family = 0; family < 2; family++) {
        outcome o = list(s, family, c);
        if (o == DONE) o = set_up(s, family, c);
        if (o != DONE) return o;
    }
    return DONE;
}

bool snapshot_holds(const snapshot *s, int64_t number) {
    for (int f = 0; f < 2; f++)
        for (int h = 0; h < HOOKS; h++)
            for (uint32_t i = 0; i < s->chains[f][h].len; i++)
                if (s->chains[f][h].numbers[i] == number) return true;
    return false;
}

uint32_t snapshot_numbers(const snapshot *s, int64_t **numbers) {
    uint32_t total = 0, n = 0;
    for (int f = 0; f < 2; f++)
        for (int h = 0; h < HOOKS; h++) total += s->chains[f][h].len;
    int64_t *out = gh_scratch(sizeof(int64_t) * (total ? total : 1));
    for (int f = 0; out && f < 2; f++)
        for (int h = 0; h < HOOKS; h++)
            for (uint32_t i = 0; i < s->chains[f][h].len; i++) {
                int64_t v = s->chains[f][h].numbers[i];
                uint32_t at = 0;
                while (at < n && out[at] < v) at++;
                if (v < 0 || (at < n && out[at] == v)) continue;
                gh_memmove(out + at + 1, out + at, sizeof(int64_t) * (n - at));
                out[at] = v, n++;
            }
    *numbers = out;
    return n;
}

/* ---- rules as iptables arguments ---- */

enum verdict { ACCEPT, DROP, REJECT_UNREACHABLE, REJECT_RESET };

/* match is one iptables rule: a conjunction of matches and a verdict. */
typedef struct match {
    const prefix *src, *dst;
    int32_t src_port, dst_port;
    enum protocol protocol;
    enum verdict verdict;
} match;

enum { MAX_MATCHES = 12 }; /* 2 sides of a net, 2 for false_ack, 3 protocols */

/* add_protocols appends m, or when it has ports but no protocol, one match
 * for each protocol that has ports: iptables matches ports only after -p. */
static uint32_t add_protocols(match *out, uint32_t n, match m) {
    static const enum protocol with_ports[] = {PROTO_TCP, PROTO_UDP, PROTO_SCTP};
    if (m.protocol != PROTO_ANY || (m.src_port == ANY_PORT && m.dst_port == ANY_PORT)) {
        out[n++] = m;
        return n;
    }
    for (int i = 0; i < 3; i++) {
        m.protocol = with_ports[i];
        out[n++] = m;
    }
    return n;
}

/* expand returns the iptables rules that carry out r, in order: a net target
 * becomes a source rule and a destination rule; a false_ack deny without a
 * protocol a TCP reset for TCP followed by a silent drop for the rest, since
 * only TCP has an acknowledgement to fake. */
static uint32_t expand(const rule *r, match out[MAX_MATCHES]) {
    enum verdict v = r->allow                      ? ACCEPT
                     : r->drop == DROP_REJECT      ? REJECT_UNREACHABLE
                     : r->drop == DROP_FALSE_ACK   ? REJECT_RESET
                                                   : DROP;
    match sides[2] = {{&r->src, &r->dst, r->src_port, r->dst_port, r->protocol, v}};
    uint32_t count = 1, n = 0;
    if (r->net.set) {
        sides[1] = sides[0];
        sides[0].src = &r->net;
        sides[1].dst = &r->net;
        count = 2;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (v != REJECT_RESET || r->protocol != PROTO_ANY) {
            n = add_protocols(out, n, sides[i]);
            continue;
        }
        match tcp = sides[i], rest = sides[i];
        tcp.protocol = PROTO_TCP;
        rest.verdict = DROP;
        n = add_protocols(out, n, tcp);
        n = add_protocols(out, n, rest);
    }
    return n;
}

/* rule_hooks returns the hooks r applies to, as the Go twin's Rule.Hooks
 * explains: ingress is seen in INPUT and FORWARD, egress in OUTPUT. */
static uint32_t rule_hooks(const rule *r, int out[HOOKS]) {
    switch (r->direction) {
    case DIR_INGRESS:
        out[0] = 0, out[1] = 1;
        return 2;
    case DIR_EGRESS:
        out[0] = 2;
        return 1;
    default:
        out[0] = 0, out[1] = 1, out[2] = 2;
        return 3;
    }
}

/* args_of appends the arguments of a match tagged with number. */
static void args_of(const match *m, bool v6, int64_t number) {
    static const char *const protocol_names[] = {"", "tcp", "udp", "icmp", "sctp"};
    if (m->src->set) arg("-s"), write_prefix(&exec_req, m->src, v6);
    if (m->dst->set) arg("-d"), write_prefix(&exec_req, m->dst, v6);
    if (m->protocol != PROTO_ANY) {
        arg("-p");
        arg(m->protocol == PROTO_ICMP && v6 ? "ipv6-icmp" : protocol_names[m->protocol]);
    }
    if (m->src_port != ANY_PORT) arg("--sport"), arg_int(m->src_port);
    if (m->dst_port != ANY_PORT) arg("--dport"), arg_int(m->dst_port);
    arg("-m");
    arg("comment");
    arg("--comment");
    gh_w_strf(&exec_req, "slpf:%lld", (long long)number);
    arg("-j");
    switch (m->verdict) {
    case ACCEPT:
        arg("ACCEPT");
        break;
    case DROP:
        arg("DROP");
        break;
    case REJECT_UNREACHABLE: /* ICMPv6 calls host unreachable address unreachable */
        arg("REJECT");
        arg("--reject-with");
        arg(v6 ? "icmp6-addr-unreachable" : "icmp-host-unreachable");
        break;
    case REJECT_RESET:
        arg("REJECT");
        arg("--reject-with");
        arg("tcp-reset");
        break;
    }
}

/* install_rule inserts every iptables rule of one numbered rule. */
static outcome install_rule(snapshot *s, const numbered *nr, call *c) {
    int family = nr->rule.v6, hs[HOOKS];
    match ms[MAX_MATCHES];
    uint32_t nh = rule_hooks(&nr->rule, hs), nm = expand(&nr->rule, ms);
    for (uint32_t i = 0; i < nh; i++) {
        chain *ch = &s->chains[family][hs[i]];
        for (uint32_t k = 0; k < nm; k++) {
            uint32_t at = position(ch, nr->number);
            begin(family);
            if (at < ch->len) arg("-I"), arg(chains[hs[i]]), arg_int(at + 1);
            else arg("-A"), arg(chains[hs[i]]);
            args_of(&ms[k], nr->rule.v6, nr->number);
            outcome o = run(family, NULL, NULL, c);
            if (o != DONE) return o;
            if (!insert_at(ch, at, nr->number)) return REFUSE(c, 500, "%s: out of memory", c->doing);
        }
    }
    return DONE;
}

outcome filter_install(snapshot *s, const numbered *rules, uint32_t count, call *c) {
    for (uint32_t i = 0; i < count; i++) {
        outcome o = install_rule(s, &rules[i], c);
        if (o == DONE) continue;
        /* Take out what went in: the store will not know these rules. */
        int64_t *numbers = gh_scratch(sizeof(int64_t) * (i + 1));
        call undo = {.doing = "take back the rules added"};
        gh_writer_init(&undo.text);
        for (uint32_t k = 0; numbers && k <= i; k++) numbers[k] = rules[k].number;
        if (numbers) filter_remove(s, numbers, i + 1, &undo);
        gh_writer_free(&undo.text);
        return o;
    }
    return DONE;
}

outcome filter_remove(snapshot *s, const int64_t *numbers, uint32_t count, call *c) {
    for (int family = 0; family < 2; family++)
        for (int h = 0; h < HOOKS; h++) {
            chain *ch = &s->chains[family][h];
            for (uint32_t i = ch->len; i-- > 0;) {
                bool wanted = false;
                for (uint32_t k = 0; k < count; k++) wanted |= ch->numbers[i] == numbers[k];
                if (!wanted) continue;
                begin(family);
                arg("-D");
                arg(chains[h]);
                arg_int(i + 1);
                outcome o = run(family, NULL, NULL, c);
                if (o != DONE) return o;
                remove_at(ch, i);
            }
        }
    return DONE;
}
