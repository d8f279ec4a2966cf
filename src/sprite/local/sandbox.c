/* Starting a process in a sprite: a new bwrap sandbox with the sprite's workspace, /tmp and /etc,
 * the system read-only, and its own user, PID, IPC and UTS namespaces. As root the child first
 * enters the sprite's network namespace and shows bwrap what it binds from the data dir and the
 * build dir in a mount namespace of its own (stage_binds), then drops to the sprite's host uid, so
 * that the user namespace bwrap makes maps no host file to anyone but that uid. bwrap reads its
 * options from a memfd (--args): no host path is in the command line of the sandbox's PID 1. */
#include "sprite/local/local.h"
#include "host/net.h"

#include <errno.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rae/arena.h"
#include "util/vec.h"

/* What of the host's /etc a sprite sees (read-only, when present). */
static const char *const etc_files[] = {"/etc/hosts",        "/etc/nsswitch.conf",
                                        "/etc/ld.so.cache",  "/etc/ld.so.conf",
                                        "/etc/ld.so.conf.d", "/etc/localtime",
                                        "/etc/ssl",          "/etc/ca-certificates",
                                        "/etc/fonts",        "/etc/alternatives",
                                        "/etc/chromium",     "/etc/chromium.d",
                                        "/etc/mime.types",   "/etc/X11",
                                        "/etc/xdg",          "/etc/python3",
                                        "/etc/python3.11",   "/etc/bash.bashrc",
                                        "/etc/profile",      "/etc/inputrc",
                                        "/etc/gtk-3.0",      "/etc/debian_version",
                                        "/etc/os-release"};

/* The top-level links and directories of a merged-/usr system. */
static const char *const usr_links[] = {"/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"};

typedef struct args {
    pvec v;
    arena *a;
} args;

static void add(args *g, int n, ...) {
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        pvec_push(&g->v, arena_strdup(g->a, va_arg(ap, const char *)));
    va_end(ap);
}

static void add_system(args *g) {
    add(g, 3, "--ro-bind", "/usr", "/usr");
    for (size_t i = 0; i < sizeof usr_links / sizeof *usr_links; i++) {
        char target[256];
        ssize_t n = readlink(usr_links[i], target, sizeof target - 1);
        struct stat sb;
        if (n > 0) {
            target[n] = 0;
            add(g, 3, "--symlink", target, usr_links[i]);
        } else if (stat(usr_links[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            add(g, 3, "--ro-bind", usr_links[i], usr_links[i]);
        }
    }
    add(g, 6, "--proc", "/proc", "--dev", "/dev", "--dir", "/run");
    add(g, 3, "--ro-bind-try", "/sys/devices/system/cpu", "/sys/devices/system/cpu");
    for (size_t i = 0; i < sizeof etc_files / sizeof *etc_files; i++)
        add(g, 3, "--ro-bind-try", etc_files[i], etc_files[i]);
}

/* /dev/shm: a tmpfs of its own, half as large as the sprite's memory (its pages are charged to
 * the sprite's memory cgroup; full, it answers ENOSPC before the OOM killer comes), the only place
 * besides /workspace and /tmp a sprite can write; bwrap's own tmpfs under / and /dev is made
 * read-only once everything is mounted on it (remount_ro). */
static void add_shm(const lsprite *s, args *g) {
    char size[32];
    snprintf(size, sizeof size, "%llu", s->lim.memory / 2);
    add(g, 6, "--perms", "1777", "--size", size, "--tmpfs", "/dev/shm");
}

static void remount_ro(args *g) {
    add(g, 4, "--remount-ro", "/dev", "--remount-ro", "/");
}

/* What a sandbox binds from the host besides the system: the sprite's workspace, /tmp and own
 * /etc files (under the data dir), the rae binary (wherever it was built) and, read-only, the
 * folder of the host's sockets it may reach (DIR/gate at /run/rae). */
typedef struct local_sbx_bind {
    const char *host;  /* the source on the host */
    const char *dest;  /* where the sprite sees it */
    const char *stage; /* as root, where bwrap finds it: STAGE/NAME (stage_binds) */
    int ro, optional;  /* optional: skipped when the source is missing */
} local_sbx_bind;

#define STAGE "/tmp" /* see stage_binds */
#define MAX_BINDS 10

/* *b, its strings copied into a. */
static void bind_one(local_sbx_bind *b, arena *a, const char *host, const char *dest,
                     const char *name, int ro, int optional) {
    char stage[64];
    snprintf(stage, sizeof stage, STAGE "/%s", name);
    *b = (local_sbx_bind){arena_strdup(a, host), dest, arena_strdup(a, stage), ro, optional};
}

/* The binds of s into out (MAX_BINDS; strings in a); returns how many. */
static size_t sprite_binds(const local *l, const lsprite *s, arena *a, local_sbx_bind *out) {
    static const char *const own_etc[][2] = {{"etc/passwd", "/etc/passwd"},
                                             {"etc/group", "/etc/group"},
                                             {"etc/hostname", "/etc/hostname"},
                                             {"etc/resolv.conf", "/etc/resolv.conf"}};
    char path[PATH_MAX + 32], name[32];
    size_t n = 0;
    local_workspace(s, path, sizeof path);
    bind_one(&out[n++], a, path, "/workspace", "workspace", 0, 0);
    local_tmp(s, path, sizeof path);
    bind_one(&out[n++], a, path, "/tmp", "tmp", 0, 0);
    for (size_t i = 0; i < sizeof own_etc / sizeof *own_etc; i++) {
        local_path(s, own_etc[i][0], path, sizeof path);
        snprintf(name, sizeof name, "etc-%s", own_etc[i][0] + 4);
        bind_one(&out[n++], a, path, own_etc[i][1], name, 1, 1);
    }
    if (l->self_exe[0]) bind_one(&out[n++], a, l->self_exe, "/opt/rae/bin/rae", "rae", 1, 0);
    local_path(s, "gate", path, sizeof path); /* the host's sockets for it (rae_sprite_listen) */
    bind_one(&out[n++], a, path, "/run/rae", "gate", 1, 1);
    return n;
}

/* bwrap's options for the binds: from their staged places when staged (rae runs as root). */
static void add_binds(const local_sbx_bind *b, size_t n, int staged, args *g) {
    for (size_t i = 0; i < n; i++) {
        const char *opt = b[i].ro ? (b[i].optional ? "--ro-bind-try" : "--ro-bind")
                                  : (b[i].optional ? "--bind-try" : "--bind");
        add(g, 3, opt, staged ? b[i].stage : b[i].host, b[i].dest);
    }
}

/* The whole environment of a command in s, into env (NULL-terminated): nothing of rae's own, not
 * even to bwrap, whose process is the sandbox's PID 1 (its /proc/1/environ is readable inside). */
static void make_env(const lsprite *s, const rae_sprite_exec_opts *o, args *env) {
    char line[128];
    add(env, 6, "PATH=/opt/rae/bin:/usr/local/bin:/usr/bin:/bin", "HOME=/workspace", "USER=sprite",
        "LOGNAME=sprite", "TMPDIR=/tmp", "LANG=C.UTF-8");
    snprintf(line, sizeof line, "RAE_SPRITE=%s", s->name);
    add(env, 1, line);
    if (o->tty) add(env, 1, "TERM=xterm-256color");
    for (size_t i = 0; o->env && o->env[i]; i++) { /* the caller's, replacing ours of one name */
        const char *eq = strchr(o->env[i], '=');
        if (!eq || eq == o->env[i]) continue;
        size_t k = (size_t)(eq - o->env[i]) + 1;
        size_t at = 0;
        while (at < env->v.n && strncmp(env->v.items[at], o->env[i], k) != 0)
            at++;
        if (at == env->v.n)
            add(env, 1, o->env[i]);
        else
            env->v.items[at] = arena_strdup(env->a, o->env[i]);
    }
    pvec_push(&env->v, NULL);
}

/* bwrap's options for o in s (what --args reads), the binds b[0..n) among them. */
static void build_args(local *l, const lsprite *s, const rae_sprite_exec_opts *o,
                       const local_sbx_bind *b, size_t n, int seccomp_fd, args *g) {
    char id[16], fd[16];
    snprintf(id, sizeof id, "%d", SPRITE_UID);
    snprintf(fd, sizeof fd, "%d", seccomp_fd);
    add(g, 5, "--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-uts",
        "--unshare-cgroup-try");
    if (!l->root || l->no_network) add(g, 1, "--unshare-net"); /* no namespace of ours: none */
    add(g, 1, "--die-with-parent");
    /* its own session, so that it cannot push input into a terminal of ours (TIOCSTI); a pty of
     * its own is its controlling terminal instead */
    if (!o->tty) add(g, 1, "--new-session");
    add(g, 6, "--uid", id, "--gid", id, "--hostname", s->name);
    add_system(g);
    add_shm(s, g);
    add_binds(b, n, l->root, g);
    remount_ro(g);
    add(g, 2, "--seccomp", fd);
    add(g, 2, "--chdir", o->cwd ? o->cwd : "/workspace");
}

/* A memfd (close-on-exec, above the standard fds) holding the options NUL-separated at offset 0,
 * for bwrap's --args: the caller closes it. -1 + errno. */
static int args_memfd(const args *opts) {
    int fd = memfd_create("rae-bwrap-args", MFD_CLOEXEC);
    if (fd >= 0 && fd < 3) {
        int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        close(fd);
        fd = high;
    }
    for (size_t i = 0; fd >= 0 && i < opts->v.n; i++) {
        const char *arg = opts->v.items[i];
        if (write(fd, arg, strlen(arg) + 1) != (ssize_t)(strlen(arg) + 1)) {
            int e = errno;
            close(fd);
            errno = e ? e : EIO;
            return -1;
        }
    }
    if (fd >= 0 && lseek(fd, 0, SEEK_SET) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* bwrap's argv: the options from the memfd args_fd, then the command. */
static void build_argv(const char *bwrap, int args_fd, const rae_sprite_exec_opts *o, args *g) {
    char fd[16];
    snprintf(fd, sizeof fd, "%d", args_fd);
    add(g, 4, bwrap, "--args", fd, "--");
    for (size_t i = 0; o->argv[i]; i++)
        add(g, 1, o->argv[i]);
    pvec_push(&g->v, NULL);
}

static const char *find_bwrap(void) {
    static const char *const where[] = {"/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"};
    for (size_t i = 0; i < sizeof where / sizeof *where; i++)
        if (access(where[i], X_OK) == 0) return where[i];
    return NULL;
}

/* In the child: reports what failed on fd and exits. */
static void child_fail(int fd, const char *what) {
    char msg[PATH_MAX + 128];
    int n = snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
    if (n < 0 || (size_t)n >= sizeof msg) n = (int)strlen(msg);
    if (write(fd, msg, (size_t)n) < 0) _exit(127);
    _exit(127);
}

typedef struct child_setup {
    int in, out, errout, report; /* the child's ends; report is close-on-exec */
    int tty;                     /* in/out/errout are a pty: make it the controlling terminal */
    const char *netns;           /* path to enter, NULL: none */
    uid_t uid;
    gid_t gid;
    int drop, max_procs;
    const host_cg_ctx *cg; /* NULL: no cgroups */
    const char *group;
    unsigned long long fsize;
    int seccomp_fd, args_fd;     /* bwrap's --seccomp and --args: kept open across the exec */
    char *const *envp;           /* the sandbox's whole environment */
    const local_sbx_bind *binds; /* staged for bwrap when drop is set (stage_binds) */
    size_t n_binds;
} child_setup;

/* Binds the source open at fd (O_PATH) on at, made as a directory or a file like it; -1 + errno.
 * Anything but a file or a directory (a device, a socket) is refused. */
static int stage_one(int fd, const char *at) {
    struct stat sb;
    char src[32];
    if (fstat(fd, &sb) < 0) return -1;
    if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode)) {
        errno = EINVAL;
        return -1;
    }
    if ((S_ISDIR(sb.st_mode) ? mkdir(at, 0755) : mknod(at, S_IFREG | 0644, 0)) < 0) return -1;
    snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
    return mount(src, at, NULL, MS_BIND | MS_REC, NULL);
}

/* In the child, as root, before it drops to the sprite's uid. bwrap resolves each bind's source by
 * its path as that uid, which cannot walk through a folder of mode 0700 above the data dir or the
 * rae binary (/root, most home directories, every mktemp -d). So the child takes a mount namespace
 * of its own (a slave of the host's: the host's unmounts reach it, nothing of it reaches the host;
 * it ends with the sandbox), opens each source while the host's /tmp is in view, mounts a tmpfs on
 * STAGE and binds each source there, by its descriptor, at the name bwrap is given. STAGE is /tmp
 * because bwrap needs nothing of the host's /tmp: it mounts its own tmpfs there as the base of the
 * new root. Nothing above the data dir changes mode, and the sprite's uid reaches nothing by a
 * host path. */
static void stage_binds(const child_setup *c) {
    /* root follows no symlink on the way: bwrap followed them as the sprite's uid */
    struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                           .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    int fd[MAX_BINDS];
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        child_fail(c->report, "a mount namespace for the sandbox");
    for (size_t i = 0; i < c->n_binds; i++) {
        fd[i] = (int)syscall(SYS_openat2, AT_FDCWD, c->binds[i].host, &how, sizeof how);
        if (fd[i] < 0 && !(errno == ENOENT && c->binds[i].optional))
            child_fail(c->report, c->binds[i].host);
    }
    if (mount("rae-stage", STAGE, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "mode=0755,size=64k,nr_inodes=64") < 0)
        child_fail(c->report, "the sandbox's tmpfs on " STAGE);
    for (size_t i = 0; i < c->n_binds; i++) {
        if (fd[i] < 0) continue;
        if (stage_one(fd[i], c->binds[i].stage) < 0) child_fail(c->report, c->binds[i].host);
        close(fd[i]);
    }
}

static void child_run(const child_setup *c, char *const *argv) {
    if (dup2(c->in, 0) < 0 || dup2(c->out, 1) < 0 || dup2(c->errout, 2) < 0)
        child_fail(c->report, "dup2");
    if (c->tty && (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0)) /* the pty is its terminal */
        child_fail(c->report, "the terminal");
    /* nothing of ours (a server's sockets, say) may reach the sandbox: every other fd closes on
     * exec, the report pipe's write end included */
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (fcntl(c->seccomp_fd, F_SETFD, 0) < 0 || fcntl(c->args_fd, F_SETFD, 0) < 0)
        child_fail(c->report, "bwrap's options");
    rae_err why;
    if (c->cg && host_cg_enter(c->cg, c->group, 0, &why) < 0) {
        errno = EPERM;
        child_fail(c->report, why.message);
    }
    if (c->netns) {
        int fd = open(c->netns, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) child_fail(c->report, c->netns);
        close(fd);
    }
    if (c->drop) stage_binds(c);
    if (chdir("/") < 0) child_fail(c->report, "chdir /"); /* it pins no folder of its caller's */
    struct rlimit core = {0, 0}, fsize = {c->fsize, c->fsize};
    setrlimit(RLIMIT_CORE, &core);
    setrlimit(RLIMIT_FSIZE, &fsize);
    if (c->drop) {
        struct rlimit procs = {(rlim_t)c->max_procs, (rlim_t)c->max_procs};
        setrlimit(RLIMIT_NPROC, &procs); /* per real uid: the sprite's own */
        if (setgroups(0, NULL) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 ||
            setresuid(c->uid, c->uid, c->uid) < 0)
            child_fail(c->report, "dropping to the sprite's uid");
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* after the uid change, which clears it */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(argv[0], argv, c->envp);
    child_fail(c->report, argv[0]);
}

/* The three standard fds of a command: child[] are its (closed here after the fork, but for the
 * caller's log), ours[] the caller's ends (-1: none). */
typedef struct stdio_fds {
    int child[3], ours[3];
    int tty;
} stdio_fds;

/* Closes each distinct fd of fds[0..2] once (a pty or a merged stderr repeats one) but keep. */
static void close_three(int *fds, int keep) {
    for (int i = 0; i < 3; i++) {
        int fd = fds[i];
        if (fd < 0) continue;
        if (fd != keep) close(fd);
        for (int k = i; k < 3; k++)
            if (fds[k] == fd) fds[k] = -1;
    }
}

static void stdio_close(stdio_fds *f, int log_fd, int ours) {
    close_three(ours ? f->ours : f->child, log_fd);
}

static int open_pty(const rae_sprite_exec_opts *o, stdio_fds *f) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char name[64];
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
        ptsname_r(master, name, sizeof name) != 0) {
        if (master >= 0) close(master);
        return -1;
    }
    int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        close(master);
        return -1;
    }
    struct winsize ws = {.ws_row = (unsigned short)(o->rows > 0 ? o->rows : 24),
                         .ws_col = (unsigned short)(o->cols > 0 ? o->cols : 80)};
    ioctl(master, TIOCSWINSZ, &ws);
    f->child[0] = f->child[1] = f->child[2] = slave;
    f->ours[0] = master;
    f->ours[1] = fcntl(master, F_DUPFD_CLOEXEC, 0);
    f->tty = 1;
    return f->ours[1] < 0 ? -1 : 0;
}

static int open_stdio(const rae_sprite_exec_opts *o, int log_fd, stdio_fds *f) {
    int p[2];
    for (int i = 0; i < 3; i++)
        f->child[i] = f->ours[i] = -1;
    f->tty = 0;
    if (o->tty) return open_pty(o, f);
    if (o->want_stdin && pipe2(p, O_CLOEXEC) == 0) {
        f->child[0] = p[0];
        f->ours[0] = p[1];
    } else if (o->want_stdin || (f->child[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
        return -1;
    }
    if (log_fd >= 0) { /* output to the log, not to pipes */
        f->child[1] = f->child[2] = log_fd;
        return 0;
    }
    for (int i = 1; i <= 2; i++) {
        if (i == 2 && o->merge_stderr) {
            f->child[2] = f->child[1];
        } else if (pipe2(p, O_CLOEXEC) == 0) {
            f->child[i] = p[1];
            f->ours[i] = p[0];
        } else {
            return -1;
        }
    }
    return 0;
}

/* What the child of local_sbx_spawn execs, made before the fork (no allocation after it): the
 * binds, the memfd of bwrap's options, bwrap's argv and the environment, their strings in a. */
typedef struct spawn_plan {
    arena *a;
    local_sbx_bind binds[MAX_BINDS];
    size_t n_binds;
    int args_fd;
    args argv, env;
} spawn_plan;

/* Fills p (which owns what it holds, even on failure: plan_free); -1 + errno. */
static int plan_make(local *l, const lsprite *s, const rae_sprite_exec_opts *o, const char *bwrap,
                     int filter, spawn_plan *p) {
    p->a = arena_new();
    p->argv = (args){PVEC_INIT, p->a};
    p->env = (args){PVEC_INIT, p->a};
    args opts = {PVEC_INIT, p->a};
    p->n_binds = sprite_binds(l, s, p->a, p->binds);
    build_args(l, s, o, p->binds, p->n_binds, filter, &opts);
    p->args_fd = args_memfd(&opts);
    pvec_free(&opts.v);
    if (p->args_fd < 0) return -1;
    build_argv(bwrap, p->args_fd, o, &p->argv);
    make_env(s, o, &p->env);
    return 0;
}

static void plan_free(spawn_plan *p) {
    if (p->args_fd >= 0) close(p->args_fd);
    pvec_free(&p->argv.v);
    pvec_free(&p->env.v);
    arena_free(p->a);
}

int local_sbx_spawn(local *l, lsprite *s, const rae_sprite_exec_opts *o, int log_fd,
                    rae_sprite_proc *out, rae_err *err) {
    out->pid = -1;
    out->in_fd = out->out_fd = out->err_fd = -1;
    const char *bwrap = find_bwrap();
    if (!bwrap) return rae_err_fail(err, "bwrap not found: apt-get install bubblewrap");
    char group[96], netns[PATH_MAX], name[96];
    local_group(l, s, group, sizeof group);
    if (local_cg_setup(l, s, err) < 0) return -1;
    stdio_fds f;
    spawn_plan plan = {.args_fd = -1};
    int report[2] = {-1, -1}, filter = -1;
    if (open_stdio(o, log_fd, &f) < 0 || pipe2(report, O_CLOEXEC) < 0 ||
        (filter = host_sec_memfd(&l->seccomp)) < 0 ||
        plan_make(l, s, o, bwrap, filter, &plan) < 0) {
        int e = errno;
        stdio_close(&f, log_fd, 0);
        stdio_close(&f, log_fd, 1);
        if (report[0] >= 0) {
            close(report[0]);
            close(report[1]);
        }
        if (filter >= 0) close(filter);
        if (plan.a) plan_free(&plan);
        return rae_err_fail(err, "exec in '%s': %s", s->name, strerror(e));
    }
    int net = l->root && !l->no_network;
    if (net) {
        local_netns(l, s, name, sizeof name);
        host_net_path(name, netns, sizeof netns);
    }
    child_setup c = {.in = f.child[0],
                     .out = f.child[1],
                     .errout = f.child[2],
                     .tty = f.tty,
                     .report = report[1],
                     .netns = net ? netns : NULL,
                     .uid = s->uid,
                     .gid = s->gid,
                     .drop = l->root,
                     .max_procs = s->lim.max_procs,
                     .cg = l->cg,
                     .group = group,
                     .fsize = s->own_fs ? RLIM_INFINITY : s->lim.disk_quota,
                     .seccomp_fd = filter,
                     .args_fd = plan.args_fd,
                     .envp = (char *const *)plan.env.v.items,
                     .binds = plan.binds,
                     .n_binds = plan.n_binds};
    pid_t pid = fork();
    if (pid == 0) child_run(&c, (char *const *)plan.argv.v.items);
    stdio_close(&f, log_fd, 0);
    close(report[1]);
    close(filter);
    plan_free(&plan);
    char why[PATH_MAX + 128];
    ssize_t n = pid < 0 ? -1 : read(report[0], why, sizeof why - 1);
    close(report[0]);
    if (pid < 0 || n > 0) {
        if (n > 0)
            why[n] = 0;
        else
            snprintf(why, sizeof why, "fork: %s", strerror(errno));
        stdio_close(&f, log_fd, 1);
        if (pid > 0) waitpid(pid, NULL, 0);
        return rae_err_fail(err, "exec in '%s': %s", s->name, why);
    }
    out->pid = pid;
    out->in_fd = f.ours[0];
    out->out_fd = f.ours[1];
    out->err_fd = f.ours[2];
    return 0;
}

int rae_sprite_proc_wait(rae_sprite_proc *p, int block, int *status) {
    if (p->pid <= 0) return 0;
    int st;
    pid_t r;
    do
        r = waitpid(p->pid, &st, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0) return 1;
    if (status) *status = r < 0 ? 127 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    p->pid = -1;
    return 0;
}
