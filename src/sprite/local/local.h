/* The local sprite driver: bwrap sandboxes on this machine, one directory per sprite under
 * DATA/sprites/NAME (sprite.json, workspace/ and tmp/ or the image mounted at ws/, etc/, ckpt/,
 * run/). Shared by local.c (the sprites themselves), sandbox.c (exec) and files.c (confined
 * files). */
#ifndef RAE_SPRITE_LOCAL_LOCAL_H
#define RAE_SPRITE_LOCAL_LOCAL_H

#include <limits.h>
#include <sys/types.h>

#include "host/cgroup.h"
#include "rae/err.h"
#include "sprite/driver.h"
#include "host/seccomp.h"

typedef struct sprite_limits {
    unsigned long long memory, disk_quota; /* bytes */
    int max_procs, cpu_percent;            /* cpu_percent 0: none */
} sprite_limits;

typedef struct local {
    rae_sprites base;
    char data_dir[PATH_MAX]; /* absolute */
    char sprites_dir[PATH_MAX];
    char self_exe[PATH_MAX]; /* the rae binary, bound into sprites at /opt/rae/bin/rae */
    char netns_tag[8];       /* short hash of data_dir: namespaces of two data dirs differ */
    uid_t uid_base;          /* the first host uid of this data dir's sprites */
    char **allow;            /* owned: "HOST:PORT" */
    size_t n_allow;
    int max_sprites, no_network;
    sprite_limits lim; /* what new sprites get */
    int root;          /* running as root: each sprite has its own host uid and network namespace */
    int own_fs;        /* new sprites get a workspace filesystem of their own (disk.c) */
    rae_err fs_why;    /* ... or why not */
    host_cg_ctx *cg;   /* owned; NULL: no cgroups here (rlimits only), cg_why says why */
    rae_err cg_why;
    int cpu_percent;               /* of one core, 0: no limit */
    double warm_after, cold_after; /* idle seconds before a sprite is frozen / stopped */
    host_sec_filter seccomp;       /* owned: every sprite process's seccomp filter (seccomp.h) */
} local;

#define SPRITE_MAX_ALLOW 16

typedef struct lsprite {
    char name[48];
    char dir[PATH_MAX]; /* DATA/sprites/NAME */
    uid_t uid;          /* the host identity of its processes and files */
    gid_t gid;
    double created, last_active;
    char allow[SPRITE_MAX_ALLOW][128]; /* "HOST:PORT" it was created with */
    int n_allow;
    sprite_limits lim; /* fixed when it was created */
    int own_fs; /* its workspace is a filesystem of its own (disk.c): the quota holds inside */
} lsprite;

#define SPRITE_UID 1000 /* the identity inside every sprite */

/* Loads sprite name; -1 with "no sprite 'NAME'" when there is none. */
int local_load(local *l, const char *name, lsprite *s, rae_err *err);
/* Loads sprite name for a call that uses it: records the activity and wakes it (local_touch). */
int local_use(local *l, const char *name, lsprite *s, rae_err *err);
/* The workspace of s on the host, into out. */
void local_workspace(const lsprite *s, char *out, size_t n);
/* The sprite's /tmp on the host, into out: beside the workspace in its own filesystem (so that
 * its quota holds there too), else DIR/tmp. */
void local_tmp(const lsprite *s, char *out, size_t n);
/* disk.c: the workspace's own filesystem. local_fs_available: 1 when it can be made here, else 0
 * and why; local_fs_create makes and mounts it; local_fs_mount mounts it when it is not (after
 * a reboot); local_fs_unmount detaches it; local_fs_used: bytes used in it. */
int local_fs_available(rae_err *why);
int local_fs_create(const lsprite *s, rae_err *err);
int local_fs_mount(const lsprite *s, rae_err *err);
int local_fs_unmount(const lsprite *s, rae_err *err);
unsigned long long local_fs_used(const lsprite *s);
/* s->dir/sub into out. */
void local_path(const lsprite *s, const char *sub, char *out, size_t n);
/* Records activity now (sprite.json's last_active). */
void local_touch(local *l, lsprite *s);
/* The cgroup of s ("rae-TAG-NAME"), into out. */
void local_group(const local *l, const lsprite *s, char *out, size_t n);
/* Creates or updates the cgroup of s with the driver's limits; 0 when there are no cgroups. */
int local_cg_setup(local *l, const lsprite *s, rae_err *err);
/* The network namespace's name for s ("TAG-NAME"), into out. */
void local_netns(const local *l, const lsprite *s, char *out, size_t n);
/* Brings the sprite's network up (root only; a no-op otherwise or with no_network). */
int local_net_up(local *l, lsprite *s, rae_err *err);
/* Bytes used by the workspace of s. */
unsigned long long local_disk_used(const lsprite *s);

/* sandbox.c: starts argv in a new bwrap sandbox of s; log_fd >= 0: its stdout and stderr go
 * there (no pipes). */
int local_sbx_spawn(local *l, lsprite *s, const rae_sprite_exec_opts *o, int log_fd,
                    rae_sprite_proc *out, rae_err *err);

/* services.c: the definitions (DIR/services.json, a JSON array; caller frees) and the supervisor.
 */
#include <jansson.h>
#include <sys/un.h>
json_t *local_svc_load(const lsprite *s);
int local_svc_save(const lsprite *s, json_t *defs, rae_err *err);
/* How many services of s are enabled (should run). */
int local_svc_wanted(const lsprite *s);
/* The supervisor socket's address through an O_PATH fd of DIR/run (*dirfd: close it after). */
int local_svc_socket_addr(const lsprite *s, struct sockaddr_un *sa, int *dirfd);
/* One request to the supervisor of s; *resp: caller frees. Returns 0, 1 when no supervisor runs
 * (and start is 0), -1 + err. start: start the supervisor when none runs. */
int local_svc_call(local *l, const lsprite *s, json_t *req, json_t **resp, int start, rae_err *err);
/* Stops the services for a while (keeping them enabled) / starts them again / ends the
 * supervisor. Nothing happens when no supervisor runs (resume starts one if a service wants). */
int local_svc_pause(local *l, const lsprite *s, rae_err *err);
int local_svc_resume(local *l, const lsprite *s, rae_err *err);
int local_svc_quit(local *l, const lsprite *s, rae_err *err);
/* A sprite whose services should run but whose supervisor does not (cold: after a restart of the
 * machine, or idle) gets one, which starts them. */
void local_svc_wake(local *l, const lsprite *s);
int local_svc_start(rae_sprites *d, const char *name, const char *svc, const char *const *argv,
                    const char *restart, rae_err *err);
int local_svc_stop(rae_sprites *d, const char *name, const char *svc, rae_err *err);
int local_svc_list(rae_sprites *d, const char *name, rae_sprite_service **out, size_t *count,
                   rae_err *err);
int local_svc_logs(rae_sprites *d, const char *name, const char *svc, rae_err *err);

/* events.c: appends {"time","sprite","type":type, ...fields} to DIR/run/events.ndjson (fields
 * taken, may be NULL); opens it for reading (the driver's call). */
void local_ev_emit(const lsprite *s, const char *type, json_t *fields);
int local_ev_open(rae_sprites *d, const char *name, int from_start, rae_err *err);

/* files.c: the file calls of the driver table. */
int local_files_list(rae_sprites *d, const char *name, const char *path, rae_sprite_file **out,
                     size_t *count, rae_err *err);
int local_files_open(rae_sprites *d, const char *name, const char *path, rae_err *err);
int local_files_put(rae_sprites *d, const char *name, const char *path, int fd, rae_err *err);
int local_files_remove(rae_sprites *d, const char *name, const char *path, rae_err *err);
int local_files_rename(rae_sprites *d, const char *name, const char *from, const char *to,
                       rae_err *err);
/* Opens the directory at path (inside the workspace of s) with openat2(RESOLVE_BENEATH);
 * create: make missing directories. Returns an O_PATH|O_DIRECTORY fd or -1 + err. */
int local_files_open_dir(const lsprite *s, const char *path, int create, rae_err *err);
/* Opens the directory path of s, under /tmp or /workspace (as the sprite sees them), resolved
 * beneath that directory without following any symlink. Returns an O_PATH fd or -1 + err. */
int local_files_open_sprite_dir(const lsprite *s, const char *path, rae_err *err);

#endif
