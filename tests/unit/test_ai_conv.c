/* ai/conv: one conversation, each provider's request body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ai/conv.h"

static json_t *conversation(void) {
    json_t *m = json_array();
    ai_conv_add_text(m, "user", "the API model ... export my notes as CSV");
    json_array_append_new(
        m, json_loads("{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Looking."
                      "\"},{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"read_file\",\"input\":"
                      "{\"path\":\"README.md\"}},{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":"
                      "\"finish\",\"input\":{}}]}",
                      0, NULL));
    json_array_append_new(
        m, json_loads("{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":"
                      "\"t1\",\"content\":\"# API client\"},{\"type\":\"tool_result\","
                      "\"tool_use_id\":\"t2\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},"
                      "{\"type\":\"text\",\"text\":\"b\"}],\"is_error\":true}]}",
                      0, NULL));
    return m;
}

static json_t *tools(void) {
    return json_loads("[{\"name\":\"read_file\",\"description\":\"Reads a file.\",\"input_schema\":"
                      "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},"
                      "\"required\":[\"path\"]}}]",
                      0, NULL);
}

static json_t *body(ai_provider p, json_t *messages, json_t *t) {
    ai_request r = {p, "model-x", 4096, "You are rae's engineer.", t, messages};
    char *text = ai_request_body(&r);
    json_t *b = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(b);
    return b;
}

static const char *at(json_t *j, const char *path) {
    /* "a.0.b": objects by key, arrays by index */
    char part[64];
    for (const char *p = path; j && *p;) {
        size_t n = strcspn(p, ".");
        snprintf(part, sizeof part, "%.*s", (int)n, p);
        j = json_is_array(j) ? json_array_get(j, (size_t)atoi(part)) : json_object_get(j, part);
        p += n + (p[n] == '.');
    }
    static char out[256];
    if (json_is_string(j)) return json_string_value(j);
    char *d = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    snprintf(out, sizeof out, "%s", d ? d : "(none)");
    free(d);
    return out;
}

static void test_anthropic_body(void **state) {
    (void)state;
    json_t *m = conversation(), *t = tools();
    json_t *b = body(AI_ANTHROPIC, m, t);
    assert_string_equal(at(b, "model"), "model-x");
    assert_string_equal(at(b, "max_tokens"), "4096");
    assert_string_equal(at(b, "stream"), "true");
    assert_string_equal(at(b, "system.0.text"), "You are rae's engineer.");
    assert_string_equal(at(b, "system.0.cache_control.type"), "ephemeral");
    assert_string_equal(at(b, "tools.0.input_schema.type"), "object");
    /* the API model and the conversation's end are cache breakpoints; the caller's is untouched */
    assert_string_equal(at(b, "messages.0.content.0.cache_control.type"), "ephemeral");
    assert_string_equal(at(b, "messages.2.content.1.cache_control.type"), "ephemeral");
    assert_string_equal(at(b, "messages.1.content.1.input.path"), "README.md");
    assert_null(json_object_get(json_array_get(json_object_get(json_array_get(m, 0), "content"), 0),
                                "cache_control"));
    json_decref(b);
    json_decref(m);
    json_decref(t);
}

static void test_openai_body(void **state) {
    (void)state;
    json_t *m = conversation(), *t = tools();
    json_t *b = body(AI_OPENAI, m, t);
    assert_string_equal(at(b, "stream_options.include_usage"), "true");
    assert_string_equal(at(b, "tools.0.type"), "function");
    assert_string_equal(at(b, "tools.0.function.name"), "read_file");
    assert_string_equal(at(b, "tools.0.function.parameters.required.0"), "path");
    assert_string_equal(at(b, "messages.0.role"), "system");
    assert_string_equal(at(b, "messages.1.role"), "user");
    assert_string_equal(at(b, "messages.1.content"), "the API model ... export my notes as CSV");
    /* the assistant's tool calls, with their input as a JSON string */
    assert_string_equal(at(b, "messages.2.content"), "Looking.");
    assert_string_equal(at(b, "messages.2.tool_calls.0.id"), "t1");
    assert_string_equal(at(b, "messages.2.tool_calls.0.function.arguments"),
                        "{\"path\":\"README.md\"}");
    assert_string_equal(at(b, "messages.2.tool_calls.1.function.arguments"), "{}");
    /* one tool message per result, in order */
    assert_string_equal(at(b, "messages.3.role"), "tool");
    assert_string_equal(at(b, "messages.3.tool_call_id"), "t1");
    assert_string_equal(at(b, "messages.3.content"), "# API client");
    assert_string_equal(at(b, "messages.4.tool_call_id"), "t2");
    assert_string_equal(at(b, "messages.4.content"), "error: a\n\nb");
    assert_int_equal(json_array_size(json_object_get(b, "messages")), 5);
    json_decref(b);
    json_decref(m);
    json_decref(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anthropic_body),
        cmocka_unit_test(test_openai_body),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
