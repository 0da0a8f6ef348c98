/*
 * echo.h: the environment setter echo, shared by c-basics (native binding)
 * and c-echo-extism (Extism binding) so that the two bindings can be
 * benchmarked on the very same logic. It is the C twin of EchoEnvironment in
 * plugins-src/go/internal/basics.
 */
#ifndef PLUGINS_C_ECHO_H
#define PLUGINS_C_ECHO_H

#include "gatehouse.h"

/* echo_environment returns the map {"key": <key>, "subject": <subject.id>}. */
gh_status echo_environment(const gh_environment_req *req, gh_writer *reply);

/* ECHO_ENVIRONMENT is the component's entry for GH_COMPONENTS. */
#define ECHO_ENVIRONMENT                                                           \
    {                                                                              \
        .kind = GH_ENVIRONMENT, .name = "echo",                                    \
        .description = "returns the key asked for and subject.id, for benchmarks", \
        .attributes = GH_STRS("echo"), .environment = echo_environment,            \
    }

#endif
