/* capture: records what a real Chromium does into a HAR 1.2 file, over the DevTools protocol on a
 * pipe. Every finished request is appended to OUT.har.journal and flushed as it happens; the HAR
 * is written from the journal when the capture ends, and rae_capture_recover() writes it from the
 * journal of a capture that was killed. */
#ifndef RAE_CAPTURE_H
#define RAE_CAPTURE_H

#include <stddef.h>

#include "rae/err.h"
#include "rae/events.h"

typedef struct rae_capture_opts {
    const char *url;            /* opened first; NULL: a blank tab */
    const char *har_path;       /* OUT.har (required) */
    const char *vnc_socket;     /* headful on an Xvnc display serving RFB on this UNIX socket; NULL:
                                   headless */
    int cdp_port;               /* > 0: DevTools also on 127.0.0.1:PORT for automation */
    const char *control_socket; /* commands for the tab (navigate, back, ...) on this UNIX socket
                                   (see src/capture/control.h); NULL: none */
    const char *profile_dir;    /* kept between captures; NULL: a temporary profile */
    double duration;            /* seconds; 0: until stop_fd, the browser closes, ... */
    const char *chromium;       /* the browser binary; NULL: $RAE_CHROMIUM or "chromium" */
    const char *user_agent, *locale, *timezone;
    int width, height;     /* window size (0: 1280x800) */
    int stop_fd;           /* readable (a signalfd, an eventfd): end the capture; -1: none */
    rae_event_fn on_event; /* progress and errors; may be NULL */
    void *user;
} rae_capture_opts;

typedef struct rae_capture_result {
    long entries, pages;
    unsigned long long bytes; /* of the HAR written */
    const char *ended_by;     /* "signal", "duration", "browser closed", "browser exited", ... */
    double first_paint;       /* seconds from the start to the first contentful paint, -1: none */
} rae_capture_result;

/* Runs a capture to its end: 0, or -1 with err (RAE_E_INVALID for what the caller asked wrong:
 * a profile folder, a journal or control socket that cannot be made); in every case what was
 * recorded is in har_path (or, if writing it failed, in its journal). */
int rae_capture_run(const rae_capture_opts *o, rae_capture_result *res, rae_err *err);

/* The journal of a HAR path ("OUT.har.journal"), into out. */
void rae_capture_journal_path(const char *har_path, char *out, size_t n);

/* Writes har_path from its journal (a capture that did not finish), then removes the journal: 0,
 * or -1 with err (RAE_E_NOT_FOUND when there is no journal). */
int rae_capture_recover(const char *har_path, long *entries, rae_err *err);

#endif
