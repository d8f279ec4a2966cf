/* sprite: the calls that may block are refused on the thread marked as an event loop's
 * (rae_sprites_on_loop), and allowed on any other; the quick ones are allowed everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rae/sprite.h"

typedef struct call {
    rae_sprites *d;
    int rc;
    rae_err err;
} call;

static void *list_files(void *arg) {
    call *c = arg;
    rae_sprite_file *all = NULL;
    size_t n = 0;
    c->rc = rae_sprite_files_list(c->d, "nosuch", "/workspace", &all, &n, &c->err);
    free(all);
    return NULL;
}

static void test_refused_on_the_loop(void **state) {
    (void)state;
    char dir[] = "/tmp/rae-sprite-loop-XXXXXX";
    rae_err err;
    assert_non_null(mkdtemp(dir));
    rae_sprite_local_opts o = {.data_dir = dir, .no_network = 1};
    rae_sprites *d = rae_sprites_local(&o, &err);
    assert_non_null(d);
    rae_sprites_on_loop(d);
    call here = {.d = d};
    list_files(&here); /* on the loop's thread: refused, whatever the sprite */
    assert_int_equal(here.rc, -1);
    assert_non_null(strstr(here.err.message, "on the event loop"));
    assert_int_equal(rae_sprite_touch(d, "nosuch", &err), -1);
    assert_non_null(strstr(err.message, "on the event loop"));
    /* a quick call is not */
    assert_int_equal(rae_sprite_get(d, "nosuch", NULL, &err), -1);
    assert_null(strstr(err.message, "event loop"));
    /* another thread may */
    call there = {.d = d};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, list_files, &there), 0);
    pthread_join(t, NULL);
    assert_int_equal(there.rc, -1);
    assert_null(strstr(there.err.message, "event loop"));
    assert_non_null(strstr(there.err.message, "nosuch"));
    rae_sprites_free(d);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_refused_on_the_loop)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
