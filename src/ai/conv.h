/* A conversation with a model, kept in one form whatever the provider: Anthropic's messages
 * (role "user" or "assistant", content a list of blocks: text, tool_use {id, name, input},
 * tool_result {tool_use_id, content, is_error}), and the request body each provider takes for it
 * (the Anthropic Messages API; an OpenAI-compatible Chat Completions API, whose tool calls and
 * tool messages are made from the same blocks). */
#ifndef RAE_AI_CONV_H
#define RAE_AI_CONV_H

#include <jansson.h>

#include "ai/stream.h"

typedef struct ai_request {
    ai_provider provider;
    const char *model;
    long max_tokens;
    const char *system; /* rae's instructions */
    json_t *tools;      /* [{name, description, input_schema}], borrowed */
    json_t *messages;   /* the conversation, borrowed */
} ai_request;

/* The request body as JSON text, streamed (caller frees). Anthropic's marks the system prompt,
 * the first message (the API model) and the last one for its prompt cache; OpenAI-compatible
 * servers cache a repeated prefix by themselves. */
char *ai_request_body(const ai_request *r);

/* Appends a message {role, content: [{"type": "text", "text": text}]} to messages. */
void ai_conv_add_text(json_t *messages, const char *role, const char *text);
/* The text of a message's or a tool result's content: a string, or its text blocks joined by
 * blank lines (caller frees). */
char *ai_conv_text(json_t *content);

#endif
