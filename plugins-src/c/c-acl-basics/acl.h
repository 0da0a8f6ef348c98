/* acl.h: the parts of c-acl-basics, by source file. */
#ifndef PLUGINS_C_ACL_BASICS_H
#define PLUGINS_C_ACL_BASICS_H

#include "gatehouse.h"
#include "../internal/text.h"

/* jsontext.c: v, a msgpack value, as JSON. Map keys are sorted, bin is a
 * string of its bytes, floats that JSON cannot hold (NaN, infinities) and
 * values nested deeper than JSON_MAX_DEPTH are null. */
#define JSON_MAX_DEPTH 100
void json_put(text *t, gh_val v);
void json_put_string(text *t, const char *s, size_t n);

/* logline.c: the line a log obligation named name writes, as the Go twin's
 * LogLine (plugins-src/go/internal/acl/logline.go). format.len == 0 means
 * no log_format. */
void log_line(text *t, const char *name, gh_str format, gh_str decision, const gh_context *ctx);

/* obligation.c */
gh_status oblige_log(const gh_oblige_req *req, gh_writer *reply);

/* urlmap.c */
gh_status urlmap_object(const gh_object_req *req, gh_writer *reply);

/* timeattr.c */
gh_status time_attribute(const gh_environment_req *req, gh_writer *reply);

#endif
