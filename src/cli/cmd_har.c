/* rae har stats|validate|recover FILE */
#include "cli/cli.h"
#include "rae/capture.h"
#include "rae/har.h"
#include "rae/har_stats.h"
#include "rae/har_validate.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: rae har stats FILE [--json]\n"
    "       rae har validate FILE [--json] [--max N]\n"
    "       rae har recover FILE\n"
    "\n"
    "stats     what the HAR holds: entries, hosts, methods, status classes, mime types, body\n"
    "          sizes, and how many entries are API traffic or noise (assets, trackers, ...).\n"
    "validate  checks HAR 1.2 conformance; each problem is printed with its place\n"
    "          (FILE:LINE:COLUMN: entry N: field: problem). Exit 0 when conformant, 1 when not,\n"
    "          2 when the file is not readable JSON/HAR. The JSON text is held to RFC 8259,\n"
    "          which rae's other commands relax (they read such files, repairing what they must):\n"
    "          - errors: bytes that are not UTF-8 (JSON exchanged between systems MUST be UTF-8),\n"
    "            raw control characters and invalid escapes in strings: not JSON text, so\n"
    "            readers reject the file or repair it each their own way;\n"
    "          - warnings (printed as 'warning: ...', exit 0 when nothing else is wrong): lone\n"
    "            surrogate escapes (\"\\ud800\": JSON's grammar allows them, but they are not\n"
    "            Unicode: rae reads U+FFFD, others may fail) and duplicate keys (JSON says\n"
    "            they SHOULD be unique; HAR gives them no meaning and readers disagree on which\n"
    "            value counts: both places are named).\n"
    "          --json: {file, valid, problems_count, errors_count, warnings_count, problems:\n"
    "          [{entry, line, column, path, message, severity: \"error\"|\"warning\"}]}.\n"
    "recover   rebuilds FILE from FILE.journal, the journal of a 'rae capture' that did not\n"
    "          finish (killed, crashed, power cut): every request it had finished is kept.\n";

static int do_recover(const char *path) {
    long entries = 0;
    rae_err err;
    int rc = rae_capture_recover(path, &entries, &err);
    if (rc < 0) {
        cli_error("%s", err.message);
        return cli_status(err.code);
    }
    fprintf(stderr, "rae: recovered %ld entries into %s\n", entries, path);
    return EXIT_OK;
}

static json_t *counts_json(const har_count *c, size_t n, int with_api) {
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:s, s:I}", "name", c[i].name, "count", (json_int_t)c[i].count);
        if (with_api) json_object_set_new(o, "api", json_integer(c[i].api));
        json_array_append_new(arr, o);
    }
    return arr;
}

static void print_stats_json(const char *path, const har_info *info, const har_stats *st) {
    json_t *classes = json_object();
    for (int c = 0; c < HAR_CLASS_COUNT; c++)
        json_object_set_new(classes, har_class_name((har_class)c), json_integer(st->by_class[c]));
    json_t *status = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "none", (json_int_t)st->status[0],
                               "1xx", (json_int_t)st->status[1], "2xx", (json_int_t)st->status[2],
                               "3xx", (json_int_t)st->status[3], "4xx", (json_int_t)st->status[4],
                               "5xx", (json_int_t)st->status[5]);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:{s:I, s:I}}", "file", path,
        "version", info->version, "creator", info->creator_name, "entries", (json_int_t)st->entries,
        "bad_entries", (json_int_t)st->bad_entries, "first_party", st->first_party, "classes",
        classes, "hosts", counts_json(st->hosts, st->n_hosts, 1), "methods",
        counts_json(st->methods, st->n_methods, 0), "status", status, "mime_types",
        counts_json(st->mime_types, st->n_mime_types, 0), "bytes", "request_bodies",
        (json_int_t)st->request_body_bytes, "response_bodies", (json_int_t)st->response_body_bytes);
    char *s = json_dumps(o, JSON_INDENT(2));
    puts(s);
    free(s);
    json_decref(o);
}

static void print_counts(const char *title, const har_count *c, size_t n, size_t max) {
    printf("%s:", title);
    for (size_t i = 0; i < n && i < max; i++)
        printf("%s %s %ld", i ? "," : "", c[i].name, c[i].count);
    if (n > max) printf(", ... (%zu more)", n - max);
    putchar('\n');
}

static void print_stats(const char *path, const har_info *info, const har_stats *st) {
    long noise = st->entries - st->by_class[HAR_CLASS_API];
    printf("%s: %ld entries (HAR %s, %s%s%s)\n", path, st->entries,
           *info->version ? info->version : "?",
           *info->creator_name ? info->creator_name : "unknown creator",
           *info->creator_version ? " " : "", info->creator_version);
    if (st->bad_entries) printf("  %ld malformed entries skipped\n", st->bad_entries);
    printf("api %ld, noise %ld (", st->by_class[HAR_CLASS_API], noise);
    int first = 1;
    for (int c = 1; c < HAR_CLASS_COUNT; c++) {
        if (!st->by_class[c]) continue;
        printf("%s%s %ld", first ? "" : ", ", har_class_name((har_class)c), st->by_class[c]);
        first = 0;
    }
    printf(")\n");
    if (*st->first_party) printf("first-party site: %s\n", st->first_party);
    printf("hosts:\n");
    for (size_t i = 0; i < st->n_hosts && i < 20; i++)
        printf("  %-40s %6ld  (api %ld)\n", st->hosts[i].name, st->hosts[i].count,
               st->hosts[i].api);
    if (st->n_hosts > 20) printf("  ... %zu more hosts\n", st->n_hosts - 20);
    print_counts("methods", st->methods, st->n_methods, 20);
    printf("status: 1xx %ld, 2xx %ld, 3xx %ld, 4xx %ld, 5xx %ld, no response %ld\n", st->status[1],
           st->status[2], st->status[3], st->status[4], st->status[5], st->status[0]);
    print_counts("mime types", st->mime_types, st->n_mime_types, 12);
    printf("bodies: requests %lld bytes, responses %lld bytes\n", st->request_body_bytes,
           st->response_body_bytes);
}

typedef struct vstate {
    const char *path;
    long shown, max;
    long errors, warnings;
    int malformed; /* some problem was malformed JSON */
    json_t *list;
} vstate;

static void report(void *user, const har_problem *p) {
    vstate *v = user;
    int warning = p->severity == HAR_SEVERITY_WARNING;
    v->malformed |= strcmp(p->path, HAR_PROBLEM_SYNTAX) == 0;
    if (warning)
        v->warnings++;
    else
        v->errors++;
    if (v->list) {
        json_array_append_new(v->list,
                              json_pack("{s:I, s:I, s:I, s:s, s:s, s:s}", "entry",
                                        (json_int_t)p->entry, "line", (json_int_t)p->line, "column",
                                        (json_int_t)p->column, "path", p->path, "message",
                                        p->message, "severity", warning ? "warning" : "error"));
        return;
    }
    if (v->shown++ >= v->max) return;
    const char *w = warning ? "warning: " : "";
    if (p->entry < 0 && !p->line)
        printf("%s: %s: %s%s\n", v->path, p->path, w, p->message);
    else if (p->entry < 0)
        printf("%s:%zu:%zu: %s: %s%s\n", v->path, p->line, p->column, p->path, w, p->message);
    else
        printf("%s:%zu:%zu: entry %ld: %s: %s%s\n", v->path, p->line, p->column, p->entry, p->path,
               w, p->message);
}

static int do_validate(har_reader *r, const char *path, int as_json, long max) {
    vstate v = {path, 0, max, 0, 0, 0, as_json ? json_array() : NULL};
    rae_err err;
    long n = har_validate(r, report, &v, &err); /* the errors; warnings are only reported */
    if (n < 0) {
        json_decref(v.list);
        fprintf(stderr, "rae: %s\n", err.message);
        return EXIT_USAGE;
    }
    if (as_json) {
        json_t *o = json_pack("{s:s, s:b, s:I, s:I, s:I, s:o}", "file", path, "valid", n == 0,
                              "problems_count", (json_int_t)(v.errors + v.warnings), "errors_count",
                              (json_int_t)v.errors, "warnings_count", (json_int_t)v.warnings,
                              "problems", v.list);
        char *s = json_dumps(o, JSON_INDENT(2));
        puts(s);
        free(s);
        json_decref(o);
    } else {
        long all = v.errors + v.warnings;
        if (all > max) printf("... %ld more problems\n", all - max);
        if (n == 0)
            printf("%s: valid HAR 1.2 (%ld entries)", path, har_reader_info(r)->n_entries);
        else
            printf("%s: %ld problem%s", path, n, n == 1 ? "" : "s");
        if (v.warnings) printf(", %ld warning%s", v.warnings, v.warnings == 1 ? "" : "s");
        putchar('\n');
    }
    return v.malformed ? EXIT_USAGE : n == 0 ? EXIT_OK : EXIT_RUNTIME;
}

int cmd_har(int argc, char **argv) {
    int shown = cli_usage_first(argc, argv, usage);
    if (shown >= 0) return shown;
    const char *sub = argv[1], *path = NULL;
    int as_json = 0;
    long max = 50;
    for (int i = 2; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs(usage, stdout);
            return EXIT_OK;
        } else if (strcmp(argv[i], "--json") == 0) {
            as_json = 1;
        } else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc) {
            max = atol(argv[++i]);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error("har %s: unknown option '%s'", sub, argv[i]);
            return EXIT_USAGE;
        } else if (!path) {
            path = argv[i];
        } else {
            cli_error("har %s: one FILE only", sub);
            return EXIT_USAGE;
        }
    }
    if (strcmp(sub, "stats") != 0 && strcmp(sub, "validate") != 0 && strcmp(sub, "recover") != 0) {
        cli_error("har: unknown subcommand '%s' (stats, validate, recover)", sub);
        return EXIT_USAGE;
    }
    if (!path) {
        cli_error("har %s: missing FILE", sub);
        return EXIT_USAGE;
    }
    if (strcmp(sub, "recover") == 0) return do_recover(path);
    har_reader *r;
    rae_err err;
    if (har_reader_open(path, &r, &err) < 0) {
        cli_error("%s", err.message);
        return EXIT_USAGE;
    }
    int rc;
    if (strcmp(sub, "validate") == 0) {
        rc = do_validate(r, path, as_json, max);
    } else {
        har_stats st;
        har_stats_collect(r, &st, &err);
        if (as_json)
            print_stats_json(path, har_reader_info(r), &st);
        else
            print_stats(path, har_reader_info(r), &st);
        if (st.malformed) cli_error("%s", err.message);
        rc = st.malformed ? EXIT_USAGE : EXIT_OK;
        har_stats_free(&st);
    }
    har_reader_free(r);
    return rc;
}
