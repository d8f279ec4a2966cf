/* sprite: a persistent sandbox of one's own — a workspace that survives restarts, processes run in
 * isolation (exec), files confined to the workspace, checkpoints of the workspace. A driver
 * implements it; the local driver (bwrap + pasta on this machine) is the first, a driver for the
 * Fly Sprites API can follow behind the same calls. Nothing here blocks for long: exec returns
 * file descriptors and a handle to wait on, so an event loop can drive it. */
#ifndef RAE_SPRITE_H
#define RAE_SPRITE_H

#include <stddef.h>
#include <sys/types.h>

#include "rae/err.h"

typedef struct rae_sprites rae_sprites; /* a driver with its state; opaque */

/* Options of the local driver. */
typedef struct rae_sprite_local_opts {
    const char *data_dir;         /* where sprites live (default "./data") */
    const char *const *allow_net; /* "HOST:PORT" entries for every sprite; may be NULL */
    size_t n_allow_net;
    int max_sprites; /* per data dir (0: 16) */
    /* the limits of sprites created with these options (kept in each sprite): */
    unsigned long long disk_quota; /* bytes per workspace (0: 2 GiB) */
    unsigned long long memory;     /* bytes per sprite (0: 2 GiB) */
    int max_procs;                 /* processes per sprite (0: 512) */
    int no_network;                /* 1: sprites get no network at all (no pasta needed) */
    int cpu_percent;               /* of one core per sprite (0: no limit) */
    double warm_after; /* idle seconds before a sprite's processes are frozen (default 300) */
    double cold_after; /* ... and before its services are stopped (default 1800) */
} rae_sprite_local_opts;

/* Opens the local driver on o->data_dir, creating it. Caller frees with rae_sprites_free(). NULL
 * and err filled when the data dir cannot be used. */
rae_sprites *rae_sprites_local(const rae_sprite_local_opts *o, rae_err *err);
/* The local driver only: the folder on the host that is sprite name's /workspace, into out (for
 * `rae sprite show --json` on this machine). -1 with err for another driver or no such sprite. */
int rae_sprites_local_workspace(rae_sprites *d, const char *name, char *out, size_t n,
                                rae_err *err);
void rae_sprites_free(rae_sprites *d);
/* Marks the calling thread as an event loop's (rae serve's): from it, every call below that may
 * block (it runs a process, walks files, takes a checkpoint store's lock, starts services, wakes
 * a sprite) fails with an error that says so, instead of stalling the loop. The quick calls
 * (rae_sprite_get, rae_sprite_connect, rae_sprite_events_open, the name checks) stay allowed. */
void rae_sprites_on_loop(rae_sprites *d);

typedef struct rae_sprite_info {
    char name[48];
    char state[12];                  /* "running" (processes), "idle" (none), "warm", "cold" */
    double created, last_active;     /* unix seconds */
    unsigned long long disk_used;    /* bytes its disk quota counts: workspace, /tmp, logs */
    int processes;                   /* running now */
    long oom_kills;                  /* processes killed for reaching its memory limit, so far */
    unsigned long long memory_limit; /* bytes, 0: none */
} rae_sprite_info;

/* A sprite name: 1-32 of [a-z0-9-], starting with a letter or digit. 0 when good, -1 + err. */
int rae_sprite_name_check(const char *name, rae_err *err);

/* Creates the sprite (an error when it exists or the cap is reached). */
int rae_sprite_create(rae_sprites *d, const char *name, rae_sprite_info *out, rae_err *err);
/* -1 with "no sprite 'NAME'" when it does not exist. */
int rae_sprite_get(rae_sprites *d, const char *name, rae_sprite_info *out, rae_err *err);
/* Every sprite, by name (caller frees *out with free()). */
int rae_sprite_list(rae_sprites *d, rae_sprite_info **out, size_t *n, rae_err *err);
/* Stops its processes and removes it with its workspace and checkpoints. */
int rae_sprite_destroy(rae_sprites *d, const char *name, rae_err *err);

/* Records use of the sprite now (so that it does not go idle) and wakes it if it was warm or
 * cold; for long-lived uses that make no other call, such as a VNC viewer. */
int rae_sprite_touch(rae_sprites *d, const char *name, rae_err *err);

/* ---- exec ---- */

typedef struct rae_sprite_exec_opts {
    const char *const *argv; /* NULL-terminated; argv[0] looked up on the sprite's PATH */
    const char *cwd;         /* inside the sprite (default /workspace) */
    const char *const *env;  /* extra "K=V" entries, NULL-terminated; may be NULL */
    int want_stdin;          /* 1: a pipe for stdin (else /dev/null) */
    int merge_stderr;        /* 1: stderr goes to the stdout pipe */
    int tty;                 /* 1: a pty (in_fd/out_fd are its master; err_fd is -1) */
    int rows, cols;          /* its size (default 24x80) */
} rae_sprite_exec_opts;

typedef struct rae_sprite_proc {
    pid_t pid;                 /* the sandbox's outer process */
    int in_fd, out_fd, err_fd; /* ours to read/write and close; -1 when not asked for */
} rae_sprite_proc;

/* Starts argv in the sprite; the caller reads out_fd/err_fd and waits with
 * rae_sprite_proc_wait(). */
int rae_sprite_exec(rae_sprites *d, const char *name, const rae_sprite_exec_opts *o,
                    rae_sprite_proc *out, rae_err *err);
/* Waits for p (nonblocking when block is 0: returns 1 while it still runs) and gives its exit
 * status (128+N when killed by signal N); returns 0 once it has ended. The fds stay the caller's.
 */
int rae_sprite_proc_wait(rae_sprite_proc *p, int block, int *status);

/* ---- services: long-running named processes, restarted by a supervisor of the sprite ---- */

typedef struct rae_sprite_service {
    char name[48];
    char state[16];   /* "running", "backoff" (waiting to restart), "stopped", "exited", "paused" */
    char restart[16]; /* "always", "on-failure", "no" */
    int pid;          /* its sandbox's outer process, 0 when not running */
    int restarts;     /* since it was started */
    int last_status;  /* of its last exit (128+N: signal N), -1 none yet */
    double since;     /* unix seconds of the last state change */
    char command[512];
} rae_sprite_service;

/* A service name: 1-40 of [a-z0-9-]. */
int rae_sprite_service_name_check(const char *svc, rae_err *err);
/* Defines (argv not NULL) or re-enables (argv NULL: as defined) service svc and starts it.
 * restart: "always", "on-failure" (the default when NULL) or "no". The definition is kept: after
 * a restart of the machine, the sprite's next use starts its services again. */
int rae_sprite_service_start(rae_sprites *d, const char *name, const char *svc,
                             const char *const *argv, const char *restart, rae_err *err);
/* Stops svc (SIGTERM to its processes, SIGKILL after 10 s) and keeps it stopped. */
int rae_sprite_service_stop(rae_sprites *d, const char *name, const char *svc, rae_err *err);
/* The services of the sprite, by name (caller frees *out). */
int rae_sprite_services(rae_sprites *d, const char *name, rae_sprite_service **out, size_t *n,
                        rae_err *err);
/* Opens svc's log (its stdout and stderr) for reading; the caller closes the fd. */
int rae_sprite_service_logs(rae_sprites *d, const char *name, const char *svc, rae_err *err);

/* ---- files: every path is inside the workspace ("har/x.har" or "/workspace/har/x.har") ---- */

typedef struct rae_sprite_file {
    char name[256];
    char type; /* 'f' file, 'd' directory, 'l' symlink, '?' other */
    unsigned long long size;
    double mtime;
} rae_sprite_file;

/* The entries of a directory, by name (caller frees *out). */
int rae_sprite_files_list(rae_sprites *d, const char *name, const char *path, rae_sprite_file **out,
                          size_t *n, rae_err *err);
/* Opens a file of the workspace for reading (caller closes the fd). */
int rae_sprite_file_open(rae_sprites *d, const char *name, const char *path, rae_err *err);
/* Writes a file (creating its directories) from the bytes of fd, atomically (temp + rename). */
int rae_sprite_file_put(rae_sprites *d, const char *name, const char *path, int fd, rae_err *err);
/* Removes a file or a whole directory. */
int rae_sprite_file_remove(rae_sprites *d, const char *name, const char *path, rae_err *err);
int rae_sprite_file_rename(rae_sprites *d, const char *name, const char *from, const char *to,
                           rae_err *err);

/* ---- checkpoints of the workspace ---- */

typedef struct rae_checkpoint {
    char id[32];
    double time;
    char comment[256];
    int automatic;
    unsigned long long files, bytes, added;
} rae_checkpoint;

int rae_sprite_checkpoint(rae_sprites *d, const char *name, const char *comment, int automatic,
                          rae_checkpoint *out, rae_err *err);
/* Oldest first (caller frees *out). */
int rae_sprite_checkpoints(rae_sprites *d, const char *name, rae_checkpoint **out, size_t *n,
                           rae_err *err);
/* Stops the sprite's processes, then swaps the workspace for the checkpoint's tree. */
int rae_sprite_restore(rae_sprites *d, const char *name, const char *id, rae_err *err);
int rae_sprite_checkpoint_delete(rae_sprites *d, const char *name, const char *id, rae_err *err);

/* ---- sockets ---- */

/* Connects to a UNIX socket inside the sprite (under /tmp or /workspace); returns the fd,
 * nonblocking. It never follows a symlink the sprite made (the socket must be one), never waits
 * (a listener with a full backlog: -1 with errno EAGAIN; none there: ENOENT; a stale socket:
 * ECONNREFUSED) and does not touch the sprite (rae_sprite_touch does). */
int rae_sprite_connect(rae_sprites *d, const char *name, const char *socket_path, rae_err *err);

/* The other way: a UNIX socket of the host, named sock (letters, digits, '-', '_', '.'; at most
 * 40 bytes), that the sprite's processes reach at *inside ("/run/rae/SOCK", read-only there) and
 * nothing else of the sprite may replace; only the sprite's identity may connect. Returns the
 * listening fd (close-on-exec; the caller accepts on it), or -1 + err. Any socket of that name
 * before is replaced. rae_sprite_unlisten removes the name (the fd stays the caller's). */
int rae_sprite_listen(rae_sprites *d, const char *name, const char *sock, char *inside,
                      size_t insiden, rae_err *err);
int rae_sprite_unlisten(rae_sprites *d, const char *name, const char *sock, rae_err *err);

/* ---- events ---- */

/* The sprite's events, one JSON object per line: {"time", "sprite", "type", ...} with type
 * "state" (state: created, running, warm, cold), "service" (service, event: started, exited,
 * restarting, stopped; status, delay), "socket" (path, event: opened, closed; sockets under
 * /tmp, seen while services run), "checkpoint" (id, comment) and "restore" (id). Returns an fd
 * to read them from, at the end (from_start: from the oldest kept); later events are appended to
 * the same file (watch it with inotify, or poll). The caller closes it. */
int rae_sprite_events_open(rae_sprites *d, const char *name, int from_start, rae_err *err);

#endif
