/* ai/stream: one streamed answer of a model provider, put together from its events. */
#include "ai/stream.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "rae/err.h"

#define MAX_BLOCKS 64 /* content blocks (Anthropic) or tool calls (OpenAI) of one answer */

typedef struct block {
    int used, tool, closed;
    buf text; /* a text block's text, or a tool call's input JSON as it came */
    char *id, *name;
} block;

struct ai_stream {
    ai_provider provider;
    ai_text_fn on_text;
    void *user;
    block blocks[MAX_BLOCKS];
    block openai_text; /* OpenAI: the text of choices[0].delta.content */
    json_t *content;   /* made when the answer is whole */
    char stop_text[32];
    ai_stop stop;
    ai_usage usage;
    int done;
    const char *truncated; /* a block's name */
    char error_type[64];
};

ai_stream *ai_stream_new(ai_provider provider, ai_text_fn on_text, void *user) {
    ai_stream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->provider = provider;
    s->on_text = on_text;
    s->user = user;
    return s;
}

static void block_free(block *b) {
    buf_free(&b->text);
    free(b->id);
    free(b->name);
}

void ai_stream_free(ai_stream *s) {
    if (!s) return;
    for (size_t i = 0; i < MAX_BLOCKS; i++)
        block_free(&s->blocks[i]);
    block_free(&s->openai_text);
    json_decref(s->content);
    free(s);
}

static ai_stop stop_of(const char *why) {
    static const struct {
        const char *text;
        ai_stop stop;
    } map[] = {{"end_turn", AI_STOP_END},
               {"stop_sequence", AI_STOP_END},
               {"stop", AI_STOP_END},
               {"tool_use", AI_STOP_TOOL_USE},
               {"tool_calls", AI_STOP_TOOL_USE},
               {"function_call", AI_STOP_TOOL_USE},
               {"max_tokens", AI_STOP_MAX_TOKENS},
               {"length", AI_STOP_MAX_TOKENS}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcmp(why, map[i].text) == 0) return map[i].stop;
    return AI_STOP_OTHER;
}

static void set_stop(ai_stream *s, const char *why) {
    if (!why) return;
    snprintf(s->stop_text, sizeof s->stop_text, "%s", why);
    s->stop = stop_of(why);
}

static void text(ai_stream *s, block *b, const char *piece) {
    size_t n = strlen(piece);
    buf_append(&b->text, piece, n);
    if (s->on_text && n) s->on_text(s->user, piece, n);
}

/* A block's content block: {"type":"text","text":...} or {"type":"tool_use",...}, or NULL for an
 * empty text. A tool call's input that does not parse as an object was cut off. */
static json_t *finish_block(ai_stream *s, block *b) {
    if (!b->tool)
        return b->text.len
                   ? json_pack("{s:s,s:s%}", "type", "text", "text", b->text.data, b->text.len)
                   : NULL;
    json_t *input = b->text.len ? json_loadb(b->text.data, b->text.len, 0, NULL) : json_object();
    if (!json_is_object(input)) {
        json_decref(input);
        input = json_object();
        s->truncated = b->name ? b->name : "";
    }
    return json_pack("{s:s,s:s,s:s,s:o}", "type", "tool_use", "id", b->id ? b->id : "", "name",
                     b->name ? b->name : "", "input", input);
}

/* The answer as content blocks, in order. */
static void finish(ai_stream *s) {
    if (s->content) return;
    s->content = json_array();
    json_t *t = s->provider == AI_OPENAI ? finish_block(s, &s->openai_text) : NULL;
    if (t) json_array_append_new(s->content, t);
    for (size_t i = 0; i < MAX_BLOCKS; i++) {
        json_t *b = s->blocks[i].used ? finish_block(s, &s->blocks[i]) : NULL;
        if (b) json_array_append_new(s->content, b);
    }
}

static block *block_at(ai_stream *s, json_t *index, rae_err *err) {
    json_int_t i = json_is_integer(index) ? json_integer_value(index) : -1;
    if (i < 0 || i >= MAX_BLOCKS) {
        rae_err_fail(err, "a content block index that is not 0 to %d", MAX_BLOCKS - 1);
        return NULL;
    }
    return &s->blocks[i];
}

static void usage_of(ai_usage *u, json_t *usage, int anthropic) {
    if (!json_is_object(usage)) return;
    json_int_t v;
    const char *in = anthropic ? "input_tokens" : "prompt_tokens";
    const char *out = anthropic ? "output_tokens" : "completion_tokens";
    if ((v = json_integer_value(json_object_get(usage, in))) > 0) u->input_tokens = v;
    if ((v = json_integer_value(json_object_get(usage, out))) > 0) u->output_tokens = v;
    if (anthropic) {
        if ((v = json_integer_value(json_object_get(usage, "cache_read_input_tokens"))) > 0)
            u->cache_read_tokens = v;
        if ((v = json_integer_value(json_object_get(usage, "cache_creation_input_tokens"))) > 0)
            u->cache_write_tokens = v;
    } else {
        /* prompt_tokens counts the cached ones too: input_tokens are those not read from it */
        json_t *details = json_object_get(usage, "prompt_tokens_details");
        if ((v = json_integer_value(json_object_get(details, "cached_tokens"))) > 0 &&
            v <= u->input_tokens) {
            u->cache_read_tokens = v;
            u->input_tokens -= v;
        }
    }
}

/* An error event, or an error object in a chunk: its type, for the retry rules. */
static int error_event(ai_stream *s, json_t *error, rae_err *err) {
    const char *type = json_string_value(json_object_get(error, "type"));
    const char *message = json_string_value(json_object_get(error, "message"));
    snprintf(s->error_type, sizeof s->error_type, "%s", type ? type : "error");
    return rae_err_fail(err, "the provider's stream said %s: %s", s->error_type,
                        message ? message : "(no message)");
}

static int anthropic_block_start(ai_stream *s, json_t *ev, rae_err *err) {
    block *b = block_at(s, json_object_get(ev, "index"), err);
    json_t *cb = json_object_get(ev, "content_block");
    const char *type = json_string_value(json_object_get(cb, "type"));
    if (!b || !type) return b ? rae_err_fail(err, "a content block without a type") : -1;
    block_free(b);
    memset(b, 0, sizeof *b);
    b->used = strcmp(type, "text") == 0 || strcmp(type, "tool_use") == 0;
    b->tool = strcmp(type, "tool_use") == 0;
    if (b->tool) {
        const char *id = json_string_value(json_object_get(cb, "id"));
        const char *name = json_string_value(json_object_get(cb, "name"));
        if (!id || !name) return rae_err_fail(err, "a tool_use block without an id or a name");
        b->id = strdup(id);
        b->name = strdup(name);
    } else if (b->used) {
        const char *t = json_string_value(json_object_get(cb, "text"));
        if (t) text(s, b, t);
    }
    return 0;
}

static int anthropic_delta(ai_stream *s, json_t *ev, rae_err *err) {
    block *b = block_at(s, json_object_get(ev, "index"), err);
    if (!b) return -1;
    json_t *delta = json_object_get(ev, "delta");
    const char *type = json_string_value(json_object_get(delta, "type"));
    if (!type) return rae_err_fail(err, "a content_block_delta without a delta type");
    if (!b->used) return 0; /* a block of a kind rae does not ask for */
    if (strcmp(type, "text_delta") == 0 && !b->tool) {
        const char *t = json_string_value(json_object_get(delta, "text"));
        if (t) text(s, b, t);
    } else if (strcmp(type, "input_json_delta") == 0 && b->tool) {
        const char *j = json_string_value(json_object_get(delta, "partial_json"));
        if (j) buf_puts(&b->text, j);
    } else {
        return rae_err_fail(err, "a %s for a %s block", type, b->tool ? "tool_use" : "text");
    }
    return 0;
}

static int anthropic(ai_stream *s, const char *type, json_t *ev, rae_err *err) {
    if (strcmp(type, "message_start") == 0) {
        usage_of(&s->usage, json_object_get(json_object_get(ev, "message"), "usage"), 1);
    } else if (strcmp(type, "content_block_start") == 0) {
        return anthropic_block_start(s, ev, err);
    } else if (strcmp(type, "content_block_delta") == 0) {
        return anthropic_delta(s, ev, err);
    } else if (strcmp(type, "content_block_stop") == 0) {
        block *b = block_at(s, json_object_get(ev, "index"), err);
        if (!b) return -1;
        b->closed = 1;
    } else if (strcmp(type, "message_delta") == 0) {
        set_stop(s,
                 json_string_value(json_object_get(json_object_get(ev, "delta"), "stop_reason")));
        usage_of(&s->usage, json_object_get(ev, "usage"), 1);
    } else if (strcmp(type, "message_stop") == 0) {
        s->done = 1;
        finish(s);
        return 1;
    } else if (strcmp(type, "error") == 0) {
        return error_event(s, json_object_get(ev, "error"), err);
    } /* ping, and event types added later: nothing to do */
    return 0;
}

/* One tool_calls[] fragment of an OpenAI delta. */
static int openai_tool(ai_stream *s, json_t *call, rae_err *err) {
    block *b = block_at(s, json_object_get(call, "index"), err);
    if (!b) return -1;
    b->used = b->tool = 1;
    const char *id = json_string_value(json_object_get(call, "id"));
    json_t *fn = json_object_get(call, "function");
    const char *name = json_string_value(json_object_get(fn, "name"));
    const char *args = json_string_value(json_object_get(fn, "arguments"));
    if (id && !b->id) b->id = strdup(id);
    if (name && !b->name) b->name = strdup(name);
    if (args) buf_puts(&b->text, args);
    return 0;
}

static int openai(ai_stream *s, json_t *chunk, rae_err *err) {
    if (json_object_get(chunk, "error"))
        return error_event(s, json_object_get(chunk, "error"), err);
    usage_of(&s->usage, json_object_get(chunk, "usage"), 0);
    json_t *choices = json_object_get(chunk, "choices");
    if (!json_is_array(choices)) return rae_err_fail(err, "a chunk without choices");
    json_t *choice = json_array_get(choices, 0); /* rae asks for one (n = 1) */
    if (!choice) return 0;                       /* the usage chunk */
    set_stop(s, json_string_value(json_object_get(choice, "finish_reason")));
    json_t *delta = json_object_get(choice, "delta");
    const char *t = json_string_value(json_object_get(delta, "content"));
    if (t) {
        s->openai_text.used = 1;
        text(s, &s->openai_text, t);
    }
    json_t *calls = json_object_get(delta, "tool_calls");
    for (size_t i = 0; i < json_array_size(calls); i++)
        if (openai_tool(s, json_array_get(calls, i), err) < 0) return -1;
    return 0;
}

int ai_stream_event(ai_stream *s, const ai_sse_event *ev, rae_err *err) {
    if (s->done) return 1;
    if (s->provider == AI_OPENAI && strcmp(ev->data, "[DONE]") == 0) {
        s->done = 1;
        finish(s);
        return 1;
    }
    json_error_t jerr;
    json_t *j = json_loadb(ev->data, ev->data_len, 0, &jerr);
    if (!json_is_object(j)) {
        json_decref(j);
        return rae_err_fail(err, "an event of the stream is not a JSON object: %s", jerr.text);
    }
    int rc;
    if (s->provider == AI_OPENAI) {
        rc = openai(s, j, err);
    } else {
        const char *type = json_string_value(json_object_get(j, "type"));
        rc = type ? anthropic(s, type, j, err)
                  : rae_err_fail(err, "an event without a type (%s)", ev->type);
    }
    json_decref(j);
    return rc;
}

json_t *ai_stream_content(const ai_stream *s) {
    finish((ai_stream *)s);
    return s->content;
}

ai_stop ai_stream_stop(const ai_stream *s) {
    return s->stop;
}

const char *ai_stream_stop_text(const ai_stream *s) {
    return s->stop_text;
}

ai_usage ai_stream_usage(const ai_stream *s) {
    return s->usage;
}

int ai_stream_done(const ai_stream *s) {
    return s->done;
}

const char *ai_stream_truncated(const ai_stream *s) {
    finish((ai_stream *)s);
    return s->truncated;
}

const char *ai_stream_error_type(const ai_stream *s) {
    return s->error_type[0] ? s->error_type : NULL;
}
