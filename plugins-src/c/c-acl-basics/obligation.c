/* obligation.c: the log obligations obl_log, obl_log_successful and
 * obl_log_failed. */
#include "acl.h"

/* oblige_log is the handler of the three: each component's user points at
 * the decisions it logs (a gh_decision bit set). It writes to the host log,
 * or to the sink its config names. It is fulfilled when it wrote the line or
 * has none to write; a line the sink did not take leaves it unfulfilled,
 * with the sink's error as the reason; a request it cannot read is an
 * error. */
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
    gh_str sink = {"", 0};
    if (gh_val_get(req->config, "sink", &v) && !gh_val_is_nil(v) && !gh_val_str(v, &sink))
        return gh_errorf(reply, GH_INVALID_REQUEST, "%s: config sink: want the name of a sink, a string", name);
    if (!(logs & (1u << req->decision))) {
        gh_reply_fulfilled(reply, true, NULL);
        return GH_OK;
    }
    text line = {0};
    log_line(&line, name, format, req->decision_name, &req->context);
    if (line.failed) {
        text_free(&line);
        return gh_errorf(reply, GH_INTERNAL, "%s: out of memory for the log line", name);
    }
    if (sink.len == 0) {
        gh_logn(GH_LOG_INFO, line.buf, line.len);
        text_free(&line);
        gh_reply_fulfilled(reply, true, NULL);
        return GH_OK;
    }
    gh_host_error err;
    bool ok = gh_sink_write(sink, GH_LOG_INFO, line.buf, line.len, &err);
    text_free(&line);
    if (ok) {
        gh_reply_fulfilled(reply, true, NULL);
        return GH_OK;
    }
    gh_w_key(reply, "fulfilled");
    gh_w_bool(reply, false);
    gh_w_key(reply, "reason");
    gh_w_strf(reply, "%s: sink %.*s: %.*s: %.*s", name, GH_STR_ARG(sink), GH_STR_ARG(err.code), GH_STR_ARG(err.message));
    return GH_OK;
}
