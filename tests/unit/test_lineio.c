/* util/lineio: both sides of rae's line-JSON RPC over a UNIX socket, as a sprite's supervisor and
 * a capture's control socket speak it: an exchange, a line that is no JSON, an answer too long,
 * a server that never answers (the deadline holds), and a client that never asks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/lineio.h"

typedef struct server {
    int listen_fd;
    char why[200]; /* what the handler was told of a bad line */
    int calls;
} server;

static json_t *handle(void *ctx, json_t *req, const char *why) {
    server *s = ctx;
    s->calls++;
    if (!req) {
        snprintf(s->why, sizeof s->why, "%s", why);
        return json_pack("{s:s}", "error", why);
    }
    const char *op = json_string_value(json_object_get(req, "op"));
    if (op && strcmp(op, "big") == 0) { /* an answer longer than a client takes */
        char *pad = calloc(1, 9000);
        memset(pad, 'x', 8999);
        json_t *j = json_pack("{s:s}", "pad", pad);
        free(pad);
        return j;
    }
    return json_pack("{s:s?,s:b}", "echo", op, "ok", 1);
}

static void *serve(void *arg) {
    server *s = arg;
    lineio_serve_one(s->listen_fd, 300, 4096, handle, s);
    return NULL;
}

/* A listening socket and one that connected to it; the server's thread started. */
static int pair(server *s, pthread_t *t) {
    char path[108];
    snprintf(path, sizeof path, "/tmp/rae-lineio-%d.sock", (int)getpid());
    unlink(path);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(s->listen_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(s->listen_fd, 4), 0);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    unlink(path);
    assert_int_equal(pthread_create(t, NULL, serve, s), 0);
    return fd;
}

static void done(server *s, pthread_t t, int fd) {
    pthread_join(t, NULL);
    close(fd);
    close(s->listen_fd);
}

static void test_exchange(void **state) {
    (void)state;
    server s = {0};
    pthread_t t;
    int fd = pair(&s, &t);
    json_t *req = json_pack("{s:s}", "op", "status");
    json_t *got = lineio_call(fd, req, 4096, 2000);
    assert_non_null(got);
    assert_string_equal(json_string_value(json_object_get(got, "echo")), "status");
    json_decref(got);
    json_decref(req);
    done(&s, t, fd);
}

static void test_not_json(void **state) {
    (void)state;
    server s = {0};
    pthread_t t;
    int fd = pair(&s, &t);
    char line[256];
    assert_true(lineio_exchange(fd, "[1,2]\n", 6, line, sizeof line, 2000) > 0);
    assert_non_null(strstr(line, "not a JSON object"));
    assert_string_equal(s.why, "not a JSON object");
    done(&s, t, fd);
}

static void test_answer_too_long(void **state) {
    (void)state;
    server s = {0};
    pthread_t t;
    int fd = pair(&s, &t);
    json_t *req = json_pack("{s:s}", "op", "big");
    errno = 0;
    assert_null(lineio_call(fd, req, 4096, 2000));
    assert_int_equal(errno, EMSGSIZE);
    json_decref(req);
    done(&s, t, fd);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A peer that takes the request and never answers: the call gives up at its deadline. */
static void test_deadline(void **state) {
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    json_t *req = json_pack("{s:s}", "op", "status");
    double t0 = now();
    errno = 0;
    assert_null(lineio_call(sv[0], req, 4096, 200));
    assert_int_equal(errno, ETIMEDOUT);
    assert_true(now() - t0 < 2.0);
    json_decref(req);
    close(sv[0]);
    close(sv[1]);
}

/* A client that connects and says nothing: the server answers it as a bad line after its time. */
static void test_silent_client(void **state) {
    (void)state;
    server s = {0};
    pthread_t t;
    int fd = pair(&s, &t);
    double t0 = now();
    pthread_join(t, NULL);
    assert_true(now() - t0 < 2.0);
    assert_int_equal(s.calls, 1);
    close(fd);
    close(s.listen_fd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exchange),        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_answer_too_long), cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_silent_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
