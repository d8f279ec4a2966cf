/* sprite/cgroup: a control group per sprite, to limit its memory, processes and CPU, to count and
 * kill its processes, and to freeze them while the sprite is idle ("warm": thawing takes
 * milliseconds). Groups are made under the group rae itself is in (per controller on cgroup v1),
 * so rae's own limits nest over them:
 *   v1: <mount of C>/<rae's group in C>/NAME for C in freezer, memory, pids, cpu;
 *   v2: <cgroup2 mount>/<rae's group>/NAME (rae's own processes move to <rae's group>/_rae once,
 *       when controllers must be enabled there: the no-internal-processes rule).
 * A host with the v1 controllers mounted uses them (even with a cgroup2 mount beside them, the
 * "hybrid" layout); a host with only a cgroup2 mount uses v2. See docs/sprite-cgroups.md.
 * Errors: -1 and a one-line message naming the file and the errno text. The caller (rae) must not
 * itself be in a sprite's group: freezing or killing it would hit rae. */
#ifndef RAE_HOST_CGROUP_H
#define RAE_HOST_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

#include "rae/err.h"

#define SCG_NAME_MAX 64 /* a group name is 1..SCG_NAME_MAX of [a-z0-9-] */

typedef struct host_cg_limits {
    unsigned long long memory; /* bytes (swap included: none on top), 0 none */
    int pids;                  /* processes and threads, 0 none */
    int cpu_percent;           /* of one core (150: one and a half), 0 none */
} host_cg_limits;

/* Where the groups go, resolved once from /proc/self/mountinfo and /proc/self/cgroup. Read-only
 * after host_cg_open: one may be shared by threads and used in a forked child. */
typedef struct host_cg_ctx host_cg_ctx;

/* Resolves the hierarchies and checks that groups can be made there (write access). NULL + why
 * (no cgroup mounts, rae's group not visible in them, not writable: not root or read-only) when
 * cgroups cannot be used; the caller then falls back to rlimits. Free with host_cg_free. */
host_cg_ctx *host_cg_open(rae_err *why);
void host_cg_free(host_cg_ctx *c);

/* 1 when cgroups can be used here (host_cg_open succeeds); else 0 and why. */
int host_cg_available(rae_err *why);

/* "v1" or "v2". */
const char *host_cg_version(const host_cg_ctx *c);

/* 0 when name is 1..SCG_NAME_MAX of [a-z0-9-]; -1 + err otherwise. */
int host_cg_name_check(const char *name, rae_err *err);

/* Creates group NAME (every controller) if missing and sets its limits (0: no limit, also undoing
 * an earlier limit). Idempotent. A limit whose controller is not there (not mounted, v2: not
 * delegated to rae's group) fails, naming it; so does a limit the kernel refuses (a memory limit
 * below what the group already uses, a CPU quota above rae's own). */
int host_cg_setup(const host_cg_ctx *c, const char *name, const host_cg_limits *lim, rae_err *err);

/* The limits in force for NAME (0 where none); -1 + err when the group is missing. */
int host_cg_get_limits(const host_cg_ctx *c, const char *name, host_cg_limits *out, rae_err *err);

/* Moves process pid (0: the calling process) into group NAME, in every controller. Async-signal-
 * safe, for a forked child before exec (enter before dropping root and before bwrap makes its
 * cgroup namespace): only open/write/close, no malloc, no stdio, no locale; err is filled by hand.
 * A process entering a frozen group is frozen at once: thaw first. */
int host_cg_enter(const host_cg_ctx *c, const char *name, pid_t pid, rae_err *err);

/* Freezes (1) or thaws (0) every process of the group; returns once the kernel reports the group
 * FROZEN / THAWED (v1 freezer.state; v2 "frozen 1|0" in cgroup.events). After 2 s without it:
 * -1 and, for a freeze, the group is thawed again (never left half-frozen). */
int host_cg_freeze(const host_cg_ctx *c, const char *name, int frozen, rae_err *err);

/* 1 frozen, 0 not (also while still freezing), -1 no such group. */
int host_cg_frozen(const host_cg_ctx *c, const char *name);

/* Live processes in the group (zombies not counted); 0 when none or no such group. */
int host_cg_count(const host_cg_ctx *c, const char *name);

/* SIGKILLs every process of the group and waits until it is empty (2 s at most, else -1 naming
 * how many are left). v2: cgroup.kill. v1 (or a v2 kernel without cgroup.kill): the group is
 * frozen, so that nothing forks or exits meanwhile, every listed process is sent SIGKILL, the
 * group is thawed so they can die, and stragglers are killed again until none is left. Works on a
 * frozen group; the group is left thawed and empty, ready for new processes. 0 when no group. */
int host_cg_kill_all(const host_cg_ctx *c, const char *name, rae_err *err);

/* How many processes of the group the kernel OOM-killed for reaching its memory limit (v1
 * memory.oom_control, v2 memory.events: oom_kill); 0 without a memory controller, -1 no group. */
long host_cg_oom_events(const host_cg_ctx *c, const char *name);

/* Removes the group (in every controller; kill its processes first: EBUSY otherwise). 0 also when
 * it is absent. */
int host_cg_remove(const host_cg_ctx *c, const char *name, rae_err *err);

#endif
