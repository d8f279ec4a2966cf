/* The server's HTTP layer over libwebsockets: a request gathered whole (method, path, query, the
 * headers rae reads, a body up to SRV_BODY_MAX), handed to the router once, and one response
 * (status, headers, body) written back. Handlers run on the event loop: whatever may take more
 * than a few milliseconds (argon2id, a checkpoint, stopping a process) goes to a worker thread
 * with srv_defer(). */
#ifndef RAE_SERVER_HTTP_H
#define RAE_SERVER_HTTP_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stddef.h>

#include "util/buf.h"

#define SRV_BODY_MAX (64 << 10) /* request bodies beyond this get 413 (every route takes JSON) */
#define SRV_BODY_TIMEOUT_S 30   /* a body still coming this long after its headers: 408 */
#define SRV_OWNER_MAX 80

struct srv;
struct srv_task;
struct srv_stream;

typedef struct srv_req {
    struct lws *wsi;
    struct srv *server;
    char method[8]; /* "GET", "POST", "DELETE", "PUT" */
    char path[1024];
    char query[1024]; /* without '?'; "" when none */
    char cookie[8192], authorization[512], csrf[128], content_type[128];
    char origin[256], host[256]; /* the Origin and Host headers ("" when absent) */
    char fetch_site[32];         /* Sec-Fetch-Site: same-origin, same-site, cross-site, none */
    char accept_encoding[128];
    char peer[64];
    char owner[SRV_OWNER_MAX]; /* whom its work counts for: "user:ID", or "ip:PEER" (routes.c) */
    buf body;                  /* owned */
    json_t *json;              /* the body parsed by srv_body_parse (owned), or NULL */
    int refused;               /* the status it is refused with before its body is read, or 0 */
    char refusal_code[32], refusal[160];
    int close_after;       /* the connection closes after the response */
    double body_since;     /* uv_now (ms) when its headers were read, when a body follows */
    int dispatched;        /* the request went to the router (once) */
    int answered;          /* a response was queued */
    struct srv_task *task; /* the deferred work the response waits for, or NULL */
    int headers_sent;
    /* the response, written when the connection can take it */
    int status;
    buf resp_headers; /* extra "name: value\r\n" lines */
    buf resp_body;
    const char *resp_type;
    const char *resp_cache;           /* Cache-Control (NULL: no-store) */
    const unsigned char *resp_static; /* a body that outlives the request, instead of resp_body */
    size_t resp_static_len;
    struct srv_stream *stream; /* a body made piece by piece instead (owned), or NULL */
    size_t resp_sent;
} srv_req;

/* Fills r from the request on wsi (method, path, query, the headers rae reads), releasing what r
 * held from a request before it on the same connection. */
void srv_req_init(srv_req *r, struct lws *wsi, const char *uri);
/* Frees what r owns (its body and response). */
void srv_req_release(srv_req *r);
/* Queues the response: status and body (borrowed, copied); type e.g. "application/json". */
void srv_respond(srv_req *r, int status, const char *type, const char *body, size_t len);
/* Queues a response whose body outlives the request (a built-in file): not copied. */
void srv_respond_static(srv_req *r, int status, const char *type, const unsigned char *body,
                        size_t len);
/* A response body made piece by piece, for files of any size: fill(src, out, cap) runs on a
 * worker thread and puts up to cap bytes in out, returning how many, 0 at the end, or -1 when it
 * cannot go on (the connection is then closed: the status went out already); free_src(src) frees
 * src (taken). One fill runs at a time, the next only once the piece before was written: a slow
 * reader holds one piece in memory, not the file. length: the body's, or -1 when unknown (the
 * connection then closes after it). */
typedef long srv_fill_fn(void *src, char *out, size_t cap);
typedef void srv_free_fn(void *src);
void srv_respond_stream(srv_req *r, int status, const char *type, long long length,
                        srv_fill_fn *fill, srv_free_fn *free_src, void *src);
/* Writes r's queued response at once (a small one, from a callback where the connection is
 * writable: the refusal of a WebSocket upgrade); -1 when it could not be written. */
int srv_respond_now(srv_req *r);
/* JSON response from j (taken). */
void srv_json(srv_req *r, int status, json_t *j);
/* {"error": {"code", "message"}} with status. */
void srv_error(srv_req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds a response header line ("Set-Cookie", "value"). */
void srv_header(srv_req *r, const char *name, const char *value);
/* The value of query parameter name (URL-decoded) into out; 0 when present. */
int srv_query(const srv_req *r, const char *name, char *out, size_t n);
/* Parses the request's body into r->json: 0 when there is none or it is a JSON object, else -1
 * with a 400 queued that says what is wrong with it (every route takes a JSON object, or nothing;
 * srv_route asks before any handler runs). */
int srv_body_parse(srv_req *r);
/* The request body as JSON (new reference): the object srv_body_parse read, or an empty one when
 * there was no body; NULL (and a 400 queued) when it is not an object. */
json_t *srv_body_json(srv_req *r);
/* Member name of body, a string, into *out (borrowed from body; NULL when absent or null): 0, or -1
 * with a 400 queued naming the member when it is of another type. */
int srv_body_string(srv_req *r, json_t *body, const char *name, const char **out);
/* The same for a boolean (*out 0 when absent or null). */
int srv_body_bool(srv_req *r, json_t *body, const char *name, int *out);

/* Slow work off the event loop: work(job) runs on a worker thread (it must not touch r, the
 * server's store or lws; it may use the sprites, or a store handle borrowed from the pool), then
 * done(r, job) runs back on the loop and queues the response. When the client has gone meanwhile,
 * done still runs (to record what happened) with a scratch request whose response is dropped. job
 * is the caller's: done frees it. */
typedef void srv_work_fn(void *job);
typedef void srv_done_fn(srv_req *r, void *job);
void srv_defer(srv_req *r, srv_work_fn *work, srv_done_fn *done, void *job);

/* Work on a worker thread that no request waits for (done gets a scratch request), counted for
 * owner like a request's. */
void srv_background(struct srv *s, const char *owner, srv_work_fn *work, srv_done_fn *done,
                    void *job);
/* How many pieces of work are on the worker threads (or queued for them) for owner; prefix 1:
 * for every owner that starts with it ("ip:"). */
int srv_inflight(const struct srv *s, const char *owner, int prefix);

/* A handler's response built on a worker thread: fn(w, arg) gets w, a copy of r (method, path,
 * query, headers; no body), and queues its response on w as a handler would; that becomes r's.
 * fn may use the sprites, never the store or lws. For reading and zipping files. */
typedef void srv_build_fn(srv_req *w, void *arg);
void srv_defer_response(srv_req *r, srv_build_fn *fn, void *arg);

/* The lws protocol callback that drives it all (for the server's protocol table). */
int srv_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len);
/* Routes a whole request (routes.c): every path ends in a response. */
void srv_route(srv_req *r);
/* GET of anything but the API (static.c): the web app's files, index.html for its own routes. */
void srv_static(srv_req *r);

#endif
