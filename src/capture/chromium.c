#include "capture/chromium.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 40

static const char *binary_of(const chromium_opts *o) {
    if (o->binary && *o->binary) return o->binary;
    const char *env = getenv("RAE_CHROMIUM");
    return env && *env ? env : "chromium";
}

/* argv for the browser; strings live in store (one buffer of NUL-separated strings). */
static void build_args(const chromium_opts *o, char *store, size_t cap, char **argv) {
    size_t n = 0, used = 0;
#define ARG(...)                                                                                   \
    do {                                                                                           \
        int w = snprintf(store + used, cap - used, __VA_ARGS__);                                   \
        argv[n++] = store + used;                                                                  \
        used += (size_t)w + 1;                                                                     \
    } while (0)
    ARG("%s", binary_of(o));
    ARG("--remote-debugging-pipe");
    ARG("--user-data-dir=%s", o->profile_dir);
    ARG("--no-first-run");
    ARG("--no-default-browser-check");
    ARG("--disable-background-networking");
    ARG("--disable-component-update");
    ARG("--disable-sync");
    ARG("--disable-dev-shm-usage");
    ARG("--password-store=basic");
    ARG("--hide-crash-restore-bubble");
    ARG("--disable-blink-features=AutomationControlled");
    ARG("--window-size=%d,%d", o->width > 0 ? o->width : 1280, o->height > 0 ? o->height : 800);
    /* as root Chromium refuses to start with its sandbox; in a sprite, the seccomp filter denies
     * the user namespaces it needs, and the sprite is its sandbox (docs/sprites.md) */
    if (geteuid() == 0 || getenv("RAE_SPRITE")) ARG("--no-sandbox");
    if (o->headless) {
        ARG("--headless=new");
        ARG("--disable-gpu");
    } else {
        ARG("--disable-gpu"); /* Xvnc has no GPU */
        ARG("--start-maximized");
    }
    if (o->cdp_port > 0) {
        ARG("--remote-debugging-port=%d", o->cdp_port);
        ARG("--remote-debugging-address=127.0.0.1");
    }
    if (o->locale) ARG("--lang=%s", o->locale);
    if (o->user_agent) ARG("--user-agent=%s", o->user_agent);
    const char *extra = getenv("RAE_CHROMIUM_FLAGS"); /* for debugging: space-separated */
    for (const char *f = extra; f && *f && n < MAX_ARGS - 2;) {
        size_t len = strcspn(f, " ");
        if (len) ARG("%.*s", (int)len, f);
        f += len + (f[len] == ' ');
    }
    ARG("--no-startup-window"); /* rae opens the first tab itself, once it is attached */
    argv[n] = NULL;
#undef ARG
}

/* In the child: fd 3 and fd 4 for the protocol, a group of its own, then exec. Reports a failed
 * exec through report_fd (close-on-exec, so a successful exec closes it silently). */
static void child(const chromium_opts *o, int cmd_r, int out_w, int err_w, int report_fd,
                  char **argv) {
    sigset_t none; /* the caller may block signals to read them from a signalfd */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM); /* rae killed: the browser goes too */
    int in = fcntl(cmd_r, F_DUPFD_CLOEXEC, 10), out = fcntl(out_w, F_DUPFD_CLOEXEC, 10);
    if (in < 0 || out < 0 || dup2(in, 3) < 0 || dup2(out, 4) < 0) _exit(127);
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    dup2(err_w, 1);
    dup2(err_w, 2);
    if (o->display) setenv("DISPLAY", o->display, 1);
    if (o->timezone) setenv("TZ", o->timezone, 1);
    execvp(argv[0], argv);
    int e = errno;
    if (write(report_fd, &e, sizeof e) < 0) _exit(127);
    _exit(127);
}

static int fail(rae_err *err, const char *what) {
    rae_err_fail(err, "%s: %s", what, strerror(errno));
    return -1;
}

int chromium_start(const chromium_opts *o, chromium *c, rae_err *err) {
    memset(c, 0, sizeof *c);
    c->cmd_fd = c->out_fd = c->err_fd = -1;
    int cmd[2], out[2], errp[2], report[2];
    if (pipe2(cmd, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
        pipe2(report, O_CLOEXEC) < 0)
        return fail(err, "pipe");
    char store[8192], *argv[MAX_ARGS];
    build_args(o, store, sizeof store, argv);
    pid_t pid = fork();
    if (pid < 0) return fail(err, "fork");
    if (pid == 0) child(o, cmd[0], out[1], errp[1], report[1], argv);
    close(cmd[0]);
    close(out[1]);
    close(errp[1]);
    close(report[1]);
    int e = 0;
    ssize_t r;
    do
        r = read(report[0], &e, sizeof e);
    while (r < 0 && errno == EINTR);
    close(report[0]);
    c->pid = pid;
    c->cmd_fd = cmd[1];
    c->out_fd = out[0];
    c->err_fd = errp[0];
    fcntl(c->err_fd, F_SETFL, fcntl(c->err_fd, F_GETFL) | O_NONBLOCK);
    signal(SIGPIPE, SIG_IGN); /* a browser that died shows as EPIPE on the next command */
    if (r == (ssize_t)sizeof e) {
        chromium_reap(c, 1000);
        close(c->cmd_fd);
        close(c->out_fd);
        close(c->err_fd);
        c->cmd_fd = c->out_fd = c->err_fd = -1;
        rae_err_fail(err,
                     "cannot start '%s': %s (install Debian's chromium, or name the "
                     "browser with --chromium PATH or RAE_CHROMIUM)",
                     argv[0], strerror(e));
        return -1;
    }
    return 0;
}

void chromium_read_stderr(chromium *c) {
    char chunk[4096];
    for (;;) {
        ssize_t r = c->err_fd >= 0 ? read(c->err_fd, chunk, sizeof chunk) : 0;
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return; /* EAGAIN: nothing more now */
        if (r == 0) {
            if (c->err_fd >= 0) close(c->err_fd);
            c->err_fd = -1;
            return;
        }
        size_t n = (size_t)r, keep = sizeof c->tail - 1;
        if (n >= keep) {
            memcpy(c->tail, chunk + n - keep, keep);
            c->tail_len = keep;
        } else {
            size_t old = c->tail_len + n > keep ? keep - n : c->tail_len;
            memmove(c->tail, c->tail + c->tail_len - old, old);
            memcpy(c->tail + old, chunk, n);
            c->tail_len = old + n;
        }
        c->tail[c->tail_len] = '\0';
    }
}

int chromium_reap(chromium *c, int timeout_ms) {
    if (c->pid <= 0) return 1;
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(c->pid, &c->status, WNOHANG);
        if (r == c->pid || (r < 0 && errno == ECHILD)) {
            c->pid = 0;
            return 1;
        }
        if (waited >= timeout_ms) return 0;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void chromium_kill(chromium *c) {
    if (c->pid <= 0) return;
    kill(-c->pid, SIGKILL);
    kill(c->pid, SIGKILL);
    chromium_reap(c, 5000);
}

const char *chromium_how(const chromium *c, char *out, size_t n) {
    if (WIFSIGNALED(c->status))
        snprintf(out, n, "killed by signal %d", WTERMSIG(c->status));
    else
        snprintf(out, n, "exit status %d", WEXITSTATUS(c->status));
    return out;
}
