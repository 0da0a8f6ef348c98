/*
 * echo.c: the environment setter echo; see echo.h. Compiled into c-basics
 * and c-echo-extism.
 */
#include "echo.h"

gh_status echo_environment(const gh_environment_req *req, gh_writer *reply) {
    gh_val id = {0}; /* missing: written as nil, like a Go map lookup */
    gh_context_get(&req->context, "subject.id", &id);
    gh_reply_value(reply);
    gh_w_map(reply);
    gh_w_key(reply, "key");
    gh_w_gstr(reply, req->key);
    gh_w_key(reply, "subject");
    gh_w_val(reply, id);
    gh_w_end(reply);
    return GH_OK;
}
