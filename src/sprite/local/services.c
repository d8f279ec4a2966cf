/* A sprite's services, client side: the definitions (DIR/services.json) and the calls to the
 * sprite's supervisor (supervisor.c) over its socket DIR/run/supervisor.sock, starting the
 * supervisor when a service should run and it does not. */
#include "sprite/local/local.h"
#include "util/jfile.h"
#include "util/lineio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_WAIT_MS 20000   /* for a new supervisor to answer (seen > 5 s at load 16) */
#define CALL_WAIT_MS 10000    /* for an answer (a stop may take 3 s per service) */
#define ANSWER_MAX (4u << 20) /* bytes of an answer */

json_t *local_svc_load(const lsprite *s) {
    char path[PATH_MAX + 16];
    local_path(s, "services.json", path, sizeof path);
    json_t *j = json_load_file(path, 0, NULL);
    if (!json_is_array(j)) {
        json_decref(j);
        j = json_array();
    }
    return j;
}

int local_svc_save(const lsprite *s, json_t *defs, rae_err *err) {
    char path[PATH_MAX + 16];
    local_path(s, "services.json", path, sizeof path);
    return jfile_replace(defs, path, 0644, JSON_INDENT(1), err);
}

int local_svc_wanted(const lsprite *s) {
    json_t *defs = local_svc_load(s);
    size_t i;
    json_t *d;
    int n = 0;
    json_array_foreach(defs, i, d) n += json_is_true(json_object_get(d, "enabled"));
    json_decref(defs);
    return n;
}

/* The supervisor's socket address, through an O_PATH fd of DIR/run (no length limit on DIR). */
int local_svc_socket_addr(const lsprite *s, struct sockaddr_un *sa, int *dirfd) {
    char run[PATH_MAX + 16];
    local_path(s, "run", run, sizeof run);
    *dirfd = open(run, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*dirfd < 0) return -1;
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    snprintf(sa->sun_path, sizeof sa->sun_path, "/proc/self/fd/%d/supervisor.sock", *dirfd);
    return 0;
}

static int connect_supervisor(const lsprite *s) {
    struct sockaddr_un sa;
    int dir;
    if (local_svc_socket_addr(s, &sa, &dir) < 0) return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        fd = -1;
    }
    close(dir);
    return fd;
}

/* Starts `rae sprite _supervise NAME --data-dir DATA` as a daemon of its own session. */
static int spawn_supervisor(local *l, const lsprite *s, rae_err *err) {
    if (!l->self_exe[0]) return rae_err_fail(err, "cannot find the rae binary to supervise");
    char log[PATH_MAX + 32];
    local_path(s, "run/supervisor.log", log, sizeof log);
    pid_t pid = fork();
    if (pid < 0) return rae_err_fail(err, "fork: %s", strerror(errno));
    if (pid == 0) {
        if (fork() != 0) _exit(0); /* the daemon is the grandchild: no zombie for our caller */
        setsid();
        if (chdir("/") < 0) _exit(127); /* a daemon pins no directory of its caller's */
        int null = open("/dev/null", O_RDONLY);
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (null < 0 || out < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
            _exit(127);
        close_range(3, ~0U, 0); /* the supervisor keeps none of its caller's fds */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        char warm[32], cold[32];
        snprintf(warm, sizeof warm, "%g", l->warm_after);
        snprintf(cold, sizeof cold, "%g", l->cold_after);
        execl(l->self_exe, "rae", "sprite", "_supervise", s->name, "--data-dir", l->data_dir,
              "--warm-after", warm, "--cold-after", cold, (char *)NULL);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
    return 0;
}

static int wait_connect(const lsprite *s, int ms) {
    for (int waited = 0; waited < ms; waited += 20) {
        int fd = connect_supervisor(s);
        if (fd >= 0) return fd;
        usleep(20000);
    }
    return -1;
}

/* A connection to the supervisor of s, starting one when start is set; -2: none runs (and start
 * is 0); -1 + err. */
static int open_supervisor(local *l, const lsprite *s, int start, rae_err *err) {
    int fd = connect_supervisor(s);
    if (fd >= 0) return fd;
    if (!start) return -2;
    if (spawn_supervisor(l, s, err) < 0) return -1;
    fd = wait_connect(s, START_WAIT_MS);
    if (fd >= 0) return fd;
    char log[PATH_MAX + 32];
    local_path(s, "run/supervisor.log", log, sizeof log);
    return rae_err_fail(err, "the supervisor of '%s' did not start (see %s)", s->name, log);
}

/* Sends req on fd and reads the answer (NULL when none came); closes fd. */
static json_t *exchange(int fd, json_t *req) {
    json_t *j = lineio_call(fd, req, ANSWER_MAX, CALL_WAIT_MS);
    close(fd);
    return j;
}

int local_svc_call(local *l, const lsprite *s, json_t *req, json_t **resp, int start,
                   rae_err *err) {
    *resp = NULL;
    json_t *j = NULL;
    /* a supervisor may be ending (nothing left to run) just as we connect: then try again */
    for (int attempt = 0; attempt < 3 && !j; attempt++) {
        if (attempt) usleep(100000);
        int fd = open_supervisor(l, s, start, err);
        if (fd == -2) return 1;
        if (fd < 0) return -1;
        j = exchange(fd, req);
    }
    if (!j) return rae_err_fail(err, "the supervisor of '%s' did not answer", s->name);
    const char *error = json_string_value(json_object_get(j, "error"));
    if (error) {
        rae_err_fail(err, "%s", error);
        json_decref(j);
        return -1;
    }
    *resp = j;
    return 0;
}

/* Sends a request that needs no answer but ok; quietly nothing when no supervisor runs. */
static int simple_call(local *l, const lsprite *s, const char *op, int start, rae_err *err) {
    json_t *req = json_pack("{s:s}", "op", op), *resp;
    int rc = local_svc_call(l, s, req, &resp, start, err);
    json_decref(req);
    json_decref(resp);
    return rc < 0 ? -1 : 0;
}

int local_svc_pause(local *l, const lsprite *s, rae_err *err) {
    return simple_call(l, s, "pause", 0, err);
}

int local_svc_quit(local *l, const lsprite *s, rae_err *err) {
    return simple_call(l, s, "quit", 0, err);
}

int local_svc_resume(local *l, const lsprite *s, rae_err *err) {
    return simple_call(l, s, "resume", local_svc_wanted(s) > 0, err);
}

void local_svc_wake(local *l, const lsprite *s) {
    int fd = local_svc_wanted(s) ? connect_supervisor(s) : 0;
    if (fd > 0) close(fd);
    if (fd < 0) simple_call(l, s, "status", 1, NULL); /* a new supervisor starts them */
}

/* ---- the driver's calls ---- */

int local_svc_start(rae_sprites *d, const char *name, const char *svc, const char *const *argv,
                    const char *restart, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_use(l, name, &s, err) < 0) return -1;
    if (local_net_up(l, &s, err) < 0) return -1;
    json_t *req = json_pack("{s:s,s:s}", "op", "start", "service", svc);
    if (restart) json_object_set_new(req, "restart", json_string(restart));
    if (argv) {
        json_t *a = json_array();
        for (size_t i = 0; argv[i]; i++)
            json_array_append_new(a, json_string(argv[i]));
        json_object_set_new(req, "argv", a);
    }
    json_t *resp;
    int rc = local_svc_call(l, &s, req, &resp, 1, err);
    json_decref(req);
    json_decref(resp);
    return rc;
}

int local_svc_stop(rae_sprites *d, const char *name, const char *svc, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_load(l, name, &s, err) < 0) return -1;
    json_t *req = json_pack("{s:s,s:s}", "op", "stop", "service", svc), *resp;
    int rc = local_svc_call(l, &s, req, &resp, 0, err);
    json_decref(req);
    json_decref(resp);
    if (rc != 1) return rc;
    /* no supervisor: nothing runs; keep the service stopped on the next start too */
    json_t *defs = local_svc_load(&s), *def;
    size_t i;
    int found = 0;
    json_array_foreach(defs, i,
                       def) if (strcmp(json_string_value(json_object_get(def, "name")), svc) == 0) {
        json_object_set_new(def, "enabled", json_false());
        found = 1;
    }
    rc = found ? local_svc_save(&s, defs, err)
               : rae_err_fail(err, "sprite '%s' has no service '%s'", name, svc);
    json_decref(defs);
    return rc;
}

static void to_service(json_t *j, rae_sprite_service *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", json_string_value(json_object_get(j, "name")));
    const char *state = json_string_value(json_object_get(j, "state"));
    const char *restart = json_string_value(json_object_get(j, "restart"));
    snprintf(out->state, sizeof out->state, "%s", state ? state : "stopped");
    snprintf(out->restart, sizeof out->restart, "%s", restart ? restart : "on-failure");
    out->pid = (int)json_integer_value(json_object_get(j, "pid"));
    out->restarts = (int)json_integer_value(json_object_get(j, "restarts"));
    json_t *st = json_object_get(j, "last_status");
    out->last_status = st ? (int)json_integer_value(st) : -1;
    out->since = json_number_value(json_object_get(j, "since"));
    size_t i, len = 0;
    json_t *arg;
    json_array_foreach(json_object_get(j, "argv"), i, arg) {
        int n = snprintf(out->command + len, sizeof out->command - len, "%s%s", i ? " " : "",
                         json_string_value(arg));
        if (n < 0 || (len += (size_t)n) >= sizeof out->command) break;
    }
}

int local_svc_list(rae_sprites *d, const char *name, rae_sprite_service **out, size_t *count,
                   rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    *out = NULL;
    *count = 0;
    if (local_load(l, name, &s, err) < 0) return -1;
    json_t *req = json_pack("{s:s}", "op", "status"), *resp = NULL;
    int rc = local_svc_call(l, &s, req, &resp, 0, err);
    json_decref(req);
    if (rc < 0) return -1;
    json_t *list = rc == 1 ? local_svc_load(&s) : json_incref(json_object_get(resp, "services"));
    json_decref(resp);
    *out = calloc(json_array_size(list) + 1, sizeof **out);
    if (!*out) abort();
    size_t i;
    json_t *j;
    json_array_foreach(list, i, j) {
        to_service(j, &(*out)[i]);
        if (rc == 1) /* no supervisor: nothing runs */
            snprintf((*out)[i].state, sizeof(*out)[i].state, "%s",
                     json_is_true(json_object_get(j, "enabled")) ? "cold" : "stopped");
    }
    *count = json_array_size(list);
    json_decref(list);
    return 0;
}

int local_svc_logs(rae_sprites *d, const char *name, const char *svc, rae_err *err) {
    local *l = (local *)d;
    lsprite s;
    if (local_load(l, name, &s, err) < 0) return -1;
    char sub[96], path[PATH_MAX + 128];
    snprintf(sub, sizeof sub, "run/logs/%s.log", svc);
    local_path(&s, sub, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rae_err_fail(err, "sprite '%s' has no log for service '%s' (%s)", name, svc,
                            strerror(errno));
    return fd;
}
