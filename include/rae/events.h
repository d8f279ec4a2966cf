/* events: the one protocol for long work (capture, engineer, checkpoint, sprite start). The CLI
 * prints events for people on stderr or as NDJSON (--json-stream); the server forwards the same
 * objects over WebSocket. */
#ifndef RAE_EVENTS_H
#define RAE_EVENTS_H

#include <stddef.h>

typedef enum rae_event_type {
    RAE_EV_PROGRESS, /* stage, message, done, total (total 0 = unknown) */
    RAE_EV_CODE,     /* path, language, content */
    RAE_EV_USAGE,    /* input_tokens, output_tokens, cache tokens, cost_usd (so far) */
    RAE_EV_COMPLETE, /* scripts_dir, files */
    RAE_EV_ERROR,    /* kind, message */
    RAE_EV_MESSAGE,  /* message: a piece of the model's text as it streams */
    RAE_EV_TOOL      /* tool, phase ("call" with content the input, "result"), message */
} rae_event_type;

typedef struct rae_event {
    rae_event_type type;
    const char *stage, *message;
    long done, total;
    const char *path, *language, *content;
    long input_tokens, output_tokens;
    long cache_read_tokens, cache_write_tokens;
    double cost_usd;
    int cost_unknown; /* the model is not in the price table: tokens only */
    const char *tool, *phase;
    const char *scripts_dir;
    const char *const *files;
    size_t n_files;
    const char *kind;
} rae_event;

typedef void (*rae_event_fn)(void *user, const rae_event *ev);

/* The event as one line of JSON without the newline (caller frees). */
char *rae_event_json(const rae_event *ev);

#endif
