/* obligation.c: the log obligations obl_log, obl_log_successful and
 * obl_log_failed. */
#include "acl.h"

/* oblige_log is the handler of the three: each component's user points at
 * the decisions it logs (a gh_decision bit set). It is fulfilled whether or
 * not it logs; a request it cannot read is an error. */
gh_status oblige_log(const gh_oblige_req *req, gh_writer *reply) {
    const char *name = req->self->name;
    unsigned logs = *(const unsigned *)req->self->user;
    if (req->decision == GH_DECISION_OTHER)
        return gh_errorf(reply, GH_INVALID_REQUEST, "%s: decision \"%.*s\" is not GRANT, DENY or NOT_APPLICABLE", name,
                         GH_STR_ARG(req->decision_name));
    gh_val v;
    gh_str format = {"", 0};
    if (gh_val_get(req->config, "log_format", &v) && !gh_val_is_nil(v) && !gh_val_str(v, &format))
        return gh_errorf(reply, GH_INVALID_REQUEST, "%s: config log_format: want a string", name);
    if (logs & (1u << req->decision)) {
        text line = {0};
        log_line(&line, name, format, req->decision_name, &req->context);
        if (line.failed) {
            text_free(&line);
            return gh_errorf(reply, GH_INTERNAL, "%s: out of memory for the log line", name);
        }
        gh_logn(GH_LOG_INFO, line.buf, line.len);
        text_free(&line);
    }
    gh_reply_fulfilled(reply, true, NULL);
    return GH_OK;
}
