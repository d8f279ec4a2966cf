/* ai/gateway: rae's gateway to a model provider. The AI engineer running where it must not hold
 * the key (a sprite) sends its requests to a UNIX socket; the gateway checks the user's budget,
 * adds the key, forwards the request to the provider over libcurl and streams the answer back as
 * it comes, reading the usage out of it to record (with its cost) per user and run. One request
 * at a time: a gateway serves one run. Blocking: it runs in a process of its own. */
#include "rae/ai.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ai/gateway.h"
#include "ai/http.h"
#include "ai/price.h"
#include "rae/store.h"
#include "util/buf.h"
#include "rae/err.h"

#define HEAD_MAX 16384        /* bytes of a request's head */
#define EVENT_MAX (16u << 20) /* of an event of the answer */
#define IDLE_MS 30000         /* a client that sends nothing this long is dropped */

typedef struct exchange {
    const ai_gateway_options *o;
    int fd; /* the client */
    CURL *curl;
    long status;
    int head_sent, failed_write;
    char content_type[128], retry_after[32];
    ai_stream *stream; /* the answer, for its usage */
    ai_sse *sse;
} exchange;

/* Writes all of data to fd; -1 when the client went away. */
static int send_all(int fd, const char *data, size_t n) {
    while (n) {
        ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        data += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A whole answer of the gateway's own: status and a provider-shaped error. */
static void answer(int fd, int status, const char *type, const char *message) {
    json_t *body =
        json_pack("{s:s,s:{s:s,s:s}}", "type", "error", "error", "type", type, "message", message);
    char *text = json_dumps(body, JSON_COMPACT);
    buf b = BUF_INIT;
    buf_printf(&b,
               "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
               "Connection: close\r\n\r\n%s",
               status, status == 402 ? "Payment Required" : "Error", strlen(text), text);
    send_all(fd, b.data, b.len);
    buf_free(&b);
    free(text);
    json_decref(body);
}

/* ---- reading the request ---- */

/* recv() once the client has sent something; -1 when it sent nothing for IDLE_MS or the gateway
 * is told to stop (a client in the sprite must not hold the gateway, or the server's stop). */
static ssize_t recv_some(const ai_gateway_options *o, int fd, char *p, size_t n) {
    struct pollfd w[2] = {{fd, POLLIN, 0}, {o->stop_fd, POLLIN, 0}};
    int rc;
    while ((rc = poll(w, o->stop_fd >= 0 ? 2 : 1, IDLE_MS)) < 0 && errno == EINTR)
        ;
    if (rc <= 0 || (o->stop_fd >= 0 && w[1].revents)) return -1;
    return recv(fd, p, n, 0);
}

/* The request: its path and body (caller frees *body); -1 after answering what was wrong. */
static int read_request(const ai_gateway_options *o, int fd, char *path, size_t pn, buf *body) {
    char head[HEAD_MAX + 1];
    size_t got = 0;
    char *end = NULL;
    while (!end && got < HEAD_MAX) {
        ssize_t r = recv_some(o, fd, head + got, HEAD_MAX - got);
        if (r <= 0) return -1;
        got += (size_t)r;
        head[got] = '\0';
        end = strstr(head, "\r\n\r\n");
    }
    if (!end) return answer(fd, 431, "invalid_request_error", "the request's head is too long"), -1;
    end[2] = '\0';
    long n;
    int refused = ai_gateway_head(head, path, pn, &n);
    if (refused == 405)
        return answer(fd, 405, "invalid_request_error", "the gateway takes POST only"), -1;
    if (refused)
        return answer(fd, 411, "invalid_request_error",
                      "a body with a Content-Length (32 MiB at most) is wanted"),
               -1;
    size_t have = got - (size_t)(end + 4 - head);
    buf_append(body, end + 4, have < (size_t)n ? have : (size_t)n);
    while (body->len < (size_t)n) {
        char chunk[65536];
        ssize_t r = recv_some(o, fd, chunk, sizeof chunk);
        if (r <= 0) return -1;
        buf_append(body, chunk,
                   (size_t)r < (size_t)n - body->len ? (size_t)r : (size_t)n - body->len);
    }
    return 0;
}

/* ---- the answer, streamed back ---- */

static int on_event(void *user, const ai_sse_event *ev) {
    rae_err err;
    ai_stream_event(user, ev, &err);
    return 0; /* the client judges the stream; the gateway only reads the usage */
}

static void send_head(exchange *x) {
    if (x->head_sent) return;
    x->head_sent = 1;
    curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->status);
    buf b = BUF_INIT;
    buf_printf(&b,
               "HTTP/1.1 %ld Upstream\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n"
               "Connection: close\r\n",
               x->status, *x->content_type ? x->content_type : "application/octet-stream");
    if (*x->retry_after) buf_printf(&b, "retry-after: %s\r\n", x->retry_after);
    buf_puts(&b, "\r\n");
    x->failed_write |= send_all(x->fd, b.data, b.len) < 0;
    buf_free(&b);
}

static size_t on_body(char *data, size_t size, size_t n, void *user) {
    exchange *x = user;
    size_t len = size * n;
    send_head(x);
    char line[32];
    int k = snprintf(line, sizeof line, "%zx\r\n", len);
    x->failed_write |= send_all(x->fd, line, (size_t)k) < 0 || send_all(x->fd, data, len) < 0 ||
                       send_all(x->fd, "\r\n", 2) < 0;
    if (x->status == 200) {
        rae_err err;
        ai_sse_feed(x->sse, data, len, &err);
    }
    return x->failed_write ? 0 : len; /* the client went away: so does the request */
}

static size_t on_header(char *data, size_t size, size_t n, void *user) {
    exchange *x = user;
    size_t len = size * n;
    char line[256];
    snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), data);
    line[strcspn(line, "\r\n")] = '\0';
    if (strncasecmp(line, "content-type:", 13) == 0)
        snprintf(x->content_type, sizeof x->content_type, "%s", line + 13 + (line[13] == ' '));
    else if (strncasecmp(line, "retry-after:", 12) == 0)
        snprintf(x->retry_after, sizeof x->retry_after, "%s", line + 12 + (line[12] == ' '));
    return len;
}

/* Cuts the request when the gateway is told to stop (its run ended: no one waits for it). */
static int on_progress(void *user, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
    (void)dt, (void)dn, (void)ut, (void)un;
    const exchange *x = user;
    struct pollfd p = {x->o->stop_fd, POLLIN, 0};
    return x->o->stop_fd >= 0 && poll(&p, 1, 0) > 0;
}

/* The model's usage of one answer, recorded with its cost (-1: no price known). */
static void record(const ai_gateway_options *o, const char *model, const ai_stream *s) {
    ai_usage u = ai_stream_usage(s);
    ai_price p = ai_price_of(model);
    rae_usage row = {u.input_tokens,
                     u.output_tokens,
                     u.cache_read_tokens,
                     u.cache_write_tokens,
                     p.known ? ai_cost(&p, &u) : -1,
                     1,
                     !p.known};
    rae_err err;
    if (o->store && rae_store_usage_add(o->store, o->user_id, o->run, model, &row, &err) < 0)
        fprintf(stderr, "rae gateway: %s\n", err.message);
    fprintf(stderr, "rae gateway: %s: %ld in, %ld out, %ld cached%s\n", model, u.input_tokens,
            u.output_tokens, u.cache_read_tokens, p.known ? "" : " (no price known)");
}

/* Forwards the request to the provider with the key, and its answer back. */
static ai_provider provider(const ai_gateway_options *o) {
    return o->provider && strcmp(o->provider, "openai") == 0 ? AI_OPENAI : AI_ANTHROPIC;
}

static void forward(const ai_gateway_options *o, int fd, const buf *body) {
    ai_endpoint ep = {provider(o), o->base_url, o->api_key, NULL, 0};
    exchange x = {.o = o, .fd = fd, .curl = curl_easy_init()};
    x.stream = ai_stream_new(provider(o), NULL, NULL);
    x.sse = ai_sse_new(on_event, x.stream, EVENT_MAX);
    json_t *req = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
    const char *model = json_string_value(json_object_get(req, "model"));
    char *url = ai_http_url(&ep);
    struct curl_slist *h = ai_http_headers(&ep);
    curl_easy_setopt(x.curl, CURLOPT_URL, url);
    curl_easy_setopt(x.curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(x.curl, CURLOPT_POSTFIELDS, body->data ? body->data : "");
    curl_easy_setopt(x.curl, CURLOPT_POSTFIELDSIZE, (long)body->len);
    curl_easy_setopt(x.curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(x.curl, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(x.curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(x.curl, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(x.curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(x.curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(x.curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(x.curl, CURLOPT_XFERINFODATA, &x);
    curl_easy_setopt(x.curl, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(x.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(x.curl, CURLOPT_LOW_SPEED_TIME, 300L);
    CURLcode rc = curl_easy_perform(x.curl);
    if (!x.head_sent && rc != CURLE_OK) {
        char why[512];
        snprintf(why, sizeof why, "the gateway could not reach the provider: %s",
                 curl_easy_strerror(rc));
        answer(fd, 502, "api_error", why);
    } else {
        send_head(&x); /* an answer without a body */
        send_all(fd, "0\r\n\r\n", 5);
    }
    if (x.status == 200) record(o, model ? model : "", x.stream);
    curl_slist_free_all(h);
    free(url);
    json_decref(req);
    ai_sse_free(x.sse);
    ai_stream_free(x.stream);
    curl_easy_cleanup(x.curl);
}

static void serve_one(const ai_gateway_options *o, int fd) {
    char path[256];
    rae_err err;
    buf body = BUF_INIT;
    const char *want = provider(o) == AI_OPENAI ? "/v1/chat/completions" : "/v1/messages";
    if (read_request(o, fd, path, sizeof path, &body) < 0) {
        /* answered, or the client went away */
    } else if (strcmp(path, want) != 0) {
        rae_err_fail(&err, "the gateway serves POST %s, not %s", want, path);
        answer(fd, 404, "not_found_error", err.message);
    } else if (o->store && o->check_budget &&
               rae_store_budget_check(o->store, o->user_id, &err) < 0) {
        answer(fd, 402, "budget_exceeded", err.message);
    } else {
        forward(o, fd, &body);
    }
    buf_free(&body);
    close(fd);
}

/* The listening socket at o->socket_path (0600, replacing one there); -1 + err. */
static int make_socket(const ai_gateway_options *o, rae_err *err) {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (strlen(o->socket_path) >= sizeof addr.sun_path)
        return rae_err_fail(err, "%s: too long a path for a socket", o->socket_path);
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", o->socket_path);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(o->socket_path);
    if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(ls, 8) < 0) {
        int e = errno;
        if (ls >= 0) close(ls);
        return rae_err_fail(err, "%s: %s", o->socket_path, strerror(e));
    }
    chmod(o->socket_path, 0600);
    fprintf(stderr, "rae gateway: listening on %s\n", o->socket_path);
    return ls;
}

int ai_gateway_serve(const ai_gateway_options *o, rae_err *err) {
    int ls = o->listen_fd >= 0 ? o->listen_fd : make_socket(o, err);
    if (ls < 0) return -1;
    for (int served = 0; !o->max_requests || served < o->max_requests;) {
        struct pollfd p[2] = {{ls, POLLIN, 0}, {o->stop_fd, POLLIN, 0}};
        if (poll(p, o->stop_fd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) break;
        if (o->stop_fd >= 0 && p[1].revents) break;
        if (!(p[0].revents & POLLIN)) continue;
        int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) continue;
        struct timeval idle = {IDLE_MS / 1000, 0}; /* a client that does not read its answer */
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &idle, sizeof idle);
        serve_one(o, fd);
        served++;
    }
    if (o->listen_fd < 0) {
        close(ls);
        unlink(o->socket_path);
    }
    return 0;
}
