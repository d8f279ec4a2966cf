/* rae user ..., rae token ...: the accounts of `rae serve`, from the command line (the store). */
#include "cli/cli.h"
#include "rae/store.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char user_usage[] =
    "usage: rae user COMMAND [ARGS] [--data-dir DIR]\n"
    "\n"
    "The accounts that sign in to 'rae serve'.\n"
    "\n"
    "commands:\n"
    "  add NAME [--admin] [--password-file FILE]\n"
    "                         a new user (1-64 of letters, digits, '.', '_', '-'); an admin\n"
    "                         with --admin\n"
    "  list [--json]          the users\n"
    "  passwd NAME [--password-file FILE]\n"
    "                         a new password; the user's browser sessions end (API tokens stay)\n"
    "  budget NAME [USD|none] the user's monthly budget for the AI engineer's models (shown\n"
    "                         with what this month spent; set; or none)\n"
    "\n"
    "options:\n"
    "  --data-dir DIR         where rae.db lives (default: $RAE_DATA_DIR, else ./data)\n"
    "  --password-file FILE   the password is FILE's first line ('-': stdin's)\n"
    "  --json                 machine-readable output\n"
    "\n"
    "Without --password-file the password is asked twice on the terminal, or read as one line\n"
    "from stdin when it is not a terminal. Passwords have 8 to 1024 bytes.\n"
    "Exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n";

static const char token_usage[] =
    "usage: rae token COMMAND [ARGS] [--data-dir DIR]\n"
    "\n"
    "API tokens: scripts send 'Authorization: Bearer TOKEN' to 'rae serve' as the user.\n"
    "\n"
    "commands:\n"
    "  create NAME [--label L]  a token of user NAME, printed alone on stdout, once: only its\n"
    "                           hash is kept (TOKEN=$(rae token create alice))\n"
    "  list [NAME] [--json]     the tokens (of NAME): id, label, first characters, last use\n"
    "  revoke ID                the token stops working\n"
    "\n"
    "options:\n"
    "  --data-dir DIR           where rae.db lives (default: $RAE_DATA_DIR, else ./data)\n"
    "  --json                   machine-readable output\n"
    "\n"
    "Exit status: 0 success, 1 runtime failure, 2 bad usage or bad input.\n";

typedef struct uopts {
    const char *cmd; /* "user" or "token" */
    const char *data_dir, *password_file, *label;
    int json, admin;
    const char *pos[4];
    int n_pos;
} uopts;

static int parse(int argc, char **argv, uopts *o) {
    o->cmd = argv[0];
    o->data_dir = getenv("RAE_DATA_DIR");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--admin") == 0) {
            o->admin = 1;
        } else if (strcmp(a, "--data-dir") == 0 && more) {
            o->data_dir = argv[++i];
        } else if (strcmp(a, "--password-file") == 0 && more) {
            o->password_file = argv[++i];
        } else if (strcmp(a, "--label") == 0 && more) {
            o->label = argv[++i];
        } else if (a[0] == '-' && a[1]) {
            cli_error("%s: unknown option '%s' or a value missing (see 'rae %s --help')", o->cmd, a,
                      o->cmd);
            return -1;
        } else if (o->n_pos < (int)(sizeof o->pos / sizeof *o->pos)) {
            o->pos[o->n_pos++] = a;
        } else {
            cli_error("%s: too many arguments (see 'rae %s --help')", o->cmd, o->cmd);
            return -1;
        }
    }
    if (!o->data_dir || !*o->data_dir) o->data_dir = "./data";
    return 0;
}

/* The exit status of the store's last failure. */
static int status_of(const rae_store *st) {
    return cli_status(rae_store_err(st)->code);
}

static void fmt_time(double t, char *out, size_t n) {
    if (t <= 0) {
        snprintf(out, n, "-");
        return;
    }
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void put_json(json_t *j) {
    char *text = json_dumps(j, JSON_INDENT(2));
    if (text) puts(text);
    free(text);
    json_decref(j);
}

/* ---- passwords ---- */

/* One line of f without its end into *line (caller wipes and frees); -1 at the end of input. */
static int read_line(FILE *f, char **line) {
    size_t cap = 0;
    *line = NULL;
    ssize_t n = getline(line, &cap, f);
    if (n < 0) {
        free(*line);
        *line = NULL;
        return -1;
    }
    while (n > 0 && ((*line)[n - 1] == '\n' || (*line)[n - 1] == '\r'))
        (*line)[--n] = 0;
    return 0;
}

static void wipe(char *p) {
    if (!p) return;
    sodium_memzero(p, strlen(p));
    free(p);
}

/* A line from the terminal (stdin) without echo, after prompt on stderr. */
static int ask(const char *prompt, char **line) {
    struct termios saved, quiet;
    fputs(prompt, stderr);
    fflush(stderr);
    int tty = tcgetattr(0, &saved) == 0;
    if (tty) {
        quiet = saved;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(0, TCSAFLUSH, &quiet);
    }
    int rc = read_line(stdin, line);
    if (tty) tcsetattr(0, TCSAFLUSH, &saved);
    return rc;
}

/* The password for user name: --password-file's first line, else asked twice on a terminal, else
 * one line of stdin. Caller wipes and frees *out. -1 after saying why. */
static int get_password(const uopts *o, const char *name, char **out) {
    if (o->password_file) {
        int std = strcmp(o->password_file, "-") == 0;
        FILE *f = std ? stdin : fopen(o->password_file, "re");
        if (!f) {
            cli_error("%s %s: password file %s: %s", o->cmd, o->pos[0], o->password_file,
                      strerror(errno));
            return -1;
        }
        int rc = read_line(f, out);
        if (!std) fclose(f);
        if (rc < 0)
            cli_error("%s %s: password file %s is empty", o->cmd, o->pos[0],
                      std ? "(stdin)" : o->password_file);
        return rc;
    }
    if (!isatty(0)) {
        if (read_line(stdin, out) == 0) return 0;
        cli_error("%s %s: no password on stdin (or use --password-file FILE)", o->cmd, o->pos[0]);
        return -1;
    }
    char prompt[128], *again = NULL;
    snprintf(prompt, sizeof prompt, "Password for %s: ", name);
    if (ask(prompt, out) < 0 || ask("Again: ", &again) < 0) {
        wipe(*out);
        cli_error("%s %s: no password given", o->cmd, o->pos[0]);
        return -1;
    }
    int same = strcmp(*out, again) == 0;
    wipe(again);
    if (same) return 0;
    wipe(*out);
    cli_error("%s %s: the two passwords differ; nothing changed", o->cmd, o->pos[0]);
    return -1;
}

/* ---- rae user ---- */

static int user_add(rae_store *st, const uopts *o) {
    const char *name = o->pos[1];
    rae_err err;
    if (rae_store_user_name_check(name, &err) < 0) {
        cli_error("user add: %s", err.message);
        return EXIT_USAGE;
    }
    rae_user u;
    int rc = rae_store_user_get(st, name, NULL);
    if (rc == 0) { /* before asking for a password */
        cli_error("user add: user '%s' exists", name);
        return cli_status(RAE_E_EXISTS);
    }
    if (rae_store_err(st)->code != RAE_E_NOT_FOUND) {
        cli_error("user add: %s", rae_store_err(st)->message);
        return status_of(st);
    }
    char *password = NULL;
    if (get_password(o, name, &password) < 0) return EXIT_USAGE;
    rc = rae_store_user_add(st, name, password, o->admin, &u, &err);
    wipe(password);
    if (rc < 0) {
        cli_error("user add: %s", err.message);
        return status_of(st);
    }
    if (o->json)
        put_json(json_pack("{s:I,s:s,s:b,s:f}", "id", (json_int_t)u.id, "name", u.name, "admin",
                           u.admin, "created", u.created));
    else
        fprintf(stderr, "rae: user '%s' added%s\n", u.name, u.admin ? " (admin)" : "");
    return EXIT_OK;
}

static int user_passwd(rae_store *st, const uopts *o) {
    const char *name = o->pos[1];
    int rc = rae_store_user_get(st, name, NULL);
    if (rc < 0) {
        int none = rae_store_err(st)->code == RAE_E_NOT_FOUND;
        cli_error("user passwd: %s%s%s", none ? "no user '" : "",
                  none ? name : rae_store_err(st)->message, none ? "'" : "");
        return status_of(st);
    }
    char *password = NULL;
    rae_err err;
    if (get_password(o, name, &password) < 0) return EXIT_USAGE;
    rc = rae_store_user_set_password(st, name, password, &err);
    wipe(password);
    if (rc < 0) {
        cli_error("user passwd: %s", err.message);
        return status_of(st);
    }
    if (!o->json) fprintf(stderr, "rae: password of '%s' set; their sessions ended\n", name);
    return EXIT_OK;
}

/* rae user budget NAME [USD|none]: shown, or set. */
static int user_budget(rae_store *st, const uopts *o) {
    const char *name = o->pos[1], *value = o->n_pos > 2 ? o->pos[2] : NULL;
    char *end = NULL;
    rae_err err;
    double usd = value && strcmp(value, "none") != 0 ? strtod(value, &end) : -1;
    if (value && end && (*end || !(usd >= 0))) {
        cli_error("user budget: an amount of US dollars (0 or more) or 'none', not '%s'", value);
        return EXIT_USAGE;
    }
    rae_user u;
    int rc = rae_store_user_get(st, name, &u);
    if (rc == 0 && value) rc = rae_store_budget_set(st, name, usd, &err);
    double budget = -1, spent = 0;
    if (rc == 0) rc = rae_store_budget_get(st, u.id, &budget, &spent);
    if (rc < 0) {
        cli_error("user budget: %s", rae_store_err(st)->message);
        return status_of(st);
    }
    if (o->json)
        put_json(json_pack("{s:s,s:o,s:f}", "user", name, "budget_usd",
                           budget >= 0 ? json_real(budget) : json_null(), "spent_usd", spent));
    else if (budget >= 0)
        printf("%s: $%.2f a month, $%.4f spent this month\n", name, budget, spent);
    else
        printf("%s: no budget, $%.4f spent this month\n", name, spent);
    return EXIT_OK;
}

static int user_list(rae_store *st, const uopts *o) {
    rae_user *all;
    size_t n;
    int rc = rae_store_user_list(st, &all, &n);
    if (rc < 0) {
        cli_error("user list: %s", rae_store_err(st)->message);
        return status_of(st);
    }
    json_t *arr = o->json ? json_array() : NULL;
    if (!arr && n == 0) puts("no users yet: rae user add NAME --admin");
    if (!arr && n) printf("%-6s %-32s %-5s  %s\n", "ID", "NAME", "ADMIN", "CREATED");
    for (size_t i = 0; i < n; i++) {
        char when[32];
        fmt_time(all[i].created, when, sizeof when);
        if (arr)
            json_array_append_new(arr, json_pack("{s:I,s:s,s:b,s:f}", "id", (json_int_t)all[i].id,
                                                 "name", all[i].name, "admin", all[i].admin,
                                                 "created", all[i].created));
        else
            printf("%-6lld %-32s %-5s  %s\n", all[i].id, all[i].name, all[i].admin ? "yes" : "no",
                   when);
    }
    if (arr) put_json(arr);
    free(all);
    return EXIT_OK;
}

/* Opens the store of o, or says why. */
static rae_store *open_store(const uopts *o) {
    rae_err err;
    rae_store *st = rae_store_open(o->data_dir, &err);
    if (!st) cli_error("%s", err.message);
    return st;
}

static int need(const uopts *o, int n, const char *shape) {
    if (o->n_pos >= n) return 0;
    cli_error("%s %s: usage: rae %s %s", o->cmd, o->pos[0], o->cmd, shape);
    return -1;
}

int cmd_user(int argc, char **argv) {
    int shown = cli_usage_first(argc, argv, user_usage);
    if (shown >= 0) return shown;
    uopts o = {0};
    if (parse(argc, argv, &o) < 0) return EXIT_USAGE;
    if (o.n_pos == 0) {
        cli_error("user: no command (see 'rae user --help')");
        return EXIT_USAGE;
    }
    const char *c = o.pos[0];
    int shape = strcmp(c, "list") == 0     ? need(&o, 1, "list [--json]")
                : strcmp(c, "add") == 0    ? need(&o, 2, "add NAME [--admin]")
                : strcmp(c, "passwd") == 0 ? need(&o, 2, "passwd NAME")
                : strcmp(c, "budget") == 0 ? need(&o, 2, "budget NAME [USD|none]")
                                           : 1;
    if (shape > 0) cli_error("user: unknown command '%s' (see 'rae user --help')", c);
    if (shape != 0) return EXIT_USAGE;
    rae_store *st = open_store(&o);
    if (!st) return EXIT_RUNTIME;
    int rc = c[0] == 'l'   ? user_list(st, &o)
             : c[0] == 'a' ? user_add(st, &o)
             : c[0] == 'b' ? user_budget(st, &o)
                           : user_passwd(st, &o);
    rae_store_close(st);
    return rc;
}

/* ---- rae token ---- */

static int token_create(rae_store *st, const uopts *o) {
    rae_user u;
    int rc = rae_store_user_get(st, o->pos[1], &u);
    if (rc < 0) {
        cli_error("token create: %s", rae_store_err(st)->message);
        return status_of(st);
    }
    char token[RAE_STORE_API_TOKEN_MAX];
    rae_err err;
    long long id;
    rc = rae_store_token_create(st, u.id, o->label, token, &id, &err);
    if (rc < 0) {
        cli_error("token create: %s", err.message);
        return status_of(st);
    }
    if (o->json) {
        put_json(json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)id, "user", u.name, "label",
                           o->label ? o->label : "", "token", token));
    } else {
        puts(token);
        fprintf(stderr, "rae: token %lld of '%s': shown this once, keep it\n", id, u.name);
    }
    sodium_memzero(token, sizeof token);
    return EXIT_OK;
}

static int token_list(rae_store *st, const uopts *o) {
    rae_user u = {0};
    if (o->n_pos > 1) {
        int rc = rae_store_user_get(st, o->pos[1], &u);
        if (rc < 0) {
            cli_error("token list: %s", rae_store_err(st)->message);
            return status_of(st);
        }
    }
    rae_store_token *all;
    size_t n;
    int rc = rae_store_token_list(st, u.id, &all, &n);
    if (rc < 0) {
        cli_error("token list: %s", rae_store_err(st)->message);
        return status_of(st);
    }
    json_t *arr = o->json ? json_array() : NULL;
    if (!arr && n == 0) puts("no tokens: rae token create NAME");
    if (!arr && n)
        printf("%-6s %-20s %-12s %-20s %-20s  %s\n", "ID", "USER", "TOKEN", "CREATED", "LAST USED",
               "LABEL");
    for (size_t i = 0; i < n; i++) {
        const rae_store_token *t = &all[i];
        rae_user owner = {0};
        if (t->user_id != u.id || !u.id) rae_store_user_by_id(st, t->user_id, &owner);
        const char *who = u.id ? u.name : owner.name;
        if (arr) {
            json_array_append_new(arr,
                                  json_pack("{s:I,s:s,s:s,s:s,s:f,s:f}", "id", (json_int_t)t->id,
                                            "user", who, "label", t->label, "hint", t->hint,
                                            "created", t->created, "last_used", t->last_used));
            continue;
        }
        char made[32], used[32], hint[16];
        fmt_time(t->created, made, sizeof made);
        fmt_time(t->last_used, used, sizeof used);
        snprintf(hint, sizeof hint, "%s...", t->hint);
        printf("%-6lld %-20s %-12s %-20s %-20s  %s\n", t->id, who, hint, made, used, t->label);
    }
    if (arr) put_json(arr);
    free(all);
    return EXIT_OK;
}

static int token_revoke(rae_store *st, const uopts *o) {
    char *end;
    errno = 0;
    long long id = strtoll(o->pos[1], &end, 10);
    if (*end || end == o->pos[1] || errno || id <= 0) {
        cli_error("token revoke: an id is a positive number, not '%s' (see 'rae token list')",
                  o->pos[1]);
        return EXIT_USAGE;
    }
    int rc = rae_store_token_revoke(st, 0, id);
    if (rc < 0) {
        cli_error("token revoke: %s", rae_store_err(st)->message);
        return status_of(st);
    }
    if (!o->json) fprintf(stderr, "rae: token %lld revoked\n", id);
    return EXIT_OK;
}

int cmd_token(int argc, char **argv) {
    int shown = cli_usage_first(argc, argv, token_usage);
    if (shown >= 0) return shown;
    uopts o = {0};
    if (parse(argc, argv, &o) < 0) return EXIT_USAGE;
    if (o.n_pos == 0) {
        cli_error("token: no command (see 'rae token --help')");
        return EXIT_USAGE;
    }
    const char *c = o.pos[0];
    int shape = strcmp(c, "list") == 0     ? need(&o, 1, "list [NAME]")
                : strcmp(c, "create") == 0 ? need(&o, 2, "create NAME [--label L]")
                : strcmp(c, "revoke") == 0 ? need(&o, 2, "revoke ID")
                                           : 1;
    if (shape > 0) cli_error("token: unknown command '%s' (see 'rae token --help')", c);
    if (shape != 0) return EXIT_USAGE;
    rae_store *st = open_store(&o);
    if (!st) return EXIT_RUNTIME;
    int rc = c[0] == 'l'   ? token_list(st, &o)
             : c[0] == 'c' ? token_create(st, &o)
                           : token_revoke(st, &o);
    rae_store_close(st);
    return rc;
}
