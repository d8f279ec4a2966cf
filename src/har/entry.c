/* Conversion of one entry's JSON into a har_entry, and helpers over entries. Missing optional
 * fields take defaults; fields present with the wrong type are errors that name the field. */
#include "har/internal.h"
#include "util/text.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct conv {
    arena *a;
    rae_err *err;
} conv;

static int bad(conv *c, const char *field, const char *want) {
    har_error_set(c->err, NULL, 0, 0, -1, "%s is not %s", field, want);
    return -1;
}

/* An optional string member: "" when absent or null. Other types are tolerated, since writers
 * disagree (header values as numbers, form params as objects, `_error` as an object): they are
 * rendered as compact JSON text. `har validate` reports them. */
static void opt_string(conv *c, jv *obj, const char *key, const char **out, size_t *len) {
    jv *v = jv_get(obj, key);
    size_t n = 0;
    if (!v || v->type == JV_NULL) {
        *out = "";
    } else if (v->type == JV_STRING) {
        *out = jv_str(v, c->a, &n);
    } else {
        buf b = BUF_INIT;
        jv_dump(v, c->a, &b);
        *out = arena_strndup(c->a, buf_str(&b), b.len);
        n = b.len;
        buf_free(&b);
    }
    if (len) *len = n;
}

/* An optional number; strings of digits are tolerated. */
static int opt_number(conv *c, jv *obj, const char *key, const char *field, double dflt,
                      double *out) {
    jv *v = jv_get(obj, key);
    *out = dflt;
    if (!v || v->type == JV_NULL) return 0;
    if (v->type == JV_NUMBER) {
        *out = jv_num(v);
        return 0;
    }
    if (v->type == JV_STRING) {
        char *end;
        const char *t = jv_str(v, c->a, NULL);
        double d = strtod(t, &end);
        if (end != t && *end == '\0') *out = d;
        return 0;
    }
    return bad(c, field, "a number");
}

static int opt_object(conv *c, jv *obj, const char *key, const char *field, jv **out) {
    jv *v = jv_get(obj, key);
    *out = NULL;
    if (!v || v->type == JV_NULL) return 0;
    if (v->type != JV_OBJECT) return bad(c, field, "an object");
    *out = v;
    return 0;
}

static int opt_array(conv *c, jv *obj, const char *key, const char *field, jv **out) {
    jv *v = jv_get(obj, key);
    *out = NULL;
    if (!v || v->type == JV_NULL) return 0;
    if (v->type != JV_ARRAY) return bad(c, field, "an array");
    *out = v;
    return 0;
}

static int pairs(conv *c, jv *obj, const char *key, const char *field, har_pairs *out) {
    jv *arr;
    out->items = NULL;
    out->n = 0;
    if (opt_array(c, obj, key, field, &arr) < 0) return -1;
    if (!arr) return 0;
    out->items = arena_alloc(c->a, (arr->len ? arr->len : 1) * sizeof *out->items);
    for (size_t i = 0; i < arr->len; i++) {
        jv *it = arr->items[i];
        if (it->type != JV_OBJECT) continue; /* tolerated: dropped, `har validate` reports it */
        har_pair *p = &out->items[out->n++];
        opt_string(c, it, "name", &p->name, NULL);
        opt_string(c, it, "value", &p->value, NULL);
    }
    return 0;
}

static const char *opt_present(conv *c, jv *obj, const char *key) {
    const char *v;
    if (!jv_get(obj, key)) return NULL;
    opt_string(c, obj, key, &v, NULL);
    return v;
}

static int params(conv *c, jv *obj, har_body *b) {
    jv *arr;
    if (opt_array(c, obj, "params", "request.postData.params", &arr) < 0) return -1;
    if (!arr) return 0;
    b->params = arena_alloc(c->a, (arr->len ? arr->len : 1) * sizeof *b->params);
    for (size_t i = 0; i < arr->len; i++) {
        jv *it = arr->items[i];
        if (it->type != JV_OBJECT) continue;
        har_param *p = &b->params[b->n_params++];
        opt_string(c, it, "name", &p->name, NULL);
        p->value = opt_present(c, it, "value");
        p->file_name = opt_present(c, it, "fileName");
        p->content_type = opt_present(c, it, "contentType");
    }
    return 0;
}

/* Why a body is missing, from the `_`-fields capture tools leave (rae's own, Chrome's). */
static const char *body_comment(conv *c, jv *obj) {
    static const char *keys[] = {"_error", "_bodyError", "_rae_body_error", "comment"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        jv *v = jv_get(obj, keys[i]);
        if (jv_is(v, JV_STRING) && v->len > 0) return jv_str(v, c->a, NULL);
    }
    return NULL;
}

static int body(conv *c, jv *obj, const char *field, har_body *b) {
    double size;
    const char *enc;
    b->mime_type = "";
    b->size = -1;
    if (!obj) return 0;
    opt_string(c, obj, "mimeType", &b->mime_type, NULL);
    opt_string(c, obj, "encoding", &enc, NULL);
    if (opt_number(c, obj, "size", field, -1, &size) < 0) return -1;
    jv *text = jv_get(obj, "text");
    if (jv_is(text, JV_STRING)) {
        b->text_node = text;
        b->text_len = text->len;
    } else if (text && text->type != JV_NULL) {
        har_error_set(c->err, NULL, 0, 0, -1, "%s.text is not a string", field);
        return -1;
    }
    b->base64 = strcasecmp(enc, "base64") == 0;
    b->size = (long long)size;
    b->comment = body_comment(c, obj);
    return 0;
}

static int request(conv *c, jv *req, har_entry *e) {
    jv *pd;
    jv *method = jv_get(req, "method"), *url = jv_get(req, "url");
    if (!jv_is(method, JV_STRING)) return bad(c, "request.method", "a string");
    if (!jv_is(url, JV_STRING)) return bad(c, "request.url", "a string");
    e->method = jv_str(method, c->a, NULL);
    e->url = jv_str(url, c->a, NULL);
    opt_string(c, req, "httpVersion", &e->http_version, NULL);
    if (pairs(c, req, "headers", "request.headers", &e->req_headers) < 0 ||
        pairs(c, req, "cookies", "request.cookies", &e->req_cookies) < 0 ||
        pairs(c, req, "queryString", "request.queryString", &e->query) < 0 ||
        opt_object(c, req, "postData", "request.postData", &pd) < 0)
        return -1;
    if (body(c, pd, "request.postData", &e->req_body) < 0) return -1;
    if (pd) {
        e->has_req_body = 1;
        if (params(c, pd, &e->req_body) < 0) return -1;
    }
    return 0;
}

static int response(conv *c, jv *resp, har_entry *e) {
    double status;
    jv *content;
    const char *err_text;
    if (!resp) return body(c, NULL, "response.content", &e->resp_body);
    if (opt_number(c, resp, "status", "response.status", 0, &status) < 0 ||
        pairs(c, resp, "headers", "response.headers", &e->resp_headers) < 0 ||
        pairs(c, resp, "cookies", "response.cookies", &e->resp_cookies) < 0 ||
        opt_object(c, resp, "content", "response.content", &content) < 0)
        return -1;
    opt_string(c, resp, "statusText", &e->status_text, NULL);
    opt_string(c, resp, "redirectURL", &e->redirect_url, NULL);
    opt_string(c, resp, "_error", &err_text, NULL);
    e->status = status > 0 && status < 1000 ? (int)status : 0;
    if (*err_text) e->error_text = err_text;
    return body(c, content, "response.content", &e->resp_body);
}

int har_entry_from_json(jv *j, long index, arena *a, har_entry *e, rae_err *err) {
    conv c = {a, err};
    jv *req, *resp;
    double t;
    memset(e, 0, sizeof *e);
    e->index = index;
    if (opt_object(&c, j, "request", "request", &req) < 0) return -1;
    if (!req) return bad(&c, "request", "present");
    if (opt_object(&c, j, "response", "response", &resp) < 0) return -1;
    if (request(&c, req, e) < 0 || response(&c, resp, e) < 0) return -1;
    if (opt_number(&c, j, "time", "time", -1, &t) < 0) return -1;
    e->time_ms = t;
    opt_string(&c, j, "startedDateTime", &e->started, NULL);
    opt_string(&c, j, "_resourceType", &e->resource_type, NULL);
    opt_string(&c, j, "serverIPAddress", &e->server_ip, NULL);
    if (!e->status_text) e->status_text = "";
    if (!e->redirect_url) e->redirect_url = "";
    const char *err_text;
    opt_string(&c, j, "_error", &err_text, NULL);
    e->error_text = *err_text ? err_text : e->error_text ? e->error_text : "";
    return 0;
}

const char *har_body_text(const har_body *b, arena *a, size_t *len) {
    if (!b->text_node) {
        if (len) *len = 0;
        return "";
    }
    return jv_str(b->text_node, a, len);
}

const char *har_pairs_get(const har_pairs *p, const char *name) {
    for (size_t i = 0; i < p->n; i++)
        if (strcasecmp(p->items[i].name, name) == 0) return p->items[i].value;
    return NULL;
}

const char *har_entry_req_header(const har_entry *e, const char *name) {
    return har_pairs_get(&e->req_headers, name);
}

const char *har_entry_resp_header(const har_entry *e, const char *name) {
    return har_pairs_get(&e->resp_headers, name);
}

const char *har_body_bytes(const har_body *b, arena *a, size_t *len) {
    size_t tlen;
    const char *text = har_body_text(b, a, &tlen);
    *len = 0;
    if (tlen == 0) return NULL;
    if (!b->base64) {
        *len = tlen;
        return text;
    }
    return text_unbase64(a, text, tlen, len);
}
