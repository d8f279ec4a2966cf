/* server/proc: a process watched on a libuv loop — all of its output, then one end with its
 * status; the end waits for output a child left behind; a server that stops ends it at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/proc.h"
#include "util/buf.h"

typedef struct seen {
    buf out;
    int ended, status;
    size_t out_at_end; /* bytes of output when the end came */
} seen;

static void on_output(void *ud, const char *data, size_t n) {
    seen *s = ud;
    assert_false(s->ended); /* no output after the end */
    buf_append(&s->out, data, n);
}

static void on_end(void *ud, int status) {
    seen *s = ud;
    s->ended++;
    s->status = status;
    s->out_at_end = s->out.len;
}

/* sh -c script in a child, its stdout (and stderr) to a pipe: a process as rae_sprite_exec
 * gives one. */
static rae_sprite_proc start(const char *script) {
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]);
        close(p[1]);
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    return (rae_sprite_proc){.pid = pid, .in_fd = -1, .out_fd = p[0], .err_fd = -1};
}

static void run(const char *script, seen *s) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    rae_sprite_proc p = start(script);
    rae_err err;
    srv_proc *pr = srv_proc_watch(&loop, &p, on_output, on_end, s, &err);
    assert_non_null(pr);
    assert_int_equal(p.pid, -1); /* handed over */
    assert_int_equal(p.out_fd, -1);
    uv_run(&loop, UV_RUN_DEFAULT); /* returns once the process and its handles are gone */
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_output_then_status(void **state) {
    (void)state;
    seen s = {.out = BUF_INIT};
    run("printf 'one\\n'; printf 'two'; exit 3", &s);
    assert_int_equal(s.ended, 1);
    assert_int_equal(s.status, 3);
    assert_string_equal(buf_str(&s.out), "one\ntwo");
    buf_free(&s.out);
}

static void test_end_waits_for_a_childs_output(void **state) {
    (void)state;
    seen s = {.out = BUF_INIT};
    /* the shell ends at once; what it started writes half a second later, to the same pipe */
    run("(sleep 0.5; printf late) & exit 0", &s);
    assert_int_equal(s.ended, 1);
    assert_int_equal(s.status, 0);
    assert_string_equal(buf_str(&s.out), "late");
    assert_int_equal(s.out_at_end, 4);
    buf_free(&s.out);
}

static void test_killed_by_a_signal(void **state) {
    (void)state;
    seen s = {.out = BUF_INIT};
    run("kill -TERM $$", &s);
    assert_int_equal(s.status, 128 + SIGTERM);
    buf_free(&s.out);
}

static void test_end_now(void **state) {
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    seen s = {.out = BUF_INIT};
    rae_sprite_proc p = start("exec sleep 30");
    rae_err err;
    srv_proc *pr = srv_proc_watch(&loop, &p, on_output, on_end, &s, &err);
    assert_non_null(pr);
    assert_int_equal(srv_proc_end_now(pr), 128 + SIGKILL);
    uv_run(&loop, UV_RUN_DEFAULT); /* the handles close; no callback comes */
    assert_int_equal(s.ended, 0);
    assert_int_equal(uv_loop_close(&loop), 0);
    buf_free(&s.out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_then_status),
        cmocka_unit_test(test_end_waits_for_a_childs_output),
        cmocka_unit_test(test_killed_by_a_signal),
        cmocka_unit_test(test_end_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
