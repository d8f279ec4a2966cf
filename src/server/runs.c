/* Engineer runs (runs.h): POST /api/sprite/{id}/engineer/run checkpoints the sprite on a worker
 * thread, then runs `rae engineer HAR -o /workspace/scripts/RUN --json-stream` in it; its stdout
 * is read on the event loop, line by line, into the run's log. */
#include "server/runs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#define HAR_PATH_MAX 1024
#define PROMPT_MAX 4000

typedef struct run_proc {
    rae_sprite_proc p;
    uv_poll_t *poll;     /* on p.out_fd (heap: closed asynchronously) */
    buf partial;         /* output not yet a whole line */
    int file;            /* DATA/runs/ID.ndjson, appended to */
    int terminal;        /* a complete or error event came */
    int recorded;        /* the job has its outcome */
    int replay;          /* run replay.py once the files are written */
    int replaying;       /* the output read now is replay.py's */
    char *held;          /* the engineer's complete event, held back while replay.py runs (owned) */
    long passed, failed; /* replay.py's last line; -1 unknown */
    long endpoints;      /* from the "endpoints" progress; -1 none */
    json_t *files;       /* from the complete event */
    char error[640];     /* from the error event, or why it failed */
    srv *server;
    char har[HAR_PATH_MAX + 16];
    rae_checkpoint k;
    int ck_rc;
    char ck_err[512];
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

/* Adds one event (a JSON object's text, copied) and tells the viewers. */
static void log_add(run_log *log, const char *line) {
    char *copy = strdup(line);
    if (!copy) abort();
    pvec_push(&log->lines, copy);
    run_proc *rp = log->proc;
    if (rp && rp->file >= 0) {
        size_t n = strlen(copy);
        if (write(rp->file, copy, n) != (ssize_t)n || write(rp->file, "\n", 1) != 1)
            lwsl_warn("run %s: cannot append to its event file: %s\n", log->id, strerror(errno));
    }
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
        const char *why = strcmp(job->status, "running") == 0 ? "the run is starting"
                          : job->error && *job->error         ? job->error
                                                              : "the run left no events";
        log_add_json(log, json_pack("{s:s,s:s,s:s}", "type", "error", "kind", "interrupted",
                                    "message", why));
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

static void poll_closed(uv_handle_t *h) {
    free(h);
}

/* The outcome into the run's job, once: as soon as the last event came (a viewer may ask for the
 * record right after it), or when the process ended without one. */
static void record(run_log *log) {
    run_proc *rp = log->proc;
    if (rp->recorded) return;
    rp->recorded = 1;
    int ok = rp->files != NULL && !rp->error[0];
    json_t *patch = json_pack("{s:O*}", "files", rp->files);
    if (rp->endpoints >= 0) json_object_set_new(patch, "endpoints", json_integer(rp->endpoints));
    if (rp->k.id[0]) json_object_set_new(patch, "checkpoint", json_string(rp->k.id));
    if (rp->passed >= 0)
        json_object_set_new(patch, "replay",
                            json_pack("{s:I,s:I}", "passed", (json_int_t)rp->passed, "failed",
                                      (json_int_t)rp->failed));
    char *text = json_dumps(patch, JSON_COMPACT);
    rae_store_job_update(rp->server->store, log->id, ok ? "complete" : "error", ok ? "" : rp->error,
                         text, NULL, 0);
    free(text);
    json_decref(patch);
}

static int str_is(const json_t *v, const char *s) {
    const char *t = json_string_value(v);
    return t && strcmp(t, s) == 0;
}

/* What one line of output says about the run; lines that are not events become "log" progress. */
static void take_line(run_log *log, char *line) {
    run_proc *rp = log->proc;
    if (rp->replaying) { /* replay.py: one step per line, "N passed, N failed" last */
        long passed, failed;
        if (sscanf(line, "%ld passed, %ld failed", &passed, &failed) == 2)
            rp->passed = passed, rp->failed = failed;
        else if (*line)
            log_progress(log, "replay", line);
        return;
    }
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
        json_decref(rp->files);
        rp->files = json_incref(json_object_get(ev, "files"));
    } else if (strcmp(type, "error") == 0) {
        rp->terminal = 1;
        const char *msg = json_string_value(json_object_get(ev, "message"));
        snprintf(rp->error, sizeof rp->error, "%s", msg ? msg : "the engineer failed");
    } else if (strcmp(type, "progress") == 0 && str_is(json_object_get(ev, "stage"), "endpoints") &&
               json_integer_value(json_object_get(ev, "total")) > 0) {
        rp->endpoints = (long)json_integer_value(json_object_get(ev, "done"));
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
    if (!rp->terminal) {
        if (!rp->error[0])
            snprintf(rp->error, sizeof rp->error, "rae engineer ended with status %d", status);
        log_add_json(
            log, json_pack("{s:s,s:s,s:s}", "type", "error", "kind", "exit", "message", rp->error));
    }
    record(log);
    json_decref(rp->files);
    free(rp->held);
    buf_free(&rp->partial);
    if (rp->file >= 0) close(rp->file);
    if (rp->p.out_fd >= 0) close(rp->p.out_fd);
    free(rp);
    log->proc = NULL;
    log->finished = 1;
    run_viewers_wake(log);
    run_log_release(s, log);
}

static int start_replay(run_log *log);
static void replay_done(run_log *log, int status);

static void on_output(uv_poll_t *h, int status, int events) {
    (void)status, (void)events;
    run_log *log = h->data;
    run_proc *rp = log->proc;
    char chunk[65536];
    ssize_t n = read(rp->p.out_fd, chunk, sizeof chunk);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n > 0) {
        buf_append(&rp->partial, chunk, (size_t)n);
        char *start = rp->partial.data, *end = start + rp->partial.len, *nl;
        while ((nl = memchr(start, '\n', (size_t)(end - start)))) {
            *nl = 0;
            take_line(log, start);
            start = nl + 1;
        }
        size_t rest = (size_t)(end - start);
        memmove(rp->partial.data, start, rest);
        rp->partial.len = rest;
        return;
    }
    /* the end of its output: it has ended, or is ending now */
    uv_poll_stop(h);
    uv_close((uv_handle_t *)h, poll_closed);
    rp->poll = NULL;
    int st = -1;
    rae_sprite_proc_wait(&rp->p, 1, &st);
    close(rp->p.out_fd);
    rp->p.out_fd = -1;
    if (rp->partial.len) take_line(log, (char *)buf_str(&rp->partial));
    buf_reset(&rp->partial);
    if (rp->replaying) {
        replay_done(log, st);
        st = 0;
    } else if (rp->held && st == 0 && start_replay(log) == 0) {
        return;
    }
    if (rp->held) { /* the files are written whatever replay.py said */
        rp->replaying = 0;
        take_line(log, rp->held);
    }
    run_finished(log, st);
}

/* Starts argv in the sprite (in dir cwd, NULL: /workspace), its output read by on_output; 0, or -1
 * with rp->error. */
static int start_exec(run_log *log, const char *const *argv, const char *cwd) {
    run_proc *rp = log->proc;
    /* no __pycache__ left among the scripts by replay.py */
    const char *env[] = {"PYTHONDONTWRITEBYTECODE=1", NULL};
    rae_sprite_exec_opts o = {.argv = argv, .cwd = cwd, .env = env, .merge_stderr = 1};
    if (rae_sprite_exec(rp->server->sprites, log->sprite, &o, &rp->p, rp->error, sizeof rp->error) <
        0)
        return -1;
    fcntl(rp->p.out_fd, F_SETFL, fcntl(rp->p.out_fd, F_GETFL) | O_NONBLOCK);
    rp->poll = malloc(sizeof *rp->poll);
    if (!rp->poll) abort();
    uv_poll_init(rp->server->loop, rp->poll, rp->p.out_fd);
    rp->poll->data = log;
    uv_poll_start(rp->poll, UV_READABLE, on_output);
    return 0;
}

static int start_process(run_log *log) {
    char out[128];
    snprintf(out, sizeof out, "/workspace/scripts/%s", log->id);
    const char *argv[] = {"rae", "engineer", log->proc->har, "-o", out, "--json-stream", NULL};
    return start_exec(log, argv, NULL);
}

/* replay.py of the run, against the captured site, from inside the sprite. */
static int start_replay(run_log *log) {
    run_proc *rp = log->proc;
    char dir[128];
    snprintf(dir, sizeof dir, "/workspace/scripts/%s", log->id);
    const char *argv[] = {"python3", "replay.py", NULL};
    log_progress(log, "replay", "replaying the capture through the client against the site");
    rp->replaying = 1;
    if (start_exec(log, argv, dir) == 0) return 0;
    char msg[700];
    snprintf(msg, sizeof msg, "replay.py did not start: %s", rp->error);
    rp->error[0] = 0; /* the run itself went well */
    rp->replaying = 0;
    log_progress(log, "replay", msg);
    return -1;
}

/* The replay's result as one event: done = passed, total = passed + failed. */
static void replay_done(run_log *log, int status) {
    run_proc *rp = log->proc;
    char msg[128];
    if (rp->passed < 0) {
        snprintf(msg, sizeof msg, "replay.py ended with status %d and no result", status);
        log_progress(log, "replay", msg);
        return;
    }
    snprintf(msg, sizeof msg, "%ld passed, %ld failed", rp->passed, rp->failed);
    log_add_json(log, json_pack("{s:s,s:s,s:s,s:I,s:I}", "type", "progress", "stage", "replay",
                                "message", msg, "done", (json_int_t)rp->passed, "total",
                                (json_int_t)(rp->passed + rp->failed)));
}

/* ---- the routes ---- */

static void checkpoint_work(void *arg) {
    run_log *log = arg;
    run_proc *rp = log->proc;
    char comment[64];
    snprintf(comment, sizeof comment, "before engineer run %s", log->id);
    rp->ck_rc = rae_sprite_checkpoint(rp->server->sprites, log->sprite, comment, 1, &rp->k,
                                      rp->ck_err, sizeof rp->ck_err);
}

static void checkpoint_done(srv_req *r, void *arg) {
    run_log *log = arg;
    run_proc *rp = log->proc;
    char msg[128], scripts[128], stream[512];
    if (rp->server->stopping) {
        snprintf(rp->error, sizeof rp->error, "interrupted: the server stopped");
        srv_error(r, 503, "stopping", "the server is stopping");
        run_finished(log, -1);
        return;
    }
    if (rp->ck_rc < 0) {
        snprintf(rp->error, sizeof rp->error, "checkpoint before the run failed: %s", rp->ck_err);
        srv_error(r, 500, "checkpoint_failed", "%s", rp->error);
        run_finished(log, -1);
        return;
    }
    snprintf(msg, sizeof msg, "checkpoint %s made", rp->k.id);
    log_progress(log, "checkpoint", msg);
    if (start_process(log) < 0) {
        srv_error(r, 503, "sprite_failed", "%s", rp->error);
        run_finished(log, -1);
        return;
    }
    log_progress(log, "start", "rae engineer started");
    snprintf(scripts, sizeof scripts, "/workspace/scripts/%s", log->id);
    snprintf(stream, sizeof stream, "/api/sprite/%s/engineer/stream?run=%s", log->sprite, log->id);
    srv_json(
        r, 202,
        json_pack("{s:s,s:s,s:s}", "runId", log->id, "scriptsDir", scripts, "streamUrl", stream));
}

/* The HAR to engineer, as a path inside the sprite, into out; 0, or -1 with a response queued. */
static int har_param(srv_req *r, const char *sprite, json_t *body, char *out, size_t n) {
    const char *har = json_string_value(json_object_get(body, "harPath"));
    const char *prompt = json_string_value(json_object_get(body, "prompt"));
    char err[512];
    if (!har || !*har || strlen(har) > HAR_PATH_MAX) {
        srv_error(r, 400, "bad_request", "give harPath: a HAR under /workspace (at most %d bytes)",
                  HAR_PATH_MAX);
        return -1;
    }
    if (prompt && strlen(prompt) > PROMPT_MAX) {
        srv_error(r, 400, "bad_request", "a prompt is at most %d bytes", PROMPT_MAX);
        return -1;
    }
    int fd = rae_sprite_file_open(r->server->sprites, sprite, har, err, sizeof err);
    if (fd < 0) {
        int bad = strstr(err, "leads out") || strstr(err, "outside");
        srv_error(r, bad ? 400 : 404, bad ? "bad_path" : "not_found", "%s", err);
        return -1;
    }
    close(fd);
    snprintf(out, n, "%s%s", har[0] == '/' ? "" : "/workspace/", har);
    return 0;
}

/* A new job and its live log with the process state; NULL with a response queued. */
static run_log *new_run(srv_req *r, caller *c, const char *sprite, const char *har,
                        const char *prompt) {
    char err[512], dir[4200], path[4200];
    json_t *detail = json_pack("{s:s,s:s*}", "har_path", har, "prompt", prompt);
    char *text = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    rae_store_job job;
    int rc =
        rae_store_job_add(r->server->store, "run", c->user.id, sprite, text, &job, err, sizeof err);
    free(text);
    if (rc < 0) {
        srv_error(r, 500, "internal", "%s", err);
        return NULL;
    }
    char patch[128];
    snprintf(patch, sizeof patch, "{\"scripts_dir\":\"/workspace/scripts/%s\"}", job.id);
    rae_store_job_update(r->server->store, job.id, NULL, NULL, patch, NULL, 0);
    run_log *log = log_new(job.id, sprite, c->user.id);
    rae_store_job_clear(&job);
    run_proc *rp = log->proc = calloc(1, sizeof *rp);
    if (!rp) abort();
    rp->server = r->server;
    rp->endpoints = -1;
    rp->passed = rp->failed = -1;
    rp->p.out_fd = rp->p.in_fd = rp->p.err_fd = -1;
    snprintf(rp->har, sizeof rp->har, "%s", har);
    runs_dir(r->server, dir, sizeof dir);
    mkdir(dir, 0700);
    run_file(r->server, log->id, path, sizeof path);
    rp->file = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (rp->file < 0) lwsl_warn("run %s: cannot write %s: %s\n", log->id, path, strerror(errno));
    log->next = r->server->runs;
    r->server->runs = log;
    return log;
}

void engineer_run(srv_req *r, caller *c, char args[][128]) {
    rae_sprite_info info;
    char har[HAR_PATH_MAX + 16];
    if (!own_sprite(r, c, args[0], &info)) return;
    json_t *body = srv_body_json(r);
    if (!body) return;
    for (run_log *log = r->server->runs; log; log = log->next)
        if (strcmp(log->sprite, args[0]) == 0 && !log->finished) {
            srv_error(r, 409, "run_running", "run %s is still going in sprite '%s'", log->id,
                      args[0]);
            json_decref(body);
            return;
        }
    run_log *log = NULL;
    if (har_param(r, args[0], body, har, sizeof har) == 0)
        log = new_run(r, c, args[0], har, json_string_value(json_object_get(body, "prompt")));
    int replay = json_is_true(json_object_get(body, "replay"));
    json_decref(body);
    if (!log) return;
    log->proc->replay = replay;
    log_progress(log, "checkpoint", "checkpointing the sprite before the run");
    srv_defer(r, checkpoint_work, checkpoint_done, log);
}

/* One run's record: {run: {id, status, started, ended?, error?, harPath, scriptsDir, prompt?,
 * files?, endpoints?, checkpoint?, replay?: {passed, failed}}}. */
void engineer_run_get(srv_req *r, caller *c, char args[][128]) {
    rae_sprite_info info;
    rae_store_job job;
    if (!own_sprite(r, c, args[0], &info)) return;
    if (rae_store_job_get(r->server->store, c->user.id, args[1], &job) < 0 ||
        strcmp(job.kind, "run") || strcmp(job.sprite, args[0])) {
        srv_error(r, 404, "not_found", "no run '%s' in sprite '%s'", args[1], args[0]);
        return;
    }
    json_t *d = json_loads(job.detail, 0, NULL);
    json_t *run =
        json_pack("{s:s,s:s,s:f,s:O*,s:O*,s:O*,s:O*,s:O*,s:O*}", "id", job.id, "status", job.status,
                  "started", job.started, "harPath", json_object_get(d, "har_path"), "scriptsDir",
                  json_object_get(d, "scripts_dir"), "prompt", json_object_get(d, "prompt"),
                  "files", json_object_get(d, "files"), "endpoints",
                  json_object_get(d, "endpoints"), "checkpoint", json_object_get(d, "checkpoint"));
    if (json_object_get(d, "replay")) json_object_set(run, "replay", json_object_get(d, "replay"));
    if (job.ended > 0) json_object_set_new(run, "ended", json_real(job.ended));
    if (job.error && *job.error) json_object_set_new(run, "error", json_string(job.error));
    json_decref(d);
    rae_store_job_clear(&job);
    srv_json(r, 200, json_pack("{s:o}", "run", run));
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
        if (strcmp(j->status, "running") != 0 || browser_alive(s->sprites, j->sprite)) continue;
        rae_store_job_update(s->store, j->id, "error", "interrupted: the server stopped", NULL,
                             NULL, 0);
        lost++;
    }
    rae_store_jobs_free(jobs, n);
    if (lost) fprintf(stderr, "rae: %d job(s) were cut short by the last stop\n", lost);
}

void runs_stop_all(srv *s) {
    for (run_log *log = s->runs, *next; log; log = next) {
        next = log->next;
        run_proc *rp = log->proc;
        if (!rp || !rp->poll) continue; /* finished, or its checkpoint still runs */
        uv_poll_stop(rp->poll);
        uv_close((uv_handle_t *)rp->poll, poll_closed);
        rp->poll = NULL;
        kill(rp->p.pid, SIGKILL);
        int st;
        rae_sprite_proc_wait(&rp->p, 1, &st);
        if (!rp->terminal) snprintf(rp->error, sizeof rp->error, "interrupted: the server stopped");
        run_finished(log, st);
    }
}
