/* ai/conv: one form of a conversation, and each provider's request body for it. */
#include "ai/conv.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* A JSON string's text, "" for anything else. */
static const char *str(json_t *j) {
    const char *s = json_string_value(j);
    return s ? s : "";
}

void ai_conv_add_text(json_t *messages, const char *role, const char *text) {
    json_array_append_new(messages, json_pack("{s:s,s:[{s:s,s:s}]}", "role", role, "content",
                                              "type", "text", "text", text));
}

char *ai_conv_text(json_t *content) {
    if (json_is_string(content)) return strdup(json_string_value(content));
    buf b = BUF_INIT;
    size_t i;
    json_t *block;
    json_array_foreach(content, i, block) {
        const char *t = json_string_value(json_object_get(block, "text"));
        if (!t) continue;
        if (b.len) buf_puts(&b, "\n\n");
        buf_puts(&b, t);
    }
    if (!b.data) buf_puts(&b, "");
    return buf_take(&b);
}

/* ---- Anthropic: the conversation as it is, with cache breakpoints ---- */

static void mark_cache(json_t *message) {
    json_t *content = json_object_get(message, "content");
    json_t *last = json_array_get(content, json_array_size(content) - 1);
    if (json_is_object(last))
        json_object_set_new(last, "cache_control", json_pack("{s:s}", "type", "ephemeral"));
}

static json_t *anthropic_body(const ai_request *r) {
    json_t *messages = json_deep_copy(r->messages);
    size_t n = json_array_size(messages);
    if (n) mark_cache(json_array_get(messages, 0));         /* rae's view of the capture: stays */
    if (n > 1) mark_cache(json_array_get(messages, n - 1)); /* the conversation so far */
    return json_pack("{s:s,s:I,s:b,s:[{s:s,s:s,s:{s:s}}],s:O,s:o}", "model", r->model, "max_tokens",
                     (json_int_t)r->max_tokens, "stream", 1, "system", "type", "text", "text",
                     r->system, "cache_control", "type", "ephemeral", "tools", r->tools, "messages",
                     messages);
}

/* ---- OpenAI: tool calls on the assistant message, a tool message per result ---- */

static json_t *openai_tools(json_t *tools) {
    json_t *out = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(tools, i, t) {
        json_array_append_new(out, json_pack("{s:s,s:{s:O,s:O,s:O}}", "type", "function",
                                             "function", "name", json_object_get(t, "name"),
                                             "description", json_object_get(t, "description"),
                                             "parameters", json_object_get(t, "input_schema")));
    }
    return out;
}

static json_t *openai_assistant(json_t *content) {
    json_t *calls = json_array();
    size_t i;
    json_t *block;
    json_array_foreach(content, i, block) {
        if (strcmp(str(json_object_get(block, "type")), "tool_use") != 0) continue;
        char *args = json_dumps(json_object_get(block, "input"), JSON_COMPACT);
        json_array_append_new(calls, json_pack("{s:O,s:s,s:{s:O,s:s}}", "id",
                                               json_object_get(block, "id"), "type", "function",
                                               "function", "name", json_object_get(block, "name"),
                                               "arguments", args ? args : "{}"));
        free(args);
    }
    char *text = ai_conv_text(content);
    json_t *m = json_pack("{s:s}", "role", "assistant");
    json_object_set_new(m, "content", *text ? json_string(text) : json_null());
    if (json_array_size(calls)) json_object_set(m, "tool_calls", calls);
    free(text);
    json_decref(calls);
    return m;
}

/* A user message: its tool results as tool messages first (they answer the assistant message
 * before), then its text, if any, as a user message. */
static void openai_user(json_t *out, json_t *content) {
    if (json_is_string(content)) {
        json_array_append_new(out, json_pack("{s:s,s:O}", "role", "user", "content", content));
        return;
    }
    buf text = BUF_INIT;
    size_t i;
    json_t *block;
    json_array_foreach(content, i, block) {
        const char *type = str(json_object_get(block, "type"));
        if (strcmp(type, "tool_result") == 0) {
            /* a tool message has no is_error: the text says it */
            char *t = ai_conv_text(json_object_get(block, "content"));
            int error = json_is_true(json_object_get(block, "is_error"));
            json_t *msg = json_pack("{s:s,s:O,s:s+}", "role", "tool", "tool_call_id",
                                    json_object_get(block, "tool_use_id"), "content",
                                    error ? "error: " : "", t);
            json_array_append_new(out, msg);
            free(t);
        } else if (strcmp(type, "text") == 0) {
            if (text.len) buf_puts(&text, "\n\n");
            buf_puts(&text, str(json_object_get(block, "text")));
        }
    }
    if (text.len)
        json_array_append_new(out, json_pack("{s:s,s:s}", "role", "user", "content", text.data));
    buf_free(&text);
}

static json_t *openai_body(const ai_request *r) {
    json_t *messages = json_array();
    json_array_append_new(messages, json_pack("{s:s,s:s}", "role", "system", "content", r->system));
    size_t i;
    json_t *m;
    json_array_foreach(r->messages, i, m) {
        json_t *content = json_object_get(m, "content");
        if (strcmp(str(json_object_get(m, "role")), "assistant") == 0)
            json_array_append_new(messages, openai_assistant(content));
        else
            openai_user(messages, content);
    }
    return json_pack("{s:s,s:I,s:b,s:{s:b},s:o,s:o}", "model", r->model, "max_tokens",
                     (json_int_t)r->max_tokens, "stream", 1, "stream_options", "include_usage", 1,
                     "tools", openai_tools(r->tools), "messages", messages);
}

char *ai_request_body(const ai_request *r) {
    json_t *body = r->provider == AI_OPENAI ? openai_body(r) : anthropic_body(r);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return text;
}
