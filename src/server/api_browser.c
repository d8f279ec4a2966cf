/* The browser of a sprite: a capture (rae capture on the sprite's VNC display) run as the sprite's
 * service "browser", its HAR under /workspace/har/, a job in the history; stopping it ends the
 * capture (the HAR is written), checkpoints the sprite and returns the HAR's path. */
#include "server/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SERVICE "browser"
#define VNC_SOCKET "vnc:/tmp/vnc.sock"

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
    const char *argv[] = {"rae",       "capture",   url && *url ? url : "about:blank",
                          "--display", VNC_SOCKET,  "--har",
                          har,         "--profile", "/workspace/.profile",
                          NULL};
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
