/* The browser of a sprite: a capture (rae capture on the sprite's VNC display) run as the sprite's
 * service "browser", its HAR under /workspace/har/, a job in the history; stopping it ends the
 * capture (the HAR is written), checkpoints the sprite and returns the HAR's path. */
#include "rae/har.h"
#include "server/api.h"
#include "util/lineio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SERVICE "browser"
#define VNC_SOCKET "vnc:/tmp/vnc.sock"
#define CONTROL_SOCKET "/tmp/rae-control.sock" /* the capture takes the page's commands there */

static void vnc_path(const char *id, char *out, size_t n) {
    snprintf(out, n, "/api/sprite/%s/browser/vnc", id);
}

/* The sprite's capture still running, into job (caller clears it); 0 when there is one. */
static int running_capture(srv_req *r, caller *c, const char *id, rae_store_job *job) {
    rae_store_job *jobs;
    size_t n;
    int found = -1;
    if (rae_store_job_list(r->server->store, c->user.id, id, "capture", 5, &jobs, &n) < 0)
        return -1;
    for (size_t i = 0; i < n && found < 0; i++)
        if (strcmp(jobs[i].status, "running") == 0) found = (int)i;
    if (found >= 0) {
        *job = jobs[found];
        memset(&jobs[found], 0, sizeof jobs[found]); /* moved out */
    }
    rae_store_jobs_free(jobs, n);
    return found >= 0 ? 0 : -1;
}

/* A browser start or stop on a worker thread: starting spawns the sprite's supervisor, stopping
 * waits for the capture to write its HAR (up to 10 s) and checkpoints. */
typedef struct browser_job {
    rae_sprites *sprites; /* borrowed from the server */
    long long user_id;
    char id[128];
    char url[2048], har[128];
    rae_store_job capture; /* stop: the running capture (owned) */
    int rc;
    rae_err err;
    rae_checkpoint k;
    long entries; /* stop: of the HAR written, -1 unknown */
} browser_job;

static browser_job *new_browser_job(srv_req *r, caller *c, const char *id) {
    browser_job *j = calloc(1, sizeof *j);
    if (!j) abort();
    j->sprites = r->server->sprites;
    j->user_id = c->user.id;
    snprintf(j->id, sizeof j->id, "%s", id);
    return j;
}

static void free_browser_job(browser_job *j) {
    rae_store_job_clear(&j->capture);
    free(j);
}

static void start_work(void *arg) {
    browser_job *j = arg;
    const char *argv[] = {"rae",       "capture",      j->url[0] ? j->url : "about:blank",
                          "--display", VNC_SOCKET,     "--har",
                          j->har,      "--profile",    "/workspace/.profile",
                          "--control", CONTROL_SOCKET, NULL};
    j->rc = rae_sprite_service_start(j->sprites, j->id, SERVICE, argv, "no", &j->err);
}

static void start_done(srv_req *r, void *arg) {
    browser_job *j = arg;
    char vnc[256];
    if (j->rc < 0) {
        srv_error(r, 503, "browser_failed", "%s", j->err.message);
        free_browser_job(j);
        return;
    }
    json_t *detail = json_pack("{s:s,s:s}", "url", j->url, "har_path", j->har);
    char *text = json_dumps(detail, JSON_COMPACT);
    rae_store_job job;
    memset(&job, 0, sizeof job);
    rae_store_job_add(r->server->store, "capture", j->user_id, j->id, text, &job, NULL);
    free(text);
    json_decref(detail);
    vnc_path(j->id, vnc, sizeof vnc);
    srv_json(r, 200,
             json_pack("{s:s,s:s,s:s}", "vncUrl", vnc, "harPath", j->har, "captureId", job.id));
    rae_store_job_clear(&job);
    free_browser_job(j);
}

/* The request's JSON body and its optional "url" (NULL when absent); NULL when a 400 is queued. */
static json_t *url_body(srv_req *r, const char **url) {
    json_t *body = srv_body_json(r);
    if (body && srv_body_string(r, body, "url", url) == 0) return body;
    json_decref(body);
    return NULL;
}

void api_browser_start(srv_req *r, caller *c, char args[][128]) {
    char stamp[32];
    if (!api_own_sprite(r, c, args[0])) return;
    const char *url;
    json_t *body = url_body(r, &url);
    if (!body) return;
    browser_job *j = new_browser_job(r, c, args[0]);
    if (url &&
        (strlen(url) >= sizeof j->url || url[0] == '-')) { /* never an option of rae capture */
        srv_error(r, 400, "bad_request", "not a URL, or longer than %zu bytes", sizeof j->url - 1);
        free_browser_job(j);
        json_decref(body);
        return;
    }
    snprintf(j->url, sizeof j->url, "%s", url ? url : "");
    json_decref(body);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(j->har, sizeof j->har, "/workspace/har/capture-%s.har", stamp);
    rae_store_job old;
    if (running_capture(r, c, args[0], &old) == 0) { /* one browser per sprite: the old ends */
        rae_store_job_update(r->server->store, old.id, "complete", "", NULL, NULL);
        rae_store_job_clear(&old);
    }
    srv_defer(r, start_work, start_done, j);
}

/* The number of entries of a HAR in the sprite (-1 when it cannot be read), counted without
 * parsing them: the sprite wrote the file, and a parsed entry costs memory by its number of values
 * (40 MB of "[0,0,...]" took 1.3 GB). */
static long har_entries(rae_sprites *sprites, const char *sprite, const char *har) {
    char path[64];
    int fd = rae_sprite_file_open(sprites, sprite, har, NULL);
    if (fd < 0) return -1;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    har_reader *rd;
    rae_err he;
    long n = -1;
    if (har_reader_open(path, &rd, &he) == 0) {
        int rc;
        for (n = 0; (rc = har_reader_skip(rd, &he)) != 0;)
            n += rc == 1;
        har_reader_free(rd);
    }
    close(fd);
    return n;
}

static void stop_work(void *arg) {
    browser_job *j = arg;
    /* SIGTERM: rae capture writes the HAR and ends */
    j->rc = rae_sprite_service_stop(j->sprites, j->id, SERVICE, &j->err);
    json_t *detail = json_loads(j->capture.detail, 0, NULL);
    const char *har = json_string_value(json_object_get(detail, "har_path"));
    j->entries = j->rc == 0 && har ? har_entries(j->sprites, j->id, har) : -1;
    json_decref(detail);
    if (j->rc == 0)
        j->rc = rae_sprite_checkpoint(j->sprites, j->id, "after a capture", 1, &j->k, &j->err);
}

static void stop_done(srv_req *r, void *arg) {
    browser_job *j = arg;
    json_t *detail = json_loads(j->capture.detail, 0, NULL);
    const char *har = json_string_value(json_object_get(detail, "har_path"));
    char patch[64] = "{}";
    if (j->entries >= 0) snprintf(patch, sizeof patch, "{\"entries\":%ld}", j->entries);
    rae_store_job_update(r->server->store, j->capture.id, j->rc == 0 ? "complete" : "error",
                         j->rc == 0 ? "" : j->err.message, patch, NULL);
    if (j->rc < 0)
        srv_error(r, 500, "browser_failed", "%s", j->err.message);
    else
        srv_json(r, 200,
                 json_pack("{s:s,s:s,s:s}", "harPath", har ? har : "", "checkpoint", j->k.id,
                           "captureId", j->capture.id));
    json_decref(detail);
    free_browser_job(j);
}

void api_browser_stop(srv_req *r, caller *c, char args[][128]) {
    if (!api_own_sprite(r, c, args[0])) return;
    browser_job *j = new_browser_job(r, c, args[0]);
    if (running_capture(r, c, args[0], &j->capture) < 0) {
        srv_error(r, 409, "no_capture", "no capture runs in sprite '%s'", args[0]);
        free_browser_job(j);
        return;
    }
    srv_defer(r, stop_work, stop_done, j);
}

void api_browser_vnc(srv_req *r, caller *c, char args[][128]) {
    char vnc[256];
    if (!api_own_sprite(r, c, args[0])) return;
    vnc_path(args[0], vnc, sizeof vnc);
    srv_json(r, 200, json_pack("{s:s}", "url", vnc));
}

#define CONTROL_DEADLINE_MS                                                                        \
    3000 /* one exchange with the capture, from the question to the answer */

/* Sends one command to the capture of sprite id (on a worker thread: the sprite decides how fast
 * it answers, within CONTROL_DEADLINE_MS in all); its answer (caller frees), or NULL with
 * *connected 0 when no capture listens, 1 when it did not answer. */
static json_t *control_ask(rae_sprites *sprites, const char *id, json_t *cmd, int *connected) {
    int fd = rae_sprite_connect(sprites, id, CONTROL_SOCKET, NULL);
    *connected = fd >= 0 || errno == EAGAIN; /* a full backlog: it listens, and does not answer */
    if (fd < 0) return NULL;
    json_t *answer = lineio_call(fd, cmd, 4095, CONTROL_DEADLINE_MS);
    close(fd);
    return answer;
}

/* A command to the capture of a sprite, asked on a worker thread. */
typedef struct control_job {
    rae_sprites *sprites; /* borrowed from the server */
    char id[128];
    json_t *cmd, *reply;   /* owned; reply NULL when none came */
    int connected, alive;  /* a capture listened; else whether the browser service still runs */
    rae_store_job capture; /* status: the running capture (owned) */
} control_job;

static control_job *new_control(srv_req *r, const char *id, json_t *cmd) {
    control_job *j = calloc(1, sizeof *j);
    if (!j) abort();
    j->sprites = r->server->sprites;
    snprintf(j->id, sizeof j->id, "%s", id);
    j->cmd = cmd;
    return j;
}

static void free_control(control_job *j) {
    json_decref(j->cmd);
    json_decref(j->reply);
    rae_store_job_clear(&j->capture);
    free(j);
}

static void control_work(void *arg) {
    control_job *j = arg;
    j->reply = control_ask(j->sprites, j->id, j->cmd, &j->connected);
    j->alive = j->connected || api_browser_alive(j->sprites, j->id);
}

/* The capture's answer to a command as the response. */
static void command_done(srv_req *r, void *arg) {
    control_job *j = arg;
    const char *error = json_string_value(json_object_get(j->reply, "error"));
    if (!j->reply && !j->connected)
        srv_error(r, 409, "no_browser", "the browser of sprite '%s' is not running", j->id);
    else if (!j->reply)
        srv_error(r, 504, "browser_silent", "the browser of sprite '%s' did not answer", j->id);
    else if (error && strstr(error, "no tab")) /* Chromium is still starting */
        srv_error(r, 409, "browser_starting", "the browser of sprite '%s' has no tab yet", j->id);
    else if (error)
        srv_error(r, 400, "bad_request", "%s", error);
    else
        srv_json(r, 200, json_incref(j->reply));
    free_control(j);
}

int api_browser_alive(rae_sprites *sprites, const char *id) {
    rae_sprite_service *all;
    size_t n;
    int alive = 0;
    if (rae_sprite_services(sprites, id, &all, &n, NULL) < 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].name, SERVICE) == 0)
            alive = strcmp(all[i].state, "running") == 0 || strcmp(all[i].state, "paused") == 0;
    free(all);
    return alive;
}

/* The tab's URL and title and the capture's counts from its status answer (the start URL, "" and
 * 0 when it did not answer). */
static void add_counts(json_t *out, json_t *reply) {
    const char *url = json_string_value(json_object_get(reply, "url"));
    if (url && *url) json_object_set_new(out, "url", json_string(url)); /* the tab now */
    const char *title = json_string_value(json_object_get(reply, "title"));
    json_object_set_new(out, "title", json_string(title ? title : ""));
    const char *counts[] = {"entries", "pages", "tabs", "bytes"};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        json_object_set_new(out, counts[i],
                            json_integer(json_integer_value(json_object_get(reply, counts[i]))));
}

static void status_done(srv_req *r, void *arg) {
    control_job *j = arg;
    json_t *detail = json_loads(j->capture.detail, 0, NULL);
    json_t *out = json_pack(
        "{s:b,s:s,s:f,s:O*,s:O*,s:O*}", "running", 1, "captureId", j->capture.id, "startedAt",
        j->capture.started, "url", json_object_get(detail, "url"), "startUrl",
        json_object_get(detail, "url"), "harPath", json_object_get(detail, "har_path"));
    if (!j->alive) { /* it ended by itself */
        rae_store_job_update(r->server->store, j->capture.id, "error",
                             "the browser stopped by itself", NULL, NULL);
        json_decref(out);
        out = json_pack("{s:b,s:s}", "running", 0, "error", "the browser stopped by itself");
    } else {
        json_object_set_new(out, "starting",
                            json_boolean(!json_is_true(json_object_get(j->reply, "ok"))));
        add_counts(out, j->reply);
    }
    json_decref(detail);
    srv_json(r, 200, out);
    free_control(j);
}

/* The capture running in the sprite, for the recording indicator: {running: false}, or its
 * start, URL, HAR and counts (entries recorded so far, pages, tabs, bytes); "starting" while its
 * control socket does not answer yet. */
void api_browser_status(srv_req *r, caller *c, char args[][128]) {
    rae_store_job job;
    if (!api_own_sprite(r, c, args[0])) return;
    if (running_capture(r, c, args[0], &job) < 0) {
        srv_json(r, 200, json_pack("{s:b}", "running", 0));
        return;
    }
    control_job *j = new_control(r, args[0], json_pack("{s:s}", "op", "status"));
    j->capture = job; /* moved */
    srv_defer(r, control_work, status_done, j);
}

/* navigate {url}, back, forward, reload: the URL bar and buttons of the browser view. */
void api_browser_command(srv_req *r, caller *c, char args[][128]) {
    if (!api_own_sprite(r, c, args[0])) return;
    const char *url;
    json_t *body = url_body(r, &url);
    if (!body) return;
    if (strcmp(args[1], "navigate") == 0 && (!url || !*url)) {
        srv_error(r, 400, "bad_request", "navigate needs {\"url\": ...}");
    } else if (strcmp(args[1], "navigate") && strcmp(args[1], "back") &&
               strcmp(args[1], "forward") && strcmp(args[1], "reload")) {
        srv_error(r, 404, "not_found", "no browser command '%s'", args[1]);
    } else {
        json_t *cmd = json_pack("{s:s}", "op", args[1]);
        if (url) json_object_set_new(cmd, "url", json_string(url));
        srv_defer(r, control_work, command_done, new_control(r, args[0], cmd));
    }
    json_decref(body);
}
