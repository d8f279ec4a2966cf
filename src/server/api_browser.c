/* The browser of a sprite: a capture (rae capture on the sprite's VNC display) run as the sprite's
 * service "browser", its HAR under /workspace/har/, a job in the history; stopping it ends the
 * capture (the HAR is written), checkpoints the sprite and returns the HAR's path. */
#include "server/api.h"

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

void browser_start(srv_req *r, caller *c, char args[][128]) {
    rae_sprite_info info;
    char har[128], stamp[32], err[512], vnc[256];
    if (!own_sprite(r, c, args[0], &info)) return;
    json_t *body = srv_body_json(r);
    if (!body) return;
    const char *url = json_string_value(json_object_get(body, "url"));
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(har, sizeof har, "/workspace/har/capture-%s.har", stamp);
    const char *argv[] = {"rae",       "capture",      url && *url ? url : "about:blank",
                          "--display", VNC_SOCKET,     "--har",
                          har,         "--profile",    "/workspace/.profile",
                          "--control", CONTROL_SOCKET, NULL};
    rae_store_job old;
    if (running_capture(r, c, args[0], &old) == 0) { /* one browser per sprite: the old ends */
        rae_store_job_update(r->server->store, old.id, "complete", "", NULL, NULL, 0);
        rae_store_job_clear(&old);
    }
    if (rae_sprite_service_start(r->server->sprites, args[0], SERVICE, argv, "no", err,
                                 sizeof err) < 0) {
        srv_error(r, 503, "browser_failed", "%s", err);
        json_decref(body);
        return;
    }
    json_t *detail = json_pack("{s:s,s:s}", "url", url ? url : "", "har_path", har);
    char *text = json_dumps(detail, JSON_COMPACT);
    rae_store_job job;
    memset(&job, 0, sizeof job);
    rae_store_job_add(r->server->store, "capture", c->user.id, args[0], text, &job, NULL, 0);
    free(text);
    json_decref(detail);
    vnc_path(args[0], vnc, sizeof vnc);
    srv_json(r, 200,
             json_pack("{s:s,s:s,s:s}", "vncUrl", vnc, "harPath", har, "captureId", job.id));
    rae_store_job_clear(&job);
    json_decref(body);
}

void browser_stop(srv_req *r, caller *c, char args[][128]) {
    rae_sprite_info info;
    rae_checkpoint k;
    rae_store_job job;
    char err[512];
    if (!own_sprite(r, c, args[0], &info)) return;
    if (running_capture(r, c, args[0], &job) < 0) {
        srv_error(r, 409, "no_capture", "no capture runs in sprite '%s'", args[0]);
        return;
    }
    /* SIGTERM: rae capture writes the HAR and ends */
    int rc = rae_sprite_service_stop(r->server->sprites, args[0], SERVICE, err, sizeof err);
    json_t *detail = json_loads(job.detail, 0, NULL);
    const char *har = json_string_value(json_object_get(detail, "har_path"));
    if (rc == 0)
        rc = rae_sprite_checkpoint(r->server->sprites, args[0], "after a capture", 1, &k, err,
                                   sizeof err);
    rae_store_job_update(r->server->store, job.id, rc == 0 ? "complete" : "error",
                         rc == 0 ? "" : err, NULL, NULL, 0);
    if (rc < 0)
        srv_error(r, 500, "browser_failed", "%s", err);
    else
        srv_json(r, 200,
                 json_pack("{s:s,s:s,s:s}", "harPath", har ? har : "", "checkpoint", k.id,
                           "captureId", job.id));
    json_decref(detail);
    rae_store_job_clear(&job);
}

void browser_vnc(srv_req *r, caller *c, char args[][128]) {
    rae_sprite_info info;
    char vnc[256];
    if (!own_sprite(r, c, args[0], &info)) return;
    vnc_path(args[0], vnc, sizeof vnc);
    srv_json(r, 200, json_pack("{s:s}", "url", vnc));
}

/* Sends one command to the capture of sprite id and queues its answer as the response. */
static void control_call(srv_req *r, const char *id, json_t *cmd) {
    char err[512], line[4096];
    int fd = rae_sprite_connect(r->server->sprites, id, CONTROL_SOCKET, err, sizeof err);
    if (fd < 0) {
        srv_error(r, 409, "no_browser", "the browser of sprite '%s' is not running", id);
        json_decref(cmd);
        return;
    }
    struct timeval tv = {2, 0}; /* the capture answers at once; never hold the server longer */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    char *text = json_dumps(cmd, JSON_COMPACT);
    json_decref(cmd);
    size_t len = 0;
    ssize_t n = text && write(fd, text, strlen(text)) >= 0 && write(fd, "\n", 1) == 1 ? 0 : -1;
    free(text);
    while (n >= 0 && len < sizeof line - 1 && (n = read(fd, line + len, sizeof line - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    line[len] = 0;
    json_t *reply = json_loads(line, JSON_DISABLE_EOF_CHECK, NULL);
    const char *error = json_string_value(json_object_get(reply, "error"));
    if (!reply)
        srv_error(r, 504, "browser_silent", "the browser of sprite '%s' did not answer", id);
    else if (error && strstr(error, "no tab")) /* Chromium is still starting */
        srv_error(r, 409, "browser_starting", "the browser of sprite '%s' has no tab yet", id);
    else if (error)
        srv_error(r, 400, "bad_request", "%s", error);
    else
        srv_json(r, 200, json_incref(reply));
    json_decref(reply);
}

/* navigate {url}, back, forward, reload: the URL bar and buttons of the browser view. */
void browser_command(srv_req *r, caller *c, char args[][128]) {
    rae_sprite_info info;
    if (!own_sprite(r, c, args[0], &info)) return;
    json_t *body = srv_body_json(r);
    if (!body) return;
    const char *url = json_string_value(json_object_get(body, "url"));
    if (strcmp(args[1], "navigate") == 0 && (!url || !*url)) {
        srv_error(r, 400, "bad_request", "navigate needs {\"url\": ...}");
    } else if (strcmp(args[1], "navigate") && strcmp(args[1], "back") &&
               strcmp(args[1], "forward") && strcmp(args[1], "reload")) {
        srv_error(r, 404, "not_found", "no browser command '%s'", args[1]);
    } else {
        json_t *cmd = json_pack("{s:s}", "op", args[1]);
        if (url) json_object_set_new(cmd, "url", json_string(url));
        control_call(r, args[0], cmd);
    }
    json_decref(body);
}
