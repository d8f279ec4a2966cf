/* rae_capture_run: the display, the browser and the recorder, one poll loop until the capture
 * ends, then the HAR from the journal. */
#include "rae/capture.h"

#include "capture/cdp.h"
#include "capture/chromium.h"
#include "capture/control.h"
#include "capture/display.h"
#include "capture/journal.h"
#include "capture/recorder.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_MS 2000    /* at the end: how long to wait for bodies still being read ... */
#define DRAIN_CAP_S 15   /* ... and in all while some keep arriving */
#define CLOSE_MS 5000    /* at the end: how long to wait for the browser to close */
#define LOAD_WARN_S 30.0 /* a start page that has not loaded by then gets a warning */

typedef struct run {
    const rae_capture_opts *o;
    display d;
    chromium br;
    cdp *c;
    journal *j;
    recorder *r;
    char profile[PATH_MAX];
    int temp_profile;
    char journal_path[PATH_MAX + 16];
    const char *ended_by;
    int failed; /* err holds why, the first failure's */
    rae_err err;
    int load_warned;
    int gone;       /* the browser's end of the pipe closed */
    int control_fd; /* listening for commands (control.h), -1 when not */
} run;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void emit(run *u, rae_event_type type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void emit(run *u, rae_event_type type, const char *fmt, ...) {
    if (!u->o->on_event) return;
    char message[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    rae_event ev = {.type = type, .stage = "capture", .message = message, .kind = "runtime"};
    u->o->on_event(u->o->user, &ev);
}

/* Sets the run's failure (the first one wins); returns -1. */
static int failed(run *u, rae_errc code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int failed(run *u, rae_errc code, const char *fmt, ...) {
    if (u->failed) return -1;
    va_list ap;
    va_start(ap, fmt);
    rae_err_vset(&u->err, code, fmt, ap);
    va_end(ap);
    u->failed = 1;
    return -1;
}

/* The run failed as u->err, which a callee filled, says; with code when the callee's is generic. */
static int failed_as(run *u, rae_errc code) {
    if (u->err.code == RAE_E_FAIL || u->err.code == RAE_E_OK) u->err.code = code;
    u->failed = 1;
    return -1;
}

void rae_capture_journal_path(const char *har_path, char *out, size_t n) {
    snprintf(out, n, "%s.journal", har_path);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static int make_profile(run *u) {
    const char *dir = u->o->profile_dir;
    if (dir) {
        snprintf(u->profile, sizeof u->profile, "%s", dir);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            return failed(u, RAE_E_INVALID, "--profile %s: %s", dir, strerror(errno));
        return 0;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(u->profile, sizeof u->profile, "%s/rae-profile-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(u->profile))
        return failed(u, RAE_E_FAIL, "temporary profile: %s", strerror(errno));
    u->temp_profile = 1;
    return 0;
}

static int start(run *u, rec_opts *ro) {
    const rae_capture_opts *o = u->o;
    rae_capture_journal_path(o->har_path, u->journal_path, sizeof u->journal_path);
    u->j = journal_open(u->journal_path, &u->err);
    if (!u->j) return failed_as(u, RAE_E_INVALID);
    if (make_profile(u)) return -1;
    if (o->vnc_socket) {
        if (display_start(o->vnc_socket, o->width, o->height, &u->d, &u->err) < 0)
            return failed_as(u, RAE_E_FAIL);
        emit(u, RAE_EV_PROGRESS, "display %s serves VNC on %s", u->d.name, o->vnc_socket);
    }
    chromium_opts co = {.binary = o->chromium,
                        .profile_dir = u->profile,
                        .headless = !o->vnc_socket,
                        .display = o->vnc_socket ? u->d.name : NULL,
                        .cdp_port = o->cdp_port,
                        .width = o->width,
                        .height = o->height,
                        .locale = o->locale,
                        .timezone = o->timezone};
    if (chromium_start(&co, &u->br, &u->err) < 0) return failed_as(u, RAE_E_FAIL);
    u->r = recorder_new(u->j, ro);
    u->c = cdp_new(u->br.cmd_fd, u->br.out_fd, recorder_on_event, u->r);
    u->br.cmd_fd = u->br.out_fd = -1; /* the cdp owns them now */
    if (getenv("RAE_CDP_TRACE")) cdp_trace(u->c, stderr);
    recorder_start(u->r, u->c);
    if (o->cdp_port > 0)
        emit(u, RAE_EV_PROGRESS, "DevTools for automation on http://127.0.0.1:%d", o->cdp_port);
    if (o->control_socket) {
        u->control_fd = control_open(o->control_socket, &u->err);
        if (u->control_fd < 0) return failed_as(u, RAE_E_INVALID);
        emit(u, RAE_EV_PROGRESS, "commands for the tab on %s", o->control_socket);
    }
    return 0;
}

/* Reads what made stop_fd readable, whatever kind of descriptor it is. */
static void consume_stop(int fd) {
    char drop[256];
    if (read(fd, drop, sizeof drop) < 0) return;
}

/* The browser is gone: say how, and whether that was a normal end. */
static void browser_gone(run *u) {
    chromium_reap(&u->br, 2000);
    char how[64];
    chromium_how(&u->br, how, sizeof how);
    if (u->br.pid == 0 && WIFEXITED(u->br.status) && WEXITSTATUS(u->br.status) == 0) {
        u->ended_by = "browser closed";
        return;
    }
    u->ended_by = "browser exited";
    failed(u, RAE_E_FAIL, "chromium exited unexpectedly (%s)%s%s",
           u->br.pid ? "still running" : how, u->br.tail_len ? "; its last words:\n" : "",
           u->br.tail);
}

/* One poll round. Returns 1 when the capture should end. */
static int step(run *u, double deadline) {
    struct pollfd fds[4] = {{cdp_fd(u->c), POLLIN, 0},
                            {u->br.err_fd, POLLIN, 0},
                            {u->o->stop_fd, POLLIN, 0},
                            {u->control_fd, POLLIN, 0}};
    int timeout = recorder_tick(u->r);
    if (deadline > 0) {
        int left = (int)((deadline - now_s()) * 1000) + 1;
        if (left <= 0) return u->ended_by = "duration", 1;
        if (timeout < 0 || left < timeout) timeout = left;
    }
    if (timeout < 0 || timeout > 1000) timeout = 1000;
    if (poll(fds, 4, timeout) < 0 && errno != EINTR)
        return failed(u, RAE_E_FAIL, "poll: %s", strerror(errno)), 1;
    if (fds[3].revents) control_serve(u->control_fd, u->r);
    if (fds[1].revents) chromium_read_stderr(&u->br);
    if (fds[2].revents) {
        consume_stop(u->o->stop_fd);
        return u->ended_by = "signal", 1;
    }
    if (fds[0].revents) {
        rae_err err;
        int rc = cdp_read(u->c, &err);
        if (rc == 1) return u->gone = 1, browser_gone(u), 1;
        if (rc < 0) return failed(u, RAE_E_FAIL, "%s", err.message), 1;
    }
    return 0;
}

/* Whether something seen while recording ends the capture. */
static int check(run *u, double t0) {
    const rec_stats *st = recorder_stats(u->r);
    const char *jerr = recorder_error(u->r);
    if (jerr) {
        u->ended_by = "journal error";
        failed(u, RAE_E_FAIL, "%s (the requests recorded before are kept)", jerr);
        return 1;
    }
    if (st->start_error && !u->o->vnc_socket && u->o->cdp_port <= 0) {
        u->ended_by = "start page failed"; /* headless and nobody to drive it: nothing to do */
        failed(u, RAE_E_FAIL, "cannot open %s: %s", u->o->url, st->start_error);
        return 1;
    }
    if (st->had_tab && st->open_tabs == 0 && (u->o->vnc_socket || u->o->cdp_port <= 0)) {
        u->ended_by = "browser closed"; /* the person closed the last tab or window */
        return 1;
    }
    if (u->o->url && !u->load_warned && st->first_load < 0 && now_s() - t0 > LOAD_WARN_S) {
        u->load_warned = 1;
        emit(u, RAE_EV_PROGRESS, "%s has not finished loading after %.0f s; still recording",
             u->o->url, LOAD_WARN_S);
    }
    return 0;
}

static void record(run *u) {
    double t0 = now_s();
    double deadline = u->o->duration > 0 ? t0 + u->o->duration : 0;
    while (!step(u, deadline) && !check(u, t0)) {
    }
}

/* Keeps reading the browser for up to ms, until done(u) holds or the browser is gone. */
static void pump(run *u, int ms, int (*done)(run *)) {
    double until = now_s() + ms / 1000.0;
    while (!u->gone && !done(u) && now_s() < until) {
        struct pollfd fds[2] = {{cdp_fd(u->c), POLLIN, 0}, {u->br.err_fd, POLLIN, 0}};
        int left = (int)((until - now_s()) * 1000) + 1;
        if (poll(fds, 2, left < 100 ? left : 100) < 0 && errno != EINTR) return;
        if (fds[1].revents) chromium_read_stderr(&u->br);
        if (fds[0].revents) {
            rae_err err;
            if (cdp_read(u->c, &err) != 0) u->gone = 1;
        }
        recorder_tick(u->r);
    }
}

static int nothing_awaited(run *u) {
    return recorder_busy(u->r) == 0;
}

static int never(run *u) {
    (void)u;
    return 0;
}

/* Lets bodies still being read arrive, writes what is still open, and closes the browser (so that
 * a kept profile is saved whole). */
static void stop_browser(run *u) {
    if (!u->c) return;
    recorder_release_bodies(u->r);
    double cap = now_s() + DRAIN_CAP_S;
    size_t before;
    do { /* as long as replies keep coming, up to the cap */
        before = recorder_busy(u->r);
        pump(u, DRAIN_MS, nothing_awaited);
    } while (!u->gone && recorder_busy(u->r) > 0 && recorder_busy(u->r) < before && now_s() < cap);
    recorder_flush(u->r, "the capture ended before the request finished");
    if (!u->gone && cdp_send(u->c, NULL, "Browser.close", NULL, NULL, NULL, NULL) >= 0)
        pump(u, CLOSE_MS, never);
    if (!chromium_reap(&u->br, 500)) chromium_kill(&u->br);
}

/* The HAR from the journal; the journal goes once the HAR is safely written. */
static void write_har(run *u, rae_capture_result *res) {
    journal_close(u->j);
    u->j = NULL;
    journal_stats st;
    rae_err err;
    if (journal_to_har(u->journal_path, u->o->har_path, &st, &err) < 0) {
        failed(u, RAE_E_FAIL,
               "%s (the journal %s keeps the capture: run 'rae har recover "
               "%s' once there is room)",
               err.message, u->journal_path, u->o->har_path);
        return;
    }
    unlink(u->journal_path);
    struct stat sb;
    res->entries = st.entries;
    res->pages = st.pages;
    res->bytes = stat(u->o->har_path, &sb) == 0 ? (unsigned long long)sb.st_size : 0;
}

static void cleanup(run *u) {
    control_close(u->control_fd, u->o->control_socket);
    if (u->br.pid > 0) chromium_kill(&u->br);
    if (u->br.err_fd >= 0) close(u->br.err_fd);
    if (u->br.cmd_fd >= 0) close(u->br.cmd_fd);
    if (u->br.out_fd >= 0) close(u->br.out_fd);
    display_stop(&u->d);
    cdp_free(u->c);
    recorder_free(u->r);
    journal_close(u->j);
    if (u->temp_profile) nftw(u->profile, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int rae_capture_run(const rae_capture_opts *o, rae_capture_result *res, rae_err *err) {
    memset(res, 0, sizeof *res);
    res->first_paint = -1;
    run u = {.o = o};
    u.br.cmd_fd = u.br.out_fd = u.br.err_fd = -1;
    u.control_fd = -1;
    rec_opts ro = {.start_url = o->url,
                   .headless = !o->vnc_socket,
                   .user_agent = o->user_agent,
                   .locale = o->locale,
                   .timezone = o->timezone,
                   .shared = o->cdp_port > 0,
                   .on_event = o->on_event,
                   .user = o->user};
    if (start(&u, &ro) == 0) {
        record(&u);
        stop_browser(&u);
        res->first_paint = recorder_stats(u.r)->first_paint;
        write_har(&u, res);
    } else if (u.j) { /* nothing was recorded: no HAR, no journal */
        journal_close(u.j);
        u.j = NULL;
        unlink(u.journal_path);
    }
    res->ended_by = u.ended_by ? u.ended_by : "error";
    cleanup(&u);
    if (!u.failed) return 0;
    if (err) *err = u.err;
    return -1;
}

int rae_capture_recover(const char *har_path, long *entries, rae_err *err) {
    char path[PATH_MAX + 16];
    rae_capture_journal_path(har_path, path, sizeof path);
    if (access(path, F_OK) < 0) {
        return rae_err_set(err, RAE_E_NOT_FOUND,
                           "no journal at %s: nothing to recover (a capture that finished "
                           "leaves none)",
                           path);
    }
    journal_stats st;
    if (journal_to_har(path, har_path, &st, err) < 0) return -1;
    unlink(path);
    *entries = st.entries;
    return 0;
}
