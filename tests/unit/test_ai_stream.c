/* ai/stream: an answer of each provider put together from its streamed events, in one form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ai/stream.h"
#include "util/buf.h"

typedef struct run {
    ai_stream *stream;
    buf text; /* what on_text got */
    int rc;
    rae_err err;
} run;

static void on_text(void *user, const char *t, size_t n) {
    buf_append(&((run *)user)->text, t, n);
}

static int on_event(void *user, const ai_sse_event *ev) {
    run *r = user;
    r->rc = ai_stream_event(r->stream, ev, &r->err);
    return r->rc < 0 ? 2 : r->rc;
}

/* The stream of `wire` fed in pieces of `step` bytes. */
static void feed(run *r, ai_provider p, const char *wire, size_t step) {
    memset(r, 0, sizeof *r);
    r->stream = ai_stream_new(p, on_text, r);
    ai_sse *sse = ai_sse_new(on_event, r, 1 << 20);
    rae_err err;
    for (size_t at = 0, n = strlen(wire); at < n; at += step)
        if (ai_sse_feed(sse, wire + at, n - at < step ? n - at : step, &err)) break;
    ai_sse_free(sse);
}

static void done(run *r) {
    ai_stream_free(r->stream);
    buf_free(&r->text);
}

static const char anthropic_wire[] =
    "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
    "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"m\",\"usage\":"
    "{\"input_tokens\":120,\"output_tokens\":1,\"cache_read_input_tokens\":900,"
    "\"cache_creation_input_tokens\":30}}}\n\n"
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
    "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
    "event: ping\ndata: {\"type\": \"ping\"}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
    "\"delta\":{\"type\":\"text_delta\",\"text\":\"Let me look \\u00e9\"}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
    "\"delta\":{\"type\":\"text_delta\",\"text\":\"up the notes.\"}}\n\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
    "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,"
    "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"search_har\","
    "\"input\":{}}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
    "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"pat\"}}\n\n"
    "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
    "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"tern\\\": \\\"notes\\\"}\"}}\n\n"
    "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n"
    "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
    "\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":42}}\n\n"
    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

static void test_anthropic(void **state) {
    (void)state;
    for (size_t step = 1; step < 64; step += 7) {
        run r;
        feed(&r, AI_ANTHROPIC, anthropic_wire, step);
        assert_int_equal(r.rc, 1);
        assert_true(ai_stream_done(r.stream));
        assert_string_equal(buf_str(&r.text), "Let me look \xc3\xa9up the notes.");
        char *content = json_dumps(ai_stream_content(r.stream), JSON_COMPACT);
        assert_string_equal(content, "[{\"type\":\"text\",\"text\":\"Let me look \xc3\xa9up the "
                                     "notes.\"},{\"type\":\"tool_use\",\"id\":\"toolu_1\","
                                     "\"name\":\"search_har\",\"input\":{\"pattern\":\"notes\"}}]");
        free(content);
        assert_int_equal(ai_stream_stop(r.stream), AI_STOP_TOOL_USE);
        ai_usage u = ai_stream_usage(r.stream);
        assert_int_equal(u.input_tokens, 120);
        assert_int_equal(u.output_tokens, 42);
        assert_int_equal(u.cache_read_tokens, 900);
        assert_int_equal(u.cache_write_tokens, 30);
        assert_null(ai_stream_truncated(r.stream));
        done(&r);
    }
}

static void test_anthropic_faults(void **state) {
    (void)state;
    run r;
    /* an error event mid-stream: its type, for the retry rules */
    feed(&r, AI_ANTHROPIC,
         "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{}}}\n\n"
         "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
         "\"message\":\"Overloaded\"}}\n\n",
         5);
    assert_int_equal(r.rc, -1);
    assert_string_equal(ai_stream_error_type(r.stream), "overloaded_error");
    assert_non_null(strstr(r.err.message, "Overloaded"));
    done(&r);
    /* max_tokens inside a tool call's JSON: the call is named, its input is {} */
    feed(&r, AI_ANTHROPIC,
         "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
         "\"tool_use\",\"id\":\"t\",\"name\":\"write_file\",\"input\":{}}}\n\n"
         "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
         "\"input_json_delta\",\"partial_json\":\"{\\\"path\\\": \\\"scr\"}}\n\n"
         "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},"
         "\"usage\":{\"output_tokens\":4096}}\n\n"
         "data: {\"type\":\"message_stop\"}\n\n",
         9);
    assert_int_equal(ai_stream_stop(r.stream), AI_STOP_MAX_TOKENS);
    assert_string_equal(ai_stream_truncated(r.stream), "write_file");
    done(&r);
    /* a stream cut short: not done, no stop reason */
    feed(&r, AI_ANTHROPIC,
         "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
         "\"text\",\"text\":\"\"}}\n\n",
         3);
    assert_false(ai_stream_done(r.stream));
    assert_int_equal(ai_stream_stop(r.stream), AI_STOP_NONE);
    done(&r);
    /* not the protocol: refused with a reason */
    feed(&r, AI_ANTHROPIC, "data: [1,2]\n\n", 4);
    assert_int_equal(r.rc, -1);
    done(&r);
    feed(&r, AI_ANTHROPIC,
         "data: {\"type\":\"content_block_delta\",\"index\":999,\"delta\":{\"type\":"
         "\"text_delta\",\"text\":\"x\"}}\n\n",
         4);
    assert_int_equal(r.rc, -1);
    done(&r);
}

static const char openai_wire[] =
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
    "\"delta\":{\"content\":\"On it.\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
    "\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"read_file\","
    "\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
    "\"function\":{\"arguments\":\"{\\\"path\\\":\"}}]},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
    "\"function\":{\"arguments\":\" \\\"README.md\\\"}\"}},{\"index\":1,\"id\":\"call_b\","
    "\"type\":\"function\",\"function\":{\"name\":\"finish\",\"arguments\":\"{}\"}}]},"
    "\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":"
    "\"tool_calls\"}]}\n\n"
    "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":1000,"
    "\"completion_tokens\":20,\"total_tokens\":1020,\"prompt_tokens_details\":"
    "{\"cached_tokens\":768}}}\n\n"
    "data: [DONE]\n\n";

static void test_openai(void **state) {
    (void)state;
    for (size_t step = 1; step < 64; step += 5) {
        run r;
        feed(&r, AI_OPENAI, openai_wire, step);
        assert_int_equal(r.rc, 1);
        assert_string_equal(buf_str(&r.text), "On it.");
        char *content = json_dumps(ai_stream_content(r.stream), JSON_COMPACT);
        assert_string_equal(content,
                            "[{\"type\":\"text\",\"text\":\"On it.\"},{\"type\":\"tool_use\","
                            "\"id\":\"call_a\",\"name\":\"read_file\",\"input\":{\"path\":"
                            "\"README.md\"}},{\"type\":\"tool_use\",\"id\":\"call_b\",\"name\":"
                            "\"finish\",\"input\":{}}]");
        free(content);
        assert_int_equal(ai_stream_stop(r.stream), AI_STOP_TOOL_USE);
        assert_string_equal(ai_stream_stop_text(r.stream), "tool_calls");
        ai_usage u = ai_stream_usage(r.stream);
        assert_int_equal(u.input_tokens, 232); /* 1000 less the 768 read from the cache */
        assert_int_equal(u.cache_read_tokens, 768);
        assert_int_equal(u.output_tokens, 20);
        done(&r);
    }
    run r;
    feed(&r, AI_OPENAI, "data: {\"error\":{\"message\":\"slow down\",\"type\":\"rate_limit\"}}\n\n",
         7);
    assert_int_equal(r.rc, -1);
    assert_string_equal(ai_stream_error_type(r.stream), "rate_limit");
    done(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anthropic),
        cmocka_unit_test(test_anthropic_faults),
        cmocka_unit_test(test_openai),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
