/* The tools a model calls while it engineers a task (their names and schemas: src/ai/tools.json,
 * docs/engineer-ai.md): search_har, get_entry, read_file, write_file, run, finish. Every result
 * goes through the redaction table; files are read and written only inside the working
 * directory (no "..", no absolute path, no link out of it, never .env); a command runs only
 * with the person's leave (--allow-run, or a yes on the terminal), in the working directory,
 * with a time limit. */
#ifndef RAE_AI_TOOLS_H
#define RAE_AI_TOOLS_H

#include <jansson.h>

#include "ai/http.h"
#include "ai/redact.h"
#include "rae/err.h"
#include "util/buf.h"

typedef struct ai_tools {
    const char *dir;      /* the working directory (the engineer's output) */
    const char *har_path; /* the capture */
    const ai_redact *secrets;
    int allow_run; /* 1: yes; -1: never; 0: ask on the terminal, refuse without one */
    int run_timeout_s;
    ai_stop_fn stop; /* asked with user */
    /* what the tools did, for the caller: */
    int finished;
    char *summary;  /* finish's, owned */
    char **written; /* paths written, owned */
    size_t n_written;
    void (*on_write)(void *user, const char *path, const char *content);
    void *user;
} ai_tools;

/* Runs tool `name` with input; its result text (for the model) in *out. 0, or 1 when the result
 * is an error the model should read (a bad path, a command that failed to start). */
int ai_tool_call(ai_tools *t, const char *name, json_t *input, buf *out);
/* Frees what the tools kept (summary, written). */
void ai_tools_done(ai_tools *t);
/* A path relative to dir that stays inside it: 0 and the full path in out, else -1 and why. */
int ai_tool_path(const char *dir, const char *rel, int for_write, char *out, size_t n,
                 rae_err *why);

#endif
