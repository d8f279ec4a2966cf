/* ai/tools: what a model may do while it engineers a task. */
#include "ai/tools.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rae/arena.h"
#include "rae/har.h"
#include "rae/err.h"
#include "util/fsutil.h"

#define SEARCH_HITS 20
#define EXCERPT 120          /* bytes around a search hit */
#define REQ_BODY_SHOWN 4000  /* bytes of a request body get_entry shows */
#define RESP_BODY_SHOWN 8000 /* of a response body */
#define FILE_SHOWN 32768     /* of a file read_file shows */
#define WRITE_MAX (1u << 20) /* bytes of a file write_file takes */
#define RUN_KEPT 65536       /* bytes of a command's output read */
#define RUN_SHOWN 8000       /* of it shown: its start and its end */

extern char **environ;

/* The text, redacted, appended to out. */
static void put(ai_tools *t, buf *out, const char *text, size_t len) {
    char *r = ai_redact_text(t->secrets, text, len);
    buf_puts(out, r);
    free(r);
}

static void putf(ai_tools *t, buf *out, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void putf(ai_tools *t, buf *out, const char *fmt, ...) {
    buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    put(t, out, b.data ? b.data : "", b.len);
    buf_free(&b);
}

/* ---- paths ---- */

static int env_name(const char *component, size_t n) {
    return n == 4 && memcmp(component, ".env", 4) == 0;
}

int ai_tool_path(const char *dir, const char *rel, int for_write, char *out, size_t n,
                 rae_err *why) {
    if (!rel || !*rel) return rae_err_fail(why, "no path given");
    if (rel[0] == '/')
        return rae_err_fail(why,
                            "%s: an absolute path; give one relative to "
                            "the working directory",
                            rel);
    for (const char *p = rel; *p;) {
        size_t c = strcspn(p, "/");
        if (c == 2 && p[0] == '.' && p[1] == '.')
            return rae_err_fail(why, "%s: '..' would leave the working directory", rel);
        if (env_name(p, c))
            return rae_err_fail(why,
                                "%s: .env holds the secrets; api_client.py reads it, and "
                                "its values are never shown",
                                rel);
        p += c + (p[c] == '/');
    }
    if ((size_t)snprintf(out, n, "%s/%s", dir, rel) >= n)
        return rae_err_fail(why, "%s: too long a path", rel);
    char root[PATH_MAX], real[PATH_MAX];
    if (!realpath(dir, root)) return rae_err_fail(why, "%s: %s", dir, strerror(errno));
    size_t rn = strlen(root);
    if (for_write) {
        /* every folder on the way: made when missing, never a link */
        char *part = strdup(out);
        for (char *s = part + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
            *s = '\0';
            struct stat st;
            if (mkdir(part, 0755) < 0 && errno != EEXIST) {
                rae_err_fail(why, "%s: %s", rel, strerror(errno));
                free(part);
                return -1;
            }
            if (lstat(part, &st) < 0 || !S_ISDIR(st.st_mode)) {
                rae_err_fail(why, "%s: a part of it is not a folder of the working directory", rel);
                free(part);
                return -1;
            }
            *s = '/';
        }
        free(part);
        return 0;
    }
    if (!realpath(out, real)) return rae_err_fail(why, "%s: %s", rel, strerror(errno));
    if (strncmp(real, root, rn) != 0 || (real[rn] != '/' && real[rn]))
        return rae_err_fail(why, "%s: it leads out of the working directory", rel);
    return 0;
}

/* ---- the HAR ---- */

static const char *ci_find(const char *hay, size_t n, const char *needle) {
    size_t k = strlen(needle);
    for (size_t i = 0; k && i + k <= n; i++)
        if (strncasecmp(hay + i, needle, k) == 0) return hay + i;
    return NULL;
}

/* "where: ...excerpt..." for a hit of pattern in text[0..n), or nothing. The excerpt is cut out
 * of the whole text redacted: a secret at its edge is a placeholder, not a part of it. */
static int excerpt(ai_tools *t, buf *out, const char *where, const char *text, size_t n,
                   const char *pattern) {
    const char *hit = text ? ci_find(text, n, pattern) : NULL;
    if (!hit) return 0;
    size_t at = (size_t)(hit - text), from = at > EXCERPT / 2 ? at - EXCERPT / 2 : 0;
    char *shown = ai_redact_window(t->secrets, text, n, from, EXCERPT, NULL);
    for (char *p = shown; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    buf_printf(out, "\n    %s: ...%s...", where, shown);
    free(shown);
    return 1;
}

static int open_har(ai_tools *t, har_reader **r, buf *out) {
    rae_err err;
    if (har_reader_open(t->har_path, r, &err) == 0) return 0;
    putf(t, out, "the HAR cannot be read: %s", err.message);
    return -1;
}

static int search_har(ai_tools *t, json_t *input, buf *out) {
    const char *pattern = json_string_value(json_object_get(input, "pattern"));
    if (!pattern || strlen(pattern) < 2) {
        buf_puts(out, "search_har needs a pattern of 2 characters or more");
        return 1;
    }
    har_reader *r;
    if (open_har(t, &r, out) < 0) return 1;
    arena *a = arena_new();
    har_entry *e;
    rae_err err;
    int rc, hits = 0, more = 0;
    while ((rc = har_reader_next(r, a, &e, &err)) != 0) {
        if (rc < 0) continue;
        size_t rq = 0, rs = 0;
        const char *req = e->has_req_body ? har_body_text(&e->req_body, a, &rq) : NULL;
        const char *resp = har_body_text(&e->resp_body, a, &rs);
        buf line = BUF_INIT;
        int found = excerpt(t, &line, "url", e->url, strlen(e->url), pattern);
        found |= excerpt(t, &line, "request", req, rq, pattern);
        found |= excerpt(t, &line, "response", resp, rs, pattern);
        if (found && hits < SEARCH_HITS) {
            putf(t, out, "#%ld %s %s -> %d %s", e->index, e->method, e->url, e->status,
                 e->resp_body.mime_type);
            buf_append(out, line.data, line.len);
            buf_putc(out, '\n');
        }
        hits += found && hits < SEARCH_HITS;
        more += found && hits >= SEARCH_HITS;
        buf_free(&line);
        arena_reset(a);
    }
    if (!hits) buf_printf(out, "no entry holds '%s'", pattern);
    if (more > 1) buf_printf(out, "(and more entries: narrow the pattern)\n");
    arena_free(a);
    har_reader_free(r);
    return 0;
}

static void show_body(ai_tools *t, buf *out, const har_body *b, size_t limit, arena *a) {
    size_t len = 0;
    const char *bytes = har_body_bytes(b, a, &len);
    if (!bytes || !len) {
        buf_puts(out, "(no body)\n");
        return;
    }
    int binary = memchr(bytes, '\0', len < limit ? len : limit) != NULL;
    if (binary) {
        buf_printf(out, "(binary, %zu bytes)\n", len);
        return;
    }
    int cut;
    char *shown = ai_redact_window(t->secrets, bytes, len, 0, limit, &cut);
    buf_printf(out, "(%zu bytes%s)\n%s\n", len, cut ? ", the first shown" : "", shown);
    free(shown);
}

static void show_headers(ai_tools *t, buf *out, const har_pairs *h) {
    for (size_t i = 0; i < h->n; i++)
        putf(t, out, "%s: %s\n", h->items[i].name, h->items[i].value);
}

static int get_entry(ai_tools *t, json_t *input, buf *out) {
    json_t *index = json_object_get(input, "index");
    if (!json_is_integer(index) || json_integer_value(index) < 0) {
        buf_puts(out, "get_entry needs an index (0 or more), as search_har gives it");
        return 1;
    }
    long want = (long)json_integer_value(index);
    har_reader *r;
    if (open_har(t, &r, out) < 0) return 1;
    rae_err err;
    for (long i = 0; i < want; i++)
        if (har_reader_skip(r, &err) <= 0) {
            buf_printf(out, "the HAR has no entry %ld (it has %ld)", want, i);
            har_reader_free(r);
            return 1;
        }
    arena *a = arena_new();
    har_entry *e;
    int rc = har_reader_next(r, a, &e, &err);
    if (rc <= 0) {
        buf_printf(out, rc == 0 ? "the HAR has no entry %ld" : "entry %ld is malformed", want);
    } else {
        putf(t, out, "%s %s\n", e->method, e->url);
        show_headers(t, out, &e->req_headers);
        if (e->has_req_body) show_body(t, out, &e->req_body, REQ_BODY_SHOWN, a);
        putf(t, out, "\n-> %d %s\n", e->status, e->status_text);
        show_headers(t, out, &e->resp_headers);
        show_body(t, out, &e->resp_body, RESP_BODY_SHOWN, a);
    }
    arena_free(a);
    har_reader_free(r);
    return rc <= 0;
}

/* ---- files ---- */

static int read_file(ai_tools *t, json_t *input, buf *out) {
    char path[PATH_MAX];
    rae_err why;
    if (ai_tool_path(t->dir, json_string_value(json_object_get(input, "path")), 0, path,
                     sizeof path, &why) < 0) {
        buf_puts(out, why.message);
        return 1;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        buf_printf(out, "%s", strerror(errno));
        return 1;
    }
    /* read past what is shown by the longest secret, so that none is cut at the end */
    size_t room = FILE_SHOWN + ai_redact_longest(t->secrets) + 1;
    char *data = malloc(room);
    size_t n = fread(data, 1, room, f);
    fclose(f);
    int cut;
    char *shown = ai_redact_window(t->secrets, data, n, 0, FILE_SHOWN, &cut);
    buf_puts(out, shown);
    if (cut) buf_printf(out, "\n(truncated: about the first %d bytes)", FILE_SHOWN);
    free(shown);
    free(data);
    return 0;
}

static int write_file(ai_tools *t, json_t *input, buf *out) {
    const char *rel = json_string_value(json_object_get(input, "path"));
    json_t *content = json_object_get(input, "content");
    char path[PATH_MAX];
    rae_err why;
    if (!json_is_string(content)) {
        buf_puts(out, "write_file needs the content as a string");
        return 1;
    }
    if (json_string_length(content) > WRITE_MAX) {
        buf_printf(out, "a file of %zu bytes is over the %u this tool takes",
                   json_string_length(content), WRITE_MAX);
        return 1;
    }
    if (ai_tool_path(t->dir, rel, 1, path, sizeof path, &why) < 0) {
        buf_puts(out, why.message);
        return 1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    const char *text = json_string_value(content);
    size_t len = json_string_length(content);
    if (fd < 0 || fs_write_all(fd, text, len) < 0) {
        buf_printf(out, "%s: %s", rel, strerror(errno));
        if (fd >= 0) close(fd);
        return 1;
    }
    close(fd);
    if (strstr(text, "{{RAE_SECRET_"))
        buf_printf(out,
                   "wrote %s (%zu bytes); it holds a {{RAE_SECRET_n}} placeholder, which is "
                   "no value: read os.environ[\"RAE_SECRET_n\"] instead",
                   rel, len);
    else
        buf_printf(out, "wrote %s (%zu bytes)", rel, len);
    t->written = realloc(t->written, (t->n_written + 1) * sizeof *t->written);
    t->written[t->n_written++] = strdup(rel);
    if (t->on_write) t->on_write(t->user, rel, text);
    return 0;
}

/* ---- run ---- */

/* Whether the person lets the model run `command`: --allow-run, --no-run, else a question on the
 * terminal. */
static int may_run(ai_tools *t, const char *command, buf *out) {
    if (t->allow_run > 0) return 1;
    if (t->allow_run < 0) {
        buf_puts(out, "running commands is off (--no-run): write the script, and say in finish "
                      "how to run it");
        return 0;
    }
    if (!isatty(0) || !isatty(2)) {
        buf_puts(out, "rae asks the person before it runs a command, and there is no terminal to "
                      "ask on (they may pass --allow-run): write the script, and say how to run "
                      "it");
        return 0;
    }
    fprintf(stderr, "\nrae: the model wants to run, in %s:\n  $ %s\nRun it? [y/N/a = always] ",
            t->dir, command);
    char line[16] = "";
    if (!fgets(line, sizeof line, stdin)) line[0] = '\0';
    if (line[0] == 'a' || line[0] == 'A') t->allow_run = 1;
    if (line[0] == 'y' || line[0] == 'Y' || t->allow_run > 0) return 1;
    buf_puts(out, "the person said no to running this command");
    return 0;
}

/* The environment of a command: this one with the working directory first in PYTHONPATH (a
 * script of scripts/ imports api_client), and RAE_SECRET_n for each secret (from (*base) on: the
 * caller frees those, and the array). */
static char **run_env(const ai_tools *t, size_t *base) {
    size_t n = 0, k = ai_redact_count(t->secrets), kept = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + k + 2, sizeof *env);
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "PYTHONPATH=", 11) != 0) env[kept++] = environ[i];
    *base = kept;
    buf b = BUF_INIT;
    const char *was = getenv("PYTHONPATH");
    buf_printf(&b, "PYTHONPATH=%s%s%s", t->dir, was && *was ? ":" : "", was ? was : "");
    env[kept++] = buf_take(&b);
    for (size_t i = 1; i <= k; i++) {
        buf_printf(&b, "RAE_SECRET_%zu=%s", i, ai_redact_value(t->secrets, i));
        env[kept++] = buf_take(&b);
    }
    return env;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads the child's output until it ends, the time limit or a stop; 1 when it timed out. */
static int collect(ai_tools *t, int fd, pid_t pid, buf *got) {
    double end = now_s() + (t->run_timeout_s > 0 ? t->run_timeout_s : 120);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        int left = (int)((end - now_s()) * 1000);
        if (left <= 0 || (t->stop && t->stop(t->user))) {
            kill(-pid, SIGKILL);
            return 1;
        }
        if (poll(&p, 1, left < 200 ? left : 200) <= 0) continue;
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n <= 0) return 0;
        if (got->len < RUN_KEPT) buf_append(got, chunk, (size_t)n);
    }
}

/* A command's output: its start and its end, each cut out of the whole output redacted. What
 * came past RUN_KEPT was not kept: then only the start (its end could cut a secret). */
static void show_output(ai_tools *t, buf *out, const buf *got) {
    int past = got->len >= RUN_KEPT;
    if (got->len <= RUN_SHOWN && !past) {
        put(t, out, got->data ? got->data : "", got->len);
        return;
    }
    char *head = ai_redact_window(t->secrets, got->data, got->len, 0, RUN_SHOWN / 2, NULL);
    buf_puts(out, head);
    free(head);
    if (past) {
        buf_printf(out, "\n... (the output went on past %d bytes) ...\n", RUN_KEPT);
        return;
    }
    char *tail = ai_redact_window(t->secrets, got->data, got->len, got->len - RUN_SHOWN / 2,
                                  RUN_SHOWN / 2, NULL);
    buf_printf(out, "\n... (%zu bytes left out) ...\n%s", got->len - RUN_SHOWN, tail);
    free(tail);
}

static int run(ai_tools *t, json_t *input, buf *out) {
    const char *command = json_string_value(json_object_get(input, "command"));
    if (!command || !*command) {
        buf_puts(out, "run needs a command");
        return 1;
    }
    if (!may_run(t, command, out)) return 1;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) return buf_printf(out, "pipe: %s", strerror(errno)), 1;
    size_t base;
    char **env = run_env(t, &base);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none; /* rae blocks SIGINT and SIGTERM to read them from a signalfd: not so the
                          command, which exec would leave blocked */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setpgid(0, 0);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) dup2(null, 0);
        if (chdir(t->dir) < 0) _exit(126);
        execle("/bin/sh", "sh", "-c", command, (char *)NULL, env);
        _exit(127);
    }
    close(fds[1]);
    buf got = BUF_INIT;
    int timed_out = pid > 0 ? collect(t, fds[0], pid, &got) : 0;
    close(fds[0]);
    int status = 0;
    if (pid > 0) waitpid(pid, &status, 0);
    for (size_t i = base; env[i]; i++)
        free(env[i]);
    free(env);
    if (pid < 0) return buf_printf(out, "fork: %s", strerror(errno)), 1;
    if (timed_out)
        buf_printf(out, "stopped after %d s (the time limit)\n",
                   t->run_timeout_s > 0 ? t->run_timeout_s : 120);
    else if (WIFEXITED(status))
        buf_printf(out, "exit status %d\n", WEXITSTATUS(status));
    else
        buf_printf(out, "ended by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    show_output(t, out, &got);
    buf_free(&got);
    return 0;
}

static int finish(ai_tools *t, json_t *input, buf *out) {
    const char *summary = json_string_value(json_object_get(input, "summary"));
    free(t->summary);
    t->summary = strdup(summary ? summary : "");
    t->finished = 1;
    buf_puts(out, "finished");
    return 0;
}

int ai_tool_call(ai_tools *t, const char *name, json_t *input, buf *out) {
    static const struct {
        const char *name;
        int (*fn)(ai_tools *, json_t *, buf *);
    } tools[] = {{"search_har", search_har},
                 {"get_entry", get_entry},
                 {"read_file", read_file},
                 {"write_file", write_file},
                 {"run", run},
                 {"finish", finish}};
    for (size_t i = 0; i < sizeof tools / sizeof *tools; i++)
        if (strcmp(name, tools[i].name) == 0) return tools[i].fn(t, input, out);
    buf_printf(out, "there is no tool '%s'", name);
    return 1;
}

void ai_tools_done(ai_tools *t) {
    free(t->summary);
    for (size_t i = 0; i < t->n_written; i++)
        free(t->written[i]);
    free(t->written);
    t->summary = NULL;
    t->written = NULL;
    t->n_written = 0;
}
