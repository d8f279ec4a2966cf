/* server/head: where a request's head ends, and which heads the door refuses before lws reads
 * them (each case is one lws 4.1 dropped without an answer, answered in HTML, or routed
 * elsewhere). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "server/head.h"

static srv_head_refusal why;

/* srv_head_check of "LINE\r\n" + headers + "\r\n": 0, or the refusal's status. */
static int check(const char *line, const char *headers) {
    char head[SRV_HEAD_MAX * 2];
    int n = snprintf(head, sizeof head, "%s\r\nHost: x\r\n%s\r\n", line, headers);
    memset(&why, 0, sizeof why);
    return srv_head_check(head, (size_t)n, &why) == 0 ? 0 : why.status;
}

static int says(const char *words) {
    return strstr(why.message, words) != NULL;
}

static void test_end(void **state) {
    (void)state;
    const char *h = "GET / HTTP/1.1\r\nHost: x\r\n\r\nBODY";
    assert_int_equal(srv_head_end(h, strlen(h), 0), strlen(h) - 4);
    assert_int_equal(srv_head_end(h, strlen(h) - 5, 0), 0); /* the blank line not yet whole */
    const char *lf = "GET / HTTP/1.1\nHost: x\n\n";         /* bare LFs, as lws takes them */
    assert_int_equal(srv_head_end(lf, strlen(lf), 0), strlen(lf));
    assert_int_equal(srv_head_end("", 0, 0), 0);
    /* as it comes a byte at a time, asked each time from where it was: the same end */
    size_t end = 0;
    for (size_t n = 1; n <= strlen(h) && !end; n++)
        end = srv_head_end(h, n, n - 1);
    assert_int_equal(end, strlen(h) - 4);
}

static void test_good(void **state) {
    (void)state;
    assert_int_equal(check("GET /healthz HTTP/1.1", ""), 0);
    assert_int_equal(check("POST /api/sprite/u1/browser/navigate HTTP/1.0", "A: b\r\n"), 0);
    assert_int_equal(check("GET /api/sprite/u1/files?path=/workspace/a%26b%2541&download=1 "
                           "HTTP/1.1",
                           ""),
                     0);
    assert_int_equal(check("GET /api/nope\xff\xfe HTTP/1.1", ""), 0);   /* raw bytes: a 404 later */
    assert_int_equal(check("GET /api/sprite/...x/.y HTTP/1.1", ""), 0); /* not dot segments */
    assert_int_equal(check("GET /a/%2e%2e%2e HTTP/1.1", ""), 0);
    assert_int_equal(check("GET /files?path=../../etc HTTP/1.1", ""), 0); /* the query's own */
}

static void test_target(void **state) {
    (void)state;
    assert_int_equal(check("GET /api/sprite/%00 HTTP/1.1", ""), 400); /* lws: dropped */
    assert_true(says("NUL"));
    assert_int_equal(check("GET /api/sprite/u1/files?path=a%00b HTTP/1.1", ""), 400);
    assert_true(says("NUL"));
    assert_int_equal(check("GET /api/sprite/.. HTTP/1.1", ""), 400); /* lws: /api, the web app */
    assert_true(says("'..'"));
    assert_int_equal(check("GET /api/sprite/%2E%2e/files HTTP/1.1", ""), 400);
    assert_true(says("'..'"));
    assert_int_equal(check("GET /api/sprite/%2e HTTP/1.1", ""), 400);
    assert_true(says("'.'"));
    assert_int_equal(check("GET /api/sprite/a%2Fb HTTP/1.1", ""), 400); /* lws: /api/sprite/a/b */
    assert_true(says("slash"));
    assert_int_equal(check("GET /api/sprite/%zz HTTP/1.1", ""), 400); /* lws: 403 in HTML */
    assert_true(says("escape"));
    assert_int_equal(check("GET /api/sprite/% HTTP/1.1", ""), 400);
    assert_int_equal(check("GET /api/sprite/%4 HTTP/1.1", ""), 400);
    assert_int_equal(check("GET /a%0d%0aX:%20y HTTP/1.1", ""), 400);
    assert_true(says("control"));
    assert_int_equal(check("GET http://x/healthz HTTP/1.1", ""), 400);
    assert_int_equal(check("OPTIONS * HTTP/1.1", ""), 400);
    char args[512] = "GET /healthz?a", line[600];
    for (int i = 0; i < SRV_HEAD_ARGS_MAX; i++)
        strcat(args, "&a");
    snprintf(line, sizeof line, "%s HTTP/1.1", args);
    assert_int_equal(check(line, ""), 414); /* lws: dropped (out of fragments) */
    static char longer[SRV_TARGET_MAX + 64];
    memset(longer, 'a', sizeof longer);
    memcpy(longer, "GET /", 5);
    snprintf(longer + SRV_TARGET_MAX + 8, 32, " HTTP/1.1");
    assert_int_equal(check(longer, ""), 414);
}

static void test_line(void **state) {
    (void)state;
    assert_int_equal(check("FOO /healthz HTTP/1.1", ""), 405); /* lws: 403 in HTML */
    assert_string_equal(why.allow, "GET, POST, DELETE");
    assert_true(says("'FOO'"));
    assert_int_equal(check("get /healthz HTTP/1.1", ""), 405);
    assert_int_equal(check("GET /healthz HTTP/2.0", ""), 400);
    assert_int_equal(check("GET /healthz", ""), 400);
    assert_int_equal(check("", ""), 400);
}

static void test_headers(void **state) {
    (void)state;
    assert_int_equal(check("GET / HTTP/1.1", "X-A: 1\r\n  folded\r\n"), 400); /* lws: hangs */
    assert_true(says("folded"));
    assert_int_equal(check("GET / HTTP/1.1", "garbage line\r\n"), 400); /* lws: hangs */
    assert_true(says("'garbage line'"));
    assert_int_equal(check("GET / HTTP/1.1", "Bad Name: 1\r\n"), 400);
    assert_int_equal(check("GET / HTTP/1.1", ": 1\r\n"), 400);
    assert_int_equal(check("GET / HTTP/1.1", "X-A: a\x01"
                                             "b\r\n"),
                     400);
    assert_int_equal(check("GET / HTTP/1.1", "X-A: a\tb\r\n"), 0); /* a tab is allowed */
    char many[SRV_HEAD_LINES_MAX * 16] = "";
    for (int i = 0; i < SRV_HEAD_LINES_MAX; i++) /* with Host: one too many */
        strcat(many, "Accept: x\r\n");
    assert_int_equal(check("GET / HTTP/1.1", many), 431); /* lws: dropped */
    static char big[SRV_HEAD_MAX + 64];
    memset(big, 'a', sizeof big);
    memcpy(big, "X-Big: ", 7);
    memcpy(big + SRV_HEAD_MAX, "\r\n", 3);
    assert_int_equal(check("GET / HTTP/1.1", big), 431); /* lws: dropped */
    char nul[] = "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n";
    assert_int_equal(srv_head_check(nul, sizeof nul - 1, &why), -1);
    assert_true(says("NUL"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_end),  cmocka_unit_test(test_good),    cmocka_unit_test(test_target),
        cmocka_unit_test(test_line), cmocka_unit_test(test_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
