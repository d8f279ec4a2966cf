/* Engineer runs (runs.h): POST /api/sprite/{id}/engineer/run checks the HAR and checkpoints the
 * sprite on a worker thread, then starts `rae engineer HAR -o /workspace/scripts/RUN
 * --json-stream` in it (on a worker too: starting a sandbox may wake the sprite); its stdout is
 * read on the event loop without blocking, line by line, into the run's log. What a run keeps is
 * capped (RUN_KEEP_BYTES, RUN_KEEP_LINES, RUN_LINE_MAX): the sprite decides what it prints. */
#include "server/runs.h"
#include "server/llm.h"
#include "server/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define HAR_PATH_MAX 1024
#define PROMPT_MAX 4000
#define RUN_KEEP_BYTES (16u << 20) /* of events kept per run, in memory and in its file */
#define RUN_KEEP_LINES 50000       /* events kept per run */
#define RUN_LINE_MAX (4u << 20)    /* a longer line of output is dropped (a code event is a file) */
#define RUN_FILES_KEPT 50          /* runs of a sprite whose events are kept */

typedef struct run_proc {
    rae_sprite_proc p;   /* as started on a worker thread; pid -1 while none runs */
    srv_proc *watch;     /* then watched on the loop (p is handed to it); NULL when not */
    buf partial;         /* output not yet a whole line */
    size_t dropping;     /* bytes of an overlong line dropped so far (0: none) */
    int file;            /* DATA/runs/ID.ndjson, appended to */
    int terminal;        /* a complete or error event came */
    int recorded;        /* the job has its outcome */
    int replay;          /* run replay.py once the files are written */
    int replaying;       /* the output read now is replay.py's */
    char *held;          /* the engineer's complete event, held back while replay.py runs (owned) */
    long passed, failed; /* replay.py's last line; -1 unknown */
    long skipped;        /* and the steps it skipped (a body the HAR lacks, a value it needed) */
    long endpoints;      /* from the "endpoints" progress; -1 none */
    json_t *files;       /* from the complete event */
    char error[640];     /* from the error event, or why it failed */
    srv *server;
    char har[HAR_PATH_MAX + 16];
    rae_checkpoint k;
    int ck_rc, exec_rc; /* the checkpoint before it, the start of rae engineer */
    rae_err ck_err;
    /* an AI run (rae engineer --prompt), its model reached through the run's gateway */
    int ai;
    int resume;        /* a follow-up: --continue from the run's transcript */
    int no_checkpoint; /* (a follow-up: the run's first process made one) */
    int cancelled;     /* POST .../cancel ended it */
    char *prompt;      /* owned: what this process answers */
    char *from_dir;    /* owned, or NULL: the scripts of an earlier run to start from */
    double max_cost;   /* USD, for --max-cost */
    llm_choice choice; /* whose key and which model (the gateway takes the key) */
    struct llm_gate *gate;
    char inside[160]; /* the gateway's socket, as the sprite sees it */
    rae_usage base;   /* the run's usage before this process: usage events are the run's */
} run_proc;

static void runs_dir(const srv *s, char *out, size_t n) {
    snprintf(out, n, "%s/runs", s->data_dir);
}

static void run_file(const srv *s, const char *id, char *out, size_t n) {
    snprintf(out, n, "%s/runs/%s.ndjson", s->data_dir, id);
}

/* ---- the log ---- */

static run_log *log_new(const char *id, const char *sprite, long long user_id) {
    run_log *log = calloc(1, sizeof *log);
    if (!log) abort();
    snprintf(log->id, sizeof log->id, "%s", id);
    snprintf(log->sprite, sizeof log->sprite, "%s", sprite);
    log->user_id = user_id;
    log->refs = 1;
    return log;
}

/* Appends line to the run's event file. */
static void log_write(run_log *log, const char *line) {
    run_proc *rp = log->proc;
    if (!rp || rp->file < 0) return;
    size_t n = strlen(line);
    if (write(rp->file, line, n) != (ssize_t)n || write(rp->file, "\n", 1) != 1)
        lwsl_warn("run %s: cannot append to its event file: %s\n", log->id, strerror(errno));
}

static void log_keep(run_log *log, const char *line) {
    char *copy = strdup(line);
    if (!copy) abort();
    pvec_push(&log->lines, copy);
    log->kept_bytes += strlen(line) + 1;
    log_write(log, line);
}

static int is_terminal(const char *line);

/* Adds one event (a JSON object's text, copied) and tells the viewers. Past RUN_KEEP_BYTES or
 * RUN_KEEP_LINES one event says the output was cut, and only one more is kept after it: the first
 * complete or error event (a run has one). */
static void log_add(run_log *log, const char *line) {
    size_t n = strlen(line) + 1;
    if (!log->cut && (log->kept_bytes + n > RUN_KEEP_BYTES || log->lines.n + 1 >= RUN_KEEP_LINES)) {
        log->cut = 1;
        char msg[200];
        snprintf(msg, sizeof msg,
                 "{\"type\":\"progress\",\"stage\":\"log\",\"message\":\"the output is cut "
                 "here: a run keeps %u MB and %d events\",\"done\":0,\"total\":0}",
                 RUN_KEEP_BYTES >> 20, RUN_KEEP_LINES);
        log_keep(log, msg);
    }
    if (log->cut && (log->last_kept || !is_terminal(line))) return;
    log->last_kept = log->cut;
    log_keep(log, line);
    run_viewers_wake(log);
}

static void log_add_json(run_log *log, json_t *ev) {
    char *text = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    if (text) log_add(log, text);
    free(text);
}

static void log_progress(run_log *log, const char *stage, const char *message) {
    log_add_json(log, json_pack("{s:s,s:s,s:s,s:i,s:i}", "type", "progress", "stage", stage,
                                "message", message, "done", 0, "total", 0));
}

void run_log_release(srv *s, run_log *log) {
    if (!log || --log->refs > 0) return;
    for (run_log **p = &s->runs; *p; p = &(*p)->next)
        if (*p == log) {
            *p = log->next;
            break;
        }
    for (size_t i = 0; i < log->lines.n; i++)
        free(log->lines.items[i]);
    pvec_free(&log->lines);
    free(log);
}

static run_log *live_run(srv *s, const char *id) {
    for (run_log *log = s->runs; log; log = log->next)
        if (strcmp(log->id, id) == 0) return log;
    return NULL;
}

/* 1 when the line is a complete or error event. */
static int is_terminal(const char *line) {
    return strstr(line, "\"type\":\"complete\"") || strstr(line, "\"type\":\"error\"");
}

/* A finished run from its file; an error event from the job when the file does not end with a
 * complete or error event (the run was cut short, or ran before rae kept event files). */
static run_log *log_from_file(srv *s, const rae_store_job *job) {
    run_log *log = log_new(job->id, job->sprite, job->user_id);
    log->finished = 1;
    char path[4200], *line = NULL;
    size_t cap = 0;
    run_file(s, job->id, path, sizeof path);
    FILE *f = fopen(path, "re");
    ssize_t n;
    while (f && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n') line[n - 1] = 0;
        if (*line) log_add(log, line);
    }
    free(line);
    if (f) fclose(f);
    int ended = 0;
    for (size_t i = 0; i < log->lines.n; i++)
        ended |= is_terminal(log->lines.items[i]);
    if (!ended) {
        int gone = !f && strcmp(job->status, "complete") == 0; /* pruned (RUN_FILES_KEPT) */
        const char *why = strcmp(job->status, "running") == 0 ? "the run is starting"
                          : gone ? "the run's events are no longer kept (only the newest runs' are)"
                          : job->error && *job->error ? job->error
                                                      : "the run left no events";
        log_add_json(log, json_pack("{s:s,s:s,s:s}", "type", "error", "kind",
                                    gone ? "gone" : "interrupted", "message", why));
    }
    return log;
}

run_log *run_log_open(srv *s, long long user_id, const char *sprite, const char *id) {
    rae_store_job job;
    if (rae_store_job_get(s->store, user_id, id, &job) < 0) return NULL;
    run_log *log = NULL;
    if (strcmp(job.kind, "run") == 0 && strcmp(job.sprite, sprite) == 0) {
        log = live_run(s, id);
        if (log)
            log->refs++;
        else
            log = log_from_file(s, &job);
    }
    rae_store_job_clear(&job);
    return log;
}

/* ---- the process ---- */

/* The outcome into the run's job, once: as soon as the last event came (a viewer may ask for the
 * record right after it), or when the process ended without one. */
static void record(run_log *log) {
    run_proc *rp = log->proc;
    if (rp->recorded) return;
    rp->recorded = 1;
    int ok = rp->files != NULL && !rp->error[0];
    const char *status = rp->cancelled ? "cancelled" : ok ? "complete" : "error";
    json_t *patch = json_pack("{s:O*}", "files", rp->files);
    if (rp->endpoints >= 0) json_object_set_new(patch, "endpoints", json_integer(rp->endpoints));
    if (rp->k.id[0]) json_object_set_new(patch, "checkpoint", json_string(rp->k.id));
    if (rp->passed >= 0)
        json_object_set_new(patch, "replay",
                            json_pack("{s:I,s:I,s:I}", "passed", (json_int_t)rp->passed, "failed",
                                      (json_int_t)rp->failed, "skipped", (json_int_t)rp->skipped));
    char *text = json_dumps(patch, JSON_COMPACT);
    rae_store_job_update(rp->server->store, log->id, status, ok ? "" : rp->error, text, NULL);
    free(text);
    json_decref(patch);
}

static int str_is(const json_t *v, const char *s) {
    const char *t = json_string_value(v);
    return t && strcmp(t, s) == 0;
}

/* The files of a complete event joined to the run's (a follow-up adds to what the run made). */
static void add_files(run_proc *rp, json_t *files) {
    if (!rp->files) rp->files = json_array();
    size_t i, k;
    json_t *f, *g;
    json_array_foreach(files, i, f) {
        int have = 0;
        json_array_foreach(rp->files, k, g) have |= json_equal(f, g);
        if (!have) json_array_append(rp->files, f);
    }
}

/* A usage event of a follow-up's process made the run's: what earlier processes used added. */
static void add_base_usage(const run_proc *rp, json_t *ev) {
    static const char *const names[] = {"input_tokens", "output_tokens", "cache_read_tokens",
                                        "cache_write_tokens"};
    const long long base[] = {rp->base.input_tokens, rp->base.output_tokens,
                              rp->base.cache_read_tokens, rp->base.cache_write_tokens};
    for (size_t i = 0; i < 4; i++)
        json_object_set_new(
            ev, names[i],
            json_integer(json_integer_value(json_object_get(ev, names[i])) + base[i]));
    json_t *cost = json_object_get(ev, "cost_usd");
    if (json_is_number(cost))
        json_object_set_new(ev, "cost_usd", json_real(json_number_value(cost) + rp->base.cost_usd));
}

/* What one line of output says about the run; lines that are not events become "log" progress. */
static void take_line(run_log *log, char *line) {
    run_proc *rp = log->proc;
    if (rp->replaying) { /* replay.py: one step per line, "N passed, N failed, N skipped" last */
        long passed, failed, skipped;
        int end = -1;
        if (sscanf(line, "%ld passed, %ld failed, %ld skipped%n", &passed, &failed, &skipped,
                   &end) == 3 &&
            end >= 0 && line[end] == '\0' && passed >= 0 && failed >= 0 && skipped >= 0)
            rp->passed = passed, rp->failed = failed, rp->skipped = skipped;
        else if (*line)
            log_progress(log, "replay", line);
        return;
    }
    if (log->cut && !is_terminal(line)) return; /* nothing more is kept: not even parsed */
    json_t *ev = json_loads(line, 0, NULL);
    const char *type = json_string_value(json_object_get(ev, "type"));
    if (!type) { /* its stderr: after the terminal event, it only says that again */
        json_decref(ev);
        if (*line && !rp->terminal) log_progress(log, "log", line);
        return;
    }
    if (strcmp(type, "complete") == 0 && rp->replay && !rp->held) {
        rp->held = strdup(line); /* said once replay.py has run */
        json_decref(ev);
        return;
    } else if (strcmp(type, "complete") == 0) {
        rp->terminal = 1;
        add_files(rp, json_object_get(ev, "files"));
    } else if (strcmp(type, "error") == 0) {
        rp->terminal = 1;
        const char *msg = json_string_value(json_object_get(ev, "message"));
        snprintf(rp->error, sizeof rp->error, "%s", msg ? msg : "the engineer failed");
    } else if (strcmp(type, "progress") == 0 && str_is(json_object_get(ev, "stage"), "endpoints") &&
               json_integer_value(json_object_get(ev, "total")) > 0) {
        rp->endpoints = (long)json_integer_value(json_object_get(ev, "done"));
    } else if (strcmp(type, "usage") == 0 && rp->base.answers > 0) {
        add_base_usage(rp, ev);
        if (rp->terminal) record(log);
        log_add_json(log, ev);
        return;
    }
    json_decref(ev);
    if (rp->terminal) record(log); /* before the viewers hear of it */
    log_add(log, line);
}

/* The run ended (status: its exit status, -1 when it never started): the job is updated, the log
 * finished, and the process' reference dropped. */
static void run_finished(run_log *log, int status) {
    run_proc *rp = log->proc;
    srv *s = rp->server;
    if (rp->cancelled && !rp->terminal)
        snprintf(rp->error, sizeof rp->error, "cancelled: what the run wrote is kept");
    if (!rp->terminal) {
        if (!rp->error[0])
            snprintf(rp->error, sizeof rp->error, "rae engineer ended with status %d", status);
        log_add_json(log, json_pack("{s:s,s:s,s:s}", "type", "error", "kind",
                                    rp->cancelled ? "cancelled" : "exit", "message", rp->error));
    }
    record(log);
    llm_gate_close(s, rp->gate);
    llm_choice_clear(&rp->choice);
    free(rp->prompt);
    free(rp->from_dir);
    json_decref(rp->files);
    free(rp->held);
    buf_free(&rp->partial);
    if (rp->file >= 0) close(rp->file);
    if (rp->p.out_fd >= 0) close(rp->p.out_fd);
    free(rp);
    log->proc = NULL;
    __atomic_store_n(&log->finished, 1, __ATOMIC_RELEASE); /* cancel_wait reads it */
    run_viewers_wake(log);
    run_log_release(s, log);
}

static void start_replay(run_log *log);
static void replay_done(run_log *log, int status);

/* The engineer's files are written, whatever replay.py said: its complete event now. */
static void finish_run(run_log *log, int status) {
    run_proc *rp = log->proc;
    if (rp->held) {
        rp->replaying = 0;
        take_line(log, rp->held);
    }
    run_finished(log, status);
}

/* The process of the run has ended with status: replay.py next, or the end. */
static void process_ended(run_log *log, int status) {
    run_proc *rp = log->proc;
    if (rp->replaying) {
        replay_done(log, status);
        finish_run(log, 0);
    } else if (rp->held && status == 0) {
        start_replay(log); /* finish_run follows it */
    } else {
        finish_run(log, status);
    }
}

/* Splits what came into lines for take_line; a line past RUN_LINE_MAX is dropped whole (and said
 * once, while the run keeps events). */
static void take_output(run_log *log, const char *chunk, size_t n) {
    run_proc *rp = log->proc;
    for (const char *p = chunk, *end = chunk + n; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        if (rp->dropping) {
            rp->dropping += len;
        } else if (rp->partial.len + len > RUN_LINE_MAX) {
            char msg[128];
            snprintf(msg, sizeof msg, "a line of output longer than %u MB was dropped",
                     RUN_LINE_MAX >> 20);
            log_progress(log, "log", msg);
            rp->dropping = rp->partial.len + len;
            buf_reset(&rp->partial);
        } else {
            buf_append(&rp->partial, p, len);
        }
        if (!nl) break;
        if (!rp->dropping) take_line(log, (char *)buf_str(&rp->partial));
        buf_reset(&rp->partial);
        rp->dropping = 0;
        p = nl + 1;
    }
}

static void on_chunk(void *ud, const char *data, size_t n) {
    take_output(ud, data, n);
}

/* The process has ended and its output is read: the last line without a newline is taken too. */
static void on_ended(void *ud, int status) {
    run_log *log = ud;
    run_proc *rp = log->proc;
    rp->watch = NULL;
    if (rp->partial.len && !rp->dropping) take_line(log, (char *)buf_str(&rp->partial));
    buf_reset(&rp->partial);
    rp->dropping = 0;
    process_ended(log, status);
}

/* Watches the process just started (rp->p) on the loop: its output, then its end. 0, or -1 with
 * err when the loop cannot (the process is killed then). */
static int attach_output(run_log *log, rae_err *err) {
    run_proc *rp = log->proc;
    rp->watch = srv_proc_watch(rp->server->loop, &rp->p, on_chunk, on_ended, log, err);
    if (rp->watch) return 0;
    kill(rp->p.pid, SIGKILL);
    rae_sprite_proc_wait(&rp->p, 1, NULL); /* killed: the wait is short */
    return -1;
}

/* Kills the run's process, whether it is watched yet or only started. */
static void kill_process(run_proc *rp) {
    if (rp->watch)
        srv_proc_kill(rp->watch, SIGKILL);
    else if (rp->p.pid > 0)
        kill(rp->p.pid, SIGKILL);
}

/* Starts argv in the sprite (in dir cwd, NULL: /workspace) into rp->p: on a worker thread, as
 * starting a sandbox may wake the sprite. 0, or -1 with err. */
static int exec_in_sprite(run_log *log, const char *const *argv, const char *cwd, rae_err *err) {
    run_proc *rp = log->proc;
    /* no __pycache__ left among the scripts by replay.py */
    const char *env[] = {"PYTHONDONTWRITEBYTECODE=1", NULL};
    rae_sprite_exec_opts o = {.argv = argv, .cwd = cwd, .env = env, .merge_stderr = 1};
    return rae_sprite_exec(rp->server->sprites, log->sprite, &o, &rp->p, err);
}

/* replay.py of the run, against the captured site, from inside the sprite. */
typedef struct replay_job {
    run_log *log;
    int rc;
    rae_err err;
} replay_job;

static void replay_work(void *arg) {
    replay_job *j = arg;
    char dir[128];
    snprintf(dir, sizeof dir, "/workspace/scripts/%s", j->log->id);
    const char *argv[] = {"python3", "replay.py", NULL};
    j->rc = exec_in_sprite(j->log, argv, dir, &j->err);
}

static void replay_started(srv_req *r, void *arg) {
    (void)r;
    replay_job *j = arg;
    run_log *log = j->log;
    run_proc *rp = log->proc;
    if (j->rc == 0 && rp->server->stopping) { /* runs_stop_all has been: this one ends too */
        kill(rp->p.pid, SIGKILL);
        rae_sprite_proc_wait(&rp->p, 1, NULL);
        close(rp->p.out_fd);
        rp->p.out_fd = -1;
        snprintf(rp->error, sizeof rp->error, "interrupted: the server stopped");
        run_finished(log, -1);
    } else if (j->rc < 0 || attach_output(log, &j->err) < 0) {
        char msg[700];
        snprintf(msg, sizeof msg, "replay.py did not start: %s", j->err.message);
        log_progress(log, "replay", msg);
        finish_run(log, 0); /* the run itself went well */
    }
    free(j);
}

static void start_replay(run_log *log) {
    run_proc *rp = log->proc;
    log_progress(log, "replay", "replaying the capture through the client against the site");
    rp->replaying = 1;
    replay_job *j = calloc(1, sizeof *j);
    if (!j) abort();
    j->log = log;
    char owner[SRV_OWNER_MAX];
    snprintf(owner, sizeof owner, "user:%lld", log->user_id);
    srv_background(rp->server, owner, replay_work, replay_started, j);
}

/* The replay's result as one event: done = passed, total = every step (passed + failed +
 * skipped). */
static void replay_done(run_log *log, int status) {
    run_proc *rp = log->proc;
    char msg[128];
    if (rp->passed < 0) {
        snprintf(msg, sizeof msg, "replay.py ended with status %d and no result", status);
        log_progress(log, "replay", msg);
        return;
    }
    snprintf(msg, sizeof msg, "%ld passed, %ld failed, %ld skipped", rp->passed, rp->failed,
             rp->skipped);
    log_add_json(log, json_pack("{s:s,s:s,s:s,s:I,s:I}", "type", "progress", "stage", "replay",
                                "message", msg, "done", (json_int_t)rp->passed, "total",
                                (json_int_t)(rp->passed + rp->failed + rp->skipped)));
}

/* ---- the routes ---- */

/* rae engineer's command line for an AI run (strings in the caller's buffers). */
static void ai_argv(run_log *log, const char **argv, char *base_url, size_t bn, char *cost,
                    size_t cn) {
    run_proc *rp = log->proc;
    size_t n = 6; /* after rae engineer HAR -o OUT --json-stream */
    snprintf(base_url, bn, "unix:%s", rp->inside);
    snprintf(cost, cn, "%.4f", rp->max_cost);
    const char *more[] = {
        "--prompt",       rp->prompt,   "--provider", rp->choice.provider, "--model",
        rp->choice.model, "--base-url", base_url,     "--max-cost",        cost,
        "--allow-run"};
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        argv[n++] = more[i];
    if (rp->resume) argv[n++] = "--continue";
    if (rp->from_dir) argv[n++] = "--from", argv[n++] = rp->from_dir;
    argv[n] = NULL;
}

/* On a worker thread: the checkpoint before the run (not before a follow-up), the gateway of an
 * AI run, then rae engineer started in the sprite. */
static void checkpoint_work(void *arg) {
    run_log *log = arg;
    run_proc *rp = log->proc;
    char comment[64], out[128], base_url[200], cost[32];
    snprintf(comment, sizeof comment, "before engineer run %s", log->id);
    if (!rp->no_checkpoint)
        rp->ck_rc = rae_sprite_checkpoint(rp->server->sprites, log->sprite, comment, 1, &rp->k,
                                          &rp->ck_err);
    if (rp->ck_rc < 0) return;
    snprintf(out, sizeof out, "/workspace/scripts/%s", log->id);
    const char *argv[24] = {"rae", "engineer", rp->har, "-o", out, "--json-stream", NULL};
    rae_err err;
    if (rp->ai) {
        rp->gate = llm_gate_open(rp->server, log->sprite, log->id, log->user_id, &rp->choice,
                                 rp->inside, sizeof rp->inside, &err);
        if (!rp->gate) {
            rp->exec_rc = -1;
            snprintf(rp->error, sizeof rp->error, "%s", err.message);
            return;
        }
        ai_argv(log, argv, base_url, sizeof base_url, cost, sizeof cost);
    }
    rp->exec_rc = exec_in_sprite(log, argv, NULL, &err);
    if (rp->exec_rc < 0) snprintf(rp->error, sizeof rp->error, "%s", err.message);
}

static void checkpoint_done(srv_req *r, void *arg) {
    run_log *log = arg;
    run_proc *rp = log->proc;
    char msg[128], scripts[128], stream[512];
    if (rp->gate) llm_gate_attach(rp->server, rp->gate); /* run_finished closes it */
    if (rp->server->stopping) {
        if (rp->ck_rc == 0 && rp->exec_rc == 0) {
            kill(rp->p.pid, SIGKILL);
            rae_sprite_proc_wait(&rp->p, 1, NULL);
        }
        snprintf(rp->error, sizeof rp->error, "interrupted: the server stopped");
        srv_error(r, 503, "stopping", "the server is stopping");
        run_finished(log, -1);
        return;
    }
    if (rp->ck_rc < 0) {
        snprintf(rp->error, sizeof rp->error, "checkpoint before the run failed: %s",
                 rp->ck_err.message);
        srv_error(r, 500, "checkpoint_failed", "%s", rp->error);
        run_finished(log, -1);
        return;
    }
    snprintf(msg, sizeof msg, "checkpoint %s made", rp->k.id);
    if (!rp->no_checkpoint) log_progress(log, "checkpoint", msg);
    rae_err err;
    if (rp->exec_rc == 0 && attach_output(log, &err) < 0) {
        snprintf(rp->error, sizeof rp->error, "%s", err.message);
        rp->exec_rc = -1;
    }
    if (rp->exec_rc < 0) {
        srv_error(r, 503, "sprite_failed", "%s", rp->error);
        run_finished(log, -1);
        return;
    }
    if (rp->cancelled) kill_process(rp); /* asked while it started */
    log_progress(log, "start", "rae engineer started");
    snprintf(scripts, sizeof scripts, "/workspace/scripts/%s", log->id);
    snprintf(stream, sizeof stream, "/api/sprite/%s/engineer/stream?run=%s", log->sprite, log->id);
    srv_json(r, 202,
             json_pack("{s:s,s:s,s:s,s:b}", "runId", log->id, "scriptsDir", scripts, "streamUrl",
                       stream, "ai", rp->ai));
}

/* A run asked for: the HAR is looked for in the sprite (on a worker thread) before it starts. */
typedef struct run_ask {
    rae_sprites *sprites; /* borrowed from the server */
    long long user_id;
    char sprite[RAE_STORE_SPRITE_NAME_MAX];
    char har[HAR_PATH_MAX + 16];
    char *prompt;       /* owned, may be NULL */
    char from_run[16];  /* "" or the run whose scripts it starts from */
    int replay, rc, ai; /* ai: a model is configured and it has a prompt */
    llm_choice choice;
    double max_cost;
    rae_err err;
} run_ask;

static void free_ask(run_ask *a) {
    llm_choice_clear(&a->choice);
    free(a->prompt);
    free(a);
}

static void har_work(void *arg) {
    run_ask *a = arg;
    int fd = rae_sprite_file_open(a->sprites, a->sprite, a->har, &a->err);
    a->rc = fd < 0 ? -1 : 0;
    if (fd >= 0) close(fd);
}

/* The run of the sprite still going, or NULL. */
static run_log *run_going(srv *s, const char *sprite) {
    for (run_log *log = s->runs; log; log = log->next)
        if (strcmp(log->sprite, sprite) == 0 && !log->finished) return log;
    return NULL;
}

/* The event files of a sprite's runs beyond the newest RUN_FILES_KEPT are removed: each is capped,
 * but a user may run again and again (the records stay; their events are said to be gone). */
static void prune_run_files(srv *s, const char *sprite) {
    rae_store_job *jobs;
    size_t n;
    if (rae_store_job_list(s->store, 0, sprite, "run", 0, &jobs, &n) < 0) return;
    for (size_t i = RUN_FILES_KEPT; i < n; i++) {
        char path[4200];
        run_file(s, jobs[i].id, path, sizeof path);
        unlink(path);
    }
    rae_store_jobs_free(jobs, n);
}

/* A process state for log (appending to its event file), linked into the server's live runs. */
static run_proc *proc_new(srv *s, run_log *log, const char *har) {
    char dir[4200], path[4200];
    run_proc *rp = log->proc = calloc(1, sizeof *rp);
    if (!rp) abort();
    rp->server = s;
    rp->endpoints = -1;
    rp->passed = rp->failed = -1;
    rp->p.pid = -1;
    rp->p.out_fd = rp->p.in_fd = rp->p.err_fd = -1;
    snprintf(rp->har, sizeof rp->har, "%s", har);
    runs_dir(s, dir, sizeof dir);
    mkdir(dir, 0700);
    run_file(s, log->id, path, sizeof path);
    rp->file = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (rp->file < 0) lwsl_warn("run %s: cannot write %s: %s\n", log->id, path, strerror(errno));
    if (!live_run(s, log->id)) {
        log->next = s->runs;
        s->runs = log;
    }
    return rp;
}

/* What the person said, as the run's event. */
static void log_person(run_log *log, const char *text) {
    log_add_json(log, json_pack("{s:s,s:s,s:s}", "type", "message", "role", "user", "text", text));
}

/* The AI part of a process from what was asked (the key moves). */
static void proc_ai(run_proc *rp, run_ask *a) {
    rp->ai = a->ai;
    if (!a->ai) return;
    rp->choice = a->choice;
    a->choice.key = NULL;
    rp->prompt = strdup(a->prompt);
    rp->max_cost = a->max_cost;
    if (*a->from_run) {
        char dir[64];
        snprintf(dir, sizeof dir, "/workspace/scripts/%s", a->from_run);
        rp->from_dir = strdup(dir);
    }
}

/* A new job and its live log with the process state; NULL with a response queued. */
static run_log *new_run(srv_req *r, run_ask *a) {
    rae_err err;
    json_t *detail =
        json_pack("{s:s,s:s*,s:b}", "har_path", a->har, "prompt", a->prompt, "ai", a->ai);
    if (a->ai) json_object_set_new(detail, "model", json_string(a->choice.model));
    if (*a->from_run) json_object_set_new(detail, "from_run", json_string(a->from_run));
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    rae_store_job job;
    int rc = rae_store_job_add(r->server->store, "run", a->user_id, a->sprite, text, &job, &err);
    free(text);
    if (rc < 0) {
        srv_error(r, 500, "internal", "%s", err.message);
        return NULL;
    }
    char patch[128];
    snprintf(patch, sizeof patch, "{\"scripts_dir\":\"/workspace/scripts/%s\"}", job.id);
    rae_store_job_update(r->server->store, job.id, NULL, NULL, patch, NULL);
    run_log *log = log_new(job.id, a->sprite, a->user_id);
    rae_store_job_clear(&job);
    prune_run_files(r->server, a->sprite);
    run_proc *rp = proc_new(r->server, log, a->har);
    rp->replay = a->replay;
    proc_ai(rp, a);
    if (rp->ai) log_person(log, a->prompt);
    return log;
}

static void har_done(srv_req *r, void *arg) {
    run_ask *a = arg;
    run_log *going = run_going(r->server, a->sprite), *log = NULL;
    if (a->rc < 0) {
        int bad = a->err.code == RAE_E_INVALID;
        srv_error(r, bad ? 400 : 404, bad ? "bad_path" : "not_found", "%s", a->err.message);
    } else if (going) { /* one asked at the same time started first */
        srv_error(r, 409, "run_running", "run %s is still going in sprite '%s'", going->id,
                  a->sprite);
    } else if (!r->server->stopping && (log = new_run(r, a))) {
        log_progress(log, "checkpoint", "checkpointing the sprite before the run");
        srv_defer(r, checkpoint_work, checkpoint_done, log); /* the same request waits on */
    } else if (!log && r->server->stopping) {
        srv_error(r, 503, "stopping", "the server is stopping");
    }
    free_ask(a);
}

#define MAX_COST_PER_ANSWER 5.0 /* USD: what answering one message of the person may cost */

/* Whether the caller may start an AI process now: 0 with a->choice, a->max_cost and a->ai set;
 * 1 when no model is configured (why says so); -1 with a response queued (402, 429, 400). */
static int ai_admit(srv_req *r, long long user_id, const char *model, run_ask *a, rae_err *why) {
    srv *s = r->server;
    if (llm_choose(s, user_id, &a->choice, why) < 0) return 1;
    rae_err err;
    if (model && (!*model || strlen(model) >= sizeof a->choice.model ||
                  strspn(model, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                "-_.:/@") != strlen(model))) {
        srv_error(r, 400, "bad_request", "model is a model's name, like %s", a->choice.model);
        return -1;
    }
    if (model) snprintf(a->choice.model, sizeof a->choice.model, "%s", model);
    if (strcmp(a->choice.source, "server") == 0) {
        if (rae_store_budget_check(s->store, user_id, &err) < 0) {
            srv_error(r, 402, "budget_exceeded", "%s", err.message);
            return -1;
        }
    }
    if (llm_runs_of(s->llm, user_id) >= llm_max_runs(s->llm)) {
        srv_error(r, 429, "too_many_runs", "you have %d AI runs going, as many as a user may",
                  llm_max_runs(s->llm));
        return -1;
    }
    a->max_cost = MAX_COST_PER_ANSWER; /* the budget is the gateway's to keep */
    a->ai = 1;
    return 0;
}

/* fromRun: the earlier run of the caller in this sprite, its HAR into a->har; -1 after a 404. */
static int take_from_run(srv_req *r, long long user_id, const char *sprite, const char *id,
                         run_ask *a) {
    rae_store_job job;
    if (strlen(id) >= sizeof a->from_run ||
        rae_store_job_get(r->server->store, user_id, id, &job) < 0) {
        srv_error(r, 404, "not_found", "no run '%s' to start from in sprite '%s'", id, sprite);
        return -1;
    }
    json_t *d = json_loads(job.detail, 0, NULL);
    const char *har = json_string_value(json_object_get(d, "har_path"));
    int ok = strcmp(job.kind, "run") == 0 && strcmp(job.sprite, sprite) == 0 && har;
    if (ok) {
        snprintf(a->from_run, sizeof a->from_run, "%s", id);
        if (!*a->har) snprintf(a->har, sizeof a->har, "%s", har);
    } else {
        srv_error(r, 404, "not_found", "no run '%s' to start from in sprite '%s'", id, sprite);
    }
    json_decref(d);
    rae_store_job_clear(&job);
    return ok ? 0 : -1;
}

/* The body of POST .../engineer/run into a new ask; NULL with a response queued. */
static run_ask *ask_of(srv_req *r, caller *c, const char *sprite, json_t *body) {
    const char *har, *prompt, *model, *from;
    int replay;
    if (srv_body_string(r, body, "harPath", &har) < 0 ||
        srv_body_string(r, body, "prompt", &prompt) < 0 ||
        srv_body_string(r, body, "model", &model) < 0 ||
        srv_body_string(r, body, "fromRun", &from) < 0 ||
        srv_body_bool(r, body, "replay", &replay) < 0)
        return NULL;
    if ((!har || !*har) && !from) {
        srv_error(r, 400, "bad_request", "give harPath: a HAR under /workspace (or fromRun)");
        return NULL;
    } else if (har && strlen(har) > HAR_PATH_MAX) {
        srv_error(r, 400, "bad_request", "harPath is at most %d bytes", HAR_PATH_MAX);
        return NULL;
    } else if (prompt && strlen(prompt) > PROMPT_MAX) {
        srv_error(r, 400, "bad_request", "a prompt is at most %d bytes", PROMPT_MAX);
        return NULL;
    } else if (from && (!prompt || !*prompt)) {
        srv_error(r, 400, "bad_request", "fromRun goes with a prompt: what to change");
        return NULL;
    }
    run_ask *a = calloc(1, sizeof *a);
    if (!a) abort();
    a->sprites = r->server->sprites;
    a->user_id = c->user.id;
    snprintf(a->sprite, sizeof a->sprite, "%s", sprite);
    if (har && *har)
        snprintf(a->har, sizeof a->har, "%s%s", har[0] == '/' ? "" : "/workspace/", har);
    a->prompt = prompt ? strdup(prompt) : NULL;
    a->replay = replay;
    rae_err why;
    int rc = from ? take_from_run(r, c->user.id, sprite, from, a) : 0;
    if (rc == 0 && prompt && *prompt) rc = ai_admit(r, c->user.id, model, a, &why);
    if (rc == 1 && from) { /* re-engineering is the model's work */
        srv_error(r, 400, "no_model", "%s", why.message);
        rc = -1;
    }
    if (rc < 0) {
        free_ask(a);
        return NULL;
    }
    return a;
}

void api_engineer_run(srv_req *r, caller *c, char args[][128]) {
    if (!api_own_sprite(r, c, args[0])) return;
    json_t *body = srv_body_json(r);
    run_log *going = body ? run_going(r->server, args[0]) : NULL;
    run_ask *a = NULL;
    if (!body) {
        /* answered */
    } else if (going) {
        srv_error(r, 409, "run_running", "run %s is still going in sprite '%s'", going->id,
                  args[0]);
    } else if ((a = ask_of(r, c, args[0], body))) {
        srv_defer(r, har_work, har_done, a);
    }
    json_decref(body);
}

/* ---- a conversation's next message, and a cancel ---- */

/* The run id of the caller in sprite, and its detail (caller decrefs); NULL after a 404. */
static json_t *run_detail(srv_req *r, caller *c, const char *sprite, const char *id) {
    rae_store_job job;
    if (rae_store_job_get(r->server->store, c->user.id, id, &job) < 0) {
        srv_error(r, 404, "not_found", "no run '%s' in sprite '%s'", id, sprite);
        return NULL;
    }
    json_t *d = NULL;
    if (strcmp(job.kind, "run") == 0 && strcmp(job.sprite, sprite) == 0)
        d = json_loads(job.detail, 0, NULL);
    else
        srv_error(r, 404, "not_found", "no run '%s' in sprite '%s'", id, sprite);
    rae_store_job_clear(&job);
    return d;
}

/* The run's log made live again for its next process (from memory or its file). */
static run_log *log_again(srv_req *r, caller *c, const char *id) {
    run_log *log = live_run(r->server, id);
    if (log) {
        log->refs++;
    } else {
        rae_store_job job;
        if (rae_store_job_get(r->server->store, c->user.id, id, &job) < 0) return NULL;
        log = log_from_file(r->server, &job);
        rae_store_job_clear(&job);
    }
    __atomic_store_n(&log->finished, 0, __ATOMIC_RELEASE);
    return log;
}

/* The process of a follow-up: the run live again, the person's message in its events. */
static void go_on(srv_req *r, caller *c, const char *sprite, const char *id, json_t *d,
                  run_ask *a) {
    srv *s = r->server;
    run_log *log = s->stopping ? NULL : log_again(r, c, id);
    if (!log) {
        srv_error(r, 503, "stopping", "the server is stopping");
        return;
    }
    const char *har = json_string_value(json_object_get(d, "har_path"));
    run_proc *rp = proc_new(s, log, har ? har : "");
    proc_ai(rp, a);
    rp->resume = rp->no_checkpoint = 1;
    json_t *files = json_object_get(d, "files");
    rp->files = json_is_array(files) ? json_deep_copy(files) : NULL;
    if (rae_store_usage_of_run(s->store, c->user.id, id, &rp->base) < 0) rp->base.answers = 0;
    rae_store_job_update(s->store, id, "running", "", NULL, NULL);
    log_person(log, a->prompt);
    srv_defer(r, checkpoint_work, checkpoint_done, log);
}

/* A follow-up in the conversation of run args[1]: the engineer goes on from its transcript in
 * the same folder, with the gateway again; no checkpoint (the run's first made one). */
void api_engineer_run_message(srv_req *r, caller *c, char args[][128]) {
    if (!api_own_sprite(r, c, args[0])) return;
    json_t *body = srv_body_json(r), *d = NULL;
    const char *text = NULL;
    run_ask *a = calloc(1, sizeof *a);
    rae_err why;
    run_log *going = NULL;
    if (!a) abort();
    if (!body || srv_body_string(r, body, "text", &text) < 0) {
        /* answered */
    } else if (!text || !*text || strlen(text) > PROMPT_MAX) {
        srv_error(r, 400, "bad_request", "give text: the next message (1 to %d bytes)", PROMPT_MAX);
    } else if (!(d = run_detail(r, c, args[0], args[1]))) {
        /* answered */
    } else if (!json_is_true(json_object_get(d, "ai"))) {
        srv_error(r, 400, "not_ai", "run %s is no conversation: start one with a prompt", args[1]);
    } else if ((going = run_going(r->server, args[0]))) {
        srv_error(r, 409, "run_running", "run %s is still going in sprite '%s'", going->id,
                  args[0]);
    } else {
        int rc = ai_admit(r, c->user.id, json_string_value(json_object_get(d, "model")), a, &why);
        if (rc == 1) srv_error(r, 400, "no_model", "%s", why.message);
        if (rc == 0) {
            a->prompt = strdup(text);
            go_on(r, c, args[0], args[1], d, a);
        }
    }
    json_decref(d);
    json_decref(body);
    free_ask(a);
}
/* One run's record: {id, status, started, ended?, error?, harPath, scriptsDir, prompt?, files?,
 * endpoints?, checkpoint?, replay?: {passed, failed, skipped}, ai, model?, fromRun?, usage?}. */
static json_t *run_json(srv *s, const rae_store_job *job) {
    json_t *d = json_loads(job->detail, 0, NULL);
    json_t *run = json_pack(
        "{s:s,s:s,s:f,s:O*,s:O*,s:O*,s:O*,s:O*,s:O*,s:b}", "id", job->id, "status", job->status,
        "started", job->started, "harPath", json_object_get(d, "har_path"), "scriptsDir",
        json_object_get(d, "scripts_dir"), "prompt", json_object_get(d, "prompt"), "files",
        json_object_get(d, "files"), "endpoints", json_object_get(d, "endpoints"), "checkpoint",
        json_object_get(d, "checkpoint"), "ai", json_is_true(json_object_get(d, "ai")));
    static const char *const carried[][2] = {
        {"replay", "replay"}, {"model", "model"}, {"from_run", "fromRun"}};
    for (size_t i = 0; i < sizeof carried / sizeof *carried; i++)
        if (json_object_get(d, carried[i][0]))
            json_object_set(run, carried[i][1], json_object_get(d, carried[i][0]));
    rae_usage u;
    if (json_is_true(json_object_get(d, "ai")) &&
        rae_store_usage_of_run(s->store, job->user_id, job->id, &u) == 0)
        json_object_set_new(
            run, "usage",
            json_pack("{s:I,s:I,s:I,s:I,s:o}", "inputTokens", (json_int_t)u.input_tokens,
                      "outputTokens", (json_int_t)u.output_tokens, "cacheReadTokens",
                      (json_int_t)u.cache_read_tokens, "cacheWriteTokens",
                      (json_int_t)u.cache_write_tokens, "costUsd",
                      u.answers && u.unpriced == u.answers ? json_null() : json_real(u.cost_usd)));
    if (job->ended > 0) json_object_set_new(run, "ended", json_real(job->ended));
    if (job->error && *job->error) json_object_set_new(run, "error", json_string(job->error));
    json_decref(d);
    return run;
}

/* {run: RECORD} of the caller's run id in sprite, or a 404. */
static void respond_run(srv_req *r, long long user_id, const char *sprite, const char *id,
                        int status) {
    rae_store_job job;
    int found = rae_store_job_get(r->server->store, user_id, id, &job) == 0;
    if (found && strcmp(job.kind, "run") == 0 && strcmp(job.sprite, sprite) == 0)
        srv_json(r, status, json_pack("{s:o}", "run", run_json(r->server, &job)));
    else
        srv_error(r, 404, "not_found", "no run '%s' in sprite '%s'", id, sprite);
    if (found) rae_store_job_clear(&job);
}

void api_engineer_run_get(srv_req *r, caller *c, char args[][128]) {
    if (api_own_sprite(r, c, args[0])) respond_run(r, c->user.id, args[0], args[1], 200);
}

#define CANCEL_WAIT_MS 15000 /* for the run's process to end after SIGKILL */

/* On a worker thread: until the run's log is finished (the loop sets it), or a while. */
static void cancel_wait(void *arg) {
    run_log *log = arg;
    for (int ms = 0; ms < CANCEL_WAIT_MS && !__atomic_load_n(&log->finished, __ATOMIC_ACQUIRE);
         ms += 20) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void cancel_done(srv_req *r, void *arg) {
    run_log *log = arg;
    if (log->finished)
        respond_run(r, log->user_id, log->sprite, log->id, 200);
    else
        srv_error(r, 504, "cancel_slow", "run %s is ending, but has not yet", log->id);
    run_log_release(r->server, log);
}

/* Stops run args[1]: its processes in the sprite end (SIGKILL: the sandbox goes with them); what
 * it wrote stays. Answers once it has ended. */
void api_engineer_run_cancel(srv_req *r, caller *c, char args[][128]) {
    if (!api_own_sprite(r, c, args[0])) return;
    json_t *d = run_detail(r, c, args[0], args[1]);
    if (!d) return;
    json_decref(d);
    run_log *log = live_run(r->server, args[1]);
    if (!log || log->finished || !log->proc) {
        srv_error(r, 409, "not_running", "run %s is not running", args[1]);
        return;
    }
    log->proc->cancelled = 1;
    kill_process(log->proc); /* when none runs yet, checkpoint_done does */
    log->refs++;
    srv_defer(r, cancel_wait, cancel_done, log);
}

/* ---- start and stop of the server ---- */

void runs_reattach(srv *s) {
    rae_store_job *jobs;
    size_t n;
    int lost = rae_store_jobs_interrupted(s->store, "run"); /* they ended with the server */
    if (lost < 0) lost = 0;
    if (rae_store_job_list(s->store, 0, NULL, "capture", 0, &jobs, &n) < 0) {
        jobs = NULL;
        n = 0;
    }
    for (size_t i = 0; i < n; i++) { /* captures go on while their browser runs */
        rae_store_job *j = &jobs[i];
        if (strcmp(j->status, "running") != 0 || api_browser_alive(s->sprites, j->sprite)) continue;
        rae_store_job_update(s->store, j->id, "error", "interrupted: the server stopped", NULL,
                             NULL);
        lost++;
    }
    rae_store_jobs_free(jobs, n);
    if (lost) fprintf(stderr, "rae: %d job(s) were cut short by the last stop\n", lost);
}

void runs_stop_all(srv *s) {
    for (run_log *log = s->runs, *next; log; log = next) {
        next = log->next;
        run_proc *rp = log->proc;
        if (!rp || !rp->watch) continue; /* finished, or on a worker thread */
        int st = srv_proc_end_now(rp->watch);
        rp->watch = NULL;
        if (!rp->terminal) snprintf(rp->error, sizeof rp->error, "interrupted: the server stopped");
        run_finished(log, st);
    }
}
