/* rae gateway --socket PATH: the key of a model provider held outside the AI engineer, which
 * reaches the provider through this UNIX socket (rae engineer --base-url unix:PATH); usage and
 * the monthly budget of a user recorded and checked in the store. */
#include "cli/cli.h"
#include "rae/ai.h"
#include "rae/store.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static const char usage[] =
    "usage: rae gateway --socket PATH [options]\n"
    "\n"
    "Holds a model provider's key for the AI engineer, which sends its requests to PATH\n"
    "(rae engineer ... --prompt TEXT --provider P --base-url unix:PATH) and never sees the key.\n"
    "Each answer streams back as it comes; its tokens and cost are recorded for --user, whose\n"
    "monthly budget (rae user budget) is checked before each request (402 when it is spent).\n"
    "\n"
    "options:\n"
    "  --socket PATH       the UNIX socket to listen on (made 0600; replaced when it exists)\n"
    "  --provider P        anthropic (default) or openai\n"
    "  --base-url URL      the provider's (default: ANTHROPIC_BASE_URL / OPENAI_BASE_URL, else\n"
    "                      https://api.anthropic.com / https://api.openai.com/v1)\n"
    "  --key-file FILE     the key (default: ANTHROPIC_API_KEY / OPENAI_API_KEY)\n"
    "  --user NAME         record usage and check the budget of this user of the store\n"
    "  --run ID            what the usage is recorded under (default: gateway)\n"
    "  --data-dir DIR      where rae.db lives (default: $RAE_DATA_DIR, else ./data)\n"
    "  --max-requests N    stop after N requests (default: until SIGINT/SIGTERM)\n"
    "\n"
    "Exit status: 0 stopped, 1 runtime failure, 2 bad usage.\n";

typedef struct gopts {
    ai_gateway_options g;
    const char *key_file, *user, *data_dir;
} gopts;

static int parse(int argc, char **argv, gopts *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        const char **value = strcmp(a, "--socket") == 0     ? &o->g.socket_path
                             : strcmp(a, "--provider") == 0 ? &o->g.provider
                             : strcmp(a, "--base-url") == 0 ? &o->g.base_url
                             : strcmp(a, "--key-file") == 0 ? &o->key_file
                             : strcmp(a, "--user") == 0     ? &o->user
                             : strcmp(a, "--run") == 0      ? &o->g.run
                             : strcmp(a, "--data-dir") == 0 ? &o->data_dir
                                                            : NULL;
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            exit(EXIT_OK);
        } else if (value && next) {
            *value = argv[++i];
        } else if (strcmp(a, "--max-requests") == 0 && next) {
            o->g.max_requests = atoi(argv[++i]);
        } else {
            cli_error("gateway: unknown option '%s' or a value missing (see 'rae gateway --help')",
                      a);
            return -1;
        }
    }
    if (!o->g.socket_path) {
        cli_error("gateway: --socket PATH is needed (see 'rae gateway --help')");
        return -1;
    }
    if (strcmp(o->g.provider, "anthropic") != 0 && strcmp(o->g.provider, "openai") != 0) {
        cli_error("gateway: --provider is anthropic or openai, not '%s'", o->g.provider);
        return -1;
    }
    return 0;
}

int cmd_gateway(int argc, char **argv) {
    gopts o = {.g = {.provider = "anthropic",
                     .run = "gateway",
                     .stop_fd = -1,
                     .listen_fd = -1,
                     .check_budget = 1}};
    if (parse(argc, argv, &o) < 0) return EXIT_USAGE;
    char key[1024];
    if (cli_llm_key("gateway", o.g.provider, o.key_file, key, sizeof key) < 0) return EXIT_USAGE;
    o.g.api_key = key;
    if (!o.g.base_url)
        o.g.base_url =
            getenv(strcmp(o.g.provider, "openai") == 0 ? "OPENAI_BASE_URL" : "ANTHROPIC_BASE_URL");
    rae_err err;
    if (!o.data_dir) o.data_dir = getenv("RAE_DATA_DIR");
    if (!o.data_dir || !*o.data_dir) o.data_dir = "./data";
    if (o.user) {
        o.g.store = rae_store_open(o.data_dir, &err);
        rae_user u;
        if (!o.g.store || rae_store_user_get(o.g.store, o.user, &u) < 0) {
            cli_error("gateway: %s", o.g.store ? rae_store_err(o.g.store)->message : err.message);
            if (o.g.store) rae_store_close(o.g.store);
            return EXIT_USAGE;
        }
        o.g.user_id = u.id;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);
    o.g.stop_fd = signalfd(-1, &set, SFD_CLOEXEC);
    int rc = ai_gateway_serve(&o.g, &err);
    close(o.g.stop_fd);
    if (o.g.store) rae_store_close(o.g.store);
    memset(key, 0, sizeof key);
    if (rc < 0) {
        cli_error("gateway: %s", err.message);
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}
