/* The stream of an engineer run: a WebSocket (subprotocol "rae-events") at
 * /api/sprite/{id}/engineer/stream?run=ID. The caller is checked before the upgrade; then every
 * event of the run's log goes out as one text message, from the first (a late viewer catches up)
 * to the last (complete or error), after which the viewer closes the socket. */
#include "server/runs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct run_viewer {
    struct lws *wsi;
    srv *server;
    run_log *log; /* a reference, while attached */
    size_t next;  /* the index of the next line to send */
    int closing;  /* all was sent: waiting for the viewer to close */
    run_viewer *next_viewer;
};

void run_viewers_wake(run_log *log) {
    for (run_viewer *v = log->viewers; v; v = v->next_viewer)
        lws_callback_on_writable(v->wsi);
}

int srv_stream_check(struct lws *wsi, srv_req *r) {
    char id[128], run[64];
    caller c;
    rae_store_job job;
    if (api_ws_admit(wsi, "/engineer/stream", r, &c, id, sizeof id) < 0) return -1;
    if (srv_query(r, "run", run, sizeof run) < 0) {
        srv_error(r, 400, "bad_request", "give the run: ?run=ID");
        return -1;
    }
    if (rae_store_job_get(r->server->store, c.user.id, run, &job) == 0) {
        int found = strcmp(job.kind, "run") == 0 && strcmp(job.sprite, id) == 0;
        rae_store_job_clear(&job);
        if (found) return 0;
    }
    srv_error(r, 404, "not_found", "no run '%s' in sprite '%s'", run, id);
    return -1;
}

/* Checks the caller and finds the run's log; 0 when the upgrade may go on. */
static int admit(struct lws *wsi, run_viewer *v) {
    char id[128], run[64];
    srv_req r;
    caller c;
    if (api_ws_admit(wsi, "/engineer/stream", &r, &c, id, sizeof id) == 0 &&
        srv_query(&r, "run", run, sizeof run) == 0)
        v->log = run_log_open(r.server, c.user.id, id, run);
    v->server = lws_context_user(lws_get_context(wsi));
    srv_req_release(&r);
    return v->log ? 0 : -1;
}

static void attach(struct lws *wsi, run_viewer *v) {
    v->wsi = wsi;
    v->next_viewer = v->log->viewers;
    v->log->viewers = v;
    lws_callback_on_writable(wsi);
}

static void detach(run_viewer *v) {
    if (!v->log) return;
    for (run_viewer **p = &v->log->viewers; *p; p = &(*p)->next_viewer)
        if (*p == v) {
            *p = v->next_viewer;
            break;
        }
    run_log_release(v->server, v->log);
    v->log = NULL;
}

/* All was sent of a finished run: the viewer closes the socket (the last event says it may), or
 * the server drops it after CLOSE_WAIT_S. (Here lws_close_reason() with a -1 return drops the
 * connection without a close frame, so browsers would report 1006 for every run; a close the
 * viewer starts is a clean one.) */
#define CLOSE_WAIT_S 3
static int wait_for_close(run_viewer *v) {
    v->closing = 1;
    lws_set_timeout(v->wsi, PENDING_TIMEOUT_USER_OK, CLOSE_WAIT_S);
    return 0;
}

/* Sends the next event, or the close once all was sent of a finished run. */
static int send_next(run_viewer *v) {
    run_log *log = v->log;
    if (v->closing) return 0;
    if (v->next >= log->lines.n) return log->finished ? wait_for_close(v) : 0;
    const char *line = log->lines.items[v->next];
    size_t n = strlen(line);
    unsigned char *msg = malloc(LWS_PRE + n);
    if (!msg) abort();
    memcpy(msg + LWS_PRE, line, n);
    int w = lws_write(v->wsi, msg + LWS_PRE, n, LWS_WRITE_TEXT);
    free(msg);
    if (w < (int)n) return -1;
    v->next++;
    if (v->next < log->lines.n || log->finished) lws_callback_on_writable(v->wsi);
    return 0;
}

size_t srv_stream_session_size(void) {
    return sizeof(run_viewer);
}

int srv_stream_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len) {
    (void)in, (void)len;
    run_viewer *v = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (!v) return -1;
        memset(v, 0, sizeof *v);
        return admit(wsi, v); /* nonzero: the upgrade is refused */
    case LWS_CALLBACK_ESTABLISHED:
        attach(wsi, v);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return send_next(v);
    case LWS_CALLBACK_RECEIVE:
        return 0; /* the stream is one way: what a viewer says is ignored */
    case LWS_CALLBACK_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        if (v) detach(v);
        return 0;
    default:
        return 0;
    }
}
