/* The rae command line: one function per subcommand, all returning the process exit status
 * (0 success, 1 runtime failure, 2 bad usage or bad input). */
#ifndef RAE_CLI_H
#define RAE_CLI_H

#include <stddef.h>

#include "rae/err.h"
#include "rae/version.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

int cmd_har(int argc, char **argv);
int cmd_engineer(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_sprite(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_gateway(int argc, char **argv);

/* The exit status of a failure with that code (rae/err.h): what the caller gave (invalid, not
 * found, refused) is EXIT_USAGE; the rest, a name already taken among them (a conflict with what
 * is there, not a bad request), EXIT_RUNTIME. The one place where codes become statuses. */
int cli_status(rae_errc code);
/* Prints "rae: MESSAGE" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints ev as one NDJSON line on stdout (--json-stream) and flushes it. */
struct rae_event;
void cli_put_event(const struct rae_event *ev);
/* A command's usage when it got no argument (on stderr: returns 2) or asks for help (on stdout:
 * returns 0); -1 when it goes on. */
int cli_usage_first(int argc, char **argv, const char *usage);
/* A model provider's key into key: the first line of key_file when given, else the provider's
 * variable (ANTHROPIC_API_KEY, OPENAI_API_KEY), which is then removed from the environment (no
 * child inherits it). -1 after saying why (no key for anthropic; an OpenAI-compatible server may
 * take none). what names the command in the message. */
int cli_llm_key(const char *what, const char *provider, const char *key_file, char *key, size_t n);
/* 1 when argv[i] is -h or --help. */
int cli_is_help(const char *arg);

#endif
