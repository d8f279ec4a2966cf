/* rae capture [URL] --har OUT.har: records a real Chromium into a crash-safe HAR. */
#include "cli/cli.h"
#include "rae/capture.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static const char usage[] =
    "usage: rae capture [URL] --har OUT.har [options]\n"
    "\n"
    "Starts Chromium, opens URL and records every request of every tab, frame and worker into\n"
    "OUT.har (HAR 1.2, bodies embedded) until Ctrl-C / SIGTERM, the browser is closed, or\n"
    "--duration passes. Each finished request is first appended to OUT.har.journal and flushed,\n"
    "so a capture that is killed loses only what was in flight: 'rae har recover OUT.har'.\n"
    "\n"
    "options:\n"
    "  --har FILE           where to write the HAR (required)\n"
    "  --headless           no window (the default without --display)\n"
    "  --display vnc:SOCKET show the browser on a new Xvnc display that serves VNC on the UNIX\n"
    "                       socket SOCKET (no TCP port); watch it with any VNC viewer or noVNC\n"
    "  --cdp-port PORT      also serve DevTools on 127.0.0.1:PORT, so that automation\n"
    "                       (Playwright's connectOverCDP, an agent) drives the browser rae "
    "records\n"
    "  --profile DIR        keep the browser profile (cookies, logins) in DIR between captures\n"
    "  --control SOCKET     take commands for the tab on this UNIX socket, one JSON line each:\n"
    "                       {\"op\":\"navigate\",\"url\":U}, back, forward, reload, status\n"
    "  --duration S         stop after S seconds\n"
    "  --user-agent UA      the user agent to announce (default: the browser's own, without\n"
    "                       'Headless')\n"
    "  --locale LANG        e.g. de-DE: Accept-Language and the page's Intl locale\n"
    "  --timezone TZ        e.g. Europe/Berlin\n"
    "  --window WxH         window size (default 1280x800)\n"
    "  --chromium PATH      the browser (default: $RAE_CHROMIUM, else chromium on PATH)\n"
    "  --json-stream        NDJSON events (progress, complete, error) on stdout\n"
    "  -q, --quiet          no progress on stderr\n"
    "\n"
    "Exit status: 0 when the HAR was written, 1 on a runtime failure (browser missing or crashed,\n"
    "start page unreachable in a headless capture nobody drives, disk full), 2 on bad usage.\n"
    "What was recorded is kept in every case.\n";

typedef struct opts {
    rae_capture_opts cap;
    int stream, quiet;
} opts;

static void print_event(void *user, const rae_event *ev) {
    opts *o = user;
    if (o->stream) {
        cli_put_event(ev);
        return;
    }
    if (o->quiet && ev->type != RAE_EV_ERROR) return;
    if (ev->message) fprintf(stderr, "rae: %s\n", ev->message);
}

static int number(const char *flag, const char *text, double min, double max, double *out) {
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || v < min || v > max) {
        cli_error("capture: %s wants a number from %g to %g, not '%s'", flag, min, max, text);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_window(const char *text, opts *o) {
    int w, h;
    char tail;
    if (sscanf(text, "%dx%d%c", &w, &h, &tail) != 2 || w < 100 || h < 100 || w > 8192 || h > 8192) {
        cli_error("capture: --window wants WIDTHxHEIGHT (e.g. 1280x800), not '%s'", text);
        return -1;
    }
    o->cap.width = w;
    o->cap.height = h;
    return 0;
}

/* The value of an option that takes one; NULL (and an error) when it is missing. */
static const char *value_of(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) {
        cli_error("capture: %s needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int parse_option(int argc, char **argv, int *i, opts *o) {
    const char *a = argv[*i], *v;
    double d;
    if (strcmp(a, "--headless") == 0) return 0;
    if (strcmp(a, "--json-stream") == 0) return o->stream = 1, 0;
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) return o->quiet = 1, 0;
    if (!(v = value_of(argc, argv, i))) return -1;
    if (strcmp(a, "--har") == 0)
        o->cap.har_path = v;
    else if (strcmp(a, "--profile") == 0)
        o->cap.profile_dir = v;
    else if (strcmp(a, "--user-agent") == 0)
        o->cap.user_agent = v;
    else if (strcmp(a, "--locale") == 0)
        o->cap.locale = v;
    else if (strcmp(a, "--timezone") == 0)
        o->cap.timezone = v;
    else if (strcmp(a, "--chromium") == 0)
        o->cap.chromium = v;
    else if (strcmp(a, "--control") == 0)
        o->cap.control_socket = v;
    else if (strcmp(a, "--window") == 0)
        return parse_window(v, o);
    else if (strcmp(a, "--duration") == 0) {
        if (number(a, v, 0.1, 7 * 86400, &o->cap.duration) < 0) return -1;
    } else if (strcmp(a, "--cdp-port") == 0) {
        if (number(a, v, 1, 65535, &d) < 0) return -1;
        o->cap.cdp_port = (int)d;
    } else if (strcmp(a, "--display") == 0) {
        if (strncmp(v, "vnc:", 4) != 0 || !v[4]) {
            cli_error("capture: --display wants vnc:SOCKET (a UNIX socket path), not '%s'", v);
            return -1;
        }
        o->cap.vnc_socket = v + 4;
    } else {
        cli_error("capture: unknown option '%s' (see 'rae capture --help')", a);
        return -1;
    }
    return 0;
}

static int parse(int argc, char **argv, opts *o) {
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage, stdout);
            return 1;
        }
        if (argv[i][0] == '-' && argv[i][1]) {
            if (parse_option(argc, argv, &i, o) < 0) return -1;
        } else if (!o->cap.url) {
            o->cap.url = argv[i];
        } else {
            cli_error("capture: one URL only ('%s' and '%s')", o->cap.url, argv[i]);
            return -1;
        }
    }
    if (!o->cap.har_path) {
        cli_error("capture: --har OUT.har is required (see 'rae capture --help')");
        return -1;
    }
    if (o->cap.url && !strstr(o->cap.url, "://") && strncmp(o->cap.url, "about:", 6) != 0) {
        cli_error("capture: '%s' is not a URL (did you mean http://%s ?)", o->cap.url, o->cap.url);
        return -1;
    }
    return 0;
}

/* SIGINT, SIGTERM and SIGHUP arrive on a descriptor that the capture polls. */
static int stop_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -1;
    return signalfd(-1, &set, SFD_CLOEXEC);
}

static void report(const opts *o, const rae_capture_result *res) {
    if (o->stream) {
        const char *files[] = {o->cap.har_path};
        rae_event ev = {.type = RAE_EV_COMPLETE, .files = files, .n_files = 1};
        cli_put_event(&ev);
        return;
    }
    if (o->quiet) return;
    fprintf(stderr, "rae: wrote %s: %ld requests, %ld pages, %.1f MB (ended by %s)\n",
            o->cap.har_path, res->entries, res->pages, (double)res->bytes / 1e6, res->ended_by);
}

int cmd_capture(int argc, char **argv) {
    opts o = {0};
    o.cap.stop_fd = -1;
    int p = parse(argc, argv, &o);
    if (p) return p > 0 ? EXIT_OK : EXIT_USAGE;
    o.cap.on_event = print_event;
    o.cap.user = &o;
    o.cap.stop_fd = stop_signals();
    if (!o.quiet && !o.stream)
        fprintf(stderr, "rae: recording %s into %s (Ctrl-C to stop)\n",
                o.cap.url ? o.cap.url : "a blank tab", o.cap.har_path);
    rae_capture_result res;
    rae_err err;
    int rc = rae_capture_run(&o.cap, &res, &err);
    if (o.cap.stop_fd >= 0) close(o.cap.stop_fd);
    if (rc < 0) {
        int status = cli_status(err.code);
        if (o.stream) {
            rae_event ev = {.type = RAE_EV_ERROR,
                            .kind = status == EXIT_USAGE ? "usage" : "runtime",
                            .message = err.message};
            cli_put_event(&ev);
        }
        cli_error("%s", err.message);
        if (res.entries > 0 || res.bytes > 0) report(&o, &res);
        return status;
    }
    report(&o, &res);
    return EXIT_OK;
}
