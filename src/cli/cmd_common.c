#include "cli/cli.h"
#include "rae/events.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_status(rae_errc code) {
    switch (code) {
    case RAE_E_OK:
        return EXIT_OK;
    case RAE_E_INVALID:
    case RAE_E_NOT_FOUND:
    case RAE_E_DENIED:
        return EXIT_USAGE;
    default:
        return EXIT_RUNTIME;
    }
}

void cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("rae: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_usage_first(int argc, char **argv, const char *usage) {
    if (argc >= 2 && !cli_is_help(argv[1])) return -1;
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? EXIT_USAGE : EXIT_OK;
}

int cli_is_help(const char *arg) {
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

void cli_put_event(const rae_event *ev) {
    char *line = rae_event_json(ev);
    if (line) {
        puts(line);
        fflush(stdout);
    }
    free(line);
}

int cli_llm_key(const char *what, const char *provider, const char *key_file, char *key, size_t n) {
    int openai = strcmp(provider, "openai") == 0;
    const char *var = openai ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY";
    if (key_file) {
        FILE *f = fopen(key_file, "re");
        if (!f || !fgets(key, (int)n, f)) {
            cli_error("%s: cannot read the key from %s", what, key_file);
            if (f) fclose(f);
            return -1;
        }
        fclose(f);
        key[strcspn(key, "\r\n")] = '\0';
    } else {
        snprintf(key, n, "%s", getenv(var) ? getenv(var) : "");
        unsetenv(var);
    }
    if (!*key && !openai) {
        cli_error("%s: no key: --%skey-file FILE or %s", what,
                  strcmp(what, "serve") == 0 ? "llm-" : "", var);
        return -1;
    }
    return 0;
}
