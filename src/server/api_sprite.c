/* The sprite routes: the caller's sprite, its files, its checkpoints (docs/api.md). */
#include "server/api.h"
#include "util/text.h"
#include "server/zip.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- sprites ---- */

static json_t *sprite_json(const rae_sprite_info *i) {
    return json_pack("{s:s,s:s,s:f,s:f,s:I,s:i}", "id", i->name, "state", i->state, "created",
                     i->created, "lastActive", i->last_active, "diskUsed", (json_int_t)i->disk_used,
                     "processes", i->processes);
}

/* 1 when sprite id is the caller's and exists (else a 404 is queued). Reads only what the server
 * keeps (the store, sprite.json): never what the sprite holds, so that it is quick on the loop. */
int api_own_sprite(srv_req *r, caller *c, const char *id) {
    if (rae_store_sprite_owned(r->server->store, c->user.id, id) != 1 ||
        rae_sprite_get(r->server->sprites, id, NULL, NULL) < 0) {
        srv_error(r, 404, "not_found", "no sprite '%s'", id);
        return 0;
    }
    return 1;
}

#define LIST_MAX 16

/* A sprite call that runs on a worker thread (srv_defer): what it needs and what it gave. */
typedef struct sprite_job {
    rae_sprites *sprites; /* borrowed from the server */
    long long user_id;
    char id[128], arg[1024]; /* the sprite, and a checkpoint id or a path */
    char *comment;           /* owned, may be NULL */
    int rc;
    rae_err err;
    rae_sprite_info info; /* of a sprite made or read: its state, processes, disk used */
    rae_checkpoint k;
    char names[LIST_MAX][RAE_STORE_SPRITE_NAME_MAX]; /* a listing: the caller's sprites */
    int n_names;
    json_t *list; /* a listing's answer (owned until done) */
} sprite_job;

/* A sprite job for the caller's sprite id (caller frees with free_job). */
static sprite_job *new_job(srv_req *r, caller *c, const char *id) {
    sprite_job *j = calloc(1, sizeof *j);
    if (!j) abort();
    j->sprites = r->server->sprites;
    j->user_id = c->user.id;
    snprintf(j->id, sizeof j->id, "%s", id);
    return j;
}

static void free_job(sprite_job *j) {
    free(j->comment);
    json_decref(j->list);
    free(j);
}

/* The state of a sprite reads its cgroup and its disk (a walk of the workspace, without a
 * filesystem of its own): on a worker thread. */
static void list_work(void *arg) {
    sprite_job *j = arg;
    j->list = json_array();
    for (int i = 0; i < j->n_names; i++) {
        rae_sprite_info info;
        if (rae_sprite_get(j->sprites, j->names[i], &info, NULL) == 0)
            json_array_append_new(j->list, sprite_json(&info));
    }
}

static void list_done(srv_req *r, void *arg) {
    sprite_job *j = arg;
    srv_json(r, 200, json_pack("{s:O}", "sprites", j->list));
    free_job(j);
}

void api_sprite_list(srv_req *r, caller *c, char args[][128]) {
    (void)args;
    sprite_job *j = new_job(r, c, "");
    j->n_names = rae_store_sprites_of(r->server->store, c->user.id, j->names, LIST_MAX);
    if (j->n_names < 0) j->n_names = 0;
    srv_defer(r, list_work, list_done, j);
}

static void create_work(void *arg) {
    sprite_job *j = arg;
    if (rae_sprite_get(j->sprites, j->id, &j->info, NULL) == 0) return;
    j->rc = rae_sprite_create(j->sprites, j->id, &j->info, &j->err);
    if (j->rc < 0 && rae_sprite_get(j->sprites, j->id, &j->info, NULL) == 0)
        j->rc = 0; /* a request of the same user made it meanwhile */
}

static void create_done(srv_req *r, void *arg) {
    sprite_job *j = arg;
    rae_err err;
    rae_store *st = r->server->store;
    int rc = j->rc < 0 ? -1 : rae_store_sprite_add(st, j->user_id, j->id, &err);
    int taken = rc < 0 && j->rc >= 0 && err.code == RAE_E_EXISTS;
    if (taken && rae_store_sprite_owned(st, j->user_id, j->id) != 1)
        rae_err_fail(&err, "sprite '%s' belongs to another user", j->id);
    else if (taken)
        rc = 1; /* theirs already: made by a request of theirs meanwhile */
    if (j->rc < 0)
        srv_error(r, 503, "sprite_failed", "%s", j->err.message);
    else if (rc < 0)
        srv_error(r, 500, "internal", "%s", err.message);
    else
        srv_json(r, rc == 0 ? 201 : 200, sprite_json(&j->info));
    free_job(j);
}

/* Creates the caller's sprite (one per user: "u" and their id), or returns the one they have. */
void api_sprite_create(srv_req *r, caller *c, char args[][128]) {
    (void)args;
    char names[1][RAE_STORE_SPRITE_NAME_MAX], name[RAE_STORE_SPRITE_NAME_MAX];
    if (rae_store_sprites_of(r->server->store, c->user.id, names, 1) > 0 &&
        rae_sprite_get(r->server->sprites, names[0], NULL, NULL) == 0)
        snprintf(name, sizeof name, "%s", names[0]); /* create_work finds it and answers 200 */
    else
        snprintf(name, sizeof name, "u%lld", c->user.id);
    srv_defer(r, create_work, create_done, new_job(r, c, name));
}

static void get_work(void *arg) {
    sprite_job *j = arg;
    j->rc = rae_sprite_get(j->sprites, j->id, &j->info, &j->err);
}

static void get_done(srv_req *r, void *arg) {
    sprite_job *j = arg;
    if (j->rc < 0)
        srv_error(r, 404, "not_found", "no sprite '%s'", j->id);
    else
        srv_json(r, 200, sprite_json(&j->info));
    free_job(j);
}

void api_sprite_get(srv_req *r, caller *c, char args[][128]) {
    if (api_own_sprite(r, c, args[0])) srv_defer(r, get_work, get_done, new_job(r, c, args[0]));
}

static void delete_work(void *arg) {
    sprite_job *j = arg;
    j->rc = rae_sprite_destroy(j->sprites, j->id, &j->err);
}

static void delete_done(srv_req *r, void *arg) {
    sprite_job *j = arg;
    if (j->rc < 0) {
        srv_error(r, 500, "sprite_failed", "%s", j->err.message);
    } else {
        rae_store_sprite_remove(r->server->store, j->user_id, j->id);
        srv_json(r, 200, json_pack("{s:b}", "ok", 1));
    }
    free_job(j);
}

void api_sprite_delete(srv_req *r, caller *c, char args[][128]) {
    if (api_own_sprite(r, c, args[0]))
        srv_defer(r, delete_work, delete_done, new_job(r, c, args[0]));
}

/* ---- files ---- */

/* The path parameter, or a 400 queued. */
static int path_param(srv_req *r, char *path, size_t n) {
    if (srv_query(r, "path", path, n) == 0 && *path) return 1;
    srv_error(r, 400, "bad_request", "give the path: ?path=/workspace/...");
    return 0;
}

/* 400 for a path the sprite layer refuses (one that leads out), 404 for one that is not there,
 * 500 for the rest. */
static void file_error(srv_req *r, const rae_err *err) {
    if (err->code == RAE_E_INVALID)
        srv_error(r, 400, "bad_path", "%s", err->message);
    else if (err->code == RAE_E_NOT_FOUND)
        srv_error(r, 404, "not_found", "%s", err->message);
    else
        srv_error(r, 500, "internal", "%s", err->message);
}

static const char *type_of(const char *path) {
    static const char *const types[][2] = {
        {".json", "application/json"},           {".har", "application/json"},
        {".py", "text/x-python; charset=utf-8"}, {".md", "text/markdown; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"},   {".yaml", "text/yaml; charset=utf-8"},
        {".html", "text/plain; charset=utf-8"}, /* never rendered as a page of ours */
        {".env", "text/plain; charset=utf-8"},   {".log", "text/plain; charset=utf-8"}};
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        size_t e = strlen(types[i][0]);
        if (n >= e && strcmp(path + n - e, types[i][0]) == 0) return types[i][1];
    }
    return "application/octet-stream";
}

static json_t *listing(const rae_sprite_file *all, size_t n, const char *path) {
    json_t *entries = json_array();
    for (size_t i = 0; i < n; i++) {
        char type[2] = {all[i].type, 0};
        json_array_append_new(entries,
                              json_pack("{s:s,s:s,s:I,s:f}", "name", all[i].name, "type",
                                        type[0] == 'd'   ? "dir"
                                        : type[0] == 'f' ? "file"
                                        : type[0] == 'l' ? "symlink"
                                                         : "other",
                                        "size", (json_int_t)all[i].size, "mtime", all[i].mtime));
    }
    return json_pack("{s:s,s:o}", "path", path, "entries", entries);
}

/* Content-Disposition: attachment, named after the last part of path (+ suffix), as a quoted
 * string of plain characters. */
static void attachment(srv_req *r, const char *path, const char *suffix) {
    const char *base = strrchr(path, '/');
    char name[256], disposition[320];
    const char *last = base ? base + 1 : path;
    snprintf(name, sizeof name, "%s", *last ? last : "workspace");
    for (char *p = name; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            *p = '_';
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s%s\"", name, suffix);
    srv_header(r, "Content-Disposition", disposition);
}

/* A file of the sprite streamed from its descriptor. */
typedef struct file_src {
    int fd;
} file_src;

static long file_fill(void *src, char *out, size_t cap) {
    file_src *f = src;
    ssize_t n;
    do
        n = read(f->fd, out, cap);
    while (n < 0 && errno == EINTR);
    return (long)n;
}

static void file_free(void *src) {
    file_src *f = src;
    close(f->fd);
    free(f);
}

/* fd (taken) as r's response, read piece by piece as the client takes it. */
static void send_file(srv_req *r, int fd, const char *path, int download) {
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        srv_error(r, 500, "internal", "%s: %s", path, strerror(errno));
        close(fd);
        return;
    }
    file_src *f = malloc(sizeof *f);
    if (!f) abort();
    f->fd = fd;
    if (download) attachment(r, path, "");
    srv_respond_stream(r, 200, download ? "application/octet-stream" : type_of(path),
                       (long long)sb.st_size, file_fill, file_free, f);
}

/* Adds the files under dir (a sprite path) to z, named prefix/...; symlinks and others are left
 * out. -1 and a response queued when it fails or passes what a ZIP holds. */
static int zip_dir(srv_req *r, rae_sprites *sprites, const char *sprite, const char *dir,
                   const char *prefix, zip_stream *z, int depth) {
    rae_sprite_file *all;
    size_t n;
    rae_err err;
    if (depth > 32 || rae_sprite_files_list(sprites, sprite, dir, &all, &n, &err) < 0) {
        srv_error(r, 500, "internal", "%s",
                  depth > 32 ? "directories nested too deep" : err.message);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char path[2048], name[2048];
        snprintf(path, sizeof path, "%s/%s", dir, all[i].name);
        snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "/" : "", all[i].name);
        if (all[i].type == 'd') {
            rc = zip_dir(r, sprites, sprite, path, name, z, depth + 1);
        } else if (all[i].type == 'f' && zip_stream_add(z, path, name, (time_t)all[i].mtime) < 0) {
            srv_error(r, 413, "too_large", "more than %d files for one ZIP", ZIP_FILES_MAX);
            rc = -1;
        }
    }
    free(all);
    return rc;
}

/* A directory as NAME.zip, made as it is sent. */
static void send_zip(srv_req *r, rae_sprites *sprites, const char *sprite, const char *dir) {
    zip_stream *z = zip_stream_new(sprites, sprite);
    if (zip_dir(r, sprites, sprite, dir, "", z, 0) < 0) {
        zip_stream_free(z);
        return;
    }
    attachment(r, dir, ".zip");
    srv_respond_stream(r, 200, "application/zip", -1, zip_stream_fill, zip_stream_free, z);
}

/* api_files_get's answer, built on a worker thread: a listing, a file, or a zip. */
static void files_build(srv_req *r, void *arg) {
    sprite_job *j = arg;
    char path[1024], flag[8];
    rae_err err;
    const char *sprite = j->id;
    path_param(r, path, sizeof path);
    int download = srv_query(r, "download", flag, sizeof flag) == 0 && strcmp(flag, "0") != 0;
    rae_sprite_file *all;
    size_t n;
    if (rae_sprite_files_list(j->sprites, sprite, path, &all, &n, &err) == 0) {
        if (download)
            send_zip(r, j->sprites, sprite, path);
        else
            srv_json(r, 200, listing(all, n, path));
        free(all);
    } else {
        int fd = rae_sprite_file_open(j->sprites, sprite, path, &err);
        if (fd < 0) {
            file_error(r, &err);
        } else {
            send_file(r, fd, path, download);
        }
    }
    free_job(j);
}

void api_files_get(srv_req *r, caller *c, char args[][128]) {
    char path[1024];
    if (api_own_sprite(r, c, args[0]) && path_param(r, path, sizeof path))
        srv_defer_response(r, files_build, new_job(r, c, args[0]));
}

/* Removing a tree of the sprite may take long (200k files): on a worker thread. */
static void delete_files_work(void *arg) {
    sprite_job *j = arg;
    j->rc = rae_sprite_file_remove(j->sprites, j->id, j->arg, &j->err);
}

static void delete_files_done(srv_req *r, void *arg) {
    sprite_job *j = arg;
    if (j->rc < 0)
        file_error(r, &j->err);
    else
        srv_json(r, 200, json_pack("{s:b}", "ok", 1));
    free_job(j);
}

void api_files_delete(srv_req *r, caller *c, char args[][128]) {
    char path[1024];
    if (!api_own_sprite(r, c, args[0]) || !path_param(r, path, sizeof path)) return;
    sprite_job *j = new_job(r, c, args[0]);
    snprintf(j->arg, sizeof j->arg, "%s", path);
    srv_defer(r, delete_files_work, delete_files_done, j);
}

/* ---- checkpoints ---- */

static json_t *checkpoint_json(const rae_checkpoint *k) {
    return json_pack("{s:s,s:f,s:s,s:b,s:I,s:I,s:I}", "id", k->id, "time", k->time, "comment",
                     k->comment, "automatic", k->automatic, "files", (json_int_t)k->files, "bytes",
                     (json_int_t)k->bytes, "added", (json_int_t)k->added);
}

/* On a worker thread: the listing waits for the store's lock while a checkpoint is being made. */
static void checkpoints_work(void *arg) {
    sprite_job *j = arg;
    rae_checkpoint *all;
    size_t n;
    j->rc = rae_sprite_checkpoints(j->sprites, j->id, &all, &n, &j->err);
    if (j->rc < 0) return;
    j->list = json_array();
    for (size_t i = n; i-- > 0;) /* newest first */
        json_array_append_new(j->list, checkpoint_json(&all[i]));
    free(all);
}

static void checkpoints_done(srv_req *r, void *arg) {
    sprite_job *j = arg;
    if (j->rc < 0)
        srv_error(r, 500, "internal", "%s", j->err.message);
    else
        srv_json(r, 200, json_pack("{s:O}", "checkpoints", j->list));
    free_job(j);
}

void api_checkpoint_list(srv_req *r, caller *c, char args[][128]) {
    if (api_own_sprite(r, c, args[0]))
        srv_defer(r, checkpoints_work, checkpoints_done, new_job(r, c, args[0]));
}

static void checkpoint_work(void *arg) {
    sprite_job *j = arg;
    j->rc = rae_sprite_checkpoint(j->sprites, j->id, j->comment, 0, &j->k, &j->err);
}

static void checkpoint_done(srv_req *r, void *arg) {
    sprite_job *j = arg;
    if (j->rc < 0)
        srv_error(r, 500, "checkpoint_failed", "%s", j->err.message);
    else
        srv_json(r, 201, checkpoint_json(&j->k));
    free_job(j);
}

void api_checkpoint_create(srv_req *r, caller *c, char args[][128]) {
    if (!api_own_sprite(r, c, args[0])) return;
    json_t *body = srv_body_json(r);
    const char *comment;
    if (!body || srv_body_string(r, body, "comment", &comment) < 0) {
        json_decref(body);
        return;
    }
    sprite_job *j = new_job(r, c, args[0]);
    j->comment = comment ? strdup(comment) : NULL;
    json_decref(body);
    srv_defer(r, checkpoint_work, checkpoint_done, j);
}

static void restore_work(void *arg) {
    sprite_job *j = arg;
    j->rc = rae_sprite_restore(j->sprites, j->id, j->arg, &j->err);
}

static void restore_done(srv_req *r, void *arg) {
    sprite_job *j = arg;
    int unknown = j->rc < 0 && j->err.code == RAE_E_NOT_FOUND;
    if (j->rc < 0)
        srv_error(r, unknown ? 404 : 500, unknown ? "not_found" : "restore_failed", "%s",
                  j->err.message);
    else
        srv_json(r, 200, json_pack("{s:b,s:s}", "ok", 1, "restored", j->arg));
    free_job(j);
}

void api_checkpoint_restore(srv_req *r, caller *c, char args[][128]) {
    if (!api_own_sprite(r, c, args[0])) return;
    sprite_job *j = new_job(r, c, args[0]);
    snprintf(j->arg, sizeof j->arg, "%s", args[1]);
    srv_defer(r, restore_work, restore_done, j);
}

/* ---- the history: captures and engineer runs ---- */

static json_t *job_json(const rae_store_job *j) {
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:f}", "id", j->id, "kind", j->kind, "sprite",
                          j->sprite, "status", j->status, "started", j->started);
    if (j->ended > 0) json_object_set_new(o, "ended", json_real(j->ended));
    if (j->error && *j->error) json_object_set_new(o, "error", json_string(j->error));
    json_t *detail = json_loads(j->detail, 0, NULL), *v;
    const char *k;
    char name[64];
    json_object_foreach(detail, k, v) { /* url, har_path, ... as stored, in camelCase */
        text_camel(k, name, sizeof name);
        if (!json_object_get(o, name)) json_object_set(o, name, v);
    }
    json_decref(detail);
    return o;
}

void api_sessions_list(srv_req *r, caller *c, char args[][128]) {
    (void)args;
    rae_store_job *jobs;
    size_t n;
    if (rae_store_job_list(r->server->store, c->user.id, NULL, NULL, 200, &jobs, &n) < 0) {
        srv_error(r, 500, "internal", "%s", rae_store_err(r->server->store)->message);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, job_json(&jobs[i]));
    rae_store_jobs_free(jobs, n);
    srv_json(r, 200, json_pack("{s:o}", "sessions", list));
}
