/* The HTTP layer (http.h): lws callbacks in, one whole request to the router, one response out. */
#include "server/http.h"
#include "server/conns.h"
#include "server/server.h"
#include "server/ws.h"
#include "util/text.h"
#include "util/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <uv.h>

#define CHUNK 16384 /* response bytes written per writable callback */
#define SRV_WORK_TIMEOUT_S 300

static void stream_drop(srv_req *r);

void srv_respond(srv_req *r, int status, const char *type, const char *body, size_t len) {
    stream_drop(r);
    r->status = status;
    r->resp_type = type;
    buf_reset(&r->resp_body);
    buf_append(&r->resp_body, body, len);
    r->resp_static = NULL;
    r->resp_static_len = 0;
    r->answered = 1;
}

void srv_respond_static(srv_req *r, int status, const char *type, const unsigned char *body,
                        size_t len) {
    srv_respond(r, status, type, "", 0);
    r->resp_static = body;
    r->resp_static_len = len;
}

void srv_json(srv_req *r, int status, json_t *j) {
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    srv_respond(r, status, "application/json", text ? text : "{}", text ? strlen(text) : 2);
    free(text);
}

void srv_error(srv_req *r, int status, const char *code, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    text_utf8_scrub(msg); /* it may quote a path or a name: JSON strings are UTF-8 */
    srv_json(r, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg));
}

void srv_header(srv_req *r, const char *name, const char *value) {
    buf_printf(&r->resp_headers, "%s: %s\r\n", name, value);
}

/* ---- bodies made piece by piece ---- */

#define PIECE (64 << 10) /* of a streamed body, made and written at once */

typedef struct srv_stream {
    uv_work_t work;
    srv_req *r; /* NULL once the connection has gone (a fill still running frees it) */
    struct srv *server;
    srv_fill_fn *fill;
    srv_free_fn *free_src;
    void *src;
    long long length, left; /* declared (-1: unknown), and still to send of it */
    unsigned char *piece;   /* LWS_PRE + PIECE */
    long len;               /* made and not yet written; -1: the fill failed */
    int filling, ended;
} srv_stream;

static void stream_free(srv_stream *st) {
    st->free_src(st->src);
    free(st->piece);
    free(st);
}

/* The response no longer streams (another replaces it, or the connection went). */
static void stream_drop(srv_req *r) {
    srv_stream *st = r->stream;
    r->stream = NULL;
    if (!st) return;
    if (st->filling)
        st->r = NULL; /* the fill frees it when it comes back */
    else
        stream_free(st);
}

void srv_respond_stream(srv_req *r, int status, const char *type, long long length,
                        srv_fill_fn *fill, srv_free_fn *free_src, void *src) {
    srv_respond(r, status, type, "", 0);
    srv_stream *st = calloc(1, sizeof *st);
    if (!st) abort();
    *st = (srv_stream){.r = r,
                       .server = r->server,
                       .fill = fill,
                       .free_src = free_src,
                       .src = src,
                       .length = length,
                       .left = length};
    st->piece = malloc(LWS_PRE + PIECE);
    if (!st->piece) abort();
    r->stream = st;
}

static void fill_run(uv_work_t *w) {
    srv_stream *st = w->data;
    st->len = st->fill(st->src, (char *)st->piece + LWS_PRE, PIECE);
}

static void fill_done(uv_work_t *w, int status) {
    (void)status;
    srv_stream *st = w->data;
    st->filling = 0;
    if (!st->r) {
        stream_free(st);
        return;
    }
    st->ended = st->len == 0;
    lws_callback_on_writable(st->r->wsi);
}

/* Writes what was made, or asks for the next piece; -1 when the connection is to be closed. */
static int write_stream(srv_req *r) {
    srv_stream *st = r->stream;
    if (st->filling) return 0;
    if (st->len < 0 || (st->ended && st->left > 0)) return -1; /* failed, or the file shrank */
    if (st->ended) return st->length < 0 ? -1 : (lws_http_transaction_completed(r->wsi) ? -1 : 0);
    if (st->len > 0) {
        long n = st->left >= 0 && st->len > st->left ? (long)st->left : st->len; /* it grew */
        int last = st->left >= 0 && n == st->left;
        if (lws_write(r->wsi, st->piece + LWS_PRE, (size_t)n,
                      last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < n)
            return -1;
        st->len = 0;
        if (st->left >= 0) st->left -= n;
        if (last) return lws_http_transaction_completed(r->wsi) ? -1 : 0;
    }
    if (st->left == 0) { /* an empty body: nothing to make */
        if (lws_write(r->wsi, st->piece + LWS_PRE, 0, LWS_WRITE_HTTP_FINAL) < 0) return -1;
        return lws_http_transaction_completed(r->wsi) ? -1 : 0;
    }
    st->filling = 1; /* the next piece, on a worker thread */
    st->work.data = st;
    if (uv_queue_work(r->server->loop, &st->work, fill_run, fill_done) < 0) return -1;
    return 0;
}

/* What a JSON value is, for a message: "an array", "a string". */
static const char *json_kind(const json_t *j) {
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

int srv_body_parse(srv_req *r) {
    json_error_t je;
    if (r->json || !r->body.len) return 0;
    json_t *j = json_loadb(r->body.data, r->body.len, 0, &je);
    if (!j) {
        srv_error(r, 400, "bad_request", "the body is not JSON (at byte %d): %s", je.position,
                  je.text);
        return -1;
    }
    if (!json_is_object(j)) {
        srv_error(r, 400, "bad_request", "the body must be a JSON object, not %s", json_kind(j));
        json_decref(j);
        return -1;
    }
    r->json = j;
    return 0;
}

json_t *srv_body_json(srv_req *r) {
    if (srv_body_parse(r) < 0) return NULL;
    return r->json ? json_incref(r->json) : json_object();
}

/* Member name of body: 0 with *v (NULL when absent or null) when it is absent, null or of type
 * want, else -1 with a 400 queued. */
static int member(srv_req *r, json_t *body, const char *name, json_type want, const char *what,
                  json_t **v) {
    *v = json_object_get(body, name);
    if (*v && json_is_null(*v)) *v = NULL;
    if (!*v || json_typeof(*v) == want || (want == JSON_TRUE && json_is_boolean(*v))) return 0;
    srv_error(r, 400, "bad_request", "%s must be %s, not %s", name, what, json_kind(*v));
    return -1;
}

int srv_body_string(srv_req *r, json_t *body, const char *name, const char **out) {
    json_t *v;
    *out = NULL;
    if (member(r, body, name, JSON_STRING, "a string", &v) < 0) return -1;
    *out = json_string_value(v);
    return 0;
}

int srv_body_bool(srv_req *r, json_t *body, const char *name, int *out) {
    json_t *v;
    *out = 0;
    if (member(r, body, name, JSON_TRUE, "true or false", &v) < 0) return -1;
    *out = json_is_true(v);
    return 0;
}

/* ---- responses built on a worker thread ---- */

typedef struct built {
    srv_req w;
    srv_build_fn *fn;
    void *arg;
} built;

static void build_work(void *job) {
    built *b = job;
    b->fn(&b->w, b->arg);
}

static void build_done(srv_req *r, void *job) {
    built *b = job;
    buf headers = r->resp_headers, body = r->resp_body;
    r->status = b->w.status;
    r->resp_type = b->w.resp_type;
    r->resp_cache = b->w.resp_cache;
    r->resp_static = b->w.resp_static;
    r->resp_static_len = b->w.resp_static_len;
    r->stream = b->w.stream; /* moved */
    if (r->stream) r->stream->r = r;
    b->w.stream = NULL;
    r->resp_headers = b->w.resp_headers; /* moved */
    r->resp_body = b->w.resp_body;
    r->answered = b->w.answered;
    b->w.resp_headers = headers;
    b->w.resp_body = body;
    srv_req_release(&b->w);
    free(b);
}

void srv_defer_response(srv_req *r, srv_build_fn *fn, void *arg) {
    built *b = calloc(1, sizeof *b);
    if (!b) abort();
    b->w = *r;
    b->w.wsi = NULL;
    b->w.task = NULL;
    b->w.body = (buf)BUF_INIT;
    b->w.json = NULL; /* r's */
    b->w.resp_headers = (buf)BUF_INIT;
    b->w.resp_body = (buf)BUF_INIT;
    b->fn = fn;
    b->arg = arg;
    srv_defer(r, build_work, build_done, b);
}

/* ---- lws ---- */

/* Marks r to be answered with this error and closed, before its body is read (the first reason
 * wins). */
static void refuse(srv_req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void refuse(srv_req *r, int status, const char *code, const char *fmt, ...) {
    if (r->refused) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->refusal, sizeof r->refusal, fmt, ap);
    va_end(ap);
    r->refused = status;
    snprintf(r->refusal_code, sizeof r->refusal_code, "%s", code);
}

/* Header t into out; when it does not fit, r is refused with 431 naming it (a Cookie header full
 * of other apps' cookies of the same host would otherwise pass as no session at all). */
static void copy_header(srv_req *r, enum lws_token_indexes t, const char *name, char *out,
                        size_t n) {
    out[0] = 0;
    int len = lws_hdr_total_length(r->wsi, t);
    if (len <= 0) return;
    if ((size_t)len >= n) {
        refuse(r, 431, "header_too_large", "the %s header has %d bytes: at most %zu, please", name,
               len, n - 1);
        return;
    }
    if (lws_hdr_copy(r->wsi, out, (int)n, t) < 0) out[0] = 0;
}

void srv_req_release(srv_req *r) {
    stream_drop(r);
    buf_free(&r->body);
    json_decref(r->json);
    r->json = NULL;
    buf_free(&r->resp_headers);
    buf_free(&r->resp_body);
}

/* A body's length is said once, by one Content-Length of digits. Two lengths, or a length and
 * chunked, are read one way by a proxy in front and another way here (request smuggling); and
 * lws 4.1 does not decode a chunked request body (it passes the chunk lines on, and waits for
 * 100 MB): all refused with a status that says why. A declared length past SRV_BODY_MAX is
 * refused before reading it. */
static void check_length(srv_req *r) {
    char len[32], second[32];
    int has = lws_hdr_total_length(r->wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
    int n = lws_hdr_copy(r->wsi, len, sizeof len, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    int chunked = lws_hdr_total_length(r->wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    if (has && (chunked || lws_hdr_copy_fragment(r->wsi, second, sizeof second,
                                                 WSI_TOKEN_HTTP_CONTENT_LENGTH, 1) >= 0))
        refuse(r, 400, "ambiguous_length",
               "a request carries one Content-Length, or Transfer-Encoding: chunked, not both");
    else if (chunked)
        refuse(r, 411, "length_required",
               "send the body with a Content-Length: rae takes no Transfer-Encoding (chunked)");
    else if (has && (n <= 0 || n > 19 || strspn(len, "0123456789") != (size_t)n))
        refuse(r, 400, "bad_length", "Content-Length must be a number of bytes (digits only)");
    else if (has && strtoull(len, NULL, 10) > SRV_BODY_MAX)
        refuse(r, 413, "too_large", "request bodies are limited to %d bytes", SRV_BODY_MAX);
}

/* The query into r->query. lws keeps it apart, one fragment per argument, and decoded: each is
 * encoded again ("name=value"), so that srv_query decodes it once and a value may hold '&', '%'
 * or '+' (a file named "a&b%41+c"). A query past r->query is refused (414), not cut. */
static void copy_query(srv_req *r) {
    char part[sizeof r->query];
    size_t len = 0;
    arena *a = arena_new();
    for (int i = 0;; i++) {
        int n = lws_hdr_copy_fragment(r->wsi, part, sizeof part, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0 && lws_hdr_fragment_length(r->wsi, WSI_TOKEN_HTTP_URI_ARGS, i) <= 0) break;
        char *eq = n < 0 ? NULL : strchr(part, '=');
        if (eq) *eq = 0;
        int w = n < 0
                    ? -1
                    : snprintf(r->query + len, sizeof r->query - len, "%s%s%s%s", i ? "&" : "",
                               url_encode(a, part), eq ? "=" : "", eq ? url_encode(a, eq + 1) : "");
        if (w < 0 || (size_t)w >= sizeof r->query - len) {
            r->query[len] = 0;
            refuse(r, 414, "uri_too_long", "the query passes %zu bytes (encoded)",
                   sizeof r->query - 1);
            break;
        }
        len += (size_t)w;
    }
    arena_free(a);
}

/* Method, path, query and the headers rae reads, from a new request (the connection may have
 * served one before: keep-alive). */
void srv_req_init(srv_req *r, struct lws *wsi, const char *uri) {
    static const struct {
        enum lws_token_indexes t;
        const char *name;
    } methods[] = {{WSI_TOKEN_GET_URI, "GET"},     {WSI_TOKEN_POST_URI, "POST"},
                   {WSI_TOKEN_PUT_URI, "PUT"},     {WSI_TOKEN_DELETE_URI, "DELETE"},
                   {WSI_TOKEN_PATCH_URI, "PATCH"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
                   {WSI_TOKEN_HEAD_URI, "HEAD"}};
    srv_req_release(r);
    memset(r, 0, sizeof *r);
    r->wsi = wsi;
    r->server = lws_context_user(lws_get_context(wsi));
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (lws_hdr_total_length(wsi, methods[i].t) > 0)
            snprintf(r->method, sizeof r->method, "%s", methods[i].name);
    snprintf(r->path, sizeof r->path, "%s", uri);
    char *q = strchr(r->path, '?');
    if (q) *q = 0;
    copy_query(r);
    copy_header(r, WSI_TOKEN_HTTP_COOKIE, "Cookie", r->cookie, sizeof r->cookie);
    copy_header(r, WSI_TOKEN_HTTP_AUTHORIZATION, "Authorization", r->authorization,
                sizeof r->authorization);
    copy_header(r, WSI_TOKEN_HTTP_CONTENT_TYPE, "Content-Type", r->content_type,
                sizeof r->content_type);
    copy_header(r, WSI_TOKEN_ORIGIN, "Origin", r->origin, sizeof r->origin);
    copy_header(r, WSI_TOKEN_HOST, "Host", r->host, sizeof r->host);
    copy_header(r, WSI_TOKEN_HTTP_ACCEPT_ENCODING, "Accept-Encoding", r->accept_encoding,
                sizeof r->accept_encoding);
    if (lws_hdr_custom_length(wsi, "x-csrf-token:", 13) > 0)
        lws_hdr_custom_copy(wsi, r->csrf, sizeof r->csrf, "x-csrf-token:", 13);
    if (lws_hdr_custom_length(wsi, "sec-fetch-site:", 15) > 0)
        lws_hdr_custom_copy(wsi, r->fetch_site, sizeof r->fetch_site, "sec-fetch-site:", 15);
    char peer[64], forwarded[2048] = "";
    lws_get_peer_simple(wsi, peer, sizeof peer);
    if (r->server->proxies.n)
        copy_header(r, WSI_TOKEN_X_FORWARDED_FOR, "X-Forwarded-For", forwarded, sizeof forwarded);
    check_length(r);
    srv_proxies_client(&r->server->proxies, peer, forwarded, r->peer, sizeof r->peer);
}

/* The reason phrase of the statuses rae answers with. */
static const char *reason_phrase(int status) {
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    default:
        return "Error";
    }
}

static size_t body_len(const srv_req *r) {
    return r->resp_static ? r->resp_static_len : r->resp_body.len;
}

/* The status line and headers, written at once; the body follows when writable. */
static int write_headers(srv_req *r) {
    size_t size = LWS_PRE + 1024 + r->resp_headers.len;
    unsigned char *start = malloc(size), *p, *end = start + size;
    if (!start) abort();
    p = start + LWS_PRE;
    const char *cache = r->resp_cache ? r->resp_cache : "no-store";
    lws_filepos_t length = !r->stream               ? (lws_filepos_t)body_len(r)
                           : r->stream->length >= 0 ? (lws_filepos_t)r->stream->length
                                                    : LWS_ILLEGAL_HTTP_CONTENT_LEN;
    int fail =
        lws_add_http_common_headers(r->wsi, (unsigned int)r->status,
                                    r->resp_type ? r->resp_type : "text/plain", length, &p, end) ||
        lws_add_http_header_by_name(r->wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)cache, (int)strlen(cache), &p, end) ||
        lws_add_http_header_by_name(r->wsi, (const unsigned char *)"x-content-type-options:",
                                    (const unsigned char *)"nosniff", 7, &p, end);
    for (const char *h = buf_str(&r->resp_headers); !fail && *h;) {
        const char *colon = strchr(h, ':'), *eol = strstr(h, "\r\n");
        if (!colon || !eol) break;
        char name[128];
        snprintf(name, sizeof name, "%.*s:", (int)(colon - h), h);
        const char *v = colon + 1 + (colon[1] == ' ');
        fail = lws_add_http_header_by_name(r->wsi, (const unsigned char *)name,
                                           (const unsigned char *)v, (int)(eol - v), &p, end);
        h = eol + 2;
    }
    fail = fail || lws_finalize_write_http_header(r->wsi, start + LWS_PRE, &p, end);
    free(start);
    return fail ? -1 : 0;
}

/* Writes the next piece of the body; -1 when the connection is to be closed. */
static int write_body(srv_req *r) {
    if (r->stream) return write_stream(r);
    size_t left = body_len(r) - r->resp_sent, n = left < CHUNK ? left : CHUNK;
    const char *body = r->resp_static ? (const char *)r->resp_static : r->resp_body.data;
    unsigned char *piece = malloc(LWS_PRE + n + 1);
    if (!piece) abort();
    memcpy(piece + LWS_PRE, body ? body + r->resp_sent : "", n);
    int last = n == left;
    int w = lws_write(r->wsi, piece + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    free(piece);
    if (w < (int)n) return -1;
    r->resp_sent += n;
    if (!last) {
        lws_callback_on_writable(r->wsi);
        return 0;
    }
    if (r->close_after) return -1; /* lws sends what it holds, then closes */
    return lws_http_transaction_completed(r->wsi) ? -1 : 0;
}

int srv_respond_now(srv_req *r) {
    /* written by hand: lws would say HTTP/1.0 here, before it has taken the request's version, and
     * WebSocket clients want HTTP/1.1 */
    size_t n = body_len(r);
    buf out = BUF_INIT;
    buf_reserve(&out, LWS_PRE);
    out.len = LWS_PRE;
    buf_printf(&out,
               "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
               "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n"
               "Connection: close\r\n%s\r\n",
               r->status, reason_phrase(r->status), r->resp_type ? r->resp_type : "text/plain", n,
               buf_str(&r->resp_headers));
    buf_append(&out, r->resp_static ? (const char *)r->resp_static : r->resp_body.data, n);
    size_t len = out.len - LWS_PRE;
    int w = lws_write(r->wsi, (unsigned char *)out.data + LWS_PRE, len, LWS_WRITE_RAW);
    buf_free(&out);
    return w < (int)len ? -1 : 0;
}

/* The response is queued: the headers go now, the body when the connection is writable. */
static int start_response(srv_req *r) {
    if (!r->answered) srv_error(r, 500, "internal", "no response");
    if (write_headers(r) < 0) return -1;
    r->headers_sent = 1;
    lws_callback_on_writable(r->wsi);
    return 0;
}

/* The request is whole, or refused before its body: route it and start the response (unless it
 * waits for a worker). */
static int dispatch(srv_req *r) {
    r->dispatched = 1;
    if (r->refused) {
        srv_error(r, r->refused, r->refusal_code, "%s", r->refusal);
        r->close_after = 1; /* what is left of its body would be read as the next request */
        srv_header(r, "Connection", "close");
    } else {
        srv_route(r);
    }
    return r->task ? 0 : start_response(r);
}

/* ---- work on worker threads ---- */

typedef struct srv_task {
    uv_work_t work;
    srv_req *r; /* NULL once the client has gone, or for background work */
    struct srv *server;
    srv_work_fn *fn;
    srv_done_fn *done;
    void *job;
    char owner[SRV_OWNER_MAX];
    struct srv_task *next, **prev; /* in server->tasks, while in flight */
} srv_task;

int srv_inflight(const struct srv *s, const char *owner, int prefix) {
    int n = 0;
    size_t len = strlen(owner);
    for (const srv_task *t = s->tasks; t; t = t->next)
        n += prefix ? strncmp(t->owner, owner, len) == 0 : strcmp(t->owner, owner) == 0;
    return n;
}

static void task_run(uv_work_t *w) {
    srv_task *t = w->data;
    t->fn(t->job);
}

static void task_done(uv_work_t *w, int status) {
    (void)status; /* the work is never cancelled */
    srv_task *t = w->data;
    srv_req *r = t->r;
    *t->prev = t->next;
    if (t->next) t->next->prev = t->prev;
    if (r) {
        r->task = NULL;
        lws_set_timeout(r->wsi, NO_PENDING_TIMEOUT, 0);
        t->done(r, t->job);
        if (!r->task) { /* done may hand the request on to more work: it answers later */
            /* headers are written from the writable callback: this is not an lws callback */
            if (!r->answered) srv_error(r, 500, "internal", "no response");
            lws_callback_on_writable(r->wsi);
        }
    } else {
        srv_req scratch;
        memset(&scratch, 0, sizeof scratch);
        scratch.server = t->server;
        snprintf(scratch.owner, sizeof scratch.owner, "%s", t->owner); /* for work it hands on */
        t->done(&scratch, t->job);
        srv_req_release(&scratch);
    }
    free(t);
}

/* Queues t (r: its request, or NULL) on the worker threads, counted for its owner. */
static void task_queue(srv_task *t, srv_req *r) {
    t->work.data = t;
    t->next = t->server->tasks;
    t->prev = &t->server->tasks;
    if (t->next) t->next->prev = &t->next;
    t->server->tasks = t;
    if (r) {
        r->task = t;
        /* lws would drop a connection that waits for its response over 5 s (a browser stop
         * takes up to 10 s): the work has this long */
        lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, SRV_WORK_TIMEOUT_S);
    }
    if (uv_queue_work(t->server->loop, &t->work, task_run, task_done) < 0) {
        t->fn(t->job); /* cannot happen with a live loop; answer at once rather than hang */
        task_done(&t->work, 0);
    }
}

void srv_defer(srv_req *r, srv_work_fn *work, srv_done_fn *done, void *job) {
    srv_task *t = calloc(1, sizeof *t);
    if (!t) abort();
    srv_req *waiting = r->wsi ? r : NULL; /* a done() of a client that left hands on a scratch */
    *t = (srv_task){.r = waiting, .server = r->server, .fn = work, .done = done, .job = job};
    snprintf(t->owner, sizeof t->owner, "%s", r->owner);
    task_queue(t, waiting);
}

void srv_background(struct srv *s, const char *owner, srv_work_fn *work, srv_done_fn *done,
                    void *job) {
    srv_task *t = calloc(1, sizeof *t);
    if (!t) abort();
    *t = (srv_task){.server = s, .fn = work, .done = done, .job = job};
    snprintf(t->owner, sizeof t->owner, "%s", owner);
    task_queue(t, NULL);
}

/* Whether a body follows (Content-Length above 0, or chunked). A "Content-Length: 0" request (a
 * fetch() POST without a body) is whole at once: for some methods lws never reports its body as
 * complete, and when it does, the request was dispatched already. */
static int has_body(struct lws *wsi) {
    char len[32];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) return 1;
    if (lws_hdr_copy(wsi, len, sizeof len, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0) return 0;
    return strtoull(len, NULL, 10) > 0;
}

/* ---- bodies ---- */

/* A piece of the body: kept; or refused at once when the body passes SRV_BODY_MAX (a chunked one
 * says no length before) or is still coming SRV_BODY_TIMEOUT_S after its headers (lws starts its
 * own timeout over at every piece: one byte every few seconds would hold the connection and its
 * buffer forever; a client that stops sending is dropped by that timeout). */
static int take_body(srv_req *r, const void *in, size_t len) {
    if (r->dispatched) return 0; /* refused already: the rest is read into nothing */
    if ((double)uv_now(r->server->loop) - r->body_since > SRV_BODY_TIMEOUT_S * 1000.0)
        refuse(r, 408, "too_slow", "the body was still coming %d s after the request's headers",
               SRV_BODY_TIMEOUT_S);
    else if (r->body.len + len > SRV_BODY_MAX)
        refuse(r, 413, "too_large", "request bodies are limited to %d bytes", SRV_BODY_MAX);
    if (!r->refused) {
        buf_append(&r->body, in, len);
        return 0;
    }
    buf_free(&r->body);
    return dispatch(r);
}

/* ---- connections ---- */

/* A new connection from the address in args: counted, or answered 503 (a few bytes written on
 * the fresh socket, whose buffer is empty) and closed when it would pass a cap of conns.h. */
static int admit_connection(srv *s, const struct lws_filter_network_conn_args *args) {
    char addr[64] = "";
    const struct sockaddr *sa = (const struct sockaddr *)&args->cli_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, addr, sizeof addr);
    const char *why;
    if (srv_conns_accept(s->conns, addr, srv_proxies_trust(&s->proxies, addr), &why) == 0) return 0;
    char resp[512];
    int m = srv_conns_busy_response(why, resp, sizeof resp);
    ssize_t sent = send(args->accept_fd, resp, (size_t)m, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)sent; /* it is closed either way */
    return -1;
}

int srv_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len) {
    srv_req *r = user;
    srv *s = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        return admit_connection(s, user);
    case LWS_CALLBACK_WSI_CREATE:
        srv_conns_created(s->conns, wsi);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY: /* of every connection, whatever its protocol: user is not ours
                                    */
        srv_conns_destroyed(s->conns, wsi);
        return 0;
    case LWS_CALLBACK_HTTP:
        srv_req_init(r, wsi, in);
        /* a body comes in HTTP_BODY callbacks; without one the request is whole now, and a refused
         * one is answered now, its body never read */
        if (r->refused || !has_body(wsi)) return dispatch(r);
        r->body_since = (double)uv_now(s->loop);
        return 0;
    case LWS_CALLBACK_HTTP_BODY:
        return take_body(r, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        /* lws also says this after a "Content-Length: 0" request, already dispatched */
        return r->dispatched ? 0 : dispatch(r);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!r || !r->answered || r->task) return 0;
        if (!r->headers_sent) return start_response(r);
        return write_body(r);
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: /* checked before the upgrade: refusals in JSON */
        return srv_ws_confirm(wsi);
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: /* a WebSocket that named no subprotocol */
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_CLOSED:
        return srv_ws_slot_callback(wsi, reason, user, in, len);
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (!r) return 0;
        if (r->task) r->task->r = NULL; /* its work finishes without us */
        r->task = NULL;
        srv_req_release(r);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}
