/* Conversion of one entry's JSON into a har_entry, and helpers over entries. Missing optional
 * fields take defaults; fields present with the wrong type are errors that name the field. */
#include "har/internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct conv {
    arena *a;
    har_error *err;
} conv;

static int bad(conv *c, const char *field, const char *want) {
    har_error_set(c->err, NULL, 0, 0, -1, "%s is not %s", field, want);
    return -1;
}

/* An optional string member: "" when absent or null. Other types are tolerated, since writers
 * disagree (header values as numbers, form params as objects, `_error` as an object): scalars are
 * rendered as text, objects and arrays as compact JSON. `har validate` reports them. */
static int opt_string(conv *c, json_t *obj, const char *key, const char *field, const char **out,
                      size_t *len) {
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *out = "";
        if (len) *len = 0;
        return 0;
    }
    if (json_is_string(v)) {
        *out = json_string_value(v);
        if (len) *len = json_string_length(v);
        return 0;
    }
    if (json_is_integer(v)) {
        *out = arena_printf(c->a, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        *out = arena_printf(c->a, "%.17g", json_real_value(v));
    } else if (json_is_boolean(v)) {
        *out = json_is_true(v) ? "true" : "false";
    } else {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        *out = arena_strdup(c->a, text ? text : "");
        free(text);
    }
    if (len) *len = strlen(*out);
    return 0;
}

/* An optional number; strings of digits are tolerated. */
static int opt_number(conv *c, json_t *obj, const char *key, const char *field, double dflt,
                      double *out) {
    json_t *v = json_object_get(obj, key);
    *out = dflt;
    if (!v || json_is_null(v)) return 0;
    if (json_is_number(v)) {
        *out = json_number_value(v);
        return 0;
    }
    if (json_is_string(v)) {
        char *end;
        double d = strtod(json_string_value(v), &end);
        if (end != json_string_value(v) && *end == '\0') *out = d;
        return 0;
    }
    return bad(c, field, "a number");
}

static int opt_object(conv *c, json_t *obj, const char *key, const char *field, json_t **out) {
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_object(v)) return bad(c, field, "an object");
    *out = v;
    return 0;
}

static int pairs(conv *c, json_t *obj, const char *key, const char *field, har_pairs *out) {
    json_t *arr = json_object_get(obj, key);
    out->items = NULL;
    out->n = 0;
    if (!arr || json_is_null(arr)) return 0;
    if (!json_is_array(arr)) return bad(c, field, "an array");
    size_t n = json_array_size(arr);
    out->items = arena_alloc(c->a, (n ? n : 1) * sizeof *out->items);
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(arr, i);
        if (!json_is_object(it)) continue; /* tolerated: dropped, `har validate` reports it */
        har_pair *p = &out->items[out->n];
        if (opt_string(c, it, "name", field, &p->name, NULL) < 0 ||
            opt_string(c, it, "value", field, &p->value, NULL) < 0)
            return -1;
        out->n++;
    }
    return 0;
}

static int params(conv *c, json_t *obj, har_body *b) {
    json_t *arr = json_object_get(obj, "params");
    if (!arr || json_is_null(arr)) return 0;
    if (!json_is_array(arr)) return bad(c, "request.postData.params", "an array");
    size_t n = json_array_size(arr);
    b->params = arena_alloc(c->a, (n ? n : 1) * sizeof *b->params);
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(arr, i);
        if (!json_is_object(it)) continue;
        har_param *p = &b->params[b->n_params++];
        const char *v;
        if (opt_string(c, it, "name", "param name", &p->name, NULL) < 0) return -1;
        if (opt_string(c, it, "value", "param value", &v, NULL) < 0) return -1;
        p->value = json_object_get(it, "value") ? v : NULL;
        if (opt_string(c, it, "fileName", "param fileName", &v, NULL) < 0) return -1;
        p->file_name = json_object_get(it, "fileName") ? v : NULL;
        if (opt_string(c, it, "contentType", "param contentType", &v, NULL) < 0) return -1;
        p->content_type = json_object_get(it, "contentType") ? v : NULL;
    }
    return 0;
}

/* Why a body is missing, from the `_`-fields capture tools leave (rae's own, Chrome's). */
static const char *body_comment(json_t *obj) {
    static const char *keys[] = {"_error", "_bodyError", "_rae_body_error", "comment"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_t *v = json_object_get(obj, keys[i]);
        if (json_is_string(v) && json_string_length(v) > 0) return json_string_value(v);
    }
    return NULL;
}

static int body(conv *c, json_t *obj, const char *field, har_body *b) {
    double size;
    const char *enc;
    b->mime_type = b->text = "";
    b->size = -1;
    if (!obj) return 0;
    if (opt_string(c, obj, "mimeType", field, &b->mime_type, NULL) < 0 ||
        opt_string(c, obj, "text", field, &b->text, &b->text_len) < 0 ||
        opt_string(c, obj, "encoding", field, &enc, NULL) < 0 ||
        opt_number(c, obj, "size", field, -1, &size) < 0)
        return -1;
    b->base64 = strcasecmp(enc, "base64") == 0;
    b->size = (long long)size;
    b->comment = body_comment(obj);
    return 0;
}

static int request(conv *c, json_t *req, har_entry *e) {
    json_t *pd;
    if (!json_is_string(json_object_get(req, "method")))
        return bad(c, "request.method", "a string");
    if (!json_is_string(json_object_get(req, "url"))) return bad(c, "request.url", "a string");
    e->method = json_string_value(json_object_get(req, "method"));
    e->url = json_string_value(json_object_get(req, "url"));
    if (opt_string(c, req, "httpVersion", "request.httpVersion", &e->http_version, NULL) < 0 ||
        pairs(c, req, "headers", "request.headers", &e->req_headers) < 0 ||
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

static int response(conv *c, json_t *resp, har_entry *e) {
    double status;
    json_t *content;
    const char *err_text;
    if (!resp) return body(c, NULL, "response.content", &e->resp_body);
    if (opt_number(c, resp, "status", "response.status", 0, &status) < 0 ||
        opt_string(c, resp, "statusText", "response.statusText", &e->status_text, NULL) < 0 ||
        pairs(c, resp, "headers", "response.headers", &e->resp_headers) < 0 ||
        pairs(c, resp, "cookies", "response.cookies", &e->resp_cookies) < 0 ||
        opt_string(c, resp, "redirectURL", "response.redirectURL", &e->redirect_url, NULL) < 0 ||
        opt_object(c, resp, "content", "response.content", &content) < 0 ||
        opt_string(c, resp, "_error", "response._error", &err_text, NULL) < 0)
        return -1;
    e->status = status > 0 && status < 1000 ? (int)status : 0;
    if (*err_text) e->error_text = err_text;
    return body(c, content, "response.content", &e->resp_body);
}

int har_entry_from_json(json_t *j, long index, arena *a, har_entry *e, har_error *err) {
    conv c = {a, err};
    json_t *req, *resp;
    double t;
    memset(e, 0, sizeof *e);
    e->index = index;
    e->status_text = e->redirect_url = e->resource_type = e->server_ip = e->error_text = "";
    e->http_version = "";
    if (opt_object(&c, j, "request", "request", &req) < 0) return -1;
    if (!req) return bad(&c, "request", "present");
    if (opt_object(&c, j, "response", "response", &resp) < 0) return -1;
    if (request(&c, req, e) < 0 || response(&c, resp, e) < 0) return -1;
    if (opt_string(&c, j, "startedDateTime", "startedDateTime", &e->started, NULL) < 0 ||
        opt_number(&c, j, "time", "time", -1, &t) < 0 ||
        opt_string(&c, j, "_resourceType", "_resourceType", &e->resource_type, NULL) < 0 ||
        opt_string(&c, j, "serverIPAddress", "serverIPAddress", &e->server_ip, NULL) < 0)
        return -1;
    e->time_ms = t;
    const char *err_text;
    if (opt_string(&c, j, "_error", "_error", &err_text, NULL) < 0) return -1;
    if (*err_text) e->error_text = err_text;
    return 0;
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

static int b64val(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

const char *har_body_bytes(const har_body *b, arena *a, size_t *len) {
    *len = 0;
    if (b->text_len == 0) return NULL;
    if (!b->base64) {
        *len = b->text_len;
        return b->text;
    }
    char *out = arena_alloc(a, b->text_len / 4 * 3 + 4);
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < b->text_len; i++) {
        unsigned char ch = (unsigned char)b->text[i];
        if (ch == '=' || ch == '\n' || ch == '\r' || ch == ' ') continue;
        int v = b64val(ch);
        if (v < 0) return NULL;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out[n] = '\0';
    *len = n;
    return out;
}
