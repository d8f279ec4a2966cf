/* chromium: starts Debian's Chromium with the DevTools protocol on a pipe (its fd 3 reads
 * commands, its fd 4 writes replies), in a process group of its own so that stopping it stops
 * its renderers too. */
#ifndef RAE_CAPTURE_CHROMIUM_H
#define RAE_CAPTURE_CHROMIUM_H

#include <stddef.h>
#include <sys/types.h>

#include "rae/err.h"

typedef struct chromium_opts {
    const char *binary;      /* NULL: $RAE_CHROMIUM, else "chromium" on PATH */
    const char *profile_dir; /* --user-data-dir; required */
    int headless;            /* else headful on `display` */
    const char *display;     /* ":N" for headful */
    int cdp_port;            /* > 0: also serve DevTools on 127.0.0.1:PORT */
    int width, height;
    const char *locale;     /* --lang, or NULL */
    const char *timezone;   /* TZ of the browser, or NULL */
    const char *user_agent; /* --user-agent, or NULL */
} chromium_opts;

typedef struct chromium {
    pid_t pid;          /* leader of the browser's process group; 0 once reaped */
    int cmd_fd, out_fd; /* our ends of its fd 3 and fd 4 (cdp_new takes them over) */
    int err_fd;         /* its stderr, non-blocking; -1 once at its end */
    char tail[2048];    /* the last lines it wrote on stderr, NUL-terminated */
    size_t tail_len;
    int status; /* wait status once reaped */
} chromium;

/* Starts the browser. Returns 0, or -1 with err filled (e.g. the binary is missing). */
int chromium_start(const chromium_opts *o, chromium *c, rae_err *err);
/* Reads what the browser wrote on stderr into c->tail (call when err_fd is readable). */
void chromium_read_stderr(chromium *c);
/* Reaps the browser if it has exited, waiting up to timeout_ms. Returns 1 when it is gone. */
int chromium_reap(chromium *c, int timeout_ms);
/* Kills the browser's whole process group and reaps it. */
void chromium_kill(chromium *c);
/* "exit status 0", "killed by signal 9", ... for c->status. */
const char *chromium_how(const chromium *c, char *out, size_t n);

#endif
