/* recorder: follows the DevTools events of every target of a browser (pages, out-of-process
 * iframes, workers, service workers, new tabs and popups) and appends each finished request to a
 * journal as a HAR entry: real headers and cookies from the ExtraInfo events (paired per request
 * whatever order they arrive in), request and response bodies, redirects, failures, timings,
 * WebSocket frames and EventSource messages. */
#ifndef RAE_CAPTURE_RECORDER_H
#define RAE_CAPTURE_RECORDER_H

#include "capture/cdp.h"
#include "capture/journal.h"
#include "rae/err.h"
#include "rae/events.h"

typedef struct rec_opts {
    const char *start_url;  /* opened in the first tab once it is recorded; NULL: none */
    int headless;           /* the user agent's "HeadlessChrome" becomes "Chrome" */
    const char *user_agent; /* NULL: the browser's own */
    const char *locale;     /* "de-DE": Accept-Language and Intl; NULL: the browser's */
    const char *timezone;   /* "Europe/Berlin"; NULL: the browser's */
    int shared;             /* other DevTools clients may attach (--cdp-port): they can let a new
                               tab run before rae listens in it, so its documents wait for rae */
    rae_event_fn on_event;  /* progress and errors; may be NULL */
    void *user;
} rec_opts;

typedef struct rec_stats {
    long entries, pages, in_flight;
    long open_tabs;           /* page targets open now */
    int had_tab;              /* one was open at some point */
    unsigned long long bytes; /* journal bytes */
    double first_paint;       /* seconds from recorder_start to the first contentful paint, or -1 */
    double first_load;        /* ... to the first page's load event, or -1 */
    const char *start_error;  /* the start URL could not be opened: net::ERR_..., else NULL */
    char *tab_url, *tab_title; /* of the tab that changed last (the one in use): owned, or NULL */
} rec_stats;

/* o and its strings are borrowed for the recorder's life; the journal too. Caller frees. */
typedef struct recorder recorder;
recorder *recorder_new(journal *j, const rec_opts *o);
void recorder_free(recorder *r);

/* The cdp event handler; pass r as its user. */
void recorder_on_event(void *r, const cdp_msg *m);
/* Starts recording over c (borrowed): asks for the browser's version, attaches to every target. */
void recorder_start(recorder *r, cdp *c);
/* Writes the entries that waited long enough for late events. Returns the milliseconds until the
 * next such deadline, or -1 when none is pending. */
int recorder_tick(recorder *r);
/* Drives the tab a person looks at: op "navigate" (to url), "back", "forward" or "reload".
 * 0 when sent; -1 and err when there is no tab or op is unknown. */
int recorder_page_command(recorder *r, const char *op, const char *url, rae_err *err);
/* Asks now for every body still held back until its page loaded (at the end of a capture). */
void recorder_release_bodies(recorder *r);
/* Commands sent whose reply is awaited (bodies being fetched, ...). */
size_t recorder_busy(const recorder *r);
/* Writes every exchange still open, marked `_incomplete` with why. */
void recorder_flush(recorder *r, const char *why);
const rec_stats *recorder_stats(const recorder *r);
/* The first journal error (disk full, ...), or NULL. Recording stops writing after one. */
const char *recorder_error(const recorder *r);

#endif
