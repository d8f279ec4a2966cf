/* proc: a sprite's process watched on the loop (proc.h). Three libuv handles: a pipe that reads
 * its output, a poll on its pidfd that says it exited, a timer for a process that lingers. */
#include "server/proc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHUNK 65536

struct srv_proc {
    uv_pipe_t out;     /* its output (libuv closes the fd) */
    uv_poll_t ended;   /* its pidfd: readable once it has exited */
    uv_timer_t linger; /* from the first of its two ends (output, exit) to the other */
    rae_sprite_proc p; /* its pid, -1 once reaped */
    int pidfd;
    int output_done, exited, status;
    int open_handles; /* closed asynchronously: freed with the last */
    srv_proc_output_fn on_output;
    srv_proc_end_fn on_end;
    void *ud;
    char chunk[CHUNK];
};

static void handle_closed(uv_handle_t *h) {
    srv_proc *pr = h->data;
    if (--pr->open_handles > 0) return;
    if (pr->pidfd >= 0) close(pr->pidfd);
    free(pr);
}

/* Closes every handle (which stops it); pr is freed once libuv has closed them all. */
static void close_all(srv_proc *pr) {
    uv_close((uv_handle_t *)&pr->out, handle_closed);
    uv_close((uv_handle_t *)&pr->ended, handle_closed);
    uv_close((uv_handle_t *)&pr->linger, handle_closed);
}

static void on_linger(uv_timer_t *t);

/* Both ends seen: the one callback, then the handles go. */
static void maybe_finish(srv_proc *pr) {
    if (!pr->output_done || !pr->exited) {
        if (!uv_is_active((uv_handle_t *)&pr->linger))
            uv_timer_start(&pr->linger, on_linger, SRV_PROC_LINGER_MS, 0);
        return;
    }
    srv_proc_end_fn on_end = pr->on_end;
    void *ud = pr->ud;
    int status = pr->status;
    close_all(pr);
    on_end(ud, status);
}

static void output_end(srv_proc *pr) {
    uv_read_stop((uv_stream_t *)&pr->out);
    pr->output_done = 1;
    maybe_finish(pr);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
    (void)suggested;
    srv_proc *pr = h->data;
    *b = uv_buf_init(pr->chunk, sizeof pr->chunk);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    srv_proc *pr = s->data;
    if (n > 0)
        pr->on_output(pr->ud, b->base, (size_t)n);
    else if (n < 0) /* UV_EOF, or the pipe failed: its output ends here either way */
        output_end(pr);
}

static void on_ended(uv_poll_t *h, int status, int events) {
    (void)status, (void)events;
    srv_proc *pr = h->data;
    if (rae_sprite_proc_wait(&pr->p, 0, &pr->status) == 1) return; /* not yet: poll again */
    uv_poll_stop(h);
    pr->exited = 1;
    maybe_finish(pr);
}

/* One end came SRV_PROC_LINGER_MS ago and the other did not: a process that closed its output
 * is killed (its exit follows); output still held open after the exit is no longer read. */
static void on_linger(uv_timer_t *t) {
    srv_proc *pr = t->data;
    if (!pr->exited)
        kill(pr->p.pid, SIGKILL); /* its sandbox dies with it (--die-with-parent) */
    else
        output_end(pr);
}

/* The three handles on the loop, reading out_fd; -1 with err when they cannot be (out_fd is closed
 * then too, and pr goes once the loop has closed what was made). */
static int start(uv_loop_t *loop, srv_proc *pr, int out_fd, rae_err *err) {
    uv_timer_init(loop, &pr->linger);
    uv_pipe_init(loop, &pr->out, 0);
    int rc = uv_poll_init(loop, &pr->ended, pr->pidfd);
    pr->out.data = pr->ended.data = pr->linger.data = pr;
    pr->open_handles = rc == 0 ? 3 : 2;
    int piped = rc == 0 && (rc = uv_pipe_open(&pr->out, out_fd)) == 0;
    if (rc == 0) rc = uv_read_start((uv_stream_t *)&pr->out, on_alloc, on_read);
    if (rc == 0) rc = uv_poll_start(&pr->ended, UV_READABLE, on_ended);
    if (rc == 0) return 0;
    if (!piped) close(out_fd);
    uv_close((uv_handle_t *)&pr->out, handle_closed);
    uv_close((uv_handle_t *)&pr->linger, handle_closed);
    if (pr->open_handles == 3) uv_close((uv_handle_t *)&pr->ended, handle_closed);
    return rae_err_fail(err, "watching process %d: %s", (int)pr->p.pid, uv_strerror(rc));
}

srv_proc *srv_proc_watch(uv_loop_t *loop, rae_sprite_proc *p, srv_proc_output_fn on_output,
                         srv_proc_end_fn on_end, void *ud, rae_err *err) {
    srv_proc *pr = calloc(1, sizeof *pr);
    if (!pr) abort();
    pr->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    if (pr->pidfd < 0) {
        rae_err_fail(err, "pidfd_open of process %d: %s", (int)p->pid, strerror(errno));
        free(pr);
        return NULL;
    }
    pr->p = *p;
    pr->on_output = on_output;
    pr->on_end = on_end;
    pr->ud = ud;
    if (start(loop, pr, p->out_fd, err) < 0) {
        p->out_fd = -1;
        return NULL;
    }
    if (p->in_fd >= 0) close(p->in_fd); /* not used: a run reads no input */
    if (p->err_fd >= 0) close(p->err_fd);
    *p = (rae_sprite_proc){.pid = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1};
    return pr;
}

void srv_proc_kill(srv_proc *pr, int sig) {
    if (!pr->exited && pr->p.pid > 0) kill(pr->p.pid, sig);
}

int srv_proc_end_now(srv_proc *pr) {
    if (!pr->exited) {
        kill(pr->p.pid, SIGKILL); /* it ends at once: the wait is short */
        pr->status = -1;
        rae_sprite_proc_wait(&pr->p, 1, &pr->status);
    }
    int status = pr->status;
    close_all(pr);
    return status;
}
