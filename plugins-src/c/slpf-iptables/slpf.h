/*
 * slpf.h: the parts of slpf-iptables, an OpenC2 SLPF v1.0 actuator on
 * iptables and ip6tables (main.c says what it does), by source file.
 */
#ifndef SLPF_IPTABLES_H
#define SLPF_IPTABLES_H

#include "gatehouse.h"

/* ---- text ---- */

/* starts_with reports whether s starts with the C string p and, when rest
 * is not NULL, gives what follows. */
static inline bool starts_with(gh_str s, const char *p, gh_str *rest) {
    gh_str head = gh_cstr(p);
    if (s.len < head.len || !gh_str_equal((gh_str){s.ptr, head.len}, head)) return false;
    if (rest) *rest = (gh_str){s.ptr + head.len, s.len - head.len};
    return true;
}

/* ---- outcomes, shared by every file (actuator.c) ---- */

/* outcome is how an operation of the actuator ended. */
typedef enum outcome {
    DONE = 0, /* it did what was asked */
    REFUSED,  /* the command gets an OpenC2 status other than 200, in call */
    FAILED    /* the kv store failed; call.err holds the host's answer */
} outcome;

/* call holds what one command has to say when it does not succeed. */
typedef struct call {
    int status;        /* REFUSED: the OpenC2 status, 400, 500 or 501 */
    gh_writer text;    /* REFUSED: the status text, one msgpack str */
    gh_host_error err; /* FAILED: the kv host function's answer */
    const char *doing; /* what a failing filter command failed to do */
} call;

/* call_refuse starts a refusal with status; REFUSE writes its text with
 * gh_errorf's format subset and evaluates to REFUSED. */
void call_refuse(call *c, int status);
#define REFUSE(c, status, ...) (call_refuse((c), (status)), gh_w_strf(&(c)->text, __VA_ARGS__), REFUSED)

/* ---- rules (command.c) ---- */

/* prefix is an address range: the address, masked to its length. An unset
 * prefix means any address. */
typedef struct prefix {
    bool set;
    uint8_t len;
    uint8_t addr[16]; /* IPv4 in the first 4 bytes */
} prefix;

enum protocol { PROTO_ANY = 0, PROTO_TCP, PROTO_UDP, PROTO_ICMP, PROTO_SCTP };
enum direction { DIR_BOTH = 0, DIR_INGRESS, DIR_EGRESS };
enum drop_process { DROP_NONE = 0, DROP_REJECT, DROP_FALSE_ACK };
#define ANY_PORT (-1)

/* rule is an allow or deny command, checked and normalised. net is the
 * range of an ipv4_net or ipv6_net target, which matches the source or the
 * destination of a packet; src, dst and the ports those of a connection. */
typedef struct rule {
    bool allow, v6, persistent;
    prefix net, src, dst;
    int32_t src_port, dst_port; /* ANY_PORT for any */
    enum protocol protocol;
    enum direction direction;
    enum drop_process drop;
} rule;

enum request_kind { ADD_RULE = 1, DELETE_RULE, QUERY_FEATURES };

/* request is a command the actuator carries out. */
typedef struct request {
    enum request_kind kind;
    rule rule;       /* ADD_RULE */
    bool insert;     /* ADD_RULE: insert_rule asks for number */
    int64_t number;  /* ADD_RULE with insert, DELETE_RULE */
    gh_val features; /* QUERY_FEATURES: the list asked for */
} request;

/* parse_command checks a command (its action, target map and args map)
 * against the OpenC2 Language Specification v1.0, the SLPF profile and the
 * actuator's pairs: 400 for what does not parse, 501 for what is not
 * supported (SLPF v1.0 sections 2.3.1 and 2.3.2). */
outcome parse_command(const gh_pair *pairs, gh_str action, gh_val target, gh_val args, request *out, call *c);

/* ---- addresses (address.c) ---- */

/* parse_prefix reads an address of the family with an optional "/length",
 * as ipv4_net and ipv6_net are written, and masks it. */
bool parse_prefix(gh_str s, bool v6, prefix *out);

/* write_prefix writes a prefix as a msgpack str: the address alone for a
 * full-length prefix, address/length otherwise. */
void write_prefix(gh_writer *w, const prefix *p, bool v6);

/* format_decimal writes v in decimal at buf (20 characters at most) and
 * returns how many characters it wrote. */
uint32_t format_decimal(char *buf, uint64_t v);

/* ---- the kv store (store.c) ---- */

/* stored is the command behind a rule, as kept in kv under rule/<number>. */
typedef struct stored {
    int64_t number;
    gh_str action;
    gh_val target, args;
} stored;

outcome store_load(stored **rules, uint32_t *count, call *c); /* ascending numbers */
outcome store_has(int64_t number, bool *has, call *c);
outcome store_save(int64_t number, gh_str action, gh_val target, gh_val args, call *c);
outcome store_delete(int64_t number, call *c);
outcome store_next(int64_t *number, call *c); /* the next number to assign */

/* ---- the packet filter (iptables.c) ---- */

enum { HOOKS = 3 }; /* INPUT, FORWARD, OUTPUT */

/* chain is what a snapshot knows of one of the actuator's chains. */
typedef struct chain {
    bool exists, jumped; /* the chain, and the jump to it from its hook */
    int64_t *numbers;    /* the rule number of each rule, in order; -1 for none */
    uint32_t len, cap;
} chain;

/* snapshot is the state of the actuator's chains in both families, kept up
 * to date by the changes made through it. */
typedef struct snapshot {
    bool dry_run; /* exec only records: nothing is known of the filter */
    chain chains[2][HOOKS]; /* [0] iptables, [1] ip6tables */
} snapshot;

/* numbered is a rule to install under its number. */
typedef struct numbered {
    int64_t number;
    rule rule;
} numbered;

/* filter_snapshot lists both families' filter tables and creates the
 * actuator's chains and jumps where they are missing. */
outcome filter_snapshot(snapshot *s, call *c);

/* snapshot_numbers returns the distinct rule numbers s holds, ascending. */
uint32_t snapshot_numbers(const snapshot *s, int64_t **numbers);
bool snapshot_holds(const snapshot *s, int64_t number);

/* filter_install inserts the rules so that each chain keeps its rules in
 * ascending order of number; a rule that fails takes the ones installed
 * before it out again. rules must be in ascending order of number. */
outcome filter_install(snapshot *s, const numbered *rules, uint32_t count, call *c);

/* filter_remove deletes every rule of the numbers. */
outcome filter_remove(snapshot *s, const int64_t *numbers, uint32_t count, call *c);

/* ---- the actuator (actuator.c) ---- */

/* slpf_start is the plugin's start hook (gatehouse_start): it brings the
 * filter in line with the store when the host loads the plugin.
 * slpf_actuate does the same at the first command of an instance where no
 * start ran: a host of ABI 1.0 never calls gatehouse_start, and the host
 * calls it in one instance only. Restoring installs only what the filter
 * lacks, so doing it again changes nothing. */
gh_status slpf_start(gh_writer *reply);
gh_status slpf_actuate(const gh_actuate_req *req, gh_writer *reply);

#endif
