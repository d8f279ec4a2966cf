/* ai/http: one streamed request to a model provider over libcurl. */
#include "ai/http.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"

#define ERROR_BODY_MAX 65536  /* bytes of an error answer kept */
#define EVENT_MAX (16u << 20) /* bytes of one event of the stream */
#define ANTHROPIC_VERSION "2023-06-01"

typedef struct transfer {
    CURL *curl;
    ai_stream *stream;
    ai_sse *sse;
    ai_stop_fn stop;
    void *stop_user;
    long status;
    buf error_body;
    double retry_after;
    int stream_failed; /* the stream was not the protocol, or said error */
    rae_err stream_err;
    size_t bytes;
} transfer;

int ai_fault_retryable(ai_fault f) {
    return f == AI_FAULT_RATE || f == AI_FAULT_OVERLOADED || f == AI_FAULT_SERVER ||
           f == AI_FAULT_NETWORK || f == AI_FAULT_CUT;
}

const char *ai_http_socket(const ai_endpoint *ep) {
    return ep->base_url && strncmp(ep->base_url, "unix:", 5) == 0 ? ep->base_url + 5 : NULL;
}

char *ai_http_url(const ai_endpoint *ep) {
    const char *base = ep->base_url && *ep->base_url ? ep->base_url
                       : ep->provider == AI_OPENAI   ? "https://api.openai.com/v1"
                                                     : "https://api.anthropic.com";
    if (ai_http_socket(ep)) base = "http://rae-gateway"; /* its paths are the providers' */
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    const char *path = ep->provider == AI_ANTHROPIC ? "/v1/messages"
                       : ai_http_socket(ep)         ? "/v1/chat/completions"
                                                    : "/chat/completions";
    buf url = BUF_INIT;
    buf_printf(&url, "%.*s%s", (int)n, base, path);
    return buf_take(&url);
}

static int on_sse(void *user, const ai_sse_event *ev) {
    transfer *t = user;
    int rc = ai_stream_event(t->stream, ev, &t->stream_err);
    if (rc < 0) t->stream_failed = 1;
    return rc < 0 ? 2 : 0; /* after the end, bytes still read are nothing */
}

static size_t on_body(char *data, size_t size, size_t n, void *user) {
    transfer *t = user;
    size_t len = size * n;
    t->bytes += len;
    if (!t->status) curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->status);
    if (t->status != 200) {
        if (t->error_body.len < ERROR_BODY_MAX) buf_append(&t->error_body, data, len);
        return len;
    }
    rae_err err;
    int rc = ai_sse_feed(t->sse, data, len, &err);
    if (rc < 0) {
        t->stream_failed = 1;
        t->stream_err = err;
    }
    return rc ? 0 : len; /* 0 ends the transfer */
}

/* retry-after: seconds (or an HTTP date, which providers do not send); retry-after-ms. */
static size_t on_header(char *data, size_t size, size_t n, void *user) {
    transfer *t = user;
    size_t len = size * n;
    char line[256];
    snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), data);
    if (strncasecmp(line, "retry-after-ms:", 15) == 0)
        t->retry_after = strtod(line + 15, NULL) / 1000.0;
    else if (strncasecmp(line, "retry-after:", 12) == 0 && t->retry_after < 0)
        t->retry_after = strtod(line + 12, NULL);
    return len;
}

static int on_progress(void *user, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
    transfer *t = user;
    (void)a, (void)b, (void)c, (void)d;
    return t->stop && t->stop(t->stop_user) ? 1 : 0;
}

/* The provider's own words from an error answer: {"error": {"type", "message"}}. */
static void error_words(const buf *body, char *type, size_t tn, char *msg, size_t mn) {
    json_t *j = body->len ? json_loadb(body->data, body->len, 0, NULL) : NULL;
    json_t *e = json_object_get(j, "error");
    const char *t = json_string_value(json_object_get(e, "type"));
    const char *m =
        json_is_string(e) ? json_string_value(e) : json_string_value(json_object_get(e, "message"));
    snprintf(type, tn, "%s", t ? t : "");
    if (m)
        snprintf(msg, mn, "%s", m);
    else
        snprintf(msg, mn, "%.*s", (int)(body->len < 200 ? body->len : 200),
                 body->data ? body->data : "");
    json_decref(j);
}

static ai_fault fault_of_status(long status, const char *type) {
    if (status == 401 || status == 403) return AI_FAULT_AUTH;
    if (status == 402) return AI_FAULT_BUDGET;
    if (status == 429 || strcmp(type, "rate_limit_error") == 0) return AI_FAULT_RATE;
    if (status == 529 || status == 503 || strcmp(type, "overloaded_error") == 0)
        return AI_FAULT_OVERLOADED;
    if (status >= 500) return AI_FAULT_SERVER;
    return AI_FAULT_REQUEST;
}

static void http_error(const ai_endpoint *ep, transfer *t, ai_result *out) {
    char type[64], msg[400];
    error_words(&t->error_body, type, sizeof type, msg, sizeof msg);
    out->fault = fault_of_status(t->status, type);
    int gateway = ep->base_url && strncmp(ep->base_url, "unix:", 5) == 0;
    if (out->fault == AI_FAULT_AUTH && gateway)
        snprintf(out->message, sizeof out->message,
                 "the provider refused the key that rae's gateway holds (%ld): %s", t->status, msg);
    else if (out->fault == AI_FAULT_AUTH)
        snprintf(out->message, sizeof out->message, "the provider refused the key in %s (%ld): %s",
                 ep->key_var ? ep->key_var : "?", t->status, msg);
    else if (out->fault == AI_FAULT_BUDGET)
        snprintf(out->message, sizeof out->message, "over budget: %s", msg);
    else
        snprintf(out->message, sizeof out->message, "the provider answered %ld%s%s: %s", t->status,
                 *type ? " " : "", type, msg);
}

static void stream_error(transfer *t, ai_result *out) {
    const char *type = ai_stream_error_type(t->stream);
    out->fault = !type                                   ? AI_FAULT_PROTOCOL
                 : strcmp(type, "overloaded_error") == 0 ? AI_FAULT_OVERLOADED
                 : strstr(type, "rate_limit")            ? AI_FAULT_RATE
                 : strcmp(type, "api_error") == 0        ? AI_FAULT_SERVER
                                                         : AI_FAULT_REQUEST;
    snprintf(out->message, sizeof out->message, "%s", t->stream_err.message);
}

struct curl_slist *ai_http_headers(const ai_endpoint *ep) {
    char line[1024];
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: text/event-stream");
    if (ep->provider == AI_ANTHROPIC)
        h = curl_slist_append(h, "anthropic-version: " ANTHROPIC_VERSION);
    if (!ep->api_key || !*ep->api_key) return h; /* rae's gateway adds it */
    if (ep->provider == AI_OPENAI)
        snprintf(line, sizeof line, "Authorization: Bearer %s", ep->api_key);
    else
        snprintf(line, sizeof line, "x-api-key: %s", ep->api_key);
    return curl_slist_append(h, line);
}

static void setup(CURL *c, const ai_endpoint *ep, const char *url, const char *body,
                  struct curl_slist *h, transfer *t) {
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (ai_http_socket(ep)) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, ai_http_socket(ep));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L); /* a byte in timeout_s, pings included */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, ep->timeout_s > 0 ? ep->timeout_s : 300L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "rae-engineer");
}

void ai_http_send(const ai_endpoint *ep, const char *body, ai_stream *s, ai_stop_fn stop,
                  void *user, ai_result *out) {
    memset(out, 0, sizeof *out);
    out->retry_after = -1;
    transfer t = {.stream = s, .stop = stop, .stop_user = user, .retry_after = -1};
    t.curl = curl_easy_init();
    t.sse = ai_sse_new(on_sse, &t, EVENT_MAX);
    char *url = ai_http_url(ep);
    struct curl_slist *h = ai_http_headers(ep);
    if (!t.curl || !t.sse) {
        out->fault = AI_FAULT_NETWORK;
        snprintf(out->message, sizeof out->message, "out of memory");
    } else {
        setup(t.curl, ep, url, body, h, &t);
        CURLcode rc = curl_easy_perform(t.curl);
        if (!t.status) curl_easy_getinfo(t.curl, CURLINFO_RESPONSE_CODE, &t.status);
        out->status = (int)t.status;
        out->retry_after = t.retry_after;
        if (stop && stop(user)) {
            out->fault = AI_FAULT_STOPPED;
            snprintf(out->message, sizeof out->message, "stopped");
        } else if (t.status && t.status != 200) {
            http_error(ep, &t, out);
        } else if (t.stream_failed) {
            stream_error(&t, out);
        } else if (rc != CURLE_OK && !t.bytes) {
            out->fault = AI_FAULT_NETWORK;
            snprintf(out->message, sizeof out->message, "could not reach %s: %s", url,
                     curl_easy_strerror(rc));
        } else if (!ai_stream_done(s)) {
            out->fault = AI_FAULT_CUT;
            snprintf(out->message, sizeof out->message,
                     "the answer was cut short after %zu bytes%s%s", t.bytes,
                     rc != CURLE_OK ? ": " : "", rc != CURLE_OK ? curl_easy_strerror(rc) : "");
        }
    }
    curl_slist_free_all(h);
    free(url);
    ai_sse_free(t.sse);
    buf_free(&t.error_body);
    if (t.curl) curl_easy_cleanup(t.curl);
}
