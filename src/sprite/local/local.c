/* The local sprite driver: sprites as directories under DATA/sprites, their processes in bwrap
 * sandboxes (sandbox.c) under a host uid of their own, their files confined (files.c), their
 * network a namespace with pasta and a guard (net.c), their checkpoints a store (ckpt.c). */
#include "sprite/local/local.h"
#include "util/jfile.h"
#include "ckpt/ckpt.h"
#include "host/net.h"
#include "util/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define UID_BASE 200000   /* host uids of sprites when rae runs as root: UID_BASE + k */
#define KEEP_AUTOMATIC 10 /* automatic checkpoints kept per sprite */
#define MAX_DATA_DIR 2048 /* characters of the data dir's real path */
#define DEFAULT_MAX 16
#define DEFAULT_QUOTA (2ULL << 30)
#define DEFAULT_MEMORY (2ULL << 30)
#define DEFAULT_PROCS 512
#define DEFAULT_WARM_S 300.0  /* idle this long: frozen (warm) */
#define DEFAULT_COLD_S 1800.0 /* idle this long: services stopped (cold) */

static double now_wall(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* a/b into out. Paths here are at most MAX_DATA_DIR + a few short names long (checked when the
 * driver opens), so a truncation would be a bug: it stops rather than use a wrong path. */
static void join(char *out, size_t n, const char *a, const char *b) {
    int len = snprintf(out, n, "%s/%s", a, b);
    if (len < 0 || (size_t)len >= n) abort();
}

void local_path(const lsprite *s, const char *sub, char *out, size_t n) {
    join(out, n, s->dir, sub);
}

void local_workspace(const lsprite *s, char *out, size_t n) {
    local_path(s, s->own_fs ? "ws/workspace" : "workspace", out, n);
}

void local_tmp(const lsprite *s, char *out, size_t n) {
    local_path(s, s->own_fs ? "ws/tmp" : "tmp", out, n);
}

void local_group(const local *l, const lsprite *s, char *out, size_t n) {
    snprintf(out, n, "rae-%s-%s", l->netns_tag, s->name);
}

int local_cg_setup(local *l, const lsprite *s, rae_err *err) {
    if (!l->cg) return 0;
    char group[96];
    local_group(l, s, group, sizeof group);
    host_cg_limits lim = {
        .memory = s->lim.memory, .pids = s->lim.max_procs, .cpu_percent = s->lim.cpu_percent};
    return host_cg_setup(l->cg, group, &lim, err);
}

void local_netns(const local *l, const lsprite *s, char *out, size_t n) {
    snprintf(out, n, "%s-%s", l->netns_tag, s->name);
}

/* ---- sprite.json ---- */

static int meta_write(const lsprite *s, rae_err *err) {
    char path[PATH_MAX + 16];
    local_path(s, "sprite.json", path, sizeof path);
    json_t *j =
        json_pack("{s:s,s:f,s:f,s:I,s:I}", "name", s->name, "created", s->created, "last_active",
                  s->last_active, "uid", (json_int_t)s->uid, "gid", (json_int_t)s->gid);
    json_t *allow = json_array();
    for (int i = 0; i < s->n_allow; i++)
        json_array_append_new(allow, json_string(s->allow[i]));
    json_object_set_new(j, "allow_net", allow);
    json_object_set_new(j, "own_fs", json_boolean(s->own_fs));
    json_object_set_new(j, "limits",
                        json_pack("{s:I,s:I,s:i,s:i}", "memory", (json_int_t)s->lim.memory,
                                  "disk_quota", (json_int_t)s->lim.disk_quota, "max_procs",
                                  s->lim.max_procs, "cpu_percent", s->lim.cpu_percent));
    int rc = jfile_replace(j, path, 0644, JSON_INDENT(1), err);
    json_decref(j);
    return rc;
}

int local_load(local *l, const char *name, lsprite *s, rae_err *err) {
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    join(s->dir, sizeof s->dir, l->sprites_dir, name);
    char path[PATH_MAX + 16];
    local_path(s, "sprite.json", path, sizeof path);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        if (access(path, F_OK) < 0)
            return rae_err_set(err, RAE_E_NOT_FOUND, "no sprite '%s'", name);
        return rae_err_fail(err, "%s:%d: %s", path, je.line, je.text);
    }
    s->created = json_real_value(json_object_get(j, "created"));
    s->last_active = json_real_value(json_object_get(j, "last_active"));
    s->uid = (uid_t)json_integer_value(json_object_get(j, "uid"));
    s->gid = (gid_t)json_integer_value(json_object_get(j, "gid"));
    s->own_fs = json_is_true(json_object_get(j, "own_fs"));
    json_t *lim = json_object_get(j, "limits");
    s->lim = l->lim; /* what a sprite.json without limits gets */
    if (json_is_object(lim)) {
        s->lim.memory = (unsigned long long)json_integer_value(json_object_get(lim, "memory"));
        s->lim.disk_quota =
            (unsigned long long)json_integer_value(json_object_get(lim, "disk_quota"));
        s->lim.max_procs = (int)json_integer_value(json_object_get(lim, "max_procs"));
        s->lim.cpu_percent = (int)json_integer_value(json_object_get(lim, "cpu_percent"));
    }
    json_t *allow = json_object_get(j, "allow_net");
    for (size_t i = 0; i < json_array_size(allow) && s->n_allow < SPRITE_MAX_ALLOW; i++) {
        const char *spec = json_string_value(json_array_get(allow, i));
        if (spec) snprintf(s->allow[s->n_allow++], sizeof s->allow[0], "%s", spec);
    }
    json_decref(j);
    return local_fs_mount(s, err); /* after a reboot, its first use mounts it again */
}

int local_use(local *l, const char *name, lsprite *s, rae_err *err) {
    if (local_load(l, name, s, err) < 0) return -1;
    local_touch(l, s);
    return 0;
}

void local_touch(local *l, lsprite *s) {
    s->last_active = now_wall();
    meta_write(s, NULL);
    char group[96];
    local_group(l, s, group, sizeof group);
    if (l->cg && host_cg_frozen(l->cg, group) == 1 && host_cg_freeze(l->cg, group, 0, NULL) == 0)
        local_ev_emit(s, "state", json_pack("{s:s}", "state", "running")); /* it was warm */
    local_svc_wake(l, s);
}

/* ---- processes: every process of a sprite runs under its host uid (root) ---- */

/* Calls fn(pid) for each process whose real uid is uid; returns how many. */
static int each_process(uid_t uid, void (*fn)(pid_t)) {
    DIR *proc = opendir("/proc");
    if (!proc) return 0;
    int count = 0;
    struct dirent *de;
    while ((de = readdir(proc))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0) continue;
        char path[64], line[256];
        snprintf(path, sizeof path, "/proc/%ld/status", pid);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        while (fgets(line, sizeof line, f)) {
            unsigned long real;
            if (strncmp(line, "State:\tZ", 8) == 0) break; /* a zombie runs nothing */
            if (sscanf(line, "Uid: %lu", &real) == 1) {
                if (real == uid) {
                    count++;
                    if (fn) fn((pid_t)pid);
                }
                break;
            }
        }
        fclose(f);
    }
    closedir(proc);
    return count;
}

static void kill_one(pid_t pid) {
    kill(pid, SIGKILL);
}

/* Ends every process of s (a sprite's uid is its own, so this touches nothing else). */
static void stop_processes(local *l, const lsprite *s) {
    char group[96];
    local_group(l, s, group, sizeof group);
    /* with cgroups, exactly the sprite's processes (a warm sprite is thawed first); by uid only
     * without them, and only for a uid of rae's own range (a sprite made by an unprivileged rae
     * runs as its user) */
    if (l->cg && host_cg_kill_all(l->cg, group, NULL) == 0) return;
    if (!l->root || s->uid <= UID_BASE) return;
    for (int round = 0; round < 50 && each_process(s->uid, kill_one) > 0; round++)
        usleep(20000);
}

/* ---- the disk ---- */

/* Bytes (allocated blocks) under the directory dfd, which it closes. */
static unsigned long long du_at(int dfd) {
    DIR *dir = fdopendir(dfd);
    if (!dir) {
        close(dfd);
        return 0;
    }
    unsigned long long total = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        struct stat sb;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        if (fstatat(dirfd(dir), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0) continue;
        total += (unsigned long long)sb.st_blocks * 512;
        if (S_ISDIR(sb.st_mode)) {
            int sub = openat(dirfd(dir), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            if (sub >= 0) total += du_at(sub);
        }
    }
    closedir(dir);
    return total;
}

unsigned long long local_disk_used(const lsprite *s) {
    if (s->own_fs) return local_fs_used(s); /* the whole filesystem: workspace, /tmp, logs */
    char ws[PATH_MAX + 16], tmp[PATH_MAX + 16];
    local_workspace(s, ws, sizeof ws);
    local_tmp(s, tmp, sizeof tmp);
    int fd = open(ws, O_RDONLY | O_DIRECTORY), tfd = open(tmp, O_RDONLY | O_DIRECTORY);
    return (fd < 0 ? 0 : du_at(fd)) + (tfd < 0 ? 0 : du_at(tfd));
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int rm_tree(const char *path) {
    if (access(path, F_OK) < 0) return 0;
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- info ---- */

static void fill_info(local *l, const lsprite *s, rae_sprite_info *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", s->name);
    out->created = s->created;
    out->last_active = s->last_active;
    char group[96];
    local_group(l, s, group, sizeof group);
    out->processes = l->cg                          ? host_cg_count(l->cg, group)
                     : l->root && s->uid > UID_BASE ? each_process(s->uid, NULL)
                                                    : 0;
    const char *state = l->cg && host_cg_frozen(l->cg, group) == 1 ? "warm"
                        : out->processes > 0                       ? "running"
                        : local_svc_wanted(s) > 0                  ? "cold"
                                                                   : "idle";
    snprintf(out->state, sizeof out->state, "%s", state);
    out->oom_kills = l->cg ? host_cg_oom_events(l->cg, group) : 0;
    if (out->oom_kills < 0) out->oom_kills = 0;
    out->memory_limit = l->cg ? s->lim.memory : 0;
    out->disk_used = local_disk_used(s);
}

static const sprite_ops local_ops;

int rae_sprites_local_workspace(rae_sprites *d, const char *name, char *out, size_t n,
                                rae_err *err) {
    if (d->ops != &local_ops)
        return rae_err_set(err, RAE_E_INVALID, "sprite '%s': not on this machine (%s driver)", name,
                           d->ops->kind);
    lsprite s;
    if (local_load((local *)d, name, &s, err) < 0) return -1;
    local_workspace(&s, out, n);
    return 0;
}

static int l_get(rae_sprites *d, const char *name, rae_sprite_info *out, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_load(l, name, &s, err) < 0) return -1;
    if (out) fill_info(l, &s, out);
    return 0;
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const rae_sprite_info *)a)->name, ((const rae_sprite_info *)b)->name);
}

static int l_list(rae_sprites *d, rae_sprite_info **out, size_t *count, rae_err *err) {
    local *l = (local *)d;
    *out = NULL;
    *count = 0;
    DIR *dir = opendir(l->sprites_dir);
    if (!dir) return rae_err_fail(err, "%s: %s", l->sprites_dir, strerror(errno));
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(dir))) {
        lsprite s;
        if (de->d_name[0] == '.' || rae_sprite_name_check(de->d_name, NULL) < 0) continue;
        if (local_load(l, de->d_name, &s, NULL) < 0) continue;
        if (*count == cap) {
            cap = cap ? cap * 2 : 8;
            *out = realloc(*out, cap * sizeof **out);
            if (!*out) abort();
        }
        fill_info(l, &s, &(*out)[(*count)++]);
    }
    closedir(dir);
    if (*count) qsort(*out, *count, sizeof **out, by_name);
    return 0;
}

/* ---- create / destroy ---- */

/* The smallest host uid from the data dir's own range that no sprite of it has: data dirs get
 * ranges of 1000 by a hash of their path, so that two of them on one host (tests, two servers)
 * do not give their sprites the same uid. */
static uid_t free_uid(local *l) {
    rae_sprite_info *all;
    size_t n;
    uid_t uid = l->uid_base;
    if (l_list(&l->base, &all, &n, NULL) < 0) return uid;
    for (int again = 1; again;) {
        again = 0;
        for (size_t i = 0; i < n; i++) {
            lsprite s;
            if (local_load(l, all[i].name, &s, NULL) == 0 && s.uid == uid) {
                uid++;
                again = 1;
            }
        }
    }
    free(all);
    return uid;
}

static int write_text(const char *path, const char *text, rae_err *err) {
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        return rae_err_fail(err, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

/* The directories and files a new sprite starts with. */
/* The sprite's own files: /etc/passwd, group, hostname, resolv.conf. */
static int write_etc(const lsprite *s, rae_err *err) {
    char host[64];
    snprintf(host, sizeof host, "%s\n", s->name);
    const char *const files[][2] = {
        {"etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                       "sprite:x:1000:1000:sprite:/workspace:/bin/bash\n"
                       "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"},
        {"etc/group", "root:x:0:\nsprite:x:1000:\nnogroup:x:65534:\n"},
        {"etc/resolv.conf", "nameserver " SNET_DNS "\n"}, /* pasta forwards DNS there */
        {"etc/hostname", host}};
    char path[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        local_path(s, files[i][0], path, sizeof path);
        if (write_text(path, files[i][1], err) < 0) return -1;
    }
    return 0;
}

/* The directories and files a new sprite starts with; its workspace filesystem when it has one. */
static int lay_out(local *l, const lsprite *s, rae_err *err) {
    static const char *const dirs[] = {"", "etc", "run", "tmp"}; /* tmp: in the image if any */
    static const char *const in_ws[] = {"", "/har", "/scripts", "/.profile"};
    char path[PATH_MAX + 32], ws[PATH_MAX + 16];
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs - (s->own_fs ? 1 : 0); i++) {
        local_path(s, dirs[i], path, sizeof path);
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            return rae_err_fail(err, "%s: cannot create: %s", path, strerror(errno));
    }
    if (write_etc(s, err) < 0) return -1;
    if (s->own_fs && local_fs_create(s, err) < 0) return -1;
    local_workspace(s, ws, sizeof ws);
    for (size_t i = 0; i < sizeof in_ws / sizeof *in_ws; i++) {
        snprintf(path, sizeof path, "%s%s", ws, in_ws[i]);
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
            return rae_err_fail(err, "%s: cannot create: %s", path, strerror(errno));
        if (l->root && chown(path, s->uid, s->gid) < 0)
            return rae_err_fail(err, "%s: cannot hand to uid %u: %s", path, (unsigned)s->uid,
                                strerror(errno));
    }
    local_tmp(s, path, sizeof path);
    if (l->root && chown(path, s->uid, s->gid) < 0)
        return rae_err_fail(err, "%s: cannot hand to uid %u: %s", path, (unsigned)s->uid,
                            strerror(errno));
    chmod(path, 0700);
    return 0;
}

/* The data dir's create lock, held (flock, exclusive; close to release): creates run one at a
 * time, whether from the server's worker threads or from other rae processes, so that each counts
 * the sprites made before it and takes a uid none of them has. -1 + err when it cannot be had. */
static int create_lock(const local *l, rae_err *err) {
    char path[PATH_MAX + 16];
    join(path, sizeof path, l->data_dir, "sprites.lock");
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return rae_err_fail(err, "%s: cannot open: %s", path, strerror(errno));
    while (flock(fd, LOCK_EX) < 0) {
        if (errno == EINTR) continue;
        rae_err_fail(err, "%s: flock: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* l_create's work, under the create lock. */
static int create_locked(local *l, const char *name, rae_sprite_info *out, rae_err *err) {
    rae_sprites *d = &l->base;
    lsprite s;
    if (local_load(l, name, &s, NULL) == 0)
        return rae_err_set(err, RAE_E_EXISTS, "sprite '%s' exists already", name);
    rae_sprite_info *all;
    size_t n;
    if (l_list(d, &all, &n, err) < 0) return -1;
    free(all);
    if ((int)n >= l->max_sprites)
        return rae_err_set(err, RAE_E_LIMIT,
                           "cannot create '%s': %zu sprites, the most this data dir allows "
                           "(remove one with 'rae sprite rm NAME')",
                           name, n);
    memset(&s, 0, sizeof s);
    snprintf(s.name, sizeof s.name, "%s", name);
    join(s.dir, sizeof s.dir, l->sprites_dir, name);
    s.own_fs = 1; /* what a create that was cut short left (no sprite.json) goes */
    local_fs_unmount(&s, NULL);
    rm_tree(s.dir);
    s.own_fs = l->own_fs;
    s.uid = l->root ? free_uid(l) : getuid();
    s.gid = l->root ? (gid_t)s.uid : getgid();
    s.created = s.last_active = now_wall();
    s.lim = l->lim;
    if (l->n_allow > SPRITE_MAX_ALLOW)
        return rae_err_fail(err, "at most %d --allow-net entries per sprite", SPRITE_MAX_ALLOW);
    for (size_t i = 0; i < l->n_allow; i++)
        snprintf(s.allow[s.n_allow++], sizeof s.allow[0], "%s", l->allow[i]);
    if (lay_out(l, &s, err) < 0 || meta_write(&s, err) < 0) {
        local_fs_unmount(&s, NULL);
        rm_tree(s.dir);
        return -1;
    }
    local_ev_emit(&s, "state", json_pack("{s:s}", "state", "created"));
    if (out) fill_info(l, &s, out);
    return 0;
}

static int l_create(rae_sprites *d, const char *name, rae_sprite_info *out, rae_err *err) {
    local *l = (local *)d;
    int lock = create_lock(l, err);
    if (lock < 0) return -1;
    int rc = create_locked(l, name, out, err);
    close(lock);
    return rc;
}

/* A sprite whose sprite.json is gone but whose directory is not (a create or rm cut short, a
 * data dir removed under a running sprite): enough of it to take down what may still run of it. */
static int leftover(local *l, const char *name, lsprite *s) {
    char tmp[PATH_MAX + 8];
    struct stat sb;
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    join(s->dir, sizeof s->dir, l->sprites_dir, name);
    if (stat(s->dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) return 0;
    s->uid = (uid_t)-1;
    for (s->own_fs = 0; s->own_fs < 2 && s->uid == (uid_t)-1; s->own_fs++) { /* its /tmp's owner */
        local_tmp(s, tmp, sizeof tmp);
        if (stat(tmp, &sb) == 0 && sb.st_uid != 0) s->uid = sb.st_uid;
    }
    s->own_fs = 1; /* unmounted if mounted */
    s->lim = l->lim;
    return 1;
}

static int l_destroy(rae_sprites *d, const char *name, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_load(l, name, &s, err) < 0 && !leftover(l, name, &s)) return -1;
    local_svc_quit(l, &s, NULL);
    stop_processes(l, &s);
    if (l->root && !l->no_network) {
        char ns[96], pid_file[PATH_MAX + 16];
        local_netns(l, &s, ns, sizeof ns);
        local_path(&s, "run/pasta.pid", pid_file, sizeof pid_file);
        if (host_net_down(ns, pid_file, err) < 0) return -1;
    }
    char group[96], meta[PATH_MAX + 16];
    local_group(l, &s, group, sizeof group);
    if (l->cg) host_cg_remove(l->cg, group, NULL);
    local_path(&s, "sprite.json", meta, sizeof meta);
    unlink(meta); /* gone from now on, even if removing the rest is cut short */
    if (local_fs_unmount(&s, err) < 0) return -1;
    if (rm_tree(s.dir) < 0)
        return rae_err_fail(err, "%s: cannot remove: %s", s.dir, strerror(errno));
    return 0;
}

static int l_touch(rae_sprites *d, const char *name, rae_err *err) {
    lsprite s;
    return local_use((local *)d, name, &s, err);
}

/* ---- network ---- */

/* The sprite's own allow list and the driver's, parsed into out (caller frees *out). */
static int allow_list(local *l, const lsprite *s, host_net_allow **out, size_t *n, rae_err *err) {
    *n = 0;
    *out = calloc(l->n_allow + (size_t)s->n_allow + 1, sizeof **out);
    if (!*out) abort();
    for (int i = 0; i < s->n_allow; i++)
        if (host_net_parse_allow(s->allow[i], &(*out)[(*n)++], err) < 0) return -1;
    for (size_t i = 0; i < l->n_allow; i++) {
        int seen = 0;
        for (int k = 0; k < s->n_allow && !seen; k++)
            seen = strcmp(s->allow[k], l->allow[i]) == 0;
        if (!seen && host_net_parse_allow(l->allow[i], &(*out)[(*n)++], err) < 0) return -1;
    }
    return 0;
}

int local_net_up(local *l, lsprite *s, rae_err *err) {
    if (!l->root || l->no_network) return 0;
    char ns[96], pid_file[PATH_MAX + 16];
    local_netns(l, s, ns, sizeof ns);
    local_path(s, "run/pasta.pid", pid_file, sizeof pid_file);
    if (host_net_is_up(ns, pid_file)) return 0;
    host_net_allow *allow;
    size_t n;
    int rc = allow_list(l, s, &allow, &n, err);
    if (rc == 0) rc = host_net_up(ns, allow, n, pid_file, err);
    free(allow);
    return rc;
}

static int l_exec(rae_sprites *d, const char *name, const rae_sprite_exec_opts *o,
                  rae_sprite_proc *out, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_use(l, name, &s, err) < 0) return -1;
    if (local_net_up(l, &s, err) < 0) return -1;
    return local_sbx_spawn(l, &s, o, -1, out, err);
}

/* ---- checkpoints ---- */

static ckpt_store *store_of(const lsprite *s, rae_err *err) {
    char dir[PATH_MAX + 16];
    local_path(s, "ckpt", dir, sizeof dir);
    return ckpt_store_open(dir, 0, err);
}

static void to_public(const ckpt_info *c, rae_checkpoint *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", c->id);
    snprintf(out->comment, sizeof out->comment, "%s", c->comment);
    out->time = c->time;
    out->automatic = c->automatic;
    out->files = c->files;
    out->bytes = c->bytes;
    out->added = c->added;
}

static int l_checkpoint(rae_sprites *d, const char *name, const char *comment, int automatic,
                        rae_checkpoint *out, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_use(l, name, &s, err) < 0) return -1;
    ckpt_store *st = store_of(&s, err);
    if (!st) return -1;
    char ws[PATH_MAX + 16];
    local_workspace(&s, ws, sizeof ws);
    ckpt_info info;
    int rc = ckpt_create(st, ws, comment ? comment : "", automatic, &info, err);
    if (rc == 0 && automatic) ckpt_prune(st, KEEP_AUTOMATIC, NULL);
    if (rc == 0)
        local_ev_emit(&s, "checkpoint",
                      json_pack("{s:s,s:s,s:b}", "id", info.id, "comment", info.comment,
                                "automatic", automatic));
    ckpt_store_free(st);
    if (rc == 0 && out) to_public(&info, out);
    return rc < 0 ? -1 : 0;
}

static int l_checkpoints(rae_sprites *d, const char *name, rae_checkpoint **out, size_t *count,
                         rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    *out = NULL;
    *count = 0;
    if (local_load(l, name, &s, err) < 0) return -1;
    ckpt_store *st = store_of(&s, err);
    if (!st) return -1;
    ckpt_info *all;
    size_t n;
    int rc = ckpt_list(st, &all, &n, err);
    ckpt_store_free(st);
    if (rc < 0) return -1;
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out) abort();
    for (size_t i = 0; i < n; i++)
        to_public(&all[i], &(*out)[i]);
    *count = n;
    free(all);
    return 0;
}

static int l_restore(rae_sprites *d, const char *name, const char *id, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_load(l, name, &s, err) < 0) return -1;
    ckpt_store *st = store_of(&s, err);
    if (!st) return -1;
    ckpt_info info;
    int rc = ckpt_get(st, id, &info, err);
    if (rc == 0) rc = local_svc_pause(l, &s, err); /* services stop first... */
    if (rc == 0) {
        stop_processes(l, &s); /* ...and nothing may hold the old tree open for writing */
        char ws[PATH_MAX + 16];
        local_workspace(&s, ws, sizeof ws);
        rc = ckpt_restore(st, id, ws, err);
        if (rc == 0) local_ev_emit(&s, "restore", json_pack("{s:s}", "id", id));
        rae_err again;
        if (local_svc_resume(l, &s, &again) < 0 && rc == 0) {
            rae_err_copy(err, &again);
            rc = rae_err_prefix(err, "restored, but the services did not start");
        }
    }
    ckpt_store_free(st);
    local_touch(l, &s);
    return rc < 0 ? -1 : 0;
}

static int l_checkpoint_delete(rae_sprites *d, const char *name, const char *id, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_load(l, name, &s, err) < 0) return -1;
    ckpt_store *st = store_of(&s, err);
    if (!st) return -1;
    int rc = ckpt_delete(st, id, err);
    ckpt_store_free(st);
    return rc < 0 ? -1 : 0;
}

/* ---- sockets ---- */

/* Opens the socket path of s (under /tmp or /workspace) as an O_PATH fd without following any
 * name the sprite controls: the directory resolved beneath the sprite's tree with no symlinks, the
 * socket itself opened O_NOFOLLOW and checked to be a socket (a symlink the sprite planted, to
 * another sprite's supervisor say, is refused). */
static int open_socket_path(const lsprite *s, const char *path, rae_err *err) {
    const char *slash = strrchr(path, '/');
    if (strncmp(path, "/tmp/", 5) != 0 && strncmp(path, "/workspace/", 11) != 0)
        return rae_err_fail(err, "connect: %s: sockets are under /tmp or /workspace", path);
    if (!slash[1] || strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0)
        return rae_err_fail(err, "connect: %s: not a socket's name", path);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int dfd = local_files_open_sprite_dir(s, dir, err);
    if (dfd < 0) return -1;
    int fd = openat(dfd, slash + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    close(dfd);
    struct stat sb;
    if (fd < 0)
        return rae_err_fail(err, "connect: %s in sprite '%s': %s", path, s->name, strerror(e));
    if (fstat(fd, &sb) < 0 || !S_ISSOCK(sb.st_mode)) {
        close(fd);
        errno = ENOTSOCK;
        return rae_err_fail(err, "connect: %s in sprite '%s': not a socket (%s)", path, s->name,
                            S_ISLNK(sb.st_mode) ? "a symlink" : "another kind of file");
    }
    return fd;
}

/* Connects to a UNIX socket of the sprite through /proc/self/fd/N of its O_PATH fd (the kernel
 * reaches the inode that was checked; no name is looked up again). Nonblocking, and it does not
 * wait: a listener whose backlog is full fails at once with EAGAIN. Does not touch the sprite (it
 * is called on rae serve's event loop). */
static int l_connect(rae_sprites *d, const char *name, const char *path, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_load(l, name, &s, err) < 0) return -1;
    int pfd = open_socket_path(&s, path, err);
    if (pfd < 0) return -1;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d", pfd);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        rae_err_fail(err, "connect: %s in sprite '%s': %s", path, name,
                     e == EAGAIN ? "busy (its backlog is full)" : strerror(e));
        if (fd >= 0) close(fd);
        fd = -1;
        errno = e;
    }
    close(pfd);
    return fd;
}

/* The host's sockets a sprite reaches (rae_sprite_listen) live in DIR/gate, bound read-only at
 * /run/rae in every sandbox (sandbox.c): the sprite can connect but neither add nor replace. */
#define GATE_DIR "gate"
#define GATE_INSIDE "/run/rae"

/* DIR/gate opened O_PATH (made 0755 when missing: the sprite's uid walks it, as root too). */
static int gate_dir(const lsprite *s, rae_err *err) {
    char path[PATH_MAX + 16];
    local_path(s, GATE_DIR, path, sizeof path);
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return rae_err_fail(err, "%s: %s", path, strerror(errno));
    int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return rae_err_fail(err, "%s: %s", path, strerror(errno));
    return fd;
}

static int l_listen(rae_sprites *d, const char *name, const char *sock, char *inside,
                    size_t insiden, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_load(l, name, &s, err) < 0) return -1;
    int dir = gate_dir(&s, err);
    if (dir < 0) return -1;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", dir, sock);
    unlinkat(dir, sock, 0);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
             fchmodat(dir, sock, 0600, 0) == 0 &&
             (!l->root || fchownat(dir, sock, s.uid, s.gid, AT_SYMLINK_NOFOLLOW) == 0) &&
             listen(fd, 8) == 0;
    int e = errno;
    close(dir);
    if (!ok) {
        if (fd >= 0) close(fd);
        return rae_err_fail(err, "a socket for sprite '%s' (%s): %s", name, sock, strerror(e));
    }
    snprintf(inside, insiden, GATE_INSIDE "/%s", sock);
    return fd;
}

static int l_unlisten(rae_sprites *d, const char *name, const char *sock, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_load(l, name, &s, err) < 0) return -1;
    int dir = gate_dir(&s, err);
    if (dir < 0) return -1;
    int rc = unlinkat(dir, sock, 0) < 0 && errno != ENOENT ? -1 : 0;
    int e = errno;
    close(dir);
    if (rc < 0) return rae_err_fail(err, "%s of sprite '%s': %s", sock, name, strerror(e));
    return 0;
}

/* ---- the driver ---- */

static void l_free(rae_sprites *d) {
    local *l = (local *)d;
    for (size_t i = 0; i < l->n_allow; i++)
        free(l->allow[i]);
    free(l->allow);
    host_cg_free(l->cg);
    host_sec_free(&l->seccomp);
    free(l);
}

static const sprite_ops local_ops = {
    .kind = "local",
    .free = l_free,
    .create = l_create,
    .get = l_get,
    .list = l_list,
    .destroy = l_destroy,
    .touch = l_touch,
    .exec = l_exec,
    .files_list = local_files_list,
    .file_open = local_files_open,
    .file_put = local_files_put,
    .file_remove = local_files_remove,
    .file_rename = local_files_rename,
    .checkpoint = l_checkpoint,
    .checkpoints = l_checkpoints,
    .restore = l_restore,
    .checkpoint_delete = l_checkpoint_delete,
    .service_start = local_svc_start,
    .service_stop = local_svc_stop,
    .services = local_svc_list,
    .service_logs = local_svc_logs,
    .events = local_ev_open,
    .connect = l_connect,
    .listen = l_listen,
    .unlisten = l_unlisten,
};

rae_sprites *rae_sprites_local(const rae_sprite_local_opts *o, rae_err *err) {
    const char *data = o && o->data_dir ? o->data_dir : "./data";
    local *l = calloc(1, sizeof *l);
    if (!l) abort();
    l->base.ops = &local_ops;
    char sprites[PATH_MAX];
    snprintf(sprites, sizeof sprites, "%s/sprites", data);
    if (fs_mkdirs(sprites, 0700, 0700) < 0 || !realpath(data, l->data_dir)) {
        rae_err_fail(err, "data dir %s: %s", data, strerror(errno));
        free(l);
        return NULL;
    }
    if (strlen(l->data_dir) > MAX_DATA_DIR) {
        rae_err_fail(err, "data dir %s: a path of at most %d characters, please", l->data_dir,
                     MAX_DATA_DIR);
        free(l);
        return NULL;
    }
    join(l->sprites_dir, sizeof l->sprites_dir, l->data_dir, "sprites");
    ssize_t n = readlink("/proc/self/exe", l->self_exe, sizeof l->self_exe - 1);
    l->self_exe[n > 0 ? n : 0] = 0;
    uint32_t h = 2166136261u; /* FNV-1a of the data dir */
    for (const char *p = l->data_dir; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    snprintf(l->netns_tag, sizeof l->netns_tag, "r%05x", h & 0xfffff);
    l->uid_base = UID_BASE + 1 + (uid_t)(h % 1000) * 1000;
    l->root = geteuid() == 0;
    l->max_sprites = o && o->max_sprites > 0 ? o->max_sprites : DEFAULT_MAX;
    l->lim.max_procs = o && o->max_procs > 0 ? o->max_procs : DEFAULT_PROCS;
    l->lim.disk_quota = o && o->disk_quota ? o->disk_quota : DEFAULT_QUOTA;
    l->lim.memory = o && o->memory ? o->memory : DEFAULT_MEMORY;
    l->no_network = o && o->no_network;
    l->lim.cpu_percent = o && o->cpu_percent > 0 ? o->cpu_percent : 0;
    l->warm_after = o && o->warm_after > 0 ? o->warm_after : DEFAULT_WARM_S;
    l->cold_after = o && o->cold_after > 0 ? o->cold_after : DEFAULT_COLD_S;
    if (l->root)
        l->cg = host_cg_open(&l->cg_why);
    else
        rae_err_fail(&l->cg_why, "rae does not run as root");
    l->own_fs = local_fs_available(&l->fs_why);
    if (host_sec_build(&l->seccomp, err) < 0) {
        l_free(&l->base);
        return NULL;
    }
    if (o && o->n_allow_net) {
        l->allow = calloc(o->n_allow_net, sizeof *l->allow);
        if (!l->allow) abort();
        for (size_t i = 0; i < o->n_allow_net; i++) {
            host_net_allow probe;
            if (host_net_parse_allow(o->allow_net[i], &probe, err) < 0) {
                l->n_allow = i;
                l_free(&l->base);
                return NULL;
            }
            l->allow[i] = strdup(o->allow_net[i]);
            l->n_allow = i + 1;
        }
    }
    return &l->base;
}
