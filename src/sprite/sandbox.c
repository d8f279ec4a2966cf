/* Starting a process in a sprite: a new bwrap sandbox with the sprite's workspace, /tmp and /etc,
 * the system read-only, and its own user, PID, IPC and UTS namespaces. As root the child first
 * enters the sprite's network namespace, then drops to the sprite's host uid, so that the user
 * namespace bwrap makes maps no host file to anyone but that uid. */
#include "sprite/local.h"
#include "sprite/net.h"

#include <errno.h>
#include <linux/close_range.h>
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
#include <sys/resource.h>
#include <sys/stat.h>
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

static void add_sprite(local *l, const lsprite *s, args *g) {
    char path[PATH_MAX + 32];
    local_workspace(s, path, sizeof path);
    add(g, 3, "--bind", path, "/workspace");
    local_tmp(s, path, sizeof path);
    add(g, 3, "--bind", path, "/tmp");
    static const char *const own_etc[] = {"passwd", "group", "hostname", "resolv.conf"};
    for (size_t i = 0; i < sizeof own_etc / sizeof *own_etc; i++) {
        char sub[32], dest[32];
        snprintf(sub, sizeof sub, "etc/%s", own_etc[i]);
        snprintf(dest, sizeof dest, "/etc/%s", own_etc[i]);
        local_path(s, sub, path, sizeof path);
        add(g, 3, "--ro-bind-try", path, dest);
    }
    if (l->self_exe[0]) add(g, 3, "--ro-bind", l->self_exe, "/opt/rae/bin/rae");
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

/* The bwrap command line for o in s. */
static void build_args(local *l, const lsprite *s, const rae_sprite_exec_opts *o, const char *bwrap,
                       int seccomp_fd, args *g) {
    char id[16], fd[16];
    snprintf(id, sizeof id, "%d", SPRITE_UID);
    snprintf(fd, sizeof fd, "%d", seccomp_fd);
    add(g, 1, bwrap);
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
    add_sprite(l, s, g);
    remount_ro(g);
    add(g, 2, "--seccomp", fd);
    add(g, 2, "--chdir", o->cwd ? o->cwd : "/workspace");
    add(g, 1, "--");
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
    char msg[256];
    int n = snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
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
    const scg_ctx *cg; /* NULL: no cgroups */
    const char *group;
    unsigned long long fsize;
    int seccomp_fd;    /* bwrap's --seccomp: kept open across the exec */
    char *const *envp; /* the sandbox's whole environment */
} child_setup;

static void child_run(const child_setup *c, char *const *argv) {
    if (dup2(c->in, 0) < 0 || dup2(c->out, 1) < 0 || dup2(c->errout, 2) < 0)
        child_fail(c->report, "dup2");
    if (c->tty && (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) < 0)) /* the pty is its terminal */
        child_fail(c->report, "the terminal");
    /* nothing of ours (a server's sockets, say) may reach the sandbox: every other fd closes on
     * exec, the report pipe's write end included */
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (fcntl(c->seccomp_fd, F_SETFD, 0) < 0) child_fail(c->report, "the seccomp filter");
    char why[256];
    if (c->cg && scg_enter(c->cg, c->group, 0, why, sizeof why) < 0) {
        errno = EPERM;
        child_fail(c->report, why);
    }
    if (c->netns) {
        int fd = open(c->netns, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) child_fail(c->report, c->netns);
        close(fd);
    }
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

int sbx_spawn(local *l, lsprite *s, const rae_sprite_exec_opts *o, int log_fd, rae_sprite_proc *out,
              char *err, size_t errlen) {
    out->pid = -1;
    out->in_fd = out->out_fd = out->err_fd = -1;
    const char *bwrap = find_bwrap();
    if (!bwrap) return err_set(err, errlen, "bwrap not found: apt-get install bubblewrap");
    char group[96], netns[PATH_MAX], name[96];
    local_group(l, s, group, sizeof group);
    if (local_cg_setup(l, s, err, errlen) < 0) return -1;
    stdio_fds f;
    int report[2] = {-1, -1}, filter = -1;
    if (open_stdio(o, log_fd, &f) < 0 || pipe2(report, O_CLOEXEC) < 0 ||
        (filter = ssec_memfd(&l->seccomp)) < 0) {
        int e = errno;
        stdio_close(&f, log_fd, 0);
        stdio_close(&f, log_fd, 1);
        if (report[0] >= 0) {
            close(report[0]);
            close(report[1]);
        }
        return err_set(err, errlen, "exec in '%s': %s", s->name, strerror(e));
    }
    int net = l->root && !l->no_network;
    if (net) {
        local_netns(l, s, name, sizeof name);
        snet_path(name, netns, sizeof netns);
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
                     .seccomp_fd = filter};
    args g = {PVEC_INIT, arena_new()}, env = {PVEC_INIT, g.a};
    build_args(l, s, o, bwrap, filter, &g);
    make_env(s, o, &env);
    c.envp = (char *const *)env.v.items;
    pid_t pid = fork();
    if (pid == 0) child_run(&c, (char *const *)g.v.items);
    stdio_close(&f, log_fd, 0);
    close(report[1]);
    close(filter);
    pvec_free(&g.v);
    pvec_free(&env.v);
    arena_free(g.a);
    char why[256];
    ssize_t n = pid < 0 ? -1 : read(report[0], why, sizeof why - 1);
    close(report[0]);
    if (pid < 0 || n > 0) {
        if (n > 0)
            why[n] = 0;
        else
            snprintf(why, sizeof why, "fork: %s", strerror(errno));
        stdio_close(&f, log_fd, 1);
        if (pid > 0) waitpid(pid, NULL, 0);
        return err_set(err, errlen, "exec in '%s': %s", s->name, why);
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
