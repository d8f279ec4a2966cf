/* ai/sse: the event stream of the model providers, read in pieces split anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ai/sse.h"
#include "util/buf.h"

/* Events as "type|id|data" lines. */
static int record(void *user, const ai_sse_event *ev) {
    buf *out = user;
    buf_printf(out, "%s|%s|", ev->type, ev->id);
    buf_append(out, ev->data, ev->data_len);
    buf_putc(out, '\n');
    return strcmp(ev->type, "stop") == 0 ? 7 : 0;
}

/* The events of text read in pieces of `step` bytes; *rc the last feed's value. */
static char *read_stream(const char *text, size_t step, int *rc, int *cut) {
    static buf out;
    buf_reset(&out);
    rae_err err;
    ai_sse *p = ai_sse_new(record, &out, 64);
    *rc = 0;
    size_t n = strlen(text);
    for (size_t at = 0; at < n && *rc == 0; at += step)
        *rc = ai_sse_feed(p, text + at, n - at < step ? n - at : step, &err);
    *cut = ai_sse_cut(p);
    ai_sse_free(p);
    return out.data ? out.data : "";
}

static void test_events(void **state) {
    (void)state;
    const char *stream = "\xEF\xBB\xBF"
                         "event: message_start\n"
                         "data: {\"a\":1}\n\n"
                         ": a comment, then a ping\r\n"
                         "event: ping\r\ndata: {}\r\n\r\n"
                         "data:x\rdata: y\r\r"
                         "id: 42\nevent: delta\ndata\ndata: z\n\n"
                         "retry: 5\nunknown: field\n\n";
    const char *want = "message_start||{\"a\":1}\n"
                       "ping||{}\n"
                       "message||x\ny\n"
                       "delta|42|\nz\n";
    /* whole, and in pieces of every size: a CR and its LF apart, a UTF-8 BOM apart */
    for (size_t step = 1; step <= strlen(stream); step++) {
        int rc, cut;
        assert_string_equal(read_stream(stream, step, &rc, &cut), want);
        assert_int_equal(rc, 0);
        assert_false(cut);
    }
}

static void test_cut_stop_and_limits(void **state) {
    (void)state;
    int rc, cut;
    /* a stream that ends inside an event: no event, and said so */
    assert_string_equal(read_stream("data: {\"partial\":", 3, &rc, &cut), "");
    assert_true(cut);
    assert_string_equal(read_stream("event: a\ndata: 1\n", 1, &rc, &cut), "");
    assert_true(cut);
    /* the callback stops the stream */
    assert_string_equal(read_stream("event: stop\ndata: 1\n\ndata: 2\n\n", 5, &rc, &cut),
                        "stop||1\n");
    assert_int_equal(rc, 7);
    /* an event over the limit is an error, not memory without end */
    char big[200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "data: ", 6);
    read_stream(big, 10, &rc, &cut);
    assert_int_equal(rc, -1);
    /* an event with no data is no event; a BOM that is not whole is text */
    assert_string_equal(read_stream("event: x\n\n", 1, &rc, &cut), "");
    assert_string_equal(read_stream("\xEF\xBB"
                                    "data: 1\n\n",
                                    1, &rc, &cut),
                        "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_cut_stop_and_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
