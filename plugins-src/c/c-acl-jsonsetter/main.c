/*
 * c-acl-jsonsetter: the C twin of plugins-src/go/acl-jsonsetter, ARPOC's
 * object setter jsonsetter under the name and with the behaviour of its Go
 * twin: it sends GET to the URL of its config key url, with the object's
 * attributes as query parameters, through the host's http capability, and
 * merges the members of the JSON object the web service answers over the
 * object's attributes. plugins-src/cases/acl-objects.yaml holds the cases
 * both pass. Grant it http with the hosts of the web services it may ask,
 * and no others. It is a WASI reactor built against wasi-libc, whose
 * snprintf and strtod read and write the numbers, with a stack of 1 MiB for
 * replies nested up to JSON_MAX_DEPTH. Build from the repository root:
 *
 *   clang --target=wasm32-wasi --sysroot=/usr -mexec-model=reactor -Wl,--stack-first -Wl,-z,stack-size=1048576 -O2 -flto -mbulk-memory -Iabi/pdk/c -o plugins/c-acl-jsonsetter.wasm abi/pdk/c/gatehouse.c plugins-src/c/c-acl-jsonsetter/main.c plugins-src/c/c-acl-jsonsetter/json.c plugins-src/c/c-acl-jsonsetter/query.c plugins-src/c/c-acl-jsonsetter/url.c plugins-src/c/internal/text.c plugins-src/c/internal/utf8.c
 */
#include "jsonsetter.h"

/* host_error fails the reply with the error the http capability answered
 * for a request to the URL shown: a host the grant does not allow stays a
 * refusal (denied), a request the host finds malformed stays
 * invalid_request, and the rest (the service down, slow or too verbose) is
 * unavailable. */
static gh_status host_error(gh_writer *reply, const text *shown, const gh_host_error *err) {
    gh_code code = gh_host_error_is(err, "capability_denied") ? GH_DENIED
                   : gh_host_error_is(err, "invalid_request") ? GH_INVALID_REQUEST
                                                              : GH_UNAVAILABLE;
    return gh_errorf(reply, code, "jsonsetter: GET %.*s: %.*s: %.*s", (int)shown->len, shown->buf, GH_STR_ARG(err->code),
                     GH_STR_ARG(err->message));
}

/* ask sends GET target with Accept: application/json and reads the reply's
 * JSON object into *doc. */
static gh_status ask(gh_writer *reply, const text *target, const text *shown, json_doc **doc) {
    gh_writer w;
    gh_writer_init(&w);
    gh_w_map(&w);
    gh_w_str(&w, "method");
    gh_w_str(&w, "GET");
    gh_w_str(&w, "url");
    gh_w_strn(&w, target->buf, target->len);
    gh_w_str(&w, "headers");
    gh_w_map(&w);
    gh_w_str(&w, "Accept");
    gh_w_str(&w, "application/json");
    gh_w_end(&w);
    gh_w_end(&w);
    gh_val resp, v;
    gh_host_error err;
    gh_status st = GH_OK;
    if (!gh_writer_ok(&w)) {
        st = gh_error(reply, GH_INTERNAL, "jsonsetter: out of memory for the request");
    } else if (!gh_http_request(gh_writer_bytes(&w), &resp, &err)) {
        st = host_error(reply, shown, &err);
    } else {
        int64_t status = 0;
        gh_bytes body = {NULL, 0};
        if (gh_val_get(resp, "status", &v)) gh_val_int(v, &status);
        if (gh_val_get(resp, "body", &v)) {
            gh_reader r = gh_val_reader(v);
            gh_read_bin(&r, &body);
        }
        const char *why;
        if (status < 200 || status > 299)
            st = gh_errorf(reply, GH_UNAVAILABLE, "jsonsetter: GET %.*s: status %lld", (int)shown->len, shown->buf, (long long)status);
        else if ((why = json_read(body, doc)) != NULL)
            st = gh_errorf(reply, GH_UNAVAILABLE, "jsonsetter: GET %.*s: the reply is %s", (int)shown->len, shown->buf, why);
    }
    gh_writer_free(&w);
    return st;
}

/* jsonsetter asks the configured web service for the object's attributes. */
static gh_status jsonsetter(const gh_object_req *req, gh_writer *reply) {
    gh_val v;
    gh_str base;
    if (!gh_val_get(req->config, "url", &v) || gh_val_is_nil(v))
        return gh_error(reply, GH_INVALID_REQUEST, "jsonsetter: config url is missing; give the URL of the web service");
    if (!gh_val_str(v, &base)) return gh_error(reply, GH_INVALID_REQUEST, "jsonsetter: config url: want a string");
    text query = {0}, target = {0}, shown = {0};
    json_doc *doc = NULL;
    gh_status st;
    if (!url_is_absolute_http(base)) {
        go_quote(&shown, base);
        st = gh_errorf(reply, GH_INVALID_REQUEST, "jsonsetter: config url %.*s: want an absolute http or https URL", (int)shown.len,
                       shown.buf);
        goto done;
    }
    query_put(&query, req->object);
    url_with_query(&target, base, &query);
    url_redacted(&shown, base);
    if (query.failed || target.failed || shown.failed) {
        st = gh_error(reply, GH_INTERNAL, "jsonsetter: out of memory for the request");
        goto done;
    }
    st = ask(reply, &target, &shown, &doc);
    if (st == GH_OK) {
        gh_reply_attributes(reply);
        json_write_members(doc, reply);
        gh_w_end(reply);
    }
done:
    json_free(doc);
    text_free(&query);
    text_free(&target);
    text_free(&shown);
    return st;
}

GATEHOUSE_PLUGIN(
    .name = "c-acl-jsonsetter",
    .version = "1.0.0",
    .description = "ARPOC's jsonsetter object setter, through the http capability",
    .capabilities = GH_STRS("http"),
    .components = GH_COMPONENTS(
        {.kind = GH_OBJECT, .name = "jsonsetter",
         .description = "merges the attributes a JSON web service answers for the object",
         .priority = 100, .object = jsonsetter}));
