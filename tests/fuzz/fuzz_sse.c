/* libFuzzer target for the event stream reader (ai/sse.c) that reads the model providers'
 * answers: the input is a stream, read whole, a byte at a time, and in two pieces split where its
 * first byte says; the three readings must give the same events (or the same error), else it
 * aborts. Replayed by ctest (fuzz/sse_replay) over tests/fuzz/seeds-sse. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/sse.h"
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
    char err[128];
    ai_sse *p = ai_sse_new(record, out, 4096);
    if (!p) abort();
    int rc = 0;
    if (split) {
        rc = ai_sse_feed(p, (const char *)data, split, err, sizeof err);
        if (rc == 0) rc = ai_sse_feed(p, (const char *)data + split, size - split, err, sizeof err);
    } else {
        for (size_t at = 0; at < size && rc == 0; at += step ? step : size) {
            size_t n = step && size - at > step ? step : size - at;
            rc = ai_sse_feed(p, (const char *)data + at, n, err, sizeof err);
        }
    }
    buf_puts(out, rc ? "error" : ai_sse_cut(p) ? "cut" : "whole");
    ai_sse_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
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
