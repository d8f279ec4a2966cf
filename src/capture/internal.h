/* The recorder's state between DevTools events and HAR entries (shared by recorder.c, which
 * follows the events, and entry.c, which turns a finished exchange into a HAR entry). */
#ifndef RAE_CAPTURE_INTERNAL_H
#define RAE_CAPTURE_INTERNAL_H

#include <jansson.h>
#include <stddef.h>

#include "rae/arena.h"
#include "util/json.h"
#include "util/vec.h"

typedef struct rec_page {
    char id[24];
    double wall, ts;   /* when its document request started (wall clock, protocol clock) */
    char *title;       /* owned (malloc) */
    double on_content; /* ms after the start, -1 until known */
    double on_load;
} rec_page;

typedef struct rec_session {
    char *id, *target_id, *type; /* owned (malloc) */
    struct rec_session *parent;  /* the session that attached it, NULL for top-level targets */
    rec_page *page;              /* page targets: the page now shown */
    int gone;                    /* detached */
    int ready;                   /* pages: every set-up command was answered */
    int listening;               /* Network.enable was answered: its requests are all reported */
    pvec held; /* char*: Fetch ids of its document requests paused until it listens (owned) */
} rec_session;

/* One request and its response: a HAR entry under construction. Lives in its rec_req's arena. */
typedef struct rec_entry {
    struct rec_req *req;
    json_t *request;    /* Network.Request (owned reference) */
    json_t *response;   /* Network.Response, NULL until one arrived */
    json_t *req_extra;  /* requestWillBeSentExtraInfo params: the headers really sent */
    json_t *resp_extra; /* responseReceivedExtraInfo params: the raw headers received */
    json_t *initiator;
    json_t *ws_messages, *sse_messages; /* arrays, NULL when none */
    const char *type;                   /* resource type as DevTools names it ("XHR", ...) */
    const char *frame_id;               /* the frame that made the request, NULL for workers */
    const char *page;                   /* pageref, NULL when none */
    double wall, ts;                    /* start (wall clock seconds, protocol clock seconds) */
    double resp_ts, end_ts;             /* protocol clock; -1 until known */
    const char *redirect_url;
    long long encoded; /* bytes on the wire at the end, -1 unknown */
    long long data_len;
    const char *post; /* request body bytes, NULL when none */
    size_t post_len;
    const char *post_note; /* why the request body could not be read */
    const char *body;      /* response body bytes, or their base64 when body_base64 */
    size_t body_len;
    int body_base64;       /* binary content, kept as the browser's base64 text */
    const char *body_note; /* why the response body could not be read */
    const char *error_text;
    const char *from_cache; /* "memory", "disk" or NULL */
    int canceled;
    int want_req_extra, want_resp_extra;
    int post_pending, body_pending; /* a reply is awaited (or a retry is due) */
    int body_tries;
    int body_deferred;      /* a static asset's body, asked for once its page has loaded */
    double body_retry;      /* our clock: ask for the body again then; 0: not planned */
    int guessed_start;      /* opened from Fetch.requestPaused: its requestWillBeSent was missed */
    int closed;             /* no later network event changes it */
    double grace;           /* our clock: write even without ExtraInfo after this */
    const char *incomplete; /* why it was written before it ended */
    int written;
} rec_entry;

/* A request id's chain of exchanges (redirects reuse the id), or a WebSocket. */
typedef struct rec_req {
    arena *a;  /* everything of the request; freed with it */
    char *key; /* the request id */
    const char *request_id;
    rec_session *s;  /* where it started (its page, its target type) */
    rec_session *io; /* the last session that reported on it: where its body is asked for */
    pvec hops;       /* rec_entry*, oldest first, not yet written */
    rec_entry *cur;  /* the exchange in progress (also in hops) */
    pvec req_extra, resp_extra; /* ExtraInfo params (json_t*) not yet given to an exchange */
    int ws, ignored, finished;
    int main_doc; /* a page's main-frame document */
    double born;  /* our clock */
} rec_req;

/* The recorder (recorder.h). */
#include "capture/recorder.h"
#include "util/map.h"

struct recorder {
    journal *j;
    rec_opts o;
    cdp *c;
    smap *reqs;       /* key -> rec_req*, NULL once freed */
    size_t dead;      /* freed slots in reqs */
    smap *sessions;   /* sessionId -> rec_session* */
    pvec pages;       /* rec_page*, all of them */
    char *user_agent; /* owned: what every target announces, NULL: leave the browser's */
    json_t *ua_meta;  /* Sec-CH-UA metadata for user_agent */
    char *browser_version;
    int navigated;      /* the start URL was opened */
    char *start_target; /* owned: that tab's target id */
    int header_written;
    double t0;          /* our clock at recorder_start */
    double wall_offset; /* the wall clock minus the protocol's (requestWillBeSent: wallTime -
                           timestamp) */
    double last_progress;
    rec_stats st;
    rae_err error;
    char start_error[256];
    int failed;
};

/* Our monotonic clock in seconds. */
double rec_now(void);
/* Appends {"KIND":obj} to the journal (obj borrowed); the first failure is kept in r->error. */
void rec_journal(recorder *r, const char *kind, json_t *obj);
/* Emits a progress event. */
void rec_progress(recorder *r, const char *stage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* targets.c: Target.* and Page.* events. Returns 1 when it handled m. */
int rec_target_event(recorder *r, const cdp_msg *m);
/* The session of a sessionId, NULL when unknown. */
rec_session *rec_session_of(recorder *r, const char *id);
/* The pageref for a request made in s, NULL when none. */
const char *rec_pageref(recorder *r, rec_session *s);
/* A main-frame document request started in s: a new page begins. */
void rec_page_begin(recorder *r, rec_session *s, const char *url, double wall, double ts);
/* Whether the page s belongs to is still loading. */
int rec_page_loading(recorder *r, rec_session *s);
/* Asks now for the deferred bodies of page p's static assets (every page's when p is NULL). */
void rec_release_bodies(recorder *r, const rec_page *p);
/* A document request of s's frame paused by the gate (targets.c, Fetch.requestPaused params p):
 * opens its exchange when its requestWillBeSent was missed (sent before s listened). */
void rec_request_paused(recorder *r, rec_session *s, jv *p, arena *a);
/* The network events of s can no longer come: write what it still had open. */
void rec_session_gone(recorder *r, rec_session *s);
/* Converts a parsed JSON value into jansson (new reference). */
json_t *rec_json(jv *v, arena *a);

/* The HAR entry of e (new reference). now_wall: the wall clock, for entries cut short. */
json_t *rec_entry_har(rec_entry *e);
/* The HAR page object (new reference). */
json_t *rec_page_har(const rec_page *p);
/* "2026-11-25T10:00:00.123Z" for a wall-clock time in seconds, into out. */
void rec_iso_time(double wall, char *out, size_t n);

#endif
