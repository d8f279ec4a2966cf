/* sprite/tool: running the system's tools (ip, pasta, nft, mount, mkfs.ext4) from rae: found on
 * PATH or in the usual directories, run with a clean environment and no fd of rae, their output
 * captured for the error message. */
#include "host/tool.h"
#include "rae/err.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOOL_TIMEOUT_MS 15000 /* any one run */
#define OUT_CAP 2048          /* captured output kept for an error message */

long host_tool_elapsed_ms(const struct timespec *since) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

void host_tool_sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

static int is_executable(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The absolute path of tool: the first in $PATH (absolute entries only), else in the usual
 * system directories. 0 when found. */
int host_tool_find(const char *tool, char *out, size_t n) {
    static const char *const fallback[] = {"/usr/sbin", "/usr/bin",        "/sbin",
                                           "/bin",      "/usr/local/sbin", "/usr/local/bin"};
    const char *path = getenv("PATH");
    for (const char *p = path; p && *p;) {
        size_t len = strcspn(p, ":");
        if (len && p[0] == '/') {
            int w = snprintf(out, n, "%.*s/%s", (int)len, p, tool);
            if (w > 0 && (size_t)w < n && is_executable(out)) return 0;
        }
        p += len + (p[len] == ':');
    }
    for (size_t i = 0; i < sizeof fallback / sizeof *fallback; i++) {
        int w = snprintf(out, n, "%s/%s", fallback[i], tool);
        if (w > 0 && (size_t)w < n && is_executable(out)) return 0;
    }
    return -1;
}

/* In the child, before exec: only async-signal-safe calls. */
__attribute__((noreturn)) static void run_child(const char *const argv[], int netns_fd, int in_fd,
                                                int out_fd, int pass_fd) {
    static char *const env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
    sigset_t none; /* the caller may block signals to read them from a signalfd */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++)
        if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL); /* SIG_IGN survives exec */
    int in = fcntl(in_fd, F_DUPFD_CLOEXEC, 10), out = fcntl(out_fd, F_DUPFD_CLOEXEC, 10);
    int pass = pass_fd >= 0 ? fcntl(pass_fd, F_DUPFD_CLOEXEC, 10) : -1;
    if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
    if (pass_fd >= 0 && (pass < 0 || dup2(pass, 3) < 0)) _exit(126);
    if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) < 0) {
        static const char msg[] = "setns into the sprite's namespace failed\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
        _exit(126);
    }
    unsigned first = pass_fd >= 0 ? 4 : 3; /* no fd of rae goes to a daemon, but pass_fd as 3 */
#ifdef SYS_close_range
    if (syscall(SYS_close_range, first, ~0U, 0U) < 0)
#endif
        for (int fd = (int)first; fd < 65536; fd++)
            close(fd);
    execve(argv[0], (char *const *)argv, env);
    static const char msg[] = "exec failed\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(127);
}

/* Output of a tool made one line: syslog complaints of pasta dropped, lines joined by "; ". */
static void clean_output(const char *raw, size_t len, char *out, size_t n) {
    size_t used = 0;
    out[0] = 0;
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && raw[e] != '\n')
            e++;
        size_t a = i, b = e;
        while (a < b && (raw[a] == ' ' || raw[a] == '\t' || raw[a] == '\r'))
            a++;
        while (b > a && (raw[b - 1] == ' ' || raw[b - 1] == '\t' || raw[b - 1] == '\r'))
            b--;
        if (b > a && !(b - a >= 14 && memcmp(raw + a, "Failed to send", 14) == 0) && used + 1 < n) {
            int w =
                snprintf(out + used, n - used, "%s%.*s", used ? "; " : "", (int)(b - a), raw + a);
            if (w > 0) used += (size_t)w < n - used ? (size_t)w : n - used - 1;
        }
        i = e + 1;
    }
}

/* Runs argv (argv[0] absolute) with stdin from input (NULL: /dev/null), stdout and stderr
 * captured, in the network namespace netns_fd when >= 0. 0 when it exits 0; -1 otherwise, with
 * err = "WHERE: its output (exit N)". */
int host_tool_run(const char *where, const char *const argv[], int netns_fd, const char *input,
                  rae_err *err) {
    return host_tool_run_fd(where, argv, netns_fd, input, -1, err);
}

int host_tool_run_fd(const char *where, const char *const argv[], int netns_fd, const char *input,
                     int pass_fd, rae_err *err) {
    int in_fd = -1, p[2] = {-1, -1};
    if (input) {
        in_fd = memfd_create("snet-input", MFD_CLOEXEC);
        size_t len = strlen(input), off = 0;
        while (in_fd >= 0 && off < len) {
            ssize_t w = write(in_fd, input + off, len - off);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                close(in_fd);
                in_fd = -1;
                break;
            }
            off += (size_t)w;
        }
        if (in_fd >= 0 && lseek(in_fd, 0, SEEK_SET) < 0) {
            close(in_fd);
            in_fd = -1;
        }
    } else {
        in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    if (in_fd < 0 || pipe2(p, O_CLOEXEC) < 0) {
        rae_err_fail(err, "%s: cannot prepare its input: %s", where, strerror(errno));
        if (in_fd >= 0) close(in_fd);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) run_child(argv, netns_fd, in_fd, p[1], pass_fd);
    int fork_errno = errno;
    close(p[1]);
    close(in_fd);
    if (pid < 0) {
        close(p[0]);
        rae_err_fail(err, "%s: fork: %s", where, strerror(fork_errno));
        return -1;
    }

    char raw[OUT_CAP];
    size_t used = 0;
    int status = 0, eof = 0, timed_out = 0, waited = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (!eof) {
            struct pollfd pf = {p[0], POLLIN, 0};
            if (poll(&pf, 1, 50) > 0) {
                char tmp[512];
                ssize_t r = read(p[0], tmp, sizeof tmp);
                if (r > 0) {
                    size_t keep = (size_t)r < sizeof raw - used ? (size_t)r : sizeof raw - used;
                    memcpy(raw + used, tmp, keep);
                    used += keep;
                } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                    eof = 1;
                }
            }
        } else {
            host_tool_sleep_ms(2);
        }
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            waited = 1;
            break;
        }
        if (w < 0 && errno != EINTR) break; /* reaped by someone else (SIGCHLD ignored?) */
        if (host_tool_elapsed_ms(&start) > TOOL_TIMEOUT_MS) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            timed_out = 1;
            break;
        }
    }
    /* What is left in the pipe; a daemon (pasta) may hold its end, so do not wait for EOF. */
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    for (;;) {
        char tmp[512];
        ssize_t r = read(p[0], tmp, sizeof tmp);
        if (r <= 0) break;
        size_t keep = (size_t)r < sizeof raw - used ? (size_t)r : sizeof raw - used;
        memcpy(raw + used, tmp, keep);
        used += keep;
    }
    close(p[0]);

    if (waited && !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    char text[OUT_CAP], why[64];
    clean_output(raw, used, text, sizeof text);
    if (timed_out)
        snprintf(why, sizeof why, "timed out after %d s", TOOL_TIMEOUT_MS / 1000);
    else if (!waited)
        snprintf(why, sizeof why, "exit status lost (SIGCHLD ignored?)");
    else if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(why, sizeof why, "exit %d", WEXITSTATUS(status));
    rae_err_fail(err, "%s: %s%s(%s)", where, text, text[0] ? " " : "", why);
    return -1;
}
