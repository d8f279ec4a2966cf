/* sprite/cgroup: a control group per sprite (see cgroup.h and docs/sprite-cgroups.md). */
#include "host/cgroup.h"
#include "rae/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { CTL_FREEZER = 1, CTL_MEMORY = 2, CTL_PIDS = 4, CTL_CPU = 8 };

#define SCG_MAX_DIRS 4
#define SCG_TIMEOUT_MS 2000
#define SCG_LEAF "_rae" /* v2: where rae's own processes go; not a valid group name */
#define CPU_PERIOD_US 100000

typedef struct host_cg_dir {
    char path[PATH_MAX]; /* the group rae is in, in this hierarchy: groups are made below it */
    unsigned ctl;        /* the controllers of this hierarchy that we use */
} host_cg_dir;

struct host_cg_ctx {
    int version; /* 1 or 2 */
    int ndirs;
    int primary;    /* the dir whose cgroup.procs is counted and killed: v1 the freezer's */
    unsigned avail; /* v2: controllers in <base>/cgroup.controllers; v1: those mounted */
    host_cg_dir dir[SCG_MAX_DIRS];
};

static const struct {
    const char *name;
    unsigned bit;
} CTLS[] = {{"memory", CTL_MEMORY}, {"pids", CTL_PIDS}, {"cpu", CTL_CPU}, {"freezer", CTL_FREEZER}};
#define NCTLS (sizeof CTLS / sizeof CTLS[0])

/* ---- small helpers ---- */

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps *us microseconds and doubles it, up to 5 ms: quick for fast kernels, cheap for slow. */
static void backoff(long *us) {
    struct timespec ts = {0, *us * 1000};
    nanosleep(&ts, NULL);
    if (*us < 5000) *us *= 2;
}

/* "<dir>/<name>/<file>" (file may be NULL); -1 when it does not fit. */
static int gpath(const host_cg_dir *d, const char *name, const char *file, char *out, size_t n) {
    int k = file ? snprintf(out, n, "%s/%s/%s", d->path, name, file)
                 : snprintf(out, n, "%s/%s", d->path, name);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* Reads up to n-1 bytes, NUL-terminated; -1 with errno. */
static ssize_t read_file(const char *path, char *buf, size_t n) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t got = 0;
    while (got + 1 < n) {
        ssize_t r = read(fd, buf + got, n - 1 - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    buf[got] = 0;
    close(fd);
    return (ssize_t)got;
}

/* One write(2) of value, as cgroup files want; -1 with errno. */
static int write_raw(const char *path, const char *value) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = strlen(value);
    ssize_t w;
    do {
        w = write(fd, value, len);
    } while (w < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (w < 0 || (size_t)w != len) {
        errno = w < 0 ? e : EIO;
        return -1;
    }
    return 0;
}

/* The number after "key " on a line of a flat-keyed file ("oom_kill 3"); -1 when absent. */
static long long keyed(const char *text, const char *key) {
    size_t k = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, k) == 0 && p[k] == ' ') return strtoll(p + k + 1, NULL, 10);
    }
    return -1;
}

static int valid_name(const char *name) {
    size_t i = 0;
    if (!name) return 0;
    for (; name[i]; i++) {
        char ch = name[i];
        if (i >= SCG_NAME_MAX ||
            !((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
            return 0;
    }
    return i > 0;
}

int host_cg_name_check(const char *name, rae_err *err) {
    if (valid_name(name)) return 0;
    return rae_err_fail(err, "cgroup name '%.80s': must be 1..%d of [a-z0-9-]", name ? name : "",
                        SCG_NAME_MAX);
}

static const host_cg_dir *dir_with(const host_cg_ctx *c, unsigned ctl) {
    for (int i = 0; i < c->ndirs; i++)
        if (c->dir[i].ctl & ctl) return &c->dir[i];
    return NULL;
}

/* ---- resolving the hierarchies ---- */

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s) {
    char *o = s;
    for (char *p = s; *p;) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
            p += 4;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
}

typedef struct mnt {
    char point[PATH_MAX];
    char root[PATH_MAX];
    int found;
} mnt;

static int has_token(const char *list, const char *tok) {
    size_t k = strlen(tok);
    for (const char *p = list; p; p = strchr(p, ','), p = p ? p + 1 : NULL)
        if (strncmp(p, tok, k) == 0 && (p[k] == ',' || p[k] == 0 || p[k] == '\n')) return 1;
    return 0;
}

/* Finds the first v1 mount of each controller in CTLS (v1[i]) and the first cgroup2 mount. */
static int read_mounts(mnt *v1, mnt *v2, rae_err *why) {
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f) return rae_err_fail(why, "/proc/self/mountinfo: %s", strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char *field[6], *save = NULL, *tok = strtok_r(line, " \n", &save);
        int nf = 0;
        while (tok && nf < 6) {
            field[nf++] = tok;
            tok = strtok_r(NULL, " \n", &save);
        }
        if (nf < 6) continue;
        while (tok && strcmp(tok, "-") != 0)
            tok = strtok_r(NULL, " \n", &save); /* optional */
        char *fstype = tok ? strtok_r(NULL, " \n", &save) : NULL;
        char *source = fstype ? strtok_r(NULL, " \n", &save) : NULL;
        char *super = source ? strtok_r(NULL, " \n", &save) : NULL;
        if (!super) continue;
        mnt *m = NULL;
        if (strcmp(fstype, "cgroup2") == 0) {
            if (!v2->found) m = v2;
            if (m) {
                snprintf(m->point, sizeof m->point, "%s", field[4]);
                snprintf(m->root, sizeof m->root, "%s", field[3]);
                unescape(m->point), unescape(m->root), m->found = 1;
            }
        } else if (strcmp(fstype, "cgroup") == 0) {
            for (size_t i = 0; i < NCTLS; i++) {
                if (v1[i].found || !has_token(super, CTLS[i].name)) continue;
                snprintf(v1[i].point, sizeof v1[i].point, "%s", field[4]);
                snprintf(v1[i].root, sizeof v1[i].root, "%s", field[3]);
                unescape(v1[i].point), unescape(v1[i].root), v1[i].found = 1;
            }
        }
    }
    free(line);
    fclose(f);
    return 0;
}

/* rae's own group per v1 controller (v1[i]) and in the unified hierarchy (v2), from
 * /proc/self/cgroup; an empty string where there is no line. */
static int read_self(char v1[][PATH_MAX], char *v2, rae_err *why) {
    FILE *f = fopen("/proc/self/cgroup", "re");
    if (!f) return rae_err_fail(why, "/proc/self/cgroup: %s", strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = 0;
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c1 = 0, *c2 = 0;
        const char *ctls = c1 + 1, *path = c2 + 1;
        if (strcmp(line, "0") == 0 && *ctls == 0) {
            snprintf(v2, PATH_MAX, "%s", path);
            continue;
        }
        for (size_t i = 0; i < NCTLS; i++)
            if (has_token(ctls, CTLS[i].name)) snprintf(v1[i], PATH_MAX, "%s", path);
    }
    free(line);
    fclose(f);
    return 0;
}

/* The directory of group path `self` under mount m: the mount's root is a prefix of it. */
static int join_mount(const mnt *m, const char *self, char *out, size_t n) {
    size_t r = strlen(m->root);
    const char *rest;
    if (strcmp(m->root, "/") == 0) {
        rest = self;
    } else if (strncmp(self, m->root, r) == 0 && (self[r] == 0 || self[r] == '/')) {
        rest = self + r;
    } else {
        return -1;
    }
    if (strcmp(rest, "/") == 0) rest = "";
    int k = snprintf(out, n, "%s%s", m->point, rest);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

static int writable(const char *dir, rae_err *why) {
    if (faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) == 0) return 0;
    int e = errno;
    return rae_err_fail(why, "cgroups: %s: not writable: %s%s", dir, strerror(e),
                        e == EACCES || e == EPERM ? " (needs root or a delegated group)" : "");
}

static int open_v1(host_cg_ctx *c, const mnt *m, char self[][PATH_MAX], rae_err *why) {
    c->version = 1;
    c->primary = -1;
    for (size_t i = 0; i < NCTLS; i++) {
        if (!m[i].found) continue;
        if (!self[i][0])
            return rae_err_fail(why, "cgroups: no %s line in /proc/self/cgroup", CTLS[i].name);
        char path[PATH_MAX];
        if (join_mount(&m[i], self[i], path, sizeof path) < 0)
            return rae_err_fail(why, "cgroups: rae's %s group %s is not visible under %s (root %s)",
                                CTLS[i].name, self[i], m[i].point, m[i].root);
        int k = 0;
        while (k < c->ndirs && strcmp(c->dir[k].path, path) != 0)
            k++;
        if (k == c->ndirs) { /* a new hierarchy (co-mounted controllers share one) */
            if (writable(path, why) < 0) return -1;
            snprintf(c->dir[k].path, sizeof c->dir[k].path, "%s", path);
            c->ndirs++;
        }
        c->dir[k].ctl |= CTLS[i].bit;
        c->avail |= CTLS[i].bit;
        if (CTLS[i].bit == CTL_FREEZER) c->primary = k;
    }
    if (c->primary < 0)
        return rae_err_fail(why, "cgroups: v1 controllers are mounted but not the freezer "
                                 "(mount -t cgroup -o freezer cgroup /sys/fs/cgroup/freezer)");
    return 0;
}

static int open_v2(host_cg_ctx *c, const mnt *m, const char *self, rae_err *why) {
    c->version = 2;
    if (!self[0]) return rae_err_fail(why, "cgroups: no '0::' line in /proc/self/cgroup");
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s", self);
    size_t bl = strlen(base), ll = strlen("/" SCG_LEAF);
    if (bl > ll && strcmp(base + bl - ll, "/" SCG_LEAF) == 0) base[bl - ll] = 0; /* moved earlier */
    if (!base[0]) snprintf(base, sizeof base, "/");
    host_cg_dir *d = &c->dir[0];
    if (join_mount(m, base, d->path, sizeof d->path) < 0)
        return rae_err_fail(why, "cgroups: rae's group %s is not visible under %s (root %s)", base,
                            m->point, m->root);
    if (writable(d->path, why) < 0) return -1;
    char p[PATH_MAX + 32], list[512] = "";
    snprintf(p, sizeof p, "%s/cgroup.controllers", d->path);
    if (read_file(p, list, sizeof list) < 0) return rae_err_fail(why, "%s: %s", p, strerror(errno));
    for (char *save = NULL, *t = strtok_r(list, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
        for (size_t i = 0; i < NCTLS; i++)
            if (strcmp(t, CTLS[i].name) == 0) c->avail |= CTLS[i].bit;
    c->avail |= CTL_FREEZER; /* cgroup.freeze is core in v2 */
    d->ctl = c->avail;
    c->ndirs = 1;
    c->primary = 0;
    return 0;
}

host_cg_ctx *host_cg_open(rae_err *why) {
    mnt *m = calloc(NCTLS + 1, sizeof *m);
    char(*self)[PATH_MAX] = calloc(NCTLS + 1, PATH_MAX);
    host_cg_ctx *c = calloc(1, sizeof *c);
    int rc = -1;
    if (!m || !self || !c) {
        rae_err_fail(why, "cgroups: out of memory");
        goto out;
    }
    if (read_mounts(m, &m[NCTLS], why) < 0 || read_self(self, self[NCTLS], why) < 0) goto out;
    int any_v1 = 0;
    for (size_t i = 0; i < NCTLS; i++)
        any_v1 |= m[i].found;
    if (any_v1)
        rc = open_v1(c, m, self, why);
    else if (m[NCTLS].found)
        rc = open_v2(c, &m[NCTLS], self[NCTLS], why);
    else
        rae_err_fail(why, "cgroups: no cgroup file system is mounted (/proc/self/mountinfo)");
out:
    free(m);
    free(self);
    if (rc < 0) {
        free(c);
        return NULL;
    }
    return c;
}

void host_cg_free(host_cg_ctx *c) {
    free(c);
}

int host_cg_available(rae_err *why) {
    host_cg_ctx *c = host_cg_open(why);
    if (!c) return 0;
    host_cg_free(c);
    return 1;
}

const char *host_cg_version(const host_cg_ctx *c) {
    return c->version == 2 ? "v2" : "v1";
}

/* ---- set-up ---- */

/* Writes value to <d>/<name>/<file>; a missing file is fine unless required. */
static int set_file(const host_cg_dir *d, const char *name, const char *file, const char *value,
                    int required, rae_err *err) {
    char p[PATH_MAX];
    if (gpath(d, name, file, p, sizeof p) < 0) return rae_err_fail(err, "cgroups: path too long");
    if (write_raw(p, value) == 0) return 0;
    if (errno == ENOENT && !required) return 0;
    return rae_err_fail(err, "%s: write '%s': %s", p, value, strerror(errno));
}

/* v2: moves every process of rae's group into <base>/_rae, so that controllers can be enabled. */
static int v2_evacuate(const host_cg_dir *d, rae_err *err) {
    char leaf[PATH_MAX], from[PATH_MAX + 16], to[PATH_MAX + 16];
    if (gpath(d, SCG_LEAF, NULL, leaf, sizeof leaf) < 0)
        return rae_err_fail(err, "cgroups: path too long");
    if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
        return rae_err_fail(err, "%s: mkdir: %s", leaf, strerror(errno));
    snprintf(from, sizeof from, "%s/cgroup.procs", d->path);
    snprintf(to, sizeof to, "%s/cgroup.procs", leaf);
    for (int round = 0; round < 3; round++) { /* processes may fork meanwhile */
        FILE *f = fopen(from, "re");
        if (!f) return rae_err_fail(err, "%s: %s", from, strerror(errno));
        char line[32];
        int moved = 0;
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            if (!line[0]) continue;
            if (write_raw(to, line) < 0 && errno != ESRCH) {
                int e = errno;
                fclose(f);
                return rae_err_fail(err, "%s: write '%s': %s", to, line, strerror(e));
            }
            moved++;
        }
        fclose(f);
        if (!moved) break;
    }
    return 0;
}

/* v2: enables the controllers of `want` (wanted: must work) and of `also` (best effort) in rae's
 * group's cgroup.subtree_control, moving rae's processes into _rae when the kernel says EBUSY. */
static int v2_enable(const host_cg_ctx *c, unsigned want, unsigned also, rae_err *err) {
    const host_cg_dir *d = &c->dir[0];
    char p[PATH_MAX + 32], cur[512] = "";
    snprintf(p, sizeof p, "%s/cgroup.subtree_control", d->path);
    if (read_file(p, cur, sizeof cur) < 0) return rae_err_fail(err, "%s: %s", p, strerror(errno));
    int evacuated = 0;
    for (size_t i = 0; i < NCTLS; i++) {
        unsigned bit = CTLS[i].bit;
        if (bit == CTL_FREEZER || !((want | also) & bit)) continue;
        int on = 0;
        char copy[512];
        snprintf(copy, sizeof copy, "%s", cur);
        for (char *s = NULL, *t = strtok_r(copy, " \n", &s); t; t = strtok_r(NULL, " \n", &s))
            on |= strcmp(t, CTLS[i].name) == 0;
        if (on) continue;
        char v[32];
        snprintf(v, sizeof v, "+%s", CTLS[i].name);
        int rc = write_raw(p, v);
        if (rc < 0 && errno == EBUSY && !evacuated) {
            /* no internal processes: rae's group may hold processes or enable controllers */
            if (v2_evacuate(d, err) < 0) return -1;
            evacuated = 1;
            rc = write_raw(p, v);
        }
        if (rc < 0 && (want & bit))
            return rae_err_fail(err, "%s: write '%s': %s", p, v, strerror(errno));
    }
    return 0;
}

static int limits_v1(const host_cg_ctx *c, const char *name, const host_cg_limits *lim,
                     rae_err *err) {
    char v[64];
    const host_cg_dir *d;
    if ((d = dir_with(c, CTL_MEMORY))) {
        /* memory+swap >= memory at every step: lift memsw, set memory, then memsw to match */
        if (set_file(d, name, "memory.memsw.limit_in_bytes", "-1", 0, err) < 0) return -1;
        if (lim->memory)
            snprintf(v, sizeof v, "%llu", lim->memory);
        else
            snprintf(v, sizeof v, "-1");
        if (set_file(d, name, "memory.limit_in_bytes", v, 1, err) < 0) return -1;
        if (lim->memory && set_file(d, name, "memory.memsw.limit_in_bytes", v, 0, err) < 0)
            return -1;
    }
    if ((d = dir_with(c, CTL_PIDS))) {
        if (lim->pids)
            snprintf(v, sizeof v, "%d", lim->pids);
        else
            snprintf(v, sizeof v, "max");
        if (set_file(d, name, "pids.max", v, 1, err) < 0) return -1;
    }
    if ((d = dir_with(c, CTL_CPU))) {
        if (lim->cpu_percent) {
            snprintf(v, sizeof v, "%d", CPU_PERIOD_US);
            if (set_file(d, name, "cpu.cfs_period_us", v, 1, err) < 0) return -1;
            snprintf(v, sizeof v, "%lld", (long long)lim->cpu_percent * CPU_PERIOD_US / 100);
        } else {
            snprintf(v, sizeof v, "-1");
        }
        if (set_file(d, name, "cpu.cfs_quota_us", v, 1, err) < 0) return -1;
    }
    return 0;
}

static int limits_v2(const host_cg_ctx *c, const char *name, const host_cg_limits *lim,
                     rae_err *err) {
    const host_cg_dir *d = &c->dir[0];
    char v[64];
    /* a controller that is not enabled has no files: fine as long as no limit asks for it */
    if (lim->memory)
        snprintf(v, sizeof v, "%llu", lim->memory);
    else
        snprintf(v, sizeof v, "max");
    if (set_file(d, name, "memory.max", v, lim->memory != 0, err) < 0) return -1;
    if (set_file(d, name, "memory.swap.max", lim->memory ? "0" : "max", 0, err) < 0) return -1;
    if (lim->pids)
        snprintf(v, sizeof v, "%d", lim->pids);
    else
        snprintf(v, sizeof v, "max");
    if (set_file(d, name, "pids.max", v, lim->pids != 0, err) < 0) return -1;
    if (lim->cpu_percent)
        snprintf(v, sizeof v, "%lld %d", (long long)lim->cpu_percent * CPU_PERIOD_US / 100,
                 CPU_PERIOD_US);
    else
        snprintf(v, sizeof v, "max %d", CPU_PERIOD_US);
    return set_file(d, name, "cpu.max", v, lim->cpu_percent != 0, err);
}

int host_cg_setup(const host_cg_ctx *c, const char *name, const host_cg_limits *lim, rae_err *err) {
    static const host_cg_limits none = {0, 0, 0};
    if (host_cg_name_check(name, err) < 0) return -1;
    if (!lim) lim = &none;
    if (lim->pids < 0 || lim->cpu_percent < 0)
        return rae_err_fail(err, "cgroup '%s': negative limit", name);
    unsigned want = (lim->memory ? CTL_MEMORY : 0u) | (lim->pids ? CTL_PIDS : 0u) |
                    (lim->cpu_percent ? CTL_CPU : 0u);
    for (size_t i = 0; i < NCTLS; i++)
        if ((want & CTLS[i].bit) && !(c->avail & CTLS[i].bit)) {
            const char *where = c->version == 1 ? "is not mounted (cgroup v1)"
                                                : "is not delegated to rae's group (cgroup v2: "
                                                  "not in its cgroup.controllers)";
            return rae_err_fail(err, "cgroup '%s': %s limit: the %s controller %s", name,
                                CTLS[i].name, CTLS[i].name, where);
        }
    if (c->version == 2 && v2_enable(c, want, c->avail, err) < 0) return -1;
    for (int i = 0; i < c->ndirs; i++) {
        char p[PATH_MAX];
        if (gpath(&c->dir[i], name, NULL, p, sizeof p) < 0)
            return rae_err_fail(err, "cgroups: path too long");
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            return rae_err_fail(err, "%s: mkdir: %s", p, strerror(errno));
    }
    return c->version == 1 ? limits_v1(c, name, lim, err) : limits_v2(c, name, lim, err);
}

/* Reads <d>/<name>/<file>; 0 on success, -1 (errno) otherwise. */
static int get_file(const host_cg_dir *d, const char *name, const char *file, char *buf, size_t n) {
    char p[PATH_MAX];
    if (gpath(d, name, file, p, sizeof p) < 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return read_file(p, buf, n) < 0 ? -1 : 0;
}

static int group_exists(const host_cg_ctx *c, const char *name) {
    char p[PATH_MAX];
    struct stat st;
    return valid_name(name) && gpath(&c->dir[c->primary], name, NULL, p, sizeof p) == 0 &&
           stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int host_cg_get_limits(const host_cg_ctx *c, const char *name, host_cg_limits *out, rae_err *err) {
    memset(out, 0, sizeof *out);
    if (host_cg_name_check(name, err) < 0) return -1;
    if (!group_exists(c, name)) return rae_err_fail(err, "cgroup '%s': no such group", name);
    char b[128];
    const host_cg_dir *d;
    int v2 = c->version == 2;
    if ((d = dir_with(c, CTL_MEMORY)) &&
        get_file(d, name, v2 ? "memory.max" : "memory.limit_in_bytes", b, sizeof b) == 0) {
        unsigned long long m = strtoull(b, NULL, 10);
        out->memory = strncmp(b, "max", 3) == 0 || m >= (1ULL << 62) ? 0 : m;
    }
    if ((d = dir_with(c, CTL_PIDS)) && get_file(d, name, "pids.max", b, sizeof b) == 0)
        out->pids = strncmp(b, "max", 3) == 0 ? 0 : atoi(b);
    if ((d = dir_with(c, CTL_CPU))) {
        long long quota = -1, period = CPU_PERIOD_US;
        if (v2 && get_file(d, name, "cpu.max", b, sizeof b) == 0) {
            if (strncmp(b, "max", 3) != 0) sscanf(b, "%lld %lld", &quota, &period);
        } else if (!v2 && get_file(d, name, "cpu.cfs_quota_us", b, sizeof b) == 0) {
            quota = strtoll(b, NULL, 10);
            if (get_file(d, name, "cpu.cfs_period_us", b, sizeof b) == 0)
                period = strtoll(b, NULL, 10);
        }
        if (quota > 0 && period > 0) out->cpu_percent = (int)((quota * 100 + period / 2) / period);
    }
    return 0;
}

/* ---- entering: async-signal-safe ---- */

/* Appends s at *at; -1 when it does not fit (dst stays NUL-terminated). */
static int s_cat(char *dst, size_t cap, size_t *at, const char *s) {
    if (!cap) return -1;
    while (*s) {
        if (*at + 1 >= cap) {
            dst[*at] = 0;
            return -1;
        }
        dst[(*at)++] = *s++;
    }
    dst[*at] = 0;
    return 0;
}

static void s_utoa(unsigned long v, char out[24]) {
    char tmp[24];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < k; i++)
        out[i] = tmp[k - 1 - i];
    out[k] = 0;
}

/* Fills err with the concatenation of up to five strings (NULL ends them), with no call that is
 * unsafe after fork (no printf); returns -1. */
static int s_fail(rae_err *err, const char *a, const char *b, const char *c, const char *d,
                  const char *e) {
    const char *part[] = {a, b, c, d, e};
    size_t at = 0;
    if (!err) return -1;
    err->code = RAE_E_FAIL;
    err->message[0] = 0;
    err->at = (rae_err_at){.entry = -1};
    for (size_t i = 0; i < sizeof part / sizeof part[0] && part[i]; i++)
        s_cat(err->message, sizeof err->message, &at, part[i]);
    return -1;
}

int host_cg_enter(const host_cg_ctx *c, const char *name, pid_t pid, rae_err *err) {
    if (!valid_name(name))
        return s_fail(err, "cgroup name '", name ? name : "", "': must be 1..64 of [a-z0-9-]", NULL,
                      NULL);
    if (pid < 0) return s_fail(err, "cgroup '", name, "': bad pid", NULL, NULL);
    char num[24];
    s_utoa((unsigned long)pid, num);
    /* the primary (freezer) last: limits apply before the group can freeze the process */
    for (int k = 0; k < c->ndirs; k++) {
        int i = (c->primary + 1 + k) % c->ndirs;
        char p[PATH_MAX];
        size_t at = 0;
        if (s_cat(p, sizeof p, &at, c->dir[i].path) < 0 || s_cat(p, sizeof p, &at, "/") < 0 ||
            s_cat(p, sizeof p, &at, name) < 0 || s_cat(p, sizeof p, &at, "/cgroup.procs") < 0)
            return s_fail(err, c->dir[i].path, "/", name, ": path too long", NULL);
        int fd = open(p, O_WRONLY | O_CLOEXEC);
        ssize_t w = -1;
        if (fd >= 0) {
            do {
                w = write(fd, num, strlen(num));
            } while (w < 0 && errno == EINTR);
            int e = errno;
            close(fd);
            errno = e;
        }
        if (w < 0) {
            const char *why = strerrordesc_np(errno); /* a table lookup: no locale, no malloc */
            return s_fail(err, p, ": write ", num, ": ", why ? why : "unknown error");
        }
    }
    return 0;
}

/* ---- freezing ---- */

/* 1 frozen, 0 not (or still freezing), -1 (errno) unreadable. */
static int read_frozen(const host_cg_ctx *c, const char *name) {
    char b[256];
    const host_cg_dir *d = &c->dir[c->primary];
    if (c->version == 1) {
        if (get_file(d, name, "freezer.state", b, sizeof b) < 0) return -1;
        return strncmp(b, "FROZEN", 6) == 0;
    }
    if (get_file(d, name, "cgroup.events", b, sizeof b) < 0) return -1;
    return keyed(b, "frozen") == 1;
}

static int request_freeze(const host_cg_ctx *c, const char *name, int frozen, rae_err *err) {
    const char *file = c->version == 1 ? "freezer.state" : "cgroup.freeze";
    const char *v = c->version == 1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0");
    return set_file(&c->dir[c->primary], name, file, v, 1, err);
}

/* Waits until the group is (not) frozen; -1 after ms milliseconds. */
static int wait_frozen(const host_cg_ctx *c, const char *name, int frozen, int ms) {
    long long end = now_ms() + ms;
    long us = 100;
    for (;;) {
        int f = read_frozen(c, name);
        if (f < 0) return -1;
        if (f == (frozen ? 1 : 0)) return 0;
        if (now_ms() >= end) {
            errno = ETIMEDOUT;
            return -1;
        }
        backoff(&us);
    }
}

int host_cg_freeze(const host_cg_ctx *c, const char *name, int frozen, rae_err *err) {
    if (host_cg_name_check(name, err) < 0) return -1;
    if (request_freeze(c, name, frozen, err) < 0) return -1;
    if (wait_frozen(c, name, frozen, SCG_TIMEOUT_MS) == 0) return 0;
    int e = errno;
    char p[PATH_MAX];
    gpath(&c->dir[c->primary], name, c->version == 1 ? "freezer.state" : "cgroup.events", p,
          sizeof p);
    if (e != ETIMEDOUT) return rae_err_fail(err, "%s: %s", p, strerror(e));
    if (frozen) {
        request_freeze(c, name, 0, NULL);
        return rae_err_fail(
            err, "%s: not frozen after %d s (a process stuck in the kernel?); thawed again", p,
            SCG_TIMEOUT_MS / 1000);
    }
    return rae_err_fail(err, "%s: still frozen %d s after thawing", p, SCG_TIMEOUT_MS / 1000);
}

int host_cg_frozen(const host_cg_ctx *c, const char *name) {
    if (!group_exists(c, name)) return -1;
    int f = read_frozen(c, name);
    return f < 0 ? -1 : f;
}

/* ---- counting and killing ---- */

/* Calls fn on every pid of the group's cgroup.procs; the number of pids, -1 (errno) unreadable. */
static int each_pid(const host_cg_ctx *c, const char *name, void (*fn)(pid_t)) {
    char p[PATH_MAX];
    if (gpath(&c->dir[c->primary], name, "cgroup.procs", p, sizeof p) < 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[4096];
    long cur = -1;
    int count = 0;
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        for (ssize_t i = 0; i < r; i++) {
            if (buf[i] >= '0' && buf[i] <= '9') {
                cur = (cur < 0 ? 0 : cur * 10) + (buf[i] - '0');
            } else if (cur >= 0) {
                if (fn && cur > 0) fn((pid_t)cur);
                count++;
                cur = -1;
            }
        }
    }
    if (cur >= 0) {
        if (fn && cur > 0) fn((pid_t)cur);
        count++;
    }
    close(fd);
    return count;
}

int host_cg_count(const host_cg_ctx *c, const char *name) {
    if (!valid_name(name)) return 0;
    int n = each_pid(c, name, NULL);
    return n < 0 ? 0 : n;
}

static void sigkill(pid_t pid) {
    kill(pid, SIGKILL);
}

/* 1 when the group has no process (v2: also none in the kernel's exit path), 0 otherwise. */
static int empty(const host_cg_ctx *c, const char *name) {
    if (c->version == 2) {
        char b[256];
        if (get_file(&c->dir[0], name, "cgroup.events", b, sizeof b) == 0)
            return keyed(b, "populated") == 0;
    }
    return host_cg_count(c, name) == 0;
}

int host_cg_kill_all(const host_cg_ctx *c, const char *name, rae_err *err) {
    if (host_cg_name_check(name, err) < 0) return -1;
    if (!group_exists(c, name)) return 0;
    long long end = now_ms() + SCG_TIMEOUT_MS;
    int killed = 0;
    if (c->version == 2) {
        char p[PATH_MAX];
        if (gpath(&c->dir[0], name, "cgroup.kill", p, sizeof p) < 0)
            return rae_err_fail(err, "cgroups: path too long");
        if (write_raw(p, "1") == 0)
            killed = 1;
        else if (errno != ENOENT) /* ENOENT: a kernel before 5.14, kill them one by one */
            return rae_err_fail(err, "%s: write '1': %s", p, strerror(errno));
        /* killed processes leave even a frozen group; thaw it for the ones to come */
        if (killed && request_freeze(c, name, 0, err) < 0) return -1;
    }
    if (!killed) {
        /* frozen, nothing forks or exits (so no pid is reused) while each one gets SIGKILL; the
         * kill is delivered when they thaw */
        if (request_freeze(c, name, 1, err) < 0) return -1;
        wait_frozen(c, name, 1, SCG_TIMEOUT_MS / 4); /* best effort: kill anyway */
        if (each_pid(c, name, sigkill) < 0 && errno != ENOENT)
            return rae_err_fail(err, "cgroup '%s': cgroup.procs: %s", name, strerror(errno));
        if (request_freeze(c, name, 0, err) < 0) return -1;
    }
    long us = 100;
    while (!empty(c, name)) {
        if (now_ms() >= end) {
            return rae_err_fail(err, "cgroup '%s': %d process(es) still alive %d s after SIGKILL",
                                name, host_cg_count(c, name), SCG_TIMEOUT_MS / 1000);
        }
        if (!killed) each_pid(c, name, sigkill); /* stragglers forked before the freeze held */
        backoff(&us);
    }
    return 0;
}

long host_cg_oom_events(const host_cg_ctx *c, const char *name) {
    if (!group_exists(c, name)) return -1;
    const host_cg_dir *d = dir_with(c, CTL_MEMORY);
    char b[1024];
    if (!d || get_file(d, name, c->version == 1 ? "memory.oom_control" : "memory.events", b,
                       sizeof b) < 0)
        return 0;
    long long n = keyed(b, "oom_kill");
    return n < 0 ? 0 : (long)n;
}

int host_cg_remove(const host_cg_ctx *c, const char *name, rae_err *err) {
    if (host_cg_name_check(name, err) < 0) return -1;
    for (int i = 0; i < c->ndirs; i++) {
        char p[PATH_MAX];
        if (gpath(&c->dir[i], name, NULL, p, sizeof p) < 0)
            return rae_err_fail(err, "cgroups: path too long");
        long long end = now_ms() + 500;
        long us = 100;
        /* a process killed a moment ago may still be on its way out (EBUSY) */
        while (rmdir(p) < 0 && errno != ENOENT) {
            int e = errno;
            if (e != EBUSY || now_ms() >= end)
                return rae_err_fail(err, "%s: rmdir: %s%s", p, strerror(e),
                                    e == EBUSY ? " (processes left: host_cg_kill_all first)" : "");
            backoff(&us);
        }
    }
    return 0;
}
