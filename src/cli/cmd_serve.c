/* rae serve: the server behind the web app (see docs/api.md). */
#include "cli/cli.h"
#include "rae/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: rae serve [options]\n"
    "\n"
    "Runs the rae server: accounts, a sprite per user with its browser, captures, engineer\n"
    "runs, files and checkpoints over HTTP and WebSocket (docs/api.md). Stops on Ctrl-C or\n"
    "SIGTERM. On first start with no user it prints a one-time link to create the admin account.\n"
    "\n"
    "options:\n"
    "  --listen HOST:PORT     where to listen (default 127.0.0.1:8080; port 0: a free one,\n"
    "                         printed on the first line)\n"
    "  --data-dir DIR         the store and the sprites (default: $RAE_DATA_DIR, else ./data)\n"
    "  --public-url URL       how people reach the server, for links (default http://LISTEN)\n"
    "  --tls-cert FILE        serve HTTPS with this certificate (PEM) ...\n"
    "  --tls-key FILE         ... and this key; cookies are then Secure\n"
    "  --allow-net HOST:PORT  sprites may reach this address although it is local or private\n"
    "                         (repeatable; e.g. a test app on this machine's loopback)\n"
    "  --max-sprites N        sprites the data dir may hold, one per user (default 16, at most\n"
    "                         1000); a user past it gets 503 when asking for a sprite\n"
    "  --web-root DIR         serve the web app from DIR (e.g. web/dist while working on it)\n"
    "                         instead of the copy built into rae\n"
    "  --trusted-proxy ADDR[/BITS]\n"
    "                         a reverse proxy in front of rae (repeatable): from it, the client's\n"
    "                         address is taken from X-Forwarded-For (for throttling and limits);\n"
    "                         from anyone else that header is ignored\n";

/* The value of option name, a number from 1 to max, into *out; -1 after saying why not. */
static int number(const char *name, const char *value, long max, int *out) {
    char *end;
    long n = strtol(value, &end, 10);
    if (*end || end == value || n < 1 || n > max) {
        cli_error("serve: %s wants a number from 1 to %ld, not '%s'", name, max, value);
        return -1;
    }
    *out = (int)n;
    return 0;
}

int cmd_serve(int argc, char **argv) {
    rae_serve_opts o = {.data_dir = getenv("RAE_DATA_DIR")};
    const char *key_file = NULL;
    char key[1024] = ""; /* held for the server's life; never given to a sprite */
    const char *allow[32], *proxies[32];
    size_t n_allow = 0, n_proxies = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        const char **slot = strcmp(a, "--listen") == 0         ? &o.listen
                            : strcmp(a, "--data-dir") == 0     ? &o.data_dir
                            : strcmp(a, "--public-url") == 0   ? &o.public_url
                            : strcmp(a, "--tls-cert") == 0     ? &o.tls_cert
                            : strcmp(a, "--tls-key") == 0      ? &o.tls_key
                            : strcmp(a, "--web-root") == 0     ? &o.web_root
                            : strcmp(a, "--llm-provider") == 0 ? &o.llm_provider
                            : strcmp(a, "--llm-model") == 0    ? &o.llm_model
                            : strcmp(a, "--llm-base-url") == 0 ? &o.llm_base_url
                            : strcmp(a, "--llm-key-file") == 0 ? &key_file
                                                               : NULL;
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            return EXIT_OK;
        } else if (slot && more) {
            *slot = argv[++i];
        } else if (strcmp(a, "--allow-net") == 0 && more && n_allow < 32) {
            allow[n_allow++] = argv[++i];
        } else if (strcmp(a, "--trusted-proxy") == 0 && more && n_proxies < 32) {
            proxies[n_proxies++] = argv[++i];
        } else if (strcmp(a, "--max-sprites") == 0 && more) {
            if (number(a, argv[++i], 1000, &o.max_sprites) < 0) return EXIT_USAGE;
        } else if (strcmp(a, "--llm-max-runs") == 0 && more) {
            if (number(a, argv[++i], 100, &o.llm_max_runs) < 0) return EXIT_USAGE;
        } else {
            cli_error("serve: unknown or incomplete option '%s' (see 'rae serve --help')", a);
            return EXIT_USAGE;
        }
    }
    if (o.llm_provider && strcmp(o.llm_provider, "anthropic") != 0 &&
        strcmp(o.llm_provider, "openai") != 0) {
        cli_error("serve: --llm-provider is anthropic or openai, not '%s'", o.llm_provider);
        return EXIT_USAGE;
    }
    if (!o.llm_provider && (o.llm_model || o.llm_base_url || key_file)) {
        cli_error("serve: --llm-model, --llm-base-url and --llm-key-file go with --llm-provider");
        return EXIT_USAGE;
    }
    if (o.llm_provider) {
        if (cli_llm_key("serve", o.llm_provider, key_file, key, sizeof key) < 0) return EXIT_USAGE;
        o.llm_key = key;
    }
    o.allow_net = allow;
    o.n_allow_net = n_allow;
    o.trusted_proxies = proxies;
    o.n_trusted_proxies = n_proxies;
    /* libuv's worker threads (4 by default) take sign-ins, checkpoints and every exchange with a
     * sprite; each user may hold only a few of them at once (routes.c), so there are more */
    setenv("UV_THREADPOOL_SIZE", "16", 0);
    rae_err err;
    int rc = rae_serve(&o, &err);
    explicit_bzero(key, sizeof key);
    if (rc < 0) {
        cli_error("serve: %s", err.message);
        return cli_status(err.code);
    }
    return EXIT_OK;
}
