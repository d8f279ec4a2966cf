/* Server-sent events (the WHATWG HTML standard's event stream), read as they come off a stream in
 * pieces of any size: a line may end in CRLF, LF or CR, split anywhere, even between the CR and
 * the LF; `data:` lines of one event join with "\n"; comments (":...") and unknown fields are
 * ignored; a blank line dispatches the event. The model providers stream their answers so
 * (ai/provider.c). Pure: bytes in, events out (tests/fuzz/fuzz_sse.c runs it). */
#ifndef RAE_AI_SSE_H
#define RAE_AI_SSE_H

#include <stddef.h>

#include "rae/err.h"

typedef struct ai_sse_event {
    const char *type; /* the event field, "message" when none was given */
    const char *data; /* the data lines joined by "\n" (NUL-terminated; may hold NULs) */
    size_t data_len;
    const char *id; /* the last event id seen, "" when none */
} ai_sse_event;

/* Called for each event; the event is borrowed for the call. A positive value stops the stream:
 * feed returns it. */
typedef int (*ai_sse_fn)(void *user, const ai_sse_event *ev);

typedef struct ai_sse ai_sse;

/* A reader that calls fn(user, ...) for each event; an event (or a line) longer than max_bytes is
 * an error. Caller frees with ai_sse_free. */
ai_sse *ai_sse_new(ai_sse_fn fn, void *user, size_t max_bytes);
void ai_sse_free(ai_sse *p);
/* Reads n more bytes of the stream: 0, the callback's value when it stopped it, or -1 with err
 * filled when an event outgrew max_bytes. */
int ai_sse_feed(ai_sse *p, const char *bytes, size_t n, rae_err *err);
/* The stream ended: whether it ended inside an event (data seen and no blank line after it),
 * which the providers never do unless cut. */
int ai_sse_cut(const ai_sse *p);

#endif
