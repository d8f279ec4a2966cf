/* Engineer runs of rae serve: `rae engineer` run inside the caller's sprite (after a checkpoint),
 * its NDJSON events (the protocol of rae/events.h) kept in order in a run log, written to
 * DATA/runs/ID.ndjson as they come, and sent to every viewer of the run's WebSocket stream. A run
 * log lives while its process runs or a viewer reads it; a viewer of a finished run reads the
 * file. Shared by runs.c (the process, the routes) and stream.c (the WebSocket). */
#ifndef RAE_SERVER_RUNS_H
#define RAE_SERVER_RUNS_H

#include "server/api.h"
#include "util/vec.h"

typedef struct run_viewer run_viewer;

typedef struct run_log {
    char id[16];
    char sprite[RAE_STORE_SPRITE_NAME_MAX];
    long long user_id;
    pvec lines;        /* the events so far, one JSON object each (owned strings) */
    size_t kept_bytes; /* their length in all */
    int cut;           /* past what a run keeps: later lines are dropped (but its last event) */
    int last_kept;     /* ... and that one came */
    int finished;      /* no more lines will come */
    int refs;          /* the process while it runs, and each viewer */
    run_viewer *viewers;
    struct run_proc *proc; /* while the process runs (runs.c) */
    struct run_log *next;  /* in the server's list of live runs */
} run_log;

/* The run log of run id: the live one (a new reference), else one read from its file
 * (finished, referenced once), else one with a single error event made from the job's record.
 * NULL when the run is not the user's or not of that sprite. */
run_log *run_log_open(srv *s, long long user_id, const char *sprite, const char *id);
/* Drops one reference; frees the log (and unlinks it from the server's list) at the last. */
void run_log_release(srv *s, run_log *log);

/* stream.c: whether a WebSocket upgrade to a run's stream may go on (api_ws_admit, and the run
 * is the caller's in that sprite): 0, or -1 with the refusal queued on r (400, 404). */
int srv_stream_check(struct lws *wsi, srv_req *r);
/* stream.c: a viewer is told when lines come and when the log finishes. */
void run_viewers_wake(run_log *log);
size_t srv_stream_session_size(void);
int srv_stream_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                        size_t len);

/* At a start of rae serve: runs cut short by the last stop are marked so (their processes ended
 * with it); captures whose browser still runs in its sprite are kept, the others marked. */
void runs_reattach(srv *s);
/* At the stop: every live run's process is stopped and its run marked interrupted. */
void runs_stop_all(srv *s);

#endif
