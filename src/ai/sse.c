/* ai/sse: an event stream read in pieces (the WHATWG HTML standard, "Interpreting an event
 * stream"). */
#include "ai/sse.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "rae/err.h"

struct ai_sse {
    ai_sse_fn fn;
    void *user;
    size_t max;
    buf line;     /* the line so far */
    buf data;     /* this event's data lines, each followed by "\n" */
    buf type;     /* this event's type, empty for "message" */
    buf id;       /* the last event id */
    int after_cr; /* the last byte was a CR: an LF right after it ends nothing more */
    int bom;      /* bytes of a leading byte order mark matched so far; -1 past the start */
    int pending;  /* a field of an event not yet dispatched was seen */
};

ai_sse *ai_sse_new(ai_sse_fn fn, void *user, size_t max_bytes) {
    ai_sse *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->fn = fn;
    p->user = user;
    p->max = max_bytes;
    return p;
}

void ai_sse_free(ai_sse *p) {
    if (!p) return;
    buf_free(&p->line);
    buf_free(&p->data);
    buf_free(&p->type);
    buf_free(&p->id);
    free(p);
}

int ai_sse_cut(const ai_sse *p) {
    return p->pending || p->line.len > 0;
}

/* A blank line: the event, when it has data (the last "\n" dropped), then a new one. */
static int dispatch(ai_sse *p) {
    int rc = 0;
    if (p->data.len) {
        p->data.data[--p->data.len] = '\0';
        ai_sse_event ev = {p->type.len ? buf_str(&p->type) : "message", buf_str(&p->data),
                           p->data.len, buf_str(&p->id)};
        rc = p->fn(p->user, &ev);
    }
    buf_reset(&p->data);
    buf_reset(&p->type);
    p->pending = 0;
    return rc;
}

/* One field line: "name: value" (one space after the colon dropped), "name" alone, or a comment
 * (":..."). */
static void field(ai_sse *p, const char *line, size_t n) {
    const char *colon = memchr(line, ':', n);
    if (colon == line) return; /* a comment: keeps a connection alive */
    size_t name_len = colon ? (size_t)(colon - line) : n;
    const char *value = colon ? colon + 1 : line + n;
    size_t value_len = colon ? n - name_len - 1 : 0;
    if (value_len && *value == ' ') value++, value_len--;
    if (name_len == 4 && memcmp(line, "data", 4) == 0) {
        buf_append(&p->data, value, value_len);
        buf_putc(&p->data, '\n');
    } else if (name_len == 5 && memcmp(line, "event", 5) == 0) {
        buf_reset(&p->type);
        buf_append(&p->type, value, value_len);
    } else if (name_len == 2 && memcmp(line, "id", 2) == 0 && !memchr(value, '\0', value_len)) {
        buf_reset(&p->id);
        buf_append(&p->id, value, value_len);
    } else {
        return; /* retry and unknown fields: nothing a client of a provider needs */
    }
    p->pending = 1;
}

/* The line in p->line ended. */
static int end_line(ai_sse *p) {
    int rc = 0;
    if (p->line.len == 0)
        rc = dispatch(p);
    else
        field(p, p->line.data, p->line.len);
    buf_reset(&p->line);
    return rc;
}

/* Skips a byte order mark that starts the stream, whatever pieces it comes in: the bytes of
 * bytes[0..n) it took. */
static size_t skip_bom(ai_sse *p, const char *bytes, size_t n) {
    static const char bom[] = "\xEF\xBB\xBF";
    size_t i = 0;
    while (p->bom >= 0 && p->bom < 3 && i < n && bytes[i] == bom[p->bom]) {
        p->bom++;
        i++;
    }
    if (p->bom == 3 || (p->bom >= 0 && i < n)) {
        if (p->bom > 0 && p->bom < 3) buf_append(&p->line, bom, (size_t)p->bom); /* not one */
        p->bom = -1;
    }
    return i;
}

int ai_sse_feed(ai_sse *p, const char *bytes, size_t n, rae_err *err) {
    size_t i = skip_bom(p, bytes, n);
    for (; i < n; i++) {
        char c = bytes[i];
        int was_cr = p->after_cr;
        p->after_cr = c == '\r';
        if (c == '\n' && was_cr) continue; /* the LF of a CRLF: the CR ended the line */
        if (c == '\r' || c == '\n') {
            int rc = end_line(p);
            if (rc) return rc;
            continue;
        }
        size_t run = i + 1; /* the rest of this line in this piece, at once */
        while (run < n && bytes[run] != '\r' && bytes[run] != '\n')
            run++;
        buf_append(&p->line, bytes + i, run - i);
        i = run - 1;
        if (p->line.len + p->data.len > p->max)
            return rae_err_fail(err, "an event of the stream is over %zu bytes", p->max);
    }
    return 0;
}
