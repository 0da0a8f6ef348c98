/*
 * slpf-iptables: an OpenC2 SLPF v1.0 actuator on iptables and ip6tables,
 * the C twin of plugins-src/go/slpf-nftables. It allows and denies IPv4 and
 * IPv6 connections and networks, deletes rules by rule number and answers
 * query features, running iptables through the host's exec capability, and
 * keeps its rules in kv so that persistent ones survive a reboot: it
 * restores them when the host loads it.
 * docs/slpf.md describes it; grant it log, kv and exec of iptables and
 * ip6tables, with pool_size 1. Build from the repository root:
 *
 *   clang --target=wasm32-unknown-unknown -nostdlib -Wl,--no-entry -Wl,--stack-first -O2 -flto -mbulk-memory -Iabi/pdk/c -o plugins/slpf-iptables.wasm abi/pdk/c/gatehouse.c plugins-src/c/internal/features.c plugins-src/c/slpf-iptables/main.c plugins-src/c/slpf-iptables/actuator.c plugins-src/c/slpf-iptables/command.c plugins-src/c/slpf-iptables/address.c plugins-src/c/slpf-iptables/store.c plugins-src/c/slpf-iptables/iptables.c
 */
#include "slpf.h"

#define NETS "ipv4_connection", "ipv6_connection", "ipv4_net", "ipv6_net"

GATEHOUSE_PLUGIN(
    .name = "slpf-iptables",
    .version = "1.0.0",
    .description = "OpenC2 SLPF actuator on iptables",
    .capabilities = GH_STRS("log", "kv", "exec"),
    .components = GH_COMPONENTS({
        .kind = GH_ACTUATOR,
        .name = "iptables",
        .description = "allows and denies traffic with rules in the iptables chains GATEHOUSE-INPUT, -FORWARD and -OUTPUT",
        .profiles = GH_STRS("slpf"),
        .pairs = GH_PAIRS({"allow", GH_STRS(NETS)},
                          {"deny", GH_STRS(NETS)},
                          {"delete", GH_STRS("slpf:rule_number")},
                          {"query", GH_STRS("features")}),
        .actuate = slpf_actuate,
    }),
    .start = slpf_start);
