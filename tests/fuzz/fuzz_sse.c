/* libFuzzer target for the event stream reader (ai/sse.c) that reads the model providers'
 * answers: the input is a stream, read whole, a byte at a time, and in two pieces split where its
 * first byte says; the three readings must give the same events (or the same error), else it
 * aborts. Its events also go through both providers' answer decoders (ai/stream.c), which must
 * take anything without a crash. Replayed by ctest (fuzz/sse_replay) over tests/fuzz/seeds-sse. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/sse.h"
#include "ai/stream.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Each event as type, id and data, each followed by a NUL. */
static int record(void *user, const ai_sse_event *ev) {
    buf *out = user;
    buf_append(out, ev->type, strlen(ev->type) + 1);
    buf_append(out, ev->id, strlen(ev->id) + 1);
    buf_append(out, ev->data, ev->data_len);
    buf_putc(out, '\0');
    return 0;
}

/* The events of data read in pieces of `step` bytes (0: whole), then "cut" or "whole". */
static void read_in(const uint8_t *data, size_t size, size_t step, size_t split, buf *out) {
    rae_err err;
    ai_sse *p = ai_sse_new(record, out, 4096);
    if (!p) abort();
    int rc = 0;
    if (split) {
        rc = ai_sse_feed(p, (const char *)data, split, &err);
        if (rc == 0) rc = ai_sse_feed(p, (const char *)data + split, size - split, &err);
    } else {
        for (size_t at = 0; at < size && rc == 0; at += step ? step : size) {
            size_t n = step && size - at > step ? step : size - at;
            rc = ai_sse_feed(p, (const char *)data + at, n, &err);
        }
    }
    buf_puts(out, rc ? "error" : ai_sse_cut(p) ? "cut" : "whole");
    ai_sse_free(p);
}

static int decode(void *user, const ai_sse_event *ev) {
    rae_err err;
    return ai_stream_event(user, ev, &err) == 1;
}

/* The stream's events through a provider's decoder; what it made, asked for. */
static void decode_all(const uint8_t *data, size_t size, ai_provider p) {
    rae_err err;
    ai_stream *s = ai_stream_new(p, NULL, NULL);
    ai_sse *sse = ai_sse_new(decode, s, 4096);
    if (!s || !sse) abort();
    ai_sse_feed(sse, (const char *)data, size, &err);
    char *content = json_dumps(ai_stream_content(s), JSON_COMPACT);
    if (!content) abort();
    free(content);
    (void)ai_stream_truncated(s);
    (void)ai_stream_usage(s);
    ai_sse_free(sse);
    ai_stream_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    decode_all(data, size, AI_ANTHROPIC);
    decode_all(data, size, AI_OPENAI);
    buf whole = BUF_INIT, bytes = BUF_INIT, two = BUF_INIT;
    read_in(data, size, 0, 0, &whole);
    read_in(data, size, 1, 0, &bytes);
    read_in(data, size, 0, size ? data[0] % size : 0, &two);
    /* The pieces make no difference, to the events nor to an error (an event too large). */
    if (whole.len != bytes.len || memcmp(whole.data, bytes.data, whole.len) != 0 ||
        whole.len != two.len || memcmp(whole.data, two.data, whole.len) != 0)
        abort();
    buf_free(&whole);
    buf_free(&bytes);
    buf_free(&two);
    return 0;
}
