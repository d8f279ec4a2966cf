/* The recorder's core: Network.* events into exchanges, exchanges into journal entries. */
#include "capture/internal.h"
#include "util/buf.h"
#include "util/text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define GRACE_S 0.5    /* how long a finished exchange waits for its ExtraInfo events */
#define ORPHAN_S 10.0  /* ExtraInfo events of an exchange already written are dropped after */
#define PROGRESS_S 1.0 /* progress events at most this often */
#define MAX_BODY (64 << 20)
#define DEFER_S 1.5 /* a deferred body waits at most this long for its page's load */
#define DEFER_API_BYTES (256 << 10) /* API responses this large are deferred too */
#define BODY_TRIES 8                /* asks for a document's body, 50 ms apart, then longer */

double rec_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void rec_progress(recorder *r, const char *stage, const char *fmt, ...) {
    if (!r->o.on_event) return;
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    rae_event ev = {.type = RAE_EV_PROGRESS, .stage = stage, .message = message};
    ev.done = r->st.entries;
    r->o.on_event(r->o.user, &ev);
}

void rec_journal(recorder *r, const char *kind, json_t *obj) {
    if (r->failed) return;
    if (journal_write(r->j, kind, obj, &r->error) < 0) {
        r->failed = 1;
        if (r->o.on_event) {
            rae_event ev = {.type = RAE_EV_ERROR, .kind = "runtime", .message = r->error.message};
            r->o.on_event(r->o.user, &ev);
        }
    }
    r->st.bytes = journal_bytes(r->j);
}

json_t *rec_json(jv *v, arena *a) {
    if (!v) return json_null();
    switch (v->type) {
    case JV_NULL:
        return json_null();
    case JV_FALSE:
        return json_false();
    case JV_TRUE:
        return json_true();
    case JV_NUMBER:
        return jv_is_int(v) && fabs(jv_num(v)) < 9e15 ? json_integer((json_int_t)jv_num(v))
                                                      : json_real(jv_num(v));
    case JV_STRING: {
        size_t n;
        const char *s = jv_str(v, a, &n);
        return json_stringn(s, n);
    }
    case JV_ARRAY: {
        json_t *arr = json_array();
        for (size_t i = 0; i < v->len; i++)
            json_array_append_new(arr, rec_json(v->items[i], a));
        return arr;
    }
    case JV_OBJECT: {
        json_t *obj = json_object();
        for (size_t i = 0; i < v->len; i++)
            json_object_set_new(obj, jv_key(&v->members[i], a), rec_json(v->members[i].value, a));
        return obj;
    }
    }
    return json_null();
}

static const char *str_of(jv *obj, const char *key, arena *a) {
    return jv_str(jv_get(obj, key), a, NULL);
}

/* ---- requests ---- */

/* The request with this id, made when create is set. Request ids are unique in the browser; a
 * request can move between sessions (an out-of-process iframe's document is requested in its
 * parent's session and finishes in its own), so s is remembered as the last one that spoke. */
static rec_req *req_get(recorder *r, rec_session *s, const char *request_id, int create) {
    if (!request_id) return NULL;
    int created = 0;
    rec_req *q = smap_gets(r->reqs, request_id);
    if (q || !create) {
        if (q && s) q->io = s;
        return q;
    }
    void **slot = smap_slot(r->reqs, request_id, strlen(request_id), &created);
    if (!created) r->dead--; /* a freed slot comes back to life */
    q = calloc(1, sizeof *q);
    if (!q) abort();
    q->a = arena_new();
    q->key = arena_strdup(q->a, request_id);
    q->request_id = q->key;
    q->s = q->io = s;
    q->born = rec_now();
    *slot = q;
    return q;
}

/* Drops e's JSON references (its memory is its request's arena). */
static void entry_release(rec_entry *e) {
    json_decref(e->request);
    json_decref(e->response);
    json_decref(e->req_extra);
    json_decref(e->resp_extra);
    json_decref(e->initiator);
    json_decref(e->ws_messages);
    json_decref(e->sse_messages);
}

static void req_free(recorder *r, rec_req *q) {
    for (size_t i = 0; i < q->hops.n; i++)
        entry_release(q->hops.items[i]);
    for (size_t i = 0; i < q->req_extra.n; i++)
        json_decref(q->req_extra.items[i]);
    for (size_t i = 0; i < q->resp_extra.n; i++)
        json_decref(q->resp_extra.items[i]);
    pvec_free(&q->hops);
    pvec_free(&q->req_extra);
    pvec_free(&q->resp_extra);
    void **slot = smap_slot(r->reqs, q->key, strlen(q->key), NULL);
    *slot = NULL;
    r->dead++;
    arena_free(q->a);
    free(q);
}

/* Rebuilds the request map when most of its slots belong to freed requests. */
static void reqs_compact(recorder *r) {
    size_t n = smap_count(r->reqs);
    if (r->dead < 1024 || r->dead * 2 < n) return;
    smap *fresh = smap_new();
    for (size_t i = 0; i < n; i++) {
        rec_req *q = smap_value(r->reqs, i);
        if (q) smap_put(fresh, q->key, q);
    }
    smap_free(r->reqs);
    r->reqs = fresh;
    r->dead = 0;
}

static void entry_write(recorder *r, rec_entry *e) {
    json_t *har = rec_entry_har(e);
    rec_journal(r, "entry", har);
    json_decref(har);
    e->written = 1;
    r->st.entries++;
    double now = rec_now();
    if (now - r->last_progress >= PROGRESS_S) {
        r->last_progress = now;
        rec_progress(r, "capture", "requests recorded: %ld (%.1f MB)", r->st.entries,
                     (double)r->st.bytes / 1e6);
    }
}

/* Writes the exchanges of q that are ready (all of them with force) and frees q when done. */
static void req_settle(recorder *r, rec_req *q, int force) {
    double now = rec_now();
    for (size_t i = 0; i < q->hops.n;) {
        rec_entry *e = q->hops.items[i];
        int ready = e->closed && !e->post_pending && !e->body_pending;
        int extras = (e->req_extra || !e->want_req_extra) &&
                     (e->resp_extra || !e->want_resp_extra || !e->response);
        if (ready && !extras && e->grace == 0) e->grace = now + GRACE_S;
        if (force || (ready && (extras || now >= e->grace))) {
            entry_write(r, e);
            entry_release(e);
            pvec_remove(&q->hops, i);
            if (q->cur == e) q->cur = NULL;
            continue;
        }
        i++;
    }
    if (q->hops.n == 0 && (q->finished || force)) req_free(r, q);
}

/* Gives queued ExtraInfo events to the oldest exchanges that lack them (they come in order). */
static void req_pair(rec_req *q) {
    for (size_t i = 0; i < q->hops.n && q->req_extra.n; i++) {
        rec_entry *e = q->hops.items[i];
        if (e->want_req_extra && !e->req_extra) {
            e->req_extra = q->req_extra.items[0];
            pvec_remove(&q->req_extra, 0);
        }
    }
    for (size_t i = 0; i < q->hops.n && q->resp_extra.n; i++) {
        rec_entry *e = q->hops.items[i];
        if (e->want_resp_extra && !e->resp_extra) {
            e->resp_extra = q->resp_extra.items[0];
            pvec_remove(&q->resp_extra, 0);
        }
    }
}

static int recordable_url(const char *url) {
    return url && (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0 ||
                   strncmp(url, "ws://", 5) == 0 || strncmp(url, "wss://", 6) == 0);
}

/* ---- request bodies ---- */

static void set_post(rec_entry *e, const char *bytes, size_t n) {
    char *copy = arena_alloc(e->req->a, n + 1);
    memcpy(copy, bytes, n);
    e->post = copy;
    e->post_len = n;
}

/* The exchange of q waiting for a reply of this kind, oldest first. */
static rec_entry *waiting_hop(rec_req *q, int body) {
    for (size_t i = 0; q && i < q->hops.n; i++) {
        rec_entry *e = q->hops.items[i];
        if (body ? e->body_pending : e->post_pending) return e;
    }
    return NULL;
}

static rec_req *req_of_tag(recorder *r, const char *tag) {
    return tag ? smap_gets(r->reqs, tag) : NULL;
}

static void on_post_data(void *user, const cdp_msg *m) {
    recorder *r = user;
    rec_req *q = req_of_tag(r, m->tag);
    rec_entry *e = waiting_hop(q, 0);
    if (!e) return;
    e->post_pending = 0;
    if (!m->result) {
        e->post_note = arena_printf(q->a, "Network.getRequestPostData: %s", m->error);
    } else {
        size_t n;
        const char *text = jv_str(jv_get(m->result, "postData"), m->a, &n);
        jv *b64 = jv_get(m->result, "base64Encoded");
        if (text && jv_is(b64, JV_TRUE)) text = text_unbase64(m->a, text, n, &n);
        if (text) set_post(e, text, n);
    }
    req_settle(r, q, 0);
}

/* The body from the request itself, or a Network.getRequestPostData when it is not there. */
static void take_post(recorder *r, rec_entry *e, jv *request, arena *a) {
    jv *has = jv_get(request, "hasPostData");
    if (!jv_is(has, JV_TRUE)) return;
    jv *entries = jv_get(request, "postDataEntries");
    if (jv_is(entries, JV_ARRAY) && entries->len > 0) {
        buf bytes = BUF_INIT;
        size_t i = 0;
        for (; i < entries->len; i++) {
            size_t n;
            const char *b = jv_str(jv_get(entries->items[i], "bytes"), a, &n);
            const char *raw = b ? text_unbase64(a, b, n, &n) : NULL;
            if (!raw) break; /* a file part: only the browser's own copy has it */
            buf_append(&bytes, raw, n);
        }
        if (i == entries->len) set_post(e, bytes.data ? bytes.data : "", bytes.len);
        buf_free(&bytes);
        if (e->post) return;
    }
    e->post_pending = 1;
    cdp_send(r->c, e->req->io ? e->req->io->id : NULL, "Network.getRequestPostData",
             json_pack("{s:s}", "requestId", e->req->request_id), on_post_data, r, e->req->key);
}

/* ---- response bodies ---- */

/* Whether a body the browser sent as base64 may be text (JSON, HTML, a script, ...) and is
 * worth decoding; images, fonts, media and the like stay base64. */
static int maybe_text(const rec_entry *e) {
    static const char *const textual[] = {"text/",      "json",       "xml",
                                          "javascript", "ecmascript", "x-www-form-urlencoded",
                                          "graphql",    "yaml",       "csv"};
    const char *mime = json_string_value(json_object_get(e->response, "mimeType"));
    if (!mime || !*mime || strstr(mime, "unknown")) return 1;
    for (size_t i = 0; i < sizeof textual / sizeof *textual; i++)
        if (strcasestr(mime, textual[i])) return 1;
    return 0;
}

static void on_body(void *user, const cdp_msg *m) {
    recorder *r = user;
    rec_req *q = req_of_tag(r, m->tag);
    rec_entry *e = waiting_hop(q, 1);
    if (!e) return;
    if (!m->result && e->body_tries < BODY_TRIES && e->type && strcmp(e->type, "Document") == 0) {
        /* a document that replaced another process's page: its new renderer gets the body a
         * moment after the browser said the load finished */
        e->body_retry = rec_now() + 0.05 * e->body_tries;
        return;
    }
    e->body_pending = 0;
    if (!m->result) {
        e->body_note = arena_printf(q->a, "%s: %s", m->method, m->error);
    } else {
        size_t n;
        jv *body = jv_get(m->result, "body");
        const char *text = jv_str(body ? body : jv_get(m->result, "content"), m->a, &n);
        if (text && jv_is(jv_get(m->result, "base64Encoded"), JV_TRUE)) {
            if (maybe_text(e)) /* decoded, to be kept as text if it is UTF-8 */
                text = text_unbase64(m->a, text, n, &n);
            else /* binary: the HAR carries the browser's base64 as it came */
                e->body_base64 = 1;
        }
        size_t size = e->body_base64 ? text_base64_len(text, n) : n;
        if (text && size > MAX_BODY) {
            e->body_base64 = 0;
            e->body_note =
                arena_printf(q->a, "body of %zu bytes left out (limit %d)", size, MAX_BODY);
        } else if (text) {
            char *copy = arena_alloc(q->a, n + 1);
            memcpy(copy, text, n);
            e->body = copy;
            e->body_len = n;
        }
    }
    req_settle(r, q, 0);
}

/* Asks for the body: Network.getResponseBody, and for a document whose renderer lost it (it can
 * when the page changes process) the frame's own copy, Page.getResourceContent, every other try. */
static void ask_body(recorder *r, rec_entry *e) {
    e->body_pending = 1;
    e->body_deferred = 0;
    e->body_tries++;
    e->body_retry = 0;
    const char *session = e->req->io ? e->req->io->id : NULL;
    const char *url = json_string_value(json_object_get(e->request, "url"));
    if (e->body_tries % 2 == 0 && e->frame_id && url)
        cdp_send(r->c, session, "Page.getResourceContent",
                 json_pack("{s:s,s:s}", "frameId", e->frame_id, "url", url), on_body, r,
                 e->req->key);
    else
        cdp_send(r->c, session, "Network.getResponseBody",
                 json_pack("{s:s}", "requestId", e->req->request_id), on_body, r, e->req->key);
}

/* Whether e's body can wait for its page's load event: asking for bodies while a page loads slows
 * it down (the browser serialises each one on the page's own thread; see bench/capture), and the
 * browser keeps them for us meanwhile. Images, scripts, styles and fonts wait; so do large API
 * responses; small ones are asked for at once, so that a popup that closes at once keeps them. */
static int deferrable(recorder *r, const rec_entry *e) {
    static const char *const assets[] = {"Image", "Stylesheet", "Script",  "Font",
                                         "Media", "TextTrack",  "Manifest"};
    if (!e->type || !rec_page_loading(r, e->req->s)) return 0;
    if (strcmp(e->type, "XHR") == 0 || strcmp(e->type, "Fetch") == 0)
        return e->data_len >= DEFER_API_BYTES;
    for (size_t i = 0; i < sizeof assets / sizeof *assets; i++)
        if (strcmp(e->type, assets[i]) == 0) return 1;
    return 0;
}

void rec_release_bodies(recorder *r, const rec_page *p) {
    for (size_t i = 0; i < smap_count(r->reqs); i++) {
        rec_req *q = smap_value(r->reqs, i);
        for (size_t k = 0; q && k < q->hops.n; k++) {
            rec_entry *e = q->hops.items[k];
            if (e->body_deferred && (!p || (e->page && strcmp(e->page, p->id) == 0)))
                ask_body(r, e);
        }
    }
}

void recorder_release_bodies(recorder *r) {
    rec_release_bodies(r, NULL);
}

static void fetch_body(recorder *r, rec_entry *e) {
    int status = (int)json_integer_value(json_object_get(e->response, "status"));
    if (status == 204 || status == 304 || (status >= 100 && status < 200)) return;
    const char *method = json_string_value(json_object_get(e->request, "method"));
    if (method && strcmp(method, "HEAD") == 0) return;
    if (deferrable(r, e)) {
        e->body_pending = e->body_deferred = 1;
        e->body_retry = rec_now() + DEFER_S;
        return;
    }
    ask_body(r, e);
}

/* ---- Network events ---- */

static rec_entry *hop_new(recorder *r, rec_req *q, double wall, double ts) {
    rec_entry *e = arena_alloc(q->a, sizeof *e);
    e->req = q;
    e->resp_ts = e->end_ts = -1;
    e->encoded = -1;
    e->want_req_extra = e->want_resp_extra = 1;
    e->wall = wall;
    e->ts = ts;
    e->page = rec_pageref(r, q->s);
    pvec_push(&q->hops, e);
    q->cur = e;
    return e;
}

static void close_redirect(rec_req *q, jv *p, arena *a, const char *next_url) {
    rec_entry *e = q->cur;
    if (!e) return;
    e->response = rec_json(jv_get(p, "redirectResponse"), a);
    e->redirect_url = arena_strdup(q->a, next_url);
    e->resp_ts = e->end_ts = jv_num(jv_get(p, "timestamp"));
    e->want_resp_extra = jv_is(jv_get(p, "redirectHasExtraInfo"), JV_TRUE);
    e->closed = 1;
}

/* Opens q's next exchange: request (a Network.Request) of this type, made by frame in s, started
 * at wall (wall clock) and ts (protocol clock). A tab's main-frame document begins a page. */
static rec_entry *open_hop(recorder *r, rec_session *s, rec_req *q, jv *request, const char *type,
                           const char *frame, int redirected, double wall, double ts, arena *a) {
    if (s && type && strcmp(type, "Document") == 0 && s->type && strcmp(s->type, "page") == 0 &&
        frame && s->target_id && strcmp(frame, s->target_id) == 0) {
        if (!redirected) rec_page_begin(r, s, str_of(request, "url", a), wall, ts);
        q->main_doc = 1;
    }
    rec_entry *e = hop_new(r, q, wall, ts);
    e->request = rec_json(request, a);
    if (frame) e->frame_id = arena_strdup(q->a, frame);
    e->type = type ? arena_strdup(q->a, type) : "Other";
    take_post(r, e, request, a);
    return e;
}

static void on_request(recorder *r, rec_session *s, jv *p, arena *a) {
    jv *request = jv_get(p, "request");
    const char *url = str_of(request, "url", a);
    double wall = jv_num(jv_get(p, "wallTime")), ts = jv_num(jv_get(p, "timestamp"));
    if (wall > 0 && ts > 0) r->wall_offset = wall - ts;
    rec_req *q = req_get(r, s, str_of(p, "requestId", a), 1);
    if (!q) return; /* no requestId: not an event of a request */
    if (!recordable_url(url)) {
        q->ignored = 1;
        return;
    }
    int redirected = jv_get(p, "redirectResponse") != NULL;
    rec_entry *e = q->cur;
    if (!redirected && e && e->guessed_start && !e->closed) {
        /* the gate opened it, thinking this event lost: the real start replaces the guess */
        json_decref(e->request);
        e->request = rec_json(request, a);
        e->wall = wall;
        e->ts = ts;
        e->guessed_start = 0;
    } else {
        if (redirected) close_redirect(q, p, a, url);
        e = open_hop(r, s, q, request, str_of(p, "type", a), str_of(p, "frameId", a), redirected,
                     wall, ts, a);
    }
    json_decref(e->initiator);
    e->initiator = rec_json(jv_get(p, "initiator"), a);
    req_pair(q);
    req_settle(r, q, 0);
}

void rec_request_paused(recorder *r, rec_session *s, jv *p, arena *a) {
    const char *id = str_of(p, "networkId", a);
    jv *request = jv_get(p, "request");
    rec_req *q = id ? smap_gets(r->reqs, id) : NULL;
    if (!id || (q && (q->cur || q->hops.n || q->ignored)) ||
        !recordable_url(str_of(request, "url", a)))
        return; /* seen: its requestWillBeSent, sent as the navigation starts, came before */
    /* Network was not on in s when the navigation started: the exchange starts now, from what the
     * paused request tells; its response, body and ExtraInfo come as usual once it goes on. The
     * protocol clock is reckoned from the wall clock with the offset requestWillBeSent showed. */
    q = req_get(r, s, id, 1);
    double wall = wall_now();
    rec_entry *e = open_hop(r, s, q, request, str_of(p, "resourceType", a), str_of(p, "frameId", a),
                            0, wall, wall - r->wall_offset, a);
    e->guessed_start = 1;
    req_pair(q);
    req_settle(r, q, 0);
}

static void on_extra(recorder *r, rec_session *s, jv *p, arena *a, int response) {
    rec_req *q = req_get(r, s, str_of(p, "requestId", a), 1);
    if (!q) return; /* no requestId (found by fuzz_cdp) */
    pvec_push(response ? &q->resp_extra : &q->req_extra, rec_json(p, a));
    req_pair(q);
    req_settle(r, q, 0);
}

static void on_response(recorder *r, rec_session *s, jv *p, arena *a) {
    rec_req *q = req_get(r, s, str_of(p, "requestId", a), 0);
    if (!q || q->ignored || !q->cur) return;
    rec_entry *e = q->cur;
    json_decref(e->response);
    jv *response = jv_get(p, "response");
    e->response = rec_json(response, a);
    e->resp_ts = jv_num(jv_get(p, "timestamp"));
    const char *type = str_of(p, "type", a);
    if (type) e->type = arena_strdup(q->a, type);
    if (!jv_is(jv_get(p, "hasExtraInfo"), JV_TRUE)) e->want_resp_extra = e->want_req_extra = 0;
    if (jv_is(jv_get(response, "fromDiskCache"), JV_TRUE)) e->from_cache = "disk";
    req_pair(q);
}

static void on_data(recorder *r, rec_session *s, jv *p, arena *a) {
    rec_req *q = req_get(r, s, str_of(p, "requestId", a), 0);
    if (q && q->cur) q->cur->data_len += (long long)jv_num(jv_get(p, "dataLength"));
}

static void on_finished(recorder *r, rec_session *s, jv *p, arena *a) {
    rec_req *q = req_get(r, s, str_of(p, "requestId", a), 0);
    if (!q || q->ignored || !q->cur) return;
    rec_entry *e = q->cur;
    e->end_ts = jv_num(jv_get(p, "timestamp"));
    e->encoded = (long long)jv_num(jv_get(p, "encodedDataLength"));
    e->closed = 1;
    q->finished = 1;
    if (e->response) fetch_body(r, e);
    req_settle(r, q, 0);
}

static void on_failed(recorder *r, rec_session *s, jv *p, arena *a) {
    rec_req *q = req_get(r, s, str_of(p, "requestId", a), 0);
    if (!q || q->ignored || !q->cur) return;
    rec_entry *e = q->cur;
    e->end_ts = jv_num(jv_get(p, "timestamp"));
    const char *text = str_of(p, "errorText", a);
    const char *blocked = str_of(p, "blockedReason", a);
    e->error_text = arena_printf(q->a, "%s%s%s", text ? text : "failed",
                                 blocked ? ": blocked " : "", blocked ? blocked : "");
    e->canceled = jv_is(jv_get(p, "canceled"), JV_TRUE);
    if (!e->response) e->want_resp_extra = 0;
    if (q->main_doc && r->st.first_load < 0 && !r->st.start_error && !e->canceled) {
        /* the start page (no page has loaded yet) cannot be opened */
        snprintf(r->start_error, sizeof r->start_error, "%s", e->error_text);
        r->st.start_error = r->start_error;
        rec_progress(r, "capture", "could not open %s: %s",
                     json_string_value(json_object_get(e->request, "url")), e->error_text);
    }
    e->closed = 1;
    q->finished = 1;
    req_settle(r, q, 0);
}

static void on_cached(recorder *r, rec_session *s, jv *p, arena *a) {
    rec_req *q = req_get(r, s, str_of(p, "requestId", a), 0);
    if (q && q->cur) q->cur->from_cache = "memory";
}

/* ---- WebSocket and EventSource ---- */

static double wall_at(const rec_entry *e, double ts) {
    return e->wall > 0 ? e->wall + (ts - e->ts) : ts;
}

static void on_ws_created(recorder *r, rec_session *s, jv *p, arena *a) {
    const char *url = str_of(p, "url", a);
    rec_req *q = req_get(r, s, str_of(p, "requestId", a), 1);
    if (!q) return; /* no requestId: not an event of a request */
    if (!recordable_url(url)) {
        q->ignored = 1;
        return;
    }
    q->ws = 1;
    rec_entry *e = hop_new(r, q, jv_num(jv_get(p, "wallTime")), jv_num(jv_get(p, "timestamp")));
    e->request = json_pack("{s:s,s:s,s:{}}", "url", url, "method", "GET", "headers");
    e->initiator = rec_json(jv_get(p, "initiator"), a);
    e->type = "WebSocket";
    e->want_req_extra = e->want_resp_extra = 0;
    e->ws_messages = json_array();
}

static rec_entry *ws_entry(recorder *r, rec_session *s, jv *p, arena *a) {
    rec_req *q = req_get(r, s, str_of(p, "requestId", a), 0);
    return q && q->ws && q->cur ? q->cur : NULL;
}

static void on_ws_handshake(recorder *r, rec_session *s, jv *p, arena *a) {
    rec_entry *e = ws_entry(r, s, p, a);
    if (!e) return;
    e->wall = jv_num(jv_get(p, "wallTime"));
    e->ts = jv_num(jv_get(p, "timestamp"));
    json_object_set_new(e->request, "headers",
                        rec_json(jv_get(jv_get(p, "request"), "headers"), a));
}

static void on_ws_response(recorder *r, rec_session *s, jv *p, arena *a) {
    rec_entry *e = ws_entry(r, s, p, a);
    if (!e) return;
    json_decref(e->response);
    e->response = rec_json(jv_get(p, "response"), a);
    e->resp_ts = jv_num(jv_get(p, "timestamp"));
}

static void on_ws_frame(recorder *r, rec_session *s, jv *p, arena *a, const char *dir) {
    rec_entry *e = ws_entry(r, s, p, a);
    if (!e) return;
    jv *frame = jv_get(p, "response");
    size_t n = 0;
    const char *data = jv_str(jv_get(frame, "payloadData"), a, &n);
    json_t *msg =
        json_pack("{s:s,s:f,s:i}", "type", dir, "time", wall_at(e, jv_num(jv_get(p, "timestamp"))),
                  "opcode", (int)jv_num(jv_get(frame, "opcode")));
    json_object_set_new(msg, "data", json_stringn(data ? data : "", n));
    json_array_append_new(e->ws_messages, msg);
}

static void on_ws_closed(recorder *r, rec_session *s, jv *p, arena *a) {
    rec_req *q = req_get(r, s, str_of(p, "requestId", a), 0);
    if (!q || !q->ws || !q->cur) return;
    q->cur->end_ts = jv_num(jv_get(p, "timestamp"));
    q->cur->closed = 1;
    q->finished = 1;
    req_settle(r, q, 0);
}

static void on_sse(recorder *r, rec_session *s, jv *p, arena *a) {
    rec_req *q = req_get(r, s, str_of(p, "requestId", a), 0);
    if (!q || !q->cur) return;
    rec_entry *e = q->cur;
    if (!e->sse_messages) e->sse_messages = json_array();
    json_t *msg = json_pack("{s:f}", "time", wall_at(e, jv_num(jv_get(p, "timestamp"))));
    const char *name = str_of(p, "eventName", a), *id = str_of(p, "eventId", a);
    size_t n = 0;
    const char *data = jv_str(jv_get(p, "data"), a, &n);
    json_object_set_new(msg, "eventName", json_string(name ? name : "message"));
    json_object_set_new(msg, "eventId", json_string(id ? id : ""));
    json_object_set_new(msg, "data", json_stringn(data ? data : "", n));
    json_array_append_new(e->sse_messages, msg);
}

typedef void (*net_fn)(recorder *, rec_session *, jv *, arena *);

static const struct {
    const char *method;
    net_fn fn;
} net_events[] = {
    {"requestWillBeSent", on_request},
    {"responseReceived", on_response},
    {"dataReceived", on_data},
    {"loadingFinished", on_finished},
    {"loadingFailed", on_failed},
    {"requestServedFromCache", on_cached},
    {"webSocketCreated", on_ws_created},
    {"webSocketWillSendHandshakeRequest", on_ws_handshake},
    {"webSocketHandshakeResponseReceived", on_ws_response},
    {"webSocketClosed", on_ws_closed},
    {"eventSourceMessageReceived", on_sse},
};

void recorder_on_event(void *user, const cdp_msg *m) {
    recorder *r = user;
    if (rec_target_event(r, m)) return;
    if (strncmp(m->method, "Network.", 8) != 0) return;
    const char *name = m->method + 8;
    rec_session *s = rec_session_of(r, m->session);
    if (m->session && !s) return; /* a target we do not record */
    if (strcmp(name, "requestWillBeSentExtraInfo") == 0) return on_extra(r, s, m->params, m->a, 0);
    if (strcmp(name, "responseReceivedExtraInfo") == 0) return on_extra(r, s, m->params, m->a, 1);
    if (strcmp(name, "webSocketFrameSent") == 0) return on_ws_frame(r, s, m->params, m->a, "send");
    if (strcmp(name, "webSocketFrameReceived") == 0)
        return on_ws_frame(r, s, m->params, m->a, "receive");
    for (size_t i = 0; i < sizeof net_events / sizeof *net_events; i++)
        if (strcmp(name, net_events[i].method) == 0) return net_events[i].fn(r, s, m->params, m->a);
}

/* ---- life ---- */

recorder *recorder_new(journal *j, const rec_opts *o) {
    recorder *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->j = j;
    r->o = *o;
    r->reqs = smap_new();
    r->sessions = smap_new();
    r->st.first_paint = r->st.first_load = -1;
    /* until a requestWillBeSent tells: Chromium's protocol clock is CLOCK_MONOTONIC on Linux */
    r->wall_offset = wall_now() - rec_now();
    return r;
}

void recorder_free(recorder *r) {
    if (!r) return;
    free(r->st.tab_url);
    free(r->st.tab_title);
    for (size_t i = 0; i < smap_count(r->reqs); i++) {
        rec_req *q = smap_value(r->reqs, i);
        if (q) req_free(r, q);
    }
    smap_free(r->reqs);
    for (size_t i = 0; i < smap_count(r->sessions); i++) {
        rec_session *s = smap_value(r->sessions, i);
        for (size_t k = 0; k < s->held.n; k++)
            free(s->held.items[k]);
        pvec_free(&s->held);
        free(s->id);
        free(s->target_id);
        free(s->type);
        free(s);
    }
    smap_free(r->sessions);
    for (size_t i = 0; i < r->pages.n; i++) {
        rec_page *p = r->pages.items[i];
        free(p->title);
        free(p);
    }
    pvec_free(&r->pages);
    free(r->user_agent);
    free(r->browser_version);
    free(r->start_target);
    json_decref(r->ua_meta);
    free(r);
}

int recorder_tick(recorder *r) {
    double now = rec_now(), next = -1;
    long open = 0;
    for (size_t i = 0; i < smap_count(r->reqs); i++) {
        rec_req *q = smap_value(r->reqs, i);
        if (!q) continue;
        if (q->hops.n == 0 && now - q->born > ORPHAN_S) { /* late ExtraInfo of a written one */
            req_free(r, q);
            continue;
        }
        req_settle(r, q, 0);
        q = smap_value(r->reqs, i);
        if (q) open += (long)q->hops.n;
        for (size_t k = 0; q && k < q->hops.n; k++) {
            rec_entry *e = q->hops.items[k];
            if (e->body_retry > 0 && now >= e->body_retry) ask_body(r, e);
            double due = e->body_retry > 0 ? e->body_retry : e->grace;
            if (due > 0 && (next < 0 || due < next)) next = due;
        }
    }
    reqs_compact(r);
    if (journal_sync(r->j, &r->error) < 0) r->failed = 1;
    r->st.in_flight = open;
    return next < 0 ? -1 : (int)ceil((next - now) * 1000);
}

size_t recorder_busy(const recorder *r) {
    return r->c ? cdp_pending(r->c) : 0;
}

void recorder_flush(recorder *r, const char *why) {
    for (size_t i = 0; i < smap_count(r->reqs); i++) {
        rec_req *q = smap_value(r->reqs, i);
        if (!q) continue;
        for (size_t k = 0; k < q->hops.n; k++) {
            rec_entry *e = q->hops.items[k];
            if (!e->closed || e->post_pending || e->body_pending) e->incomplete = why;
            if (e->body_pending) e->body_note = "the capture ended before the body was read";
        }
        req_settle(r, q, 1);
    }
    reqs_compact(r);
    journal_sync(r->j, &r->error);
}

const rec_stats *recorder_stats(const recorder *r) {
    return &r->st;
}

const char *recorder_error(const recorder *r) {
    return r->failed ? r->error.message : NULL;
}
