#include "capture/cdp.h"

#include "util/buf.h"
#include "util/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct pending {
    char *method, *tag, *session;
    cdp_fn fn;
    void *user;
} pending;

struct cdp {
    int wfd, rfd;
    cdp_fn on_event;
    void *user;
    pending **slots; /* slots[id - base]: the command awaiting its reply, NULL once answered */
    size_t n_slots, cap_slots;
    long base;
    size_t n_waiting;
    buf in;       /* bytes read, not yet dispatched from `start` on */
    size_t start; /* first byte of the next message in `in` */
    size_t scan;  /* bytes after start known to hold no NUL */
    unsigned long long bytes;
    arena *a;
    FILE *trace;
};

void cdp_trace(cdp *c, FILE *trace) {
    c->trace = trace;
}

cdp *cdp_new(int write_fd, int read_fd, cdp_fn on_event, void *user) {
    cdp *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->wfd = write_fd;
    c->rfd = read_fd;
    c->on_event = on_event;
    c->user = user;
    c->base = 1;
    c->a = arena_new();
    return c;
}

static void pending_free(pending *p) {
    if (!p) return;
    free(p->method);
    free(p->tag);
    free(p->session);
    free(p);
}

void cdp_free(cdp *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n_slots; i++)
        pending_free(c->slots[i]);
    free(c->slots);
    buf_free(&c->in);
    arena_free(c->a);
    if (c->wfd >= 0) close(c->wfd);
    if (c->rfd >= 0) close(c->rfd);
    free(c);
}

/* Drops the answered slots at the front; the next command's id is then base + n_slots. */
static void compact(cdp *c) {
    size_t done = 0;
    while (done < c->n_slots && !c->slots[done])
        done++;
    if (done > 0) {
        memmove(c->slots, c->slots + done, (c->n_slots - done) * sizeof *c->slots);
        c->n_slots -= done;
        c->base += (long)done;
    }
}

static void remember(cdp *c, pending *p) {
    if (c->n_slots == c->cap_slots) {
        c->cap_slots = c->cap_slots ? c->cap_slots * 2 : 64;
        c->slots = realloc(c->slots, c->cap_slots * sizeof *c->slots);
        if (!c->slots) abort();
    }
    c->slots[c->n_slots++] = p;
    c->n_waiting++;
}

long cdp_send(cdp *c, const char *session, const char *method, json_t *params, cdp_fn on_reply,
              void *user, const char *tag) {
    if (c->wfd < 0) {
        json_decref(params);
        return -1;
    }
    compact(c);
    long id = c->base + (long)c->n_slots;
    json_t *m = json_pack("{s:I,s:s,s:o}", "id", (json_int_t)id, "method", method, "params",
                          params ? params : json_object());
    if (session) json_object_set_new(m, "sessionId", json_string(session));
    char *text = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    if (c->trace) fprintf(c->trace, "cdp> %.400s\n", text);
    int rc = fs_write_all(c->wfd, text, strlen(text) + 1); /* the NUL ends the message */
    free(text);
    if (rc < 0) {
        close(c->wfd);
        c->wfd = -1;
        return -1;
    }
    pending *p = calloc(1, sizeof *p);
    if (!p) abort();
    p->method = strdup(method);
    p->tag = tag ? strdup(tag) : NULL;
    p->session = session ? strdup(session) : NULL;
    p->fn = on_reply;
    p->user = user;
    remember(c, p);
    return id;
}

static void dispatch_reply(cdp *c, jv *msg, cdp_msg *m) {
    double id = jv_num(jv_get(msg, "id"));
    if (id < (double)c->base || id >= (double)c->base + (double)c->n_slots) return;
    pending **slot = &c->slots[(size_t)(id - (double)c->base)];
    pending *p = *slot;
    *slot = NULL;
    if (!p) return;
    c->n_waiting--;
    m->method = p->method;
    m->tag = p->tag;
    m->result = jv_get(msg, "result");
    jv *error = jv_get(msg, "error");
    if (error) {
        m->result = NULL;
        const char *text = jv_str(jv_get(error, "message"), c->a, NULL);
        m->error = text ? text : "unknown error";
    }
    if (p->fn) p->fn(p->user, m);
    pending_free(p);
}

static int dispatch(cdp *c, const char *s, size_t n, rae_err *err) {
    arena_reset(c->a);
    if (c->trace) fprintf(c->trace, "cdp< %.*s\n", (int)(n < 400 ? n : 400), s);
    rae_err jerr;
    jv *msg = jv_parse(c->a, s, n, NULL, &jerr);
    if (!jv_is(msg, JV_OBJECT)) {
        rae_err_fail(err, "malformed DevTools message at byte %zu: %s", msg ? 0 : jerr.at.offset,
                     msg ? "not an object" : jerr.message);
        return -1;
    }
    cdp_msg m = {.a = c->a};
    m.session = jv_str(jv_get(msg, "sessionId"), c->a, NULL);
    if (jv_get(msg, "id")) {
        dispatch_reply(c, msg, &m);
        return 0;
    }
    m.method = jv_str(jv_get(msg, "method"), c->a, NULL);
    m.params = jv_get(msg, "params");
    if (m.method && c->on_event) c->on_event(c->user, &m);
    return 0;
}

/* Dispatches every NUL-terminated message in c->in from c->start on. */
static int drain(cdp *c, rae_err *err) {
    for (;;) {
        char *from = c->in.data + c->start + c->scan;
        size_t left = c->in.len - c->start - c->scan;
        char *nul = left ? memchr(from, '\0', left) : NULL;
        if (!nul) {
            c->scan = c->in.len - c->start;
            return 0;
        }
        size_t n = (size_t)(nul - (c->in.data + c->start));
        int rc = dispatch(c, c->in.data + c->start, n, err);
        c->start += n + 1;
        c->scan = 0;
        if (rc < 0) return rc;
    }
}

int cdp_read(cdp *c, rae_err *err) {
    if (c->start > 0) { /* keep only the unfinished message */
        memmove(c->in.data, c->in.data + c->start, c->in.len - c->start);
        c->in.len -= c->start;
        c->start = 0;
    }
    buf_reserve(&c->in, 1 << 16);
    ssize_t r;
    do
        r = read(c->rfd, c->in.data + c->in.len, c->in.cap - c->in.len - 1);
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        if (errno == EAGAIN) return 0;
        rae_err_fail(err, "reading from chromium: %s", strerror(errno));
        return -1;
    }
    if (r == 0) return 1;
    c->in.len += (size_t)r;
    c->in.data[c->in.len] = '\0';
    c->bytes += (unsigned long long)r;
    return drain(c, err);
}

void cdp_session_gone(cdp *c, const char *session) {
    size_t n = 0;
    pending **gone = NULL;
    for (size_t i = 0; i < c->n_slots; i++) { /* take them out first: a callback may send */
        pending *p = c->slots[i];
        if (!p || !p->session || strcmp(p->session, session) != 0) continue;
        gone = realloc(gone, (n + 1) * sizeof *gone);
        if (!gone) abort();
        gone[n++] = p;
        c->slots[i] = NULL;
        c->n_waiting--;
    }
    for (size_t i = 0; i < n; i++) { /* in the arena of the message being handled, if any */
        cdp_msg m = {.method = gone[i]->method,
                     .session = session,
                     .error = "the target was detached before it answered",
                     .tag = gone[i]->tag,
                     .a = c->a};
        if (gone[i]->fn) gone[i]->fn(gone[i]->user, &m);
        pending_free(gone[i]);
    }
    free(gone);
}

int cdp_fd(const cdp *c) {
    return c->rfd;
}

size_t cdp_pending(const cdp *c) {
    return c->n_waiting;
}

unsigned long long cdp_bytes_read(const cdp *c) {
    return c->bytes;
}
