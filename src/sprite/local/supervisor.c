/* The supervisor of a sprite's services: one process per sprite (`rae sprite _supervise NAME`),
 * started on demand by services.c. It runs each enabled service in a sandbox of its own, its
 * output appended to DIR/run/logs/SVC.log, restarts it by its policy with a growing delay, and
 * answers one JSON request per connection on DIR/run/supervisor.sock. It exits when it has
 * nothing left to run or is told to quit; its services die with it (bwrap --die-with-parent). */
#include "sprite/local/local.h"
#include "sprite/local/supervise.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/vec.h"
#include "util/lineio.h"

#define STOP_GRACE_S 10.0 /* SIGTERM, then SIGKILL after this (a capture writes its HAR) */
#define BACKOFF_MIN_S 0.5 /* the first restart's delay, doubled per crash in a row */
#define BACKOFF_MAX_S 30.0
#define STABLE_S 60.0     /* up this long: the next crash starts the delays over */
#define LOG_MAX (4 << 20) /* a log this long is moved to SVC.log.1 */
#define REQUEST_MAX (256 << 10)

typedef struct svc {
    char name[48];
    json_t *argv; /* owned */
    char restart[16];
    int enabled;
    pid_t pid;
    int restarts, crashes, last_status;
    double started, next_start; /* monotonic */
    double since;               /* wall clock of the last state change */
    char state[16];
} svc;

typedef struct sup {
    local *l;
    lsprite s;
    pvec svcs; /* svc*, owned */
    int paused, quit;
    int listen_fd, sig_fd;
    int watch_fd; /* inotify on the sprite's /tmp: sockets appearing and going, -1 none */
    pvec sockets; /* char* (owned): names of the sockets seen there */
} sup;

static double mono(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static double wall(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void set_state(svc *v, const char *state) {
    snprintf(v->state, sizeof v->state, "%s", state);
    v->since = wall();
}

/* One line in the service's log, as the supervisor saw it. */
static void note(sup *u, const svc *v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void note(sup *u, const svc *v, const char *fmt, ...) {
    char sub[96], path[PATH_MAX + 128], when[32], msg[512];
    snprintf(sub, sizeof sub, "run/logs/%s.log", v->name);
    local_path(&u->s, sub, path, sizeof path);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    FILE *f = fopen(path, "a");
    if (f) {
        fprintf(f, "[rae %s] %s\n", when, msg);
        fclose(f);
    }
    printf("[%s] %s: %s\n", when, v->name, msg);
    fflush(stdout);
}

static svc *find(sup *u, const char *name) {
    for (size_t i = 0; i < u->svcs.n; i++) {
        svc *v = u->svcs.items[i];
        if (strcmp(v->name, name) == 0) return v;
    }
    return NULL;
}

static void save(sup *u) {
    json_t *defs = json_array();
    for (size_t i = 0; i < u->svcs.n; i++) {
        svc *v = u->svcs.items[i];
        json_array_append_new(defs, json_pack("{s:s,s:O,s:s,s:b}", "name", v->name, "argv", v->argv,
                                              "restart", v->restart, "enabled", v->enabled));
    }
    rae_err err;
    if (local_svc_save(&u->s, defs, &err) < 0) fprintf(stderr, "supervisor: %s\n", err.message);
    json_decref(defs);
}

static svc *define(sup *u, const char *name, json_t *argv, const char *restart, int enabled) {
    svc *v = find(u, name);
    if (!v) {
        v = calloc(1, sizeof *v);
        if (!v) abort();
        snprintf(v->name, sizeof v->name, "%s", name);
        v->last_status = -1;
        set_state(v, "stopped");
        pvec_push(&u->svcs, v);
    }
    if (argv) {
        json_decref(v->argv);
        v->argv = json_incref(argv);
    }
    if (restart || !v->restart[0])
        snprintf(v->restart, sizeof v->restart, "%s", restart ? restart : "on-failure");
    v->enabled = enabled;
    return v;
}

/* ---- running and stopping ---- */

static int open_log(sup *u, const svc *v) {
    char sub[96], path[PATH_MAX + 128], old[PATH_MAX + 136];
    local_path(&u->s, "run/logs", path, sizeof path);
    mkdir(path, 0700);
    snprintf(sub, sizeof sub, "run/logs/%s.log", v->name);
    local_path(&u->s, sub, path, sizeof path);
    struct stat sb;
    if (stat(path, &sb) == 0 && sb.st_size > LOG_MAX) {
        snprintf(old, sizeof old, "%s.1", path);
        rename(path, old);
    }
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

static void launch(sup *u, svc *v) {
    size_t n = json_array_size(v->argv);
    const char **argv = calloc(n + 1, sizeof *argv);
    if (!argv) abort();
    for (size_t i = 0; i < n; i++)
        argv[i] = json_string_value(json_array_get(v->argv, i));
    rae_sprite_exec_opts o = {.argv = argv};
    rae_sprite_proc p;
    rae_err err;
    int log = open_log(u, v);
    int rc = log < 0 ? -1 : local_sbx_spawn(u->l, &u->s, &o, log, &p, &err);
    if (log < 0) rae_err_fail(&err, "cannot open its log: %s", strerror(errno));
    if (log >= 0) close(log);
    free(argv);
    if (rc < 0) {
        note(u, v, "could not start: %s", err.message);
        v->pid = 0;
        v->last_status = 127;
        v->crashes++;
        v->next_start = mono() + fmin(BACKOFF_MAX_S, BACKOFF_MIN_S * pow(2, v->crashes));
        set_state(v, "backoff");
        return;
    }
    v->pid = p.pid;
    v->started = mono();
    v->next_start = 0;
    set_state(v, "running");
    note(u, v, "started (pid %d)", (int)p.pid);
    local_ev_emit(
        &u->s, "service",
        json_pack("{s:s,s:s,s:i}", "service", v->name, "event", "started", "pid", (int)p.pid));
}

/* Every descendant of pid, deepest last, into out (at most max); returns how many. */
static size_t descendants(pid_t pid, pid_t *out, size_t n, size_t max) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *tasks = opendir(path); /* a thread's children are listed under that thread */
    if (!tasks) return n;
    size_t first = n;
    struct dirent *de;
    while ((de = readdir(tasks)) && n < max) {
        if (de->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "/proc/%d/task/%.20s/children", (int)pid, de->d_name);
        FILE *f = fopen(path, "r");
        int child;
        while (f && n < max && fscanf(f, "%d", &child) == 1)
            out[n++] = child;
        if (f) fclose(f);
    }
    closedir(tasks);
    for (size_t i = first, end = n; i < end; i++)
        n = descendants(out[i], out, n, max);
    return n;
}

/* SIGTERM to every process of the service (bwrap does not pass signals on), SIGKILL after the
 * grace time; reaps it. */
static void terminate(svc *v) {
    if (v->pid <= 0) return;
    pid_t all[512];
    size_t n = descendants(v->pid, all, 0, sizeof all / sizeof *all);
    for (size_t i = 0; i < n; i++)
        kill(all[i], SIGTERM);
    double until = mono() + STOP_GRACE_S;
    int st = 0;
    pid_t r;
    while ((r = waitpid(v->pid, &st, WNOHANG)) == 0 && mono() < until) {
        n = descendants(v->pid, all, 0, sizeof all / sizeof *all);
        if (n <= 1) break; /* only bwrap's own init is left: the service has ended */
        usleep(20000);
    }
    if (r == 0) {
        kill(v->pid, SIGKILL); /* its sandbox goes with it (--die-with-parent) */
        waitpid(v->pid, &st, 0);
    }
    v->last_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    v->pid = 0;
}

static void stop_service(sup *u, svc *v, const char *state) {
    if (v->pid > 0) {
        terminate(v);
        note(u, v, "stopped");
        local_ev_emit(&u->s, "service",
                      json_pack("{s:s,s:s,s:i}", "service", v->name, "event", "stopped", "status",
                                v->last_status));
    }
    v->next_start = 0;
    set_state(v, state);
}

/* A service's process ended with st: restart it by its policy. */
static void ended(sup *u, svc *v, int st) {
    v->last_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    v->pid = 0;
    double up = mono() - v->started;
    if (up > STABLE_S) v->crashes = 0;
    int again = v->enabled && !u->paused &&
                (strcmp(v->restart, "always") == 0 ||
                 (strcmp(v->restart, "on-failure") == 0 && v->last_status != 0));
    if (!again) {
        note(u, v, "exited with status %d after %.1f s", v->last_status, up);
        set_state(v, "exited");
        if (!u->paused) { /* done by its policy: waking the sprite later does not run it again */
            v->enabled = 0;
            save(u);
        }
        local_ev_emit(&u->s, "service",
                      json_pack("{s:s,s:s,s:i}", "service", v->name, "event", "exited", "status",
                                v->last_status));
        return;
    }
    double delay = fmin(BACKOFF_MAX_S, BACKOFF_MIN_S * pow(2, v->crashes++));
    note(u, v, "exited with status %d after %.1f s; restarting in %.1f s", v->last_status, up,
         delay);
    v->next_start = mono() + delay;
    set_state(v, "backoff");
    local_ev_emit(&u->s, "service",
                  json_pack("{s:s,s:s,s:i,s:f}", "service", v->name, "event", "restarting",
                            "status", v->last_status, "delay", delay));
}

static void reap(sup *u) {
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
        for (size_t i = 0; i < u->svcs.n; i++) {
            svc *v = u->svcs.items[i];
            if (v->pid == pid) ended(u, v, st);
        }
}

/* ---- idle: warm (frozen), then cold (services stopped, the supervisor gone) ---- */

/* Processes of the sprite that no service accounts for: commands run with exec. */
static int exec_processes(sup *u, const char *group) {
    int services = 0;
    pid_t all[512];
    for (size_t i = 0; i < u->svcs.n; i++) {
        svc *v = u->svcs.items[i];
        if (v->pid > 0) services += 1 + (int)descendants(v->pid, all, 0, sizeof all / sizeof *all);
    }
    return host_cg_count(u->l->cg, group) - services;
}

static void idle_check(sup *u) {
    char path[PATH_MAX + 16], group[96];
    struct stat sb;
    local_path(&u->s, "sprite.json", path, sizeof path);
    local_group(u->l, &u->s, group, sizeof group);
    if (!u->l->cg || stat(path, &sb) < 0) return;
    double idle = wall() - ((double)sb.st_mtim.tv_sec + sb.st_mtim.tv_nsec / 1e9);
    int frozen = host_cg_frozen(u->l->cg, group) == 1;
    if (idle < u->l->warm_after || exec_processes(u, group) > 0) return;
    if (idle >= u->l->cold_after) {
        if (frozen) host_cg_freeze(u->l->cg, group, 0, NULL); /* frozen processes cannot stop */
        printf("idle %.0f s: cold (services stopped until the sprite is used)\n", idle);
        local_ev_emit(&u->s, "state", json_pack("{s:s}", "state", "cold"));
        u->quit = 1; /* the loop's end stops every service; services.json keeps them enabled */
        return;
    }
    rae_err err;
    if (!frozen && host_cg_freeze(u->l->cg, group, 1, &err) == 0) {
        printf("idle %.0f s: warm (frozen)\n", idle);
        local_ev_emit(&u->s, "state", json_pack("{s:s}", "state", "warm"));
    } else if (!frozen)
        printf("idle %.0f s: could not freeze: %s\n", idle, err.message);
    fflush(stdout);
}

/* ---- sockets under the sprite's /tmp (its VNC display, say) ---- */

static void watch_tmp(sup *u) {
    char tmp[PATH_MAX + 16];
    local_tmp(&u->s, tmp, sizeof tmp);
    u->watch_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (u->watch_fd >= 0 &&
        inotify_add_watch(u->watch_fd, tmp, IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM) <
            0) {
        close(u->watch_fd);
        u->watch_fd = -1;
    }
}

static void socket_event(sup *u, const char *name, int opened) {
    char path[300];
    snprintf(path, sizeof path, "/tmp/%s", name);
    local_ev_emit(&u->s, "socket",
                  json_pack("{s:s,s:s}", "path", path, "event", opened ? "opened" : "closed"));
}

static void on_tmp_change(sup *u) {
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    char tmp[PATH_MAX + 16];
    local_tmp(&u->s, tmp, sizeof tmp);
    ssize_t n;
    while ((n = read(u->watch_fd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (!ev->len) continue;
            size_t i = 0;
            while (i < u->sockets.n && strcmp(u->sockets.items[i], ev->name) != 0)
                i++;
            struct stat sb;
            char full[PATH_MAX + 300];
            snprintf(full, sizeof full, "%s/%s", tmp, ev->name);
            if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && i == u->sockets.n &&
                lstat(full, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
                pvec_push(&u->sockets, strdup(ev->name));
                socket_event(u, ev->name, 1);
            } else if ((ev->mask & (IN_DELETE | IN_MOVED_FROM)) && i < u->sockets.n) {
                socket_event(u, ev->name, 0);
                free(u->sockets.items[i]);
                pvec_remove(&u->sockets, i);
            }
        }
    }
}

/* ---- requests ---- */

static json_t *svc_json(const svc *v) {
    json_t *j = json_pack("{s:s,s:s,s:s,s:O,s:b,s:i,s:i,s:f}", "name", v->name, "state", v->state,
                          "restart", v->restart, "argv", v->argv, "enabled", v->enabled, "pid",
                          (int)v->pid, "restarts", v->restarts, "since", v->since);
    if (v->last_status >= 0) json_object_set_new(j, "last_status", json_integer(v->last_status));
    return j;
}

static json_t *fail(const char *fmt, const char *arg) {
    char msg[256];
    snprintf(msg, sizeof msg, fmt, arg);
    return json_pack("{s:s}", "error", msg);
}

static json_t *op_start(sup *u, json_t *req) {
    const char *name = json_string_value(json_object_get(req, "service"));
    json_t *argv = json_object_get(req, "argv");
    svc *v = name ? find(u, name) : NULL;
    if (!name) return fail("start: no service%s", "");
    if (!argv && !v) return fail("no service '%s' defined yet: give its command", name);
    if (argv && (!json_is_array(argv) || !json_array_size(argv)))
        return fail("start %s: argv must be a non-empty array", name);
    if (v && v->pid > 0) stop_service(u, v, "stopped"); /* a new definition, or a restart */
    v = define(u, name, argv, json_string_value(json_object_get(req, "restart")), 1);
    v->crashes = v->restarts = 0;
    u->paused = 0;
    save(u);
    launch(u, v);
    return svc_json(v);
}

static json_t *op_stop(sup *u, json_t *req) {
    const char *name = json_string_value(json_object_get(req, "service"));
    svc *v = name ? find(u, name) : NULL;
    if (!v) return fail("no service '%s'", name ? name : "");
    v->enabled = 0;
    save(u);
    stop_service(u, v, "stopped");
    return svc_json(v);
}

static json_t *op_status(sup *u) {
    json_t *list = json_array();
    for (size_t i = 0; i < u->svcs.n; i++)
        json_array_append_new(list, svc_json(u->svcs.items[i]));
    return json_pack("{s:o,s:b}", "services", list, "paused", u->paused);
}

/* pause: stop every service but keep them enabled (a restore is under way); resume: start them. */
static json_t *op_pause(sup *u, int pause) {
    u->paused = pause;
    for (size_t i = 0; i < u->svcs.n; i++) {
        svc *v = u->svcs.items[i];
        if (pause && v->enabled)
            stop_service(u, v, "paused");
        else if (!pause && v->enabled && strcmp(v->state, "paused") == 0)
            launch(u, v);
    }
    return op_status(u);
}

static json_t *handle(sup *u, json_t *req) {
    const char *op = json_string_value(json_object_get(req, "op"));
    if (!op) return fail("no op in the request%s", "");
    if (strcmp(op, "start") == 0) return op_start(u, req);
    if (strcmp(op, "stop") == 0) return op_stop(u, req);
    if (strcmp(op, "status") == 0) return op_status(u);
    if (strcmp(op, "pause") == 0) return op_pause(u, 1);
    if (strcmp(op, "resume") == 0) return op_pause(u, 0);
    if (strcmp(op, "quit") == 0) {
        u->quit = 1;
        return op_pause(u, 1);
    }
    return fail("unknown op '%s'", op);
}

static json_t *answer(void *ctx, json_t *req, const char *why) {
    return req ? handle(ctx, req) : fail("bad request: %s", why);
}

/* One request (2 s for the client to send it). */
static void serve_one(sup *u) {
    lineio_serve_one(u->listen_fd, 2000, REQUEST_MAX, answer, u);
}

/* ---- the loop ---- */

static int setup(sup *u, rae_err *err) {
    char path[PATH_MAX + 32];
    local_path(&u->s, "run/supervisor.pid", path, sizeof path);
    int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    int locked = lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0;
    for (int i = 0; lock >= 0 && !locked && i < 60; i++) { /* one that is ending: 3 s */
        usleep(50000);
        locked = flock(lock, LOCK_EX | LOCK_NB) == 0;
    }
    if (!locked) return rae_err_fail(err, "%s: another supervisor runs", path);
    if (ftruncate(lock, 0) == 0) dprintf(lock, "%d\n", (int)getpid());
    /* the lock fd stays open (and locked) for the life of the process */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    u->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
    struct sockaddr_un sa;
    int dir;
    if (local_svc_socket_addr(&u->s, &sa, &dir) < 0)
        return rae_err_fail(err, "%s/run: %s", u->s.dir, strerror(errno));
    unlinkat(dir, "supervisor.sock", 0);
    u->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int ok = u->listen_fd >= 0 && bind(u->listen_fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
             listen(u->listen_fd, 16) == 0;
    fchmodat(dir, "supervisor.sock", 0600, 0);
    close(dir);
    if (!ok) return rae_err_fail(err, "supervisor socket: %s", strerror(errno));
    return 0;
}

static void load(sup *u) {
    json_t *defs = local_svc_load(&u->s), *d;
    size_t i;
    json_array_foreach(defs, i, d) {
        const char *name = json_string_value(json_object_get(d, "name"));
        json_t *argv = json_object_get(d, "argv");
        if (!name || !json_is_array(argv) || !json_array_size(argv)) continue;
        svc *v = define(u, name, argv, json_string_value(json_object_get(d, "restart")),
                        json_is_true(json_object_get(d, "enabled")));
        if (v->enabled) launch(u, v);
    }
    json_decref(defs);
}

/* Milliseconds until the next restart is due (-1: none), starting those that are due. */
static int due(sup *u) {
    double now = mono(), next = -1;
    for (size_t i = 0; i < u->svcs.n; i++) {
        svc *v = u->svcs.items[i];
        if (v->next_start <= 0 || !v->enabled || u->paused) continue;
        if (v->next_start <= now) {
            v->restarts++;
            launch(u, v);
        }
        if (v->next_start > 0 && (next < 0 || v->next_start < next)) next = v->next_start;
    }
    return next < 0 ? -1 : (int)ceil((next - now) * 1000);
}

static int anything_to_do(sup *u) {
    for (size_t i = 0; i < u->svcs.n; i++) {
        svc *v = u->svcs.items[i];
        if (v->pid > 0 || (v->enabled && v->next_start > 0)) return 1;
    }
    return u->paused; /* a restore is under way: the resume will come */
}

int rae_sprites_local_supervise(rae_sprites *d, const char *name, rae_err *err) {
    sup u = {.l = (local *)d, .listen_fd = -1, .sig_fd = -1, .watch_fd = -1};
    if (local_load(u.l, name, &u.s, err) < 0 || setup(&u, err) < 0) return -1;
    printf("supervisor of '%s' (pid %d)\n", name, (int)getpid());
    fflush(stdout);
    watch_tmp(&u);
    load(&u);
    for (int idle_rounds = 0; !u.quit && idle_rounds < 2;) {
        int wait = due(&u);
        struct pollfd fds[3] = {
            {u.listen_fd, POLLIN, 0}, {u.sig_fd, POLLIN, 0}, {u.watch_fd, POLLIN, 0}};
        if (poll(fds, 3, wait < 0 || wait > 1000 ? 1000 : wait) < 0 && errno != EINTR) break;
        if (fds[2].revents) on_tmp_change(&u);
        if (fds[1].revents) {
            struct signalfd_siginfo si;
            if (read(u.sig_fd, &si, sizeof si) == sizeof si && si.ssi_signo != SIGCHLD) u.quit = 1;
            reap(&u);
        }
        if (fds[0].revents) serve_one(&u);
        idle_check(&u);
        idle_rounds = anything_to_do(&u) ? 0 : idle_rounds + 1;
    }
    for (size_t i = 0; i < u.svcs.n; i++) {
        svc *v = u.svcs.items[i];
        stop_service(&u, v, "stopped");
        json_decref(v->argv);
        free(v);
    }
    pvec_free(&u.svcs);
    if (u.watch_fd >= 0) on_tmp_change(&u); /* the sockets its services took with them */
    for (size_t i = 0; i < u.sockets.n; i++)
        free(u.sockets.items[i]);
    pvec_free(&u.sockets);
    if (u.watch_fd >= 0) close(u.watch_fd);
    char path[PATH_MAX + 32];
    local_path(&u.s, "run/supervisor.sock", path, sizeof path);
    unlink(path);
    printf("supervisor of '%s' ends\n", name);
    return 0;
}
