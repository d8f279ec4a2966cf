/* rae engineer CAPTURE.har -o DIR: the API model of a capture, written as a Python client, an
 * OpenAPI spec, a replay test, a README and a .env. */
#include "cli/cli.h"
#include "rae/ai.h"
#include "rae/engineer.h"

#include <jansson.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static const char usage[] =
    "usage: rae engineer CAPTURE.har -o DIR [options]\n"
    "\n"
    "Turns a HAR into a working API client, offline and deterministically:\n"
    "  DIR/api_client.py  Python 3.9+ client on httpx, one method per operation\n"
    "  DIR/openapi.json   OpenAPI 3.1 of the API endpoints (no assets, no trackers)\n"
    "  DIR/replay.py      re-runs the captured workflow through the client:\n"
    "                     python3 DIR/replay.py [--base-url URL]  ->  'N passed, M failed, K "
    "skipped'\n"
    "  DIR/README.md      endpoints, auth, value flows, pagination\n"
    "  DIR/.env           captured credentials and secrets (mode 0600)\n"
    "\n"
    "options:\n"
    "  -o, --out DIR       where to write (made when missing)\n"
    "  --host HOST         only requests to this API host\n"
    "  --include REGEX     only URLs matching this extended regular expression\n"
    "  --exclude REGEX     leave out URLs matching it\n"
    "  --redact            leave secrets out of .env entirely\n"
    "  --max-calls N       calls kept for the replay and flows (default 500)\n"
    "  --json              a machine-readable summary on stdout\n"
    "  --json-stream       NDJSON events (progress, code, complete, error) on stdout\n"
    "  -q, --quiet         no progress on stderr\n"
    "\n"
    "The AI engineer (a model writes, runs and fixes a task script on top of the client):\n"
    "  --prompt TEXT       the task (\"export my notes as CSV\"); scripts go to DIR/scripts/,\n"
    "                      the conversation to DIR/transcript.ndjson, a summary to README.md\n"
    "  --provider P        anthropic (ANTHROPIC_API_KEY) or openai (OPENAI_API_KEY, any\n"
    "                      OpenAI-compatible server); default: the one whose key is set\n"
    "  --model NAME        default: claude-sonnet-4-5 / gpt-4.1 (rae's price table)\n"
    "  --base-url URL      default: ANTHROPIC_BASE_URL / OPENAI_BASE_URL, else the provider's\n"
    "  --max-cost USD      no turn that would pass it (default 0.50)\n"
    "  --max-turns N       default 30\n"
    "  --allow-run         let the model run commands in DIR (default: ask on the terminal,\n"
    "  --no-run            refuse without one); or never\n"
    "  --continue          go on from DIR/transcript.ndjson with a new --prompt\n"
    "  --from RUNDIR       start from the task scripts of an earlier run (RUNDIR/scripts)\n"
    "Secrets of the capture never reach the model (placeholders {{RAE_SECRET_n}}); see\n"
    "docs/engineer-ai.md.\n"
    "\n"
    "Exit status: 0 success (also when no API traffic is found), 1 runtime failure, 2 bad usage\n"
    "or bad input (a malformed HAR is named with its line, column and entry index; the entries\n"
    "that could be read are still engineered).\n";

typedef struct opts {
    const char *har, *out;
    int json, stream, quiet;
    eng_options eng;
    ai_options ai;
    double last_cost; /* the AI engineer's usage so far */
    int cost_unknown;
    long tokens_in, tokens_out;
} opts;

static void print_event(void *user, const rae_event *ev) {
    opts *o = user;
    if (o->stream) {
        cli_put_event(ev);
        return;
    }
    if (o->quiet || ev->type != RAE_EV_PROGRESS) return;
    if (isatty(2)) fprintf(stderr, "\rrae: %-60.60s", ev->message ? ev->message : ev->stage);
}

/* The first line of text, at most n bytes of it. */
static void first_line(const char *text, int n) {
    fprintf(stderr, "%.*s",
            (int)strcspn(text ? text : "", "\n") < n ? (int)strcspn(text ? text : "", "\n") : n,
            text ? text : "");
}

/* The AI engineer's events for a person: the model's words as they come, each tool call and the
 * first line of its result, retries; NDJSON with --json-stream. */
static void print_ai_event(void *user, const rae_event *ev) {
    opts *o = user;
    if (o->stream) {
        cli_put_event(ev);
        return;
    }
    if (o->quiet) return;
    if (ev->type == RAE_EV_MESSAGE) {
        fputs(ev->message ? ev->message : "", stderr);
    } else if (ev->type == RAE_EV_TOOL && strcmp(ev->phase, "call") == 0) {
        fprintf(stderr, "\n  -> %s ", ev->tool);
        first_line(ev->message, 100);
        fputc('\n', stderr);
    } else if (ev->type == RAE_EV_TOOL) {
        fputs("     ", stderr);
        first_line(ev->message, 100);
        fputc('\n', stderr);
    } else if (ev->type == RAE_EV_PROGRESS && strcmp(ev->stage, "retry") == 0) {
        fprintf(stderr, "\nrae: %s\n", ev->message);
    } else if (ev->type == RAE_EV_PROGRESS && strcmp(ev->stage, "model") == 0) {
        fprintf(stderr, "rae: asking %s\n", ev->message);
    } else if (ev->type == RAE_EV_USAGE) {
        o->last_cost = ev->cost_usd;
        o->cost_unknown = ev->cost_unknown;
        o->tokens_in = ev->input_tokens + ev->cache_read_tokens + ev->cache_write_tokens;
        o->tokens_out = ev->output_tokens;
    }
}

static void report_error(const opts *o, const char *kind, const char *message);

/* rae engineer --prompt: the AI engineer on top of what eng_write made. */
static int run_ai(opts *o) {
    rae_err why;
    if (!ai_configured(&o->ai, &why) && o->ai.provider) { /* asked for, and not there */
        report_error(o, "usage", why.message);
        return EXIT_USAGE;
    }
    if (!ai_configured(&o->ai, &why)) {
        if (!o->quiet) fprintf(stderr, "rae: %s\n", why.message);
        return EXIT_OK;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    o->ai.stop_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    o->ai.on_event = print_ai_event;
    o->ai.event_user = o;
    rae_err err;
    int rc = ai_engineer(o->har, o->out, &o->ai, &err);
    if (o->ai.stop_fd >= 0) {
        struct signalfd_siginfo si; /* taken, so that none is left to kill rae when unblocked */
        while (read(o->ai.stop_fd, &si, sizeof si) == (ssize_t)sizeof si)
            ;
        close(o->ai.stop_fd);
    }
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    if (!o->quiet && !o->stream) {
        fputc('\n', stderr);
        if (o->cost_unknown)
            fprintf(stderr, "rae: %ld tokens in, %ld out (the price of this model is unknown)\n",
                    o->tokens_in, o->tokens_out);
        else
            fprintf(stderr, "rae: $%.4f (%ld tokens in, %ld out)\n", o->last_cost, o->tokens_in,
                    o->tokens_out);
    }
    if (rc < 0) {
        report_error(o,
                     err.code == RAE_E_DENIED  ? "auth"
                     : err.code == RAE_E_LIMIT ? "budget"
                                               : "runtime",
                     err.message);
        return EXIT_RUNTIME;
    }
    if (!o->quiet && !o->stream)
        fprintf(stderr, "rae: done: %s/scripts, README.md and transcript.ndjson\n", o->out);
    return EXIT_OK;
}

/* An option of the AI engineer at argv[*i]: 1 when it was one (*i set to -1 when its value is
 * wrong), 0 when it is another. */
static int ai_option(int argc, char **argv, int *i, ai_options *ai) {
    const char *a = argv[*i];
    int has_next = *i + 1 < argc;
    const char **value = strcmp(a, "--prompt") == 0     ? &ai->prompt
                         : strcmp(a, "--provider") == 0 ? &ai->provider
                         : strcmp(a, "--model") == 0    ? &ai->model
                         : strcmp(a, "--base-url") == 0 ? &ai->base_url
                         : strcmp(a, "--from") == 0     ? &ai->from_dir
                                                        : NULL;
    char *end;
    if (value && has_next) {
        *value = argv[++*i];
        if (value == &ai->provider && strcmp(*value, "anthropic") != 0 &&
            strcmp(*value, "openai") != 0) {
            cli_error("engineer: --provider is anthropic or openai, not '%s'", *value);
            *i = -1;
        }
    } else if (strcmp(a, "--max-cost") == 0 && has_next) {
        ai->max_cost = strtod(argv[++*i], &end);
        if (*end || !(ai->max_cost > 0)) {
            cli_error("engineer: --max-cost needs an amount of US dollars above 0, not '%s'",
                      argv[*i]);
            *i = -1;
        }
    } else if (strcmp(a, "--max-turns") == 0 && has_next) {
        ai->max_turns = (int)strtol(argv[++*i], &end, 10);
        if (*end || ai->max_turns < 1) {
            cli_error("engineer: --max-turns needs a positive number, not '%s'", argv[*i]);
            *i = -1;
        }
    } else if (strcmp(a, "--allow-run") == 0 || strcmp(a, "--no-run") == 0) {
        ai->allow_run = a[2] == 'a' ? 1 : -1;
    } else if (strcmp(a, "--continue") == 0) {
        ai->resume = 1;
    } else {
        return 0;
    }
    return 1;
}

static int parse(int argc, char **argv, opts *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_next = i + 1 < argc;
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            exit(EXIT_OK);
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) && has_next) {
            o->out = argv[++i];
        } else if (strcmp(a, "--host") == 0 && has_next) {
            o->eng.host = argv[++i];
        } else if (strcmp(a, "--include") == 0 && has_next) {
            o->eng.include = argv[++i];
        } else if (strcmp(a, "--exclude") == 0 && has_next) {
            o->eng.exclude = argv[++i];
        } else if (strcmp(a, "--max-calls") == 0 && has_next) {
            char *end;
            o->eng.max_calls = strtol(argv[++i], &end, 10);
            if (*end || o->eng.max_calls < 1) {
                cli_error("engineer: --max-calls needs a positive number, not '%s'", argv[i]);
                return -1;
            }
        } else if (ai_option(argc, argv, &i, &o->ai)) {
            if (i < 0) return -1;
        } else if (strcmp(a, "--redact") == 0) {
            o->eng.redact = 1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--json-stream") == 0) {
            o->stream = 1;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
        } else if (a[0] == '-' && a[1]) {
            cli_error("engineer: unknown option '%s' or missing value (see 'rae engineer --help')",
                      a);
            return -1;
        } else if (!o->har) {
            o->har = a;
        } else {
            cli_error("engineer: one CAPTURE.har only ('%s' is extra)", a);
            return -1;
        }
    }
    if (!o->har || !o->out) {
        cli_error("engineer: %s (see 'rae engineer --help')",
                  !o->har ? "missing CAPTURE.har" : "missing -o DIR");
        return -1;
    }
    if (o->json && o->stream) {
        cli_error("engineer: --json and --json-stream both write stdout: choose one");
        return -1;
    }
    if (o->ai.from_dir && (!o->ai.prompt || o->ai.resume)) {
        cli_error("engineer: --from starts a new conversation with a --prompt (not --continue)");
        return -1;
    }
    if (o->ai.resume && !o->ai.prompt) {
        cli_error("engineer: --continue goes on with a new --prompt: give one");
        return -1;
    }
    return 0;
}

static void print_summary_json(const opts *o, const eng_model *m) {
    json_t *eps = json_array();
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const eng_endpoint *ep = m->endpoints[i];
        json_t *uses = json_array();
        for (size_t u = 0; u < ep->n_uses; u++)
            json_array_append_new(uses, json_string(m->session[ep->uses[u]].name));
        json_array_append_new(eps,
                              json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:b, s:b}", "operation",
                                        ep->op_name, "method", ep->method, "path", ep->path,
                                        "origin", ep->origin, "samples", (json_int_t)ep->samples,
                                        "uses", uses, "login", ep->is_login, "page", ep->is_page));
    }
    json_t *fl = json_array();
    for (size_t i = 0; eng_file_name(i); i++)
        json_array_append_new(fl, json_string(eng_file_name(i)));
    json_t *o_json = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "har", o->har, "out", o->out,
        "base_url", m->base_url, "entries", (json_int_t)m->entries, "api_entries",
        (json_int_t)m->api_entries, "noise_entries", (json_int_t)m->noise_entries, "bad_entries",
        (json_int_t)m->bad_entries, "calls", (json_int_t)m->n_calls, "endpoints", eps, "files", fl);
    char *s = json_dumps(o_json, JSON_INDENT(2));
    puts(s);
    free(s);
    json_decref(o_json);
}

static void report_error(const opts *o, const char *kind, const char *message) {
    if (o->stream) {
        rae_event ev = {0};
        ev.type = RAE_EV_ERROR;
        ev.kind = kind;
        ev.message = message;
        cli_put_event(&ev);
    }
    cli_error("%s", message);
}

/* 1 when dir holds what eng_write wrote (its model.json). */
static int has_model(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/model.json", dir);
    return access(path, R_OK) == 0;
}

int cmd_engineer(int argc, char **argv) {
    opts o = {0};
    o.eng = eng_options_default();
    o.ai = ai_options_default();
    if (parse(argc, argv, &o) < 0) return EXIT_USAGE;
    /* --continue goes on from what the first run wrote: the capture is read again for its
     * secrets only, quietly, and the client is not written again (it may have been changed) */
    int again = o.ai.resume && has_model(o.out);
    o.eng.on_event = again ? NULL : print_event;
    o.eng.event_user = &o;
    rae_err why;
    if (o.ai.prompt && ai_configured(&o.ai, &why)) { /* the secrets, in the engineer's pass */
        o.ai.secrets = ai_secrets_new();
        o.eng.on_entry = ai_secrets_entry;
        o.eng.entry_user = o.ai.secrets;
    }
    har_reader *r;
    rae_err err;
    if (har_reader_open(o.har, &r, &err) < 0) {
        report_error(&o, "input", err.message);
        return EXIT_USAGE;
    }
    eng_model *m;
    int rc = eng_analyze(r, &o.eng, &m, &err);
    if (!o.quiet && !o.stream && isatty(2)) fputs("\r\033[K", stderr);
    if (rc < 0) {
        report_error(&o, "usage", err.message);
        har_reader_free(r);
        return EXIT_USAGE;
    }
    rae_err bad = err; /* the first malformed entry, if any */
    if (!again && eng_write(m, o.out, &o.eng, &err) < 0) {
        report_error(&o, "runtime", err.message);
        eng_model_free(m);
        har_reader_free(r);
        return EXIT_RUNTIME;
    }
    if (o.stream && o.ai.prompt) {
        rae_event ev = {.type = RAE_EV_PROGRESS, .stage = "engineered", .message = o.out};
        cli_put_event(&ev);
    } else if (o.stream) {
        rae_event ev = {0};
        ev.type = RAE_EV_COMPLETE;
        ev.scripts_dir = o.out;
        const char *names[16];
        size_t n = 0;
        while (n < 16 && (names[n] = eng_file_name(n)))
            n++;
        ev.files = names;
        ev.n_files = n;
        cli_put_event(&ev);
    } else if (o.json) {
        print_summary_json(&o, m);
    }
    if (!o.quiet && !o.stream && !again) {
        if (m->n_endpoints == 0)
            fprintf(stderr,
                    "rae: no API traffic found in %s (%ld entries); wrote an empty client to %s/\n",
                    o.har, m->entries, o.out);
        else
            fprintf(stderr,
                    "rae: %zu operations from %ld API calls (%ld entries, %ld noise) -> %s/ "
                    "(api_client.py, openapi.json, replay.py, README.md, .env)\n",
                    m->n_endpoints, m->api_entries, m->entries, m->noise_entries, o.out);
    }
    rc = EXIT_OK;
    if (m->malformed) {
        report_error(&o, "input", bad.message);
        if (m->bad_entries)
            fprintf(stderr, "rae: %ld malformed entr%s left out\n", m->bad_entries,
                    m->bad_entries == 1 ? "y" : "ies");
        rc = EXIT_USAGE;
    }
    eng_model_free(m);
    har_reader_free(r);
    if (o.ai.prompt && rc == EXIT_OK) rc = run_ai(&o);
    ai_secrets_free(o.ai.secrets);
    return rc;
}
