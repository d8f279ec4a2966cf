/* One streamed answer of a model provider, put together from its events as they come: the
 * Anthropic Messages API's (message_start, content_block_start/_delta/_stop with text_delta and
 * input_json_delta, message_delta, message_stop, ping, error) or an OpenAI-compatible Chat
 * Completions API's (chat.completion.chunk objects with choices[].delta, tool_calls[] fragments,
 * a finish_reason, a last chunk with usage, then [DONE]). Whatever the provider, the answer is
 * kept in one form: Anthropic's content blocks (ai/conv.h). Pure: events in, an answer out. */
#ifndef RAE_AI_STREAM_H
#define RAE_AI_STREAM_H

#include <jansson.h>
#include <stddef.h>

#include "ai/sse.h"
#include "rae/err.h"

typedef enum ai_provider { AI_ANTHROPIC, AI_OPENAI } ai_provider;

/* Why the model stopped, in one vocabulary for both providers. */
typedef enum ai_stop {
    AI_STOP_NONE,       /* the stream has not said (yet): cut short when it ended so */
    AI_STOP_END,        /* end_turn, stop, stop_sequence */
    AI_STOP_TOOL_USE,   /* tool_use, tool_calls */
    AI_STOP_MAX_TOKENS, /* max_tokens, length: a tool call's input may be cut off */
    AI_STOP_OTHER       /* refusal, content_filter, pause_turn... */
} ai_stop;

typedef struct ai_usage {
    long input_tokens; /* of the prompt, not read from the provider's cache */
    long output_tokens;
    long cache_read_tokens, cache_write_tokens; /* of input_tokens' prompt, read from or written
                                                   to the provider's cache */
} ai_usage;

/* Called with each piece of the model's text as it streams (for the `message` event). */
typedef void (*ai_text_fn)(void *user, const char *text, size_t len);

typedef struct ai_stream ai_stream;

/* A reader of one answer; on_text may be NULL. Caller frees with ai_stream_free. */
ai_stream *ai_stream_new(ai_provider provider, ai_text_fn on_text, void *user);
void ai_stream_free(ai_stream *s);
/* Takes one event of the stream: 0; 1 when the answer is whole (message_stop, [DONE]); -1 with
 * err filled for an event that is not the protocol's, or an error event (its type is then
 * ai_stream_error_type: "overloaded_error", "rate_limit_error"...). */
int ai_stream_event(ai_stream *s, const ai_sse_event *ev, rae_err *err);
/* The answer's content blocks (text, tool_use with its parsed input), borrowed. A tool call whose
 * input JSON was cut off (AI_STOP_MAX_TOKENS) has the input {} and is listed by
 * ai_stream_truncated. */
json_t *ai_stream_content(const ai_stream *s);
ai_stop ai_stream_stop(const ai_stream *s);
/* The stop reason as the provider said it ("end_turn", "tool_calls"...), "" before it did. */
const char *ai_stream_stop_text(const ai_stream *s);
ai_usage ai_stream_usage(const ai_stream *s);
/* Whether the stream said it was whole (message_stop, [DONE]). */
int ai_stream_done(const ai_stream *s);
/* The name of the tool whose input JSON was cut off, or NULL. */
const char *ai_stream_truncated(const ai_stream *s);
/* The type of the error event that ended the stream ("overloaded_error"), or NULL. */
const char *ai_stream_error_type(const ai_stream *s);

#endif
