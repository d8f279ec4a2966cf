/* rae sprite ...: persistent sandboxes from the command line (the local driver). */
#include "cli/cli.h"
#include "rae/sprite.h"
#include "sprite/local/supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: rae sprite COMMAND [ARGS] [--data-dir DIR] [--json]\n"
    "\n"
    "Sprites are persistent sandboxes: a workspace (/workspace: har/, scripts/, .profile/) that\n"
    "survives restarts, processes isolated with bwrap under an identity of their own, a network\n"
    "of their own that cannot reach this machine's loopback or private ranges, and checkpoints.\n"
    "\n"
    "commands:\n"
    "  create NAME [--allow-net HOST:PORT]... [--memory MB] [--cpu PERCENT] [--max-procs N]\n"
    "              [--disk-quota MB]      a new sprite: the addresses it may reach although they\n"
    "                                     are local or private (e.g. a test app on loopback), and\n"
    "                                     its limits (default 2048 MB, no CPU cap, 512, 2048 MB)\n"
    "  list                               the sprites, their state and disk use\n"
    "  show NAME                          one sprite\n"
    "  exec NAME [--] CMD [ARG]...        run CMD in the sprite; streams its output and exits\n"
    "                                     with its status\n"
    "  shell NAME [-- CMD]                an interactive shell (bash, or CMD) on a terminal\n"
    "  files NAME ls [PATH]               a directory of the workspace\n"
    "  files NAME get PATH [-o FILE]      a file to stdout (or FILE)\n"
    "  files NAME put PATH [FILE]         write PATH from FILE (or stdin)\n"
    "  files NAME rm PATH                 remove a file or directory\n"
    "  service NAME start SVC [--restart always|on-failure|no] -- CMD [ARG]...\n"
    "                                     run CMD as service SVC, restarted by the policy\n"
    "                                     (default on-failure), kept across restarts\n"
    "  service NAME start|stop SVC        start again / stop a defined service\n"
    "  service NAME status                the services, their state, pid and restarts\n"
    "  service NAME logs SVC              what the service printed\n"
    "  connect NAME SOCKET                relay stdin/stdout to a UNIX socket of the sprite\n"
    "                                     (under /tmp or /workspace: e.g. its VNC display)\n"
    "  events NAME [-f]                   what happened (NDJSON: state, service, socket,\n"
    "                                     checkpoint, restore); -f: keep following\n"
    "  checkpoint NAME [-m COMMENT]       checkpoint the workspace\n"
    "  checkpoints NAME                   list its checkpoints\n"
    "  restore NAME ID                    stop its processes, make the workspace checkpoint ID\n"
    "  rm NAME                            stop and remove a sprite with all its data\n"
    "\n"
    "options:\n"
    "  --data-dir DIR    where sprites live (default: $RAE_DATA_DIR, else ./data)\n"
    "  --json            machine-readable output\n"
    "  --warm-after S    a sprite idle this long has its processes frozen (default 300);\n"
    "                    any use thaws it in milliseconds\n"
    "  --cold-after S    ... and this long, its services stopped (default 1800); its next use\n"
    "                    starts them again\n"
    "\n"
    "Paths are inside the workspace: 'har/a.har' and '/workspace/har/a.har' are the same.\n"
    "Exit status: 0 success, 1 runtime failure, 2 bad usage; exec: the command's own status.\n";

typedef struct sopts {
    const char *data_dir, *message, *output, *restart;
    const char *allow[16];
    size_t n_allow;
    int json;
    double warm_after, cold_after;
    long memory_mb, quota_mb;
    int cpu, procs, follow;
    const char *pos[8]; /* positional arguments before a "--" or a command's own */
    int n_pos;
    char **cmd; /* exec: the command, NULL-terminated */
} sopts;

static int parse(int argc, char **argv, sopts *o) {
    o->data_dir = getenv("RAE_DATA_DIR");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--data-dir") == 0 && more) {
            o->data_dir = argv[++i];
        } else if ((strcmp(a, "-m") == 0 || strcmp(a, "--message") == 0) && more) {
            o->message = argv[++i];
        } else if ((strcmp(a, "--warm-after") == 0 || strcmp(a, "--cold-after") == 0) && more) {
            char *end;
            double v = strtod(argv[++i], &end);
            if (*end || v <= 0) {
                cli_error("sprite: %s wants seconds, not '%s'", a, argv[i]);
                return -1;
            }
            *(a[2] == 'w' ? &o->warm_after : &o->cold_after) = v;
        } else if ((strcmp(a, "--memory") == 0 || strcmp(a, "--disk-quota") == 0 ||
                    strcmp(a, "--cpu") == 0 || strcmp(a, "--max-procs") == 0) &&
                   more) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v <= 0 || v > 1000000) {
                cli_error("sprite: %s wants a positive number, not '%s'", a, argv[i]);
                return -1;
            }
            if (strcmp(a, "--memory") == 0)
                o->memory_mb = v;
            else if (strcmp(a, "--disk-quota") == 0)
                o->quota_mb = v;
            else if (strcmp(a, "--cpu") == 0)
                o->cpu = (int)v;
            else
                o->procs = (int)v;
        } else if (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0) {
            o->follow = 1;
        } else if (strcmp(a, "--restart") == 0 && more) {
            o->restart = argv[++i];
        } else if (strcmp(a, "-o") == 0 && more) {
            o->output = argv[++i];
        } else if (strcmp(a, "--allow-net") == 0 && more) {
            if (o->n_allow == sizeof o->allow / sizeof *o->allow) {
                cli_error("sprite: at most 16 --allow-net");
                return -1;
            }
            o->allow[o->n_allow++] = argv[++i];
        } else if (strcmp(a, "--") == 0 || (o->n_pos == 2 && strcmp(o->pos[0], "exec") == 0)) {
            o->cmd = argv + i + (strcmp(a, "--") == 0);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            cli_error("sprite: unknown option '%s' (see 'rae sprite --help')", a);
            return -1;
        } else if (o->n_pos < (int)(sizeof o->pos / sizeof *o->pos)) {
            o->pos[o->n_pos++] = a;
        } else {
            cli_error("sprite: too many arguments (see 'rae sprite --help')");
            return -1;
        }
    }
    return 0;
}

static void fmt_time(double t, char *out, size_t n) {
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A sprite as JSON, with the host folder of its workspace (this command runs the local driver). */
static json_t *info_json(rae_sprites *d, const rae_sprite_info *s) {
    char ws[4096] = "";
    rae_sprites_local_workspace(d, s->name, ws, sizeof ws, NULL);
    return json_pack("{s:s,s:s,s:f,s:f,s:I,s:i,s:I,s:I,s:s}", "name", s->name, "state", s->state,
                     "created", s->created, "last_active", s->last_active, "disk_used",
                     (json_int_t)s->disk_used, "processes", s->processes, "oom_kills",
                     (json_int_t)s->oom_kills, "memory_limit", (json_int_t)s->memory_limit,
                     "workspace", ws);
}

static void put_json(json_t *j) {
    char *text = json_dumps(j, JSON_INDENT(2));
    if (text) puts(text);
    free(text);
    json_decref(j);
}

static void print_infos(rae_sprites *d, const rae_sprite_info *all, size_t n, int json) {
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, info_json(d, &all[i]));
        put_json(arr);
        return;
    }
    if (n == 0)
        puts("no sprites yet: rae sprite create NAME");
    else
        printf("%-32s %-8s %10s %5s  %s\n", "NAME", "STATE", "DISK", "PROCS", "LAST ACTIVE");
    for (size_t i = 0; i < n; i++) {
        char when[32];
        fmt_time(all[i].last_active, when, sizeof when);
        printf("%-32s %-8s %8.1fMB %5d  %s\n", all[i].name, all[i].state, all[i].disk_used / 1e6,
               all[i].processes, when);
    }
}

/* ---- exec: copy the sprite's output to ours, our stdin to its ---- */

/* Our stdin to the command: at its end a pipe is closed, a pty gets the end-of-file key. */
static void feed_stdin(rae_sprite_proc *p, int tty, int *in_open, char *chunk, size_t size) {
    ssize_t n = read(0, chunk, size);
    if (n > 0 && write(p->in_fd, chunk, (size_t)n) == n) return;
    if (tty && n == 0 && write(p->in_fd, "\x04", 1) == 1) {
        *in_open = 0; /* the pty stays open for the output */
        return;
    }
    close(p->in_fd);
    p->in_fd = -1;
    *in_open = 0;
}

/* The terminal's size to the pty after a SIGWINCH. */
static void pass_size(int sig_fd, const rae_sprite_proc *p) {
    struct signalfd_siginfo si;
    struct winsize ws;
    if (read(sig_fd, &si, sizeof si) == sizeof si && ioctl(0, TIOCGWINSZ, &ws) == 0)
        ioctl(p->in_fd, TIOCSWINSZ, &ws);
}

static int pump_exec(rae_sprite_proc *p, int tty, int sig_fd) {
    char chunk[1 << 16];
    int in_open = p->in_fd >= 0;
    while (p->out_fd >= 0 || p->err_fd >= 0) {
        struct pollfd fds[4] = {{p->out_fd, POLLIN, 0},
                                {p->err_fd, POLLIN, 0},
                                {in_open ? 0 : -1, POLLIN, 0},
                                {sig_fd, POLLIN, 0}};
        if (poll(fds, 4, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            int *fd = i == 0 ? &p->out_fd : &p->err_fd;
            if (!fds[i].revents) continue;
            ssize_t n = read(*fd, chunk, sizeof chunk);
            if (n <= 0) { /* a pty says EIO once the command has ended */
                close(*fd);
                *fd = -1;
            } else if (write(i == 0 ? 1 : 2, chunk, (size_t)n) < 0) {
                /* our reader is gone: keep draining so that the command can end */
            }
        }
        if (in_open && fds[2].revents) feed_stdin(p, tty, &in_open, chunk, sizeof chunk);
        if (fds[3].revents) pass_size(sig_fd, p);
    }
    if (p->in_fd >= 0) close(p->in_fd);
    int status = 1;
    rae_sprite_proc_wait(p, 1, &status);
    return status;
}

/* rae sprite shell NAME: bash on a pty; our terminal raw meanwhile, its size passed on. */
static int do_shell(rae_sprites *d, const sopts *o, rae_err *err) {
    static const char *const bash[] = {"/bin/bash", NULL};
    const char *const *argv = o->cmd && o->cmd[0] ? (const char *const *)o->cmd : bash;
    rae_sprite_exec_opts eo = {.argv = argv, .want_stdin = 1, .tty = 1};
    struct winsize ws;
    int interactive = isatty(0) && ioctl(0, TIOCGWINSZ, &ws) == 0;
    if (interactive) {
        eo.rows = ws.ws_row;
        eo.cols = ws.ws_col;
    }
    signal(SIGPIPE, SIG_IGN);
    rae_sprite_proc p;
    if (rae_sprite_exec(d, o->pos[1], &eo, &p, err) < 0) return -1;
    struct termios saved, raw;
    int sig_fd = -1;
    if (interactive && tcgetattr(0, &saved) == 0) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(0, TCSANOW, &raw);
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
    }
    int status = pump_exec(&p, 1, sig_fd);
    if (interactive) tcsetattr(0, TCSANOW, &saved);
    if (sig_fd >= 0) close(sig_fd);
    return status;
}

static int do_exec(rae_sprites *d, const sopts *o, rae_err *err) {
    if (!o->cmd || !o->cmd[0]) {
        cli_error("sprite exec: no command (rae sprite exec NAME -- CMD [ARG]...)");
        return EXIT_USAGE;
    }
    signal(SIGPIPE, SIG_IGN);
    rae_sprite_exec_opts eo = {.argv = (const char *const *)o->cmd, .want_stdin = 1};
    rae_sprite_proc p;
    rae_sprite_info before, after;
    if (rae_sprite_get(d, o->pos[1], &before, err) < 0 ||
        rae_sprite_exec(d, o->pos[1], &eo, &p, err) < 0)
        return -1;
    int status = pump_exec(&p, 0, -1);
    if (status == 128 + SIGKILL && rae_sprite_get(d, o->pos[1], &after, NULL) == 0 &&
        after.oom_kills > before.oom_kills)
        cli_error("sprite exec: killed: the sprite's memory limit of %llu MB was reached",
                  after.memory_limit >> 20);
    return status;
}

/* ---- files ---- */

static int copy_fd(int in, int out) {
    char chunk[1 << 16];
    ssize_t n;
    while ((n = read(in, chunk, sizeof chunk)) > 0)
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, chunk + done, (size_t)(n - done));
            if (w < 0) return -1;
            done += w;
        }
    return n < 0 ? -1 : 0;
}

static int files_ls(rae_sprites *d, const sopts *o, const char *path, rae_err *err) {
    rae_sprite_file *all;
    size_t n;
    if (rae_sprite_files_list(d, o->pos[1], path, &all, &n, err) < 0) return -1;
    json_t *arr = o->json ? json_array() : NULL;
    for (size_t i = 0; i < n; i++) {
        char when[32], type[2] = {all[i].type, 0};
        fmt_time(all[i].mtime, when, sizeof when);
        if (arr)
            json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:f}", "name", all[i].name, "type",
                                                 type, "size", (json_int_t)all[i].size, "mtime",
                                                 all[i].mtime));
        else
            printf("%c %12llu  %s  %s%s\n", all[i].type, all[i].size, when, all[i].name,
                   all[i].type == 'd' ? "/" : "");
    }
    if (arr) put_json(arr);
    free(all);
    return 0;
}

static int do_files(rae_sprites *d, const sopts *o, rae_err *err) {
    const char *verb = o->n_pos > 2 ? o->pos[2] : NULL;
    const char *path = o->n_pos > 3 ? o->pos[3] : NULL;
    if (verb && strcmp(verb, "ls") == 0) return files_ls(d, o, path ? path : "", err);
    if (!verb || !path || (strcmp(verb, "get") && strcmp(verb, "put") && strcmp(verb, "rm"))) {
        cli_error("sprite files: NAME ls|get|put|rm PATH (see 'rae sprite --help')");
        return EXIT_USAGE;
    }
    if (strcmp(verb, "rm") == 0) return rae_sprite_file_remove(d, o->pos[1], path, err);
    if (strcmp(verb, "get") == 0) {
        int fd = rae_sprite_file_open(d, o->pos[1], path, err);
        if (fd < 0) return -1;
        int out = o->output ? open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : 1;
        int rc = out < 0 ? -1 : copy_fd(fd, out);
        if (rc < 0) rae_err_fail(err, "%s: %s", o->output ? o->output : "stdout", strerror(errno));
        if (o->output && out >= 0) close(out);
        close(fd);
        return rc;
    }
    const char *local = o->n_pos > 4 ? o->pos[4] : NULL;
    int in = local ? open(local, O_RDONLY | O_CLOEXEC) : 0;
    if (in < 0) {
        rae_err_fail(err, "%s: %s", local, strerror(errno));
        return -1;
    }
    int rc = rae_sprite_file_put(d, o->pos[1], path, in, err);
    if (local) close(in);
    return rc;
}

/* ---- connect: our stdin and stdout to a UNIX socket of the sprite ---- */

static int do_connect(rae_sprites *d, const sopts *o, rae_err *err) {
    if (rae_sprite_touch(d, o->pos[1], err) < 0) return -1; /* wakes it when idle */
    int fd = rae_sprite_connect(d, o->pos[1], o->pos[2], err);
    if (fd < 0) return -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK); /* this loop writes whole chunks */
    signal(SIGPIPE, SIG_IGN);
    char chunk[1 << 16];
    int in_open = 1;
    for (;;) {
        struct pollfd fds[2] = {{fd, POLLIN, 0}, {in_open ? 0 : -1, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
        if (fds[0].revents) {
            ssize_t n = read(fd, chunk, sizeof chunk);
            if (n <= 0 || write(1, chunk, (size_t)n) != n) break; /* closed, or our reader gone */
        }
        if (in_open && fds[1].revents) {
            ssize_t n = read(0, chunk, sizeof chunk);
            if (n <= 0 || write(fd, chunk, (size_t)n) != n) {
                shutdown(fd, SHUT_WR); /* our end is done; theirs may still talk */
                in_open = 0;
            }
        }
    }
    close(fd);
    return 0;
}

/* ---- events: print, and with -f follow (inotify on the log) ---- */

static int do_events(rae_sprites *d, const sopts *o, rae_err *err) {
    int fd = rae_sprite_events_open(d, o->pos[1], 1, err);
    if (fd < 0) return -1;
    int watch = -1;
    if (o->follow) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        watch = inotify_init1(IN_CLOEXEC);
        if (watch >= 0) inotify_add_watch(watch, path, IN_MODIFY);
    }
    char chunk[1 << 16];
    for (;;) {
        ssize_t n;
        while ((n = read(fd, chunk, sizeof chunk)) > 0)
            if (write(1, chunk, (size_t)n) != n) goto done;            /* our reader is gone */
        if (watch < 0 || read(watch, chunk, sizeof chunk) <= 0) break; /* waits for more */
    }
done:
    if (watch >= 0) close(watch);
    close(fd);
    return 0;
}

/* ---- services ---- */

static int services_status(rae_sprites *d, const sopts *o, rae_err *err) {
    rae_sprite_service *all;
    size_t n;
    if (rae_sprite_services(d, o->pos[1], &all, &n, err) < 0) return -1;
    json_t *arr = o->json ? json_array() : NULL;
    if (!arr && n == 0)
        printf("no services: rae sprite service %s start SVC -- CMD\n", o->pos[1]);
    else if (!arr)
        printf("%-20s %-8s %-10s %7s %8s %6s  %s\n", "SERVICE", "STATE", "RESTART", "PID",
               "RESTARTS", "EXIT", "COMMAND");
    for (size_t i = 0; i < n; i++) {
        const rae_sprite_service *v = &all[i];
        if (arr) {
            json_t *j = json_pack("{s:s,s:s,s:s,s:i,s:i,s:f,s:s}", "name", v->name, "state",
                                  v->state, "restart", v->restart, "pid", v->pid, "restarts",
                                  v->restarts, "since", v->since, "command", v->command);
            if (v->last_status >= 0)
                json_object_set_new(j, "last_status", json_integer(v->last_status));
            json_array_append_new(arr, j);
            continue;
        }
        char st[16] = "-";
        if (v->last_status >= 0) snprintf(st, sizeof st, "%d", v->last_status);
        printf("%-20s %-8s %-10s %7d %8d %6s  %s\n", v->name, v->state, v->restart, v->pid,
               v->restarts, st, v->command);
    }
    if (arr) put_json(arr);
    free(all);
    return 0;
}

static int do_service(rae_sprites *d, const sopts *o, rae_err *err) {
    const char *verb = o->pos[2], *svc = o->n_pos > 3 ? o->pos[3] : NULL;
    if (strcmp(verb, "status") == 0) return services_status(d, o, err);
    if (!svc || (strcmp(verb, "start") && strcmp(verb, "stop") && strcmp(verb, "logs"))) {
        cli_error("sprite service: NAME start|stop|logs SVC, or NAME status");
        return EXIT_USAGE;
    }
    if (strcmp(verb, "stop") == 0) return rae_sprite_service_stop(d, o->pos[1], svc, err);
    if (strcmp(verb, "logs") == 0) {
        int fd = rae_sprite_service_logs(d, o->pos[1], svc, err);
        if (fd < 0) return -1;
        int rc = copy_fd(fd, 1);
        close(fd);
        return rc;
    }
    const char *const *argv = o->cmd && o->cmd[0] ? (const char *const *)o->cmd : NULL;
    if (rae_sprite_service_start(d, o->pos[1], svc, argv, o->restart, err) < 0) return -1;
    if (!o->json) fprintf(stderr, "rae: service %s of '%s' started\n", svc, o->pos[1]);
    return 0;
}

/* ---- checkpoints ---- */

static json_t *ckpt_json(const rae_checkpoint *c) {
    return json_pack("{s:s,s:f,s:s,s:b,s:I,s:I,s:I}", "id", c->id, "time", c->time, "comment",
                     c->comment, "automatic", c->automatic, "files", (json_int_t)c->files, "bytes",
                     (json_int_t)c->bytes, "added", (json_int_t)c->added);
}

static int do_checkpoints(rae_sprites *d, const sopts *o, rae_err *err) {
    rae_checkpoint *all;
    size_t n;
    if (rae_sprite_checkpoints(d, o->pos[1], &all, &n, err) < 0) return -1;
    json_t *arr = o->json ? json_array() : NULL;
    if (!arr && n == 0)
        printf("no checkpoints yet: rae sprite checkpoint %s\n", o->pos[1]);
    else if (!arr)
        printf("%-28s %-20s %6s %10s %10s  %s\n", "ID", "TIME", "FILES", "SIZE", "ADDED",
               "COMMENT");
    for (size_t i = 0; i < n; i++) {
        char when[32];
        fmt_time(all[i].time, when, sizeof when);
        if (arr)
            json_array_append_new(arr, ckpt_json(&all[i]));
        else
            printf("%-28s %-20s %6llu %8.1fMB %8.1fMB  %s%s\n", all[i].id, when, all[i].files,
                   all[i].bytes / 1e6, all[i].added / 1e6, all[i].automatic ? "(auto) " : "",
                   all[i].comment);
    }
    if (arr) put_json(arr);
    free(all);
    return 0;
}

static int do_checkpoint(rae_sprites *d, const sopts *o, rae_err *err) {
    rae_checkpoint c;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (rae_sprite_checkpoint(d, o->pos[1], o->message, 0, &c, err) < 0) return -1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (o->json) {
        json_t *j = ckpt_json(&c);
        json_object_set_new(j, "ms", json_real(ms));
        put_json(j);
    } else {
        printf("%s\n", c.id);
        fprintf(stderr, "rae: checkpoint %s of '%s': %llu files, %.1f MB, %.1f MB new, %.0f ms\n",
                c.id, o->pos[1], c.files, c.bytes / 1e6, c.added / 1e6, ms);
    }
    return 0;
}

/* ---- dispatch ---- */

static int need(const sopts *o, int n, const char *shape) {
    if (o->n_pos >= n) return 0;
    cli_error("sprite %s: usage: rae sprite %s", o->pos[0], shape);
    return -1;
}

static int run(rae_sprites *d, const sopts *o, rae_err *err) {
    const char *c = o->pos[0];
    rae_sprite_info info;
    if (strcmp(c, "list") == 0) {
        rae_sprite_info *all;
        size_t n;
        if (rae_sprite_list(d, &all, &n, err) < 0) return -1;
        print_infos(d, all, n, o->json);
        free(all);
        return 0;
    }
    if (strcmp(c, "create") == 0 || strcmp(c, "show") == 0) {
        if (need(o, 2, "create|show NAME") < 0) return EXIT_USAGE;
        int rc = c[0] == 'c' ? rae_sprite_create(d, o->pos[1], &info, err)
                             : rae_sprite_get(d, o->pos[1], &info, err);
        if (rc == 0) print_infos(d, &info, 1, o->json);
        return rc;
    }
    if (strcmp(c, "exec") == 0)
        return need(o, 2, "exec NAME -- CMD") < 0 ? EXIT_USAGE : do_exec(d, o, err);
    if (strcmp(c, "files") == 0)
        return need(o, 3, "files NAME ls|get|put|rm PATH") < 0 ? EXIT_USAGE : do_files(d, o, err);
    if (strcmp(c, "events") == 0)
        return need(o, 2, "events NAME [-f]") < 0 ? EXIT_USAGE : do_events(d, o, err);
    if (strcmp(c, "connect") == 0)
        return need(o, 3, "connect NAME SOCKET") < 0 ? EXIT_USAGE : do_connect(d, o, err);
    if (strcmp(c, "shell") == 0)
        return need(o, 2, "shell NAME [-- CMD]") < 0 ? EXIT_USAGE : do_shell(d, o, err);
    if (strcmp(c, "service") == 0)
        return need(o, 3, "service NAME start|stop|status|logs [SVC]") < 0 ? EXIT_USAGE
                                                                           : do_service(d, o, err);
    if (strcmp(c, "_supervise") == 0)
        return need(o, 2, "_supervise NAME") < 0 ? EXIT_USAGE
                                                 : rae_sprites_local_supervise(d, o->pos[1], err);
    if (strcmp(c, "checkpoint") == 0)
        return need(o, 2, "checkpoint NAME [-m COMMENT]") < 0 ? EXIT_USAGE
                                                              : do_checkpoint(d, o, err);
    if (strcmp(c, "checkpoints") == 0)
        return need(o, 2, "checkpoints NAME") < 0 ? EXIT_USAGE : do_checkpoints(d, o, err);
    if (strcmp(c, "restore") == 0) {
        if (need(o, 3, "restore NAME ID") < 0) return EXIT_USAGE;
        int rc = rae_sprite_restore(d, o->pos[1], o->pos[2], err);
        if (rc == 0 && !o->json)
            fprintf(stderr, "rae: '%s' is checkpoint %s again\n", o->pos[1], o->pos[2]);
        return rc;
    }
    if (strcmp(c, "rm") == 0)
        return need(o, 2, "rm NAME") < 0 ? EXIT_USAGE : rae_sprite_destroy(d, o->pos[1], err);
    cli_error("sprite: unknown command '%s' (see 'rae sprite --help')", c);
    return EXIT_USAGE;
}

int cmd_sprite(int argc, char **argv) {
    int shown = cli_usage_first(argc, argv, usage);
    if (shown >= 0) return shown;
    sopts o = {0};
    if (parse(argc, argv, &o) < 0) return EXIT_USAGE;
    if (o.n_pos == 0) {
        cli_error("sprite: no command (see 'rae sprite --help')");
        return EXIT_USAGE;
    }
    rae_err err;
    rae_sprite_local_opts lo = {.warm_after = o.warm_after,
                                .cold_after = o.cold_after,
                                .data_dir = o.data_dir,
                                .allow_net = o.allow,
                                .n_allow_net = o.n_allow,
                                .memory = (unsigned long long)o.memory_mb << 20,
                                .disk_quota = (unsigned long long)o.quota_mb << 20,
                                .cpu_percent = o.cpu,
                                .max_procs = o.procs};
    rae_sprites *d = rae_sprites_local(&lo, &err);
    if (!d) {
        cli_error("%s", err.message);
        return cli_status(err.code);
    }
    int rc = run(d, &o, &err);
    rae_sprites_free(d);
    if (rc < 0) {
        cli_error("%s", err.message);
        return cli_status(err.code);
    }
    return rc;
}
