#include "capture/display.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define START_TIMEOUT_MS 10000

static void child(const char *socket_path, int width, int height, int fd_w) {
    sigset_t none; /* the caller may block signals to read them from a signalfd */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    int fd = fcntl(fd_w, F_DUPFD, 10); /* without close-on-exec: Xvnc writes to it */
    char fdarg[16], geometry[32];
    snprintf(fdarg, sizeof fdarg, "%d", fd);
    snprintf(geometry, sizeof geometry, "%dx%d", width > 0 ? width : 1280,
             height > 0 ? height : 800);
    int saved_err = fcntl(2, F_DUPFD_CLOEXEC, 10); /* for the message of a failed exec */
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2); /* Xvnc logs every connection */
    }
    execlp("Xvnc", "Xvnc", "-displayfd", fdarg, "-geometry", geometry, "-depth", "24",
           "-rfbunixpath", socket_path, "-rfbunixmode", "0600", "-rfbport", "-1", "-SecurityTypes",
           "None", "-nolisten", "tcp", "-AlwaysShared", "-desktop", "rae", (char *)NULL);
    dprintf(saved_err, "rae: cannot start Xvnc: %s (install Debian's tigervnc-standalone-server)\n",
            strerror(errno));
    _exit(127);
}

/* Reads the display number Xvnc writes once it is ready. Returns it, or -1. */
static int read_number(int fd) {
    char text[16];
    size_t len = 0;
    while (len < sizeof text - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, START_TIMEOUT_MS) <= 0) return -1;
        ssize_t r = read(fd, text + len, sizeof text - 1 - len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        len += (size_t)r;
        if (memchr(text, '\n', len)) break;
    }
    text[len] = '\0';
    return len && text[0] >= '0' && text[0] <= '9' ? atoi(text) : -1;
}

/* 1 when nothing listens on the UNIX socket path (connection refused). */
static int stale_socket(const char *path) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) return 0;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int refused = connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno == ECONNREFUSED;
    close(fd);
    return refused;
}

int display_start(const char *socket_path, int width, int height, display *d, rae_err *err) {
    memset(d, 0, sizeof *d);
    struct stat st;
    if (lstat(socket_path, &st) == 0 && S_ISSOCK(st.st_mode) && stale_socket(socket_path))
        unlink(socket_path); /* a display that was killed left it: nobody listens there */
    if (lstat(socket_path, &st) == 0) {
        return rae_err_set(err, RAE_E_INVALID,
                           "display socket %s already exists (another capture on it? remove it "
                           "if not)",
                           socket_path);
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        rae_err_fail(err, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        rae_err_fail(err, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) child(socket_path, width, height, fds[1]);
    close(fds[1]);
    int number = read_number(fds[0]);
    close(fds[0]);
    d->pid = pid;
    d->socket = (char *)socket_path;
    if (number < 0) {
        int status = 0;
        int gone = waitpid(pid, &status, WNOHANG) == pid;
        if (gone) d->pid = 0;
        display_stop(d);
        rae_err_fail(err, "Xvnc %s (is tigervnc-standalone-server installed?)",
                     gone ? "exited before its display was ready" : "did not start within 10 s");
        return -1;
    }
    d->number = number;
    snprintf(d->name, sizeof d->name, ":%d", number);
    return 0;
}

void display_stop(display *d) {
    if (d->pid > 0) {
        kill(-d->pid, SIGTERM);
        kill(d->pid, SIGTERM);
        for (int i = 0; i < 200; i++) {
            if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
                d->pid = 0;
                break;
            }
            usleep(10000);
        }
        if (d->pid > 0) {
            kill(-d->pid, SIGKILL);
            waitpid(d->pid, NULL, 0);
            d->pid = 0;
        }
    }
    if (d->socket) unlink(d->socket);
    d->socket = NULL;
}
