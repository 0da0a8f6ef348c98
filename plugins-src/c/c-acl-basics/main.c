/*
 * c-acl-basics: the C twin of plugins-src/go/acl-basics, with ARPOC's log
 * obligations (obl_log, obl_log_successful, obl_log_failed), time
 * environment setters (time, datetime, time_hour, time_minute,
 * time_second) and object setter urlmap, under the names and with the
 * behaviour of their Go twins; plugins-src/cases/acl-obligations.yaml,
 * acl-environment.yaml and acl-objects.yaml hold the cases both pass.
 * urlmap's regular expressions run on the engine of
 * plugins-src/c/internal/regex.c. Grant it log, clock and sink. It is a WASI reactor built
 * against wasi-libc, whose snprintf and strtod write the floats of the log
 * lines. Build from the repository root:
 *
 *   clang --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor -Wl,--stack-first -O2 -flto -mbulk-memory -Iabi/pdk/c -o plugins/c-acl-basics.wasm abi/pdk/c/gatehouse.c plugins-src/c/c-acl-basics/main.c plugins-src/c/c-acl-basics/obligation.c plugins-src/c/c-acl-basics/logline.c plugins-src/c/c-acl-basics/jsontext.c plugins-src/c/internal/text.c plugins-src/c/c-acl-basics/timeattr.c plugins-src/c/c-acl-basics/urlmap.c plugins-src/c/internal/regex.c plugins-src/c/internal/utf8.c
 */
#include "acl.h"

/* The decisions each log obligation logs, as bits 1 << gh_decision. */
static unsigned log_all = 1u << GH_GRANT | 1u << GH_DENY | 1u << GH_NOT_APPLICABLE;
static unsigned log_granted = 1u << GH_GRANT;
static unsigned log_refused = 1u << GH_DENY | 1u << GH_NOT_APPLICABLE;

#define LOG_OBLIGATION(NAME, DESCRIPTION, LOGS) \
    {.kind = GH_OBLIGATION, .name = NAME, .description = DESCRIPTION, .oblige = oblige_log, .user = &(LOGS), \
     .config_keys = GH_STRS("log_format", "sink")}
#define TIME_ATTRIBUTE(KEY, DESCRIPTION) \
    {.kind = GH_ENVIRONMENT, .name = KEY, .description = DESCRIPTION, .attributes = GH_STRS(KEY), .environment = time_attribute}

GATEHOUSE_PLUGIN(
    .name = "c-acl-basics",
    .version = "1.0.0",
    .description = "ARPOC's log obligations, time environment setters and urlmap object setter",
    .capabilities = GH_STRS("log", "clock", "sink"),
    .components = GH_COMPONENTS(
        LOG_OBLIGATION("obl_log", "logs every decision with its context", log_all),
        LOG_OBLIGATION("obl_log_successful", "logs granted accesses with their context", log_granted),
        LOG_OBLIGATION("obl_log_failed", "logs denied and not applicable accesses with their context", log_refused),
        TIME_ATTRIBUTE("time", "the time of day in UTC, \"HH:MM:SS\""),
        TIME_ATTRIBUTE("datetime", "the date and time in UTC, \"YYYY-MM-DD HH:MM:SS\""),
        TIME_ATTRIBUTE("time_hour", "the hour in UTC, an integer from 0 to 23"),
        TIME_ATTRIBUTE("time_minute", "the minute in UTC, an integer from 0 to 59"),
        TIME_ATTRIBUTE("time_second", "the second in UTC, an integer from 0 to 59"),
        {.kind = GH_OBJECT, .name = "urlmap",
         .description = "sets object attributes from the named groups of regular expressions matching the path",
         .priority = 100, .object = urlmap_object, .config_keys = GH_STRS("mappings")}));
