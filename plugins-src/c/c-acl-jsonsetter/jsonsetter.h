/* jsonsetter.h: the parts of c-acl-jsonsetter, by source file. */
#ifndef PLUGINS_C_ACL_JSONSETTER_H
#define PLUGINS_C_ACL_JSONSETTER_H

#include "gatehouse.h"
#include "../internal/text.h"

/* query.c: the object's attributes as URL query parameters, as the Go
 * twin's Query (plugins-src/go/internal/jsonsetter/query.go) encodes them. */
void query_put(text *t, gh_val object);

/* url.c: the URL of the web service, as the config key url gives it. */
bool url_is_absolute_http(gh_str url);
void url_with_query(text *t, gh_str url, const text *query); /* without its fragment, query added */
void url_redacted(text *t, gh_str url);                      /* its password as xxxxx */
void go_quote(text *t, gh_str s);                           /* s as Go's %q quotes it */

/* json.c: a reply, one JSON object, read as the host reads JSON
 * (abi/README.md section 3.1). JSON_MAX_DEPTH is the deepest nesting read. */
#define JSON_MAX_DEPTH 512
typedef struct json_doc json_doc;

/* json_read reads body into *doc; NULL, or why it is not one JSON object
 * ("not a JSON object: ...", "more than one JSON value"), a string that
 * lives as long as the doc. json_write_members writes the object's members
 * as the entries of the map open in w, a member repeated with its last
 * value. json_free frees the doc, which may be NULL. */
const char *json_read(gh_bytes body, json_doc **doc);
void json_write_members(const json_doc *doc, gh_writer *w);
void json_free(json_doc *doc);

#endif
