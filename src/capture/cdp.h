/* cdp: the Chrome DevTools Protocol over Chromium's --remote-debugging-pipe. rae writes commands
 * to the browser's fd 3 and reads replies and events from its fd 4; each message is one JSON text
 * followed by a NUL byte. Commands carry ids; each reply goes to the callback given with its
 * command, each event to the one event handler. Messages are parsed with jv into an arena that
 * lives until the handler returns. */
#ifndef RAE_CAPTURE_CDP_H
#define RAE_CAPTURE_CDP_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "rae/arena.h"
#include "rae/err.h"
#include "util/json.h"

typedef struct cdp cdp;

typedef struct cdp_msg {
    const char *method;  /* events: "Network.requestWillBeSent"; replies: the command's method */
    const char *session; /* sessionId, or NULL for the browser session */
    jv *params;          /* events */
    jv *result;          /* replies: the result, or NULL when the command failed */
    const char *error;   /* replies: the error's message when the command failed */
    const char *tag;     /* replies: the tag given with the command */
    arena *a;            /* per message: everything above lives in it */
} cdp_msg;

typedef void (*cdp_fn)(void *user, const cdp_msg *m);

/* Takes ownership of both descriptors. Events go to on_event(user, m). Caller frees. */
cdp *cdp_new(int write_fd, int read_fd, cdp_fn on_event, void *user);
void cdp_free(cdp *c);

/* Sends method with params (taken over; NULL for {}) in session (NULL: the browser). The reply
 * goes to on_reply(user, m) with m->tag a copy of tag (may be NULL); on_reply may be NULL.
 * Returns the command id, or -1 when the pipe is closed. */
long cdp_send(cdp *c, const char *session, const char *method, json_t *params, cdp_fn on_reply,
              void *user, const char *tag);

/* Reads what the browser has written and dispatches every whole message. Returns 0, 1 at the end
 * of the stream (the browser exited), or -1 on a read error or a malformed message (err filled). */
int cdp_read(cdp *c, rae_err *err);

/* Copies every message, both ways, to trace (cut to 400 bytes each); NULL: none. */
void cdp_trace(cdp *c, FILE *trace);

/* The session was detached: its commands will not be answered. Each one still waiting gets its
 * reply now, as a failure (m->error says why), and stops counting as pending. */
void cdp_session_gone(cdp *c, const char *session);

/* The descriptor to poll for input. */
int cdp_fd(const cdp *c);
/* Commands sent whose reply has not arrived. */
size_t cdp_pending(const cdp *c);
/* Bytes read from the browser so far. */
unsigned long long cdp_bytes_read(const cdp *c);

#endif
