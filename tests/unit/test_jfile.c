/* util/jfile: a JSON file replaced whole while other threads replace and read it, as sprite.json is
 * by the server's loop, its worker threads and the CLI at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/jfile.h"

#define ROUNDS 300

typedef struct writer {
    const char *path;
    int id, failures;
} writer;

static void *write_many(void *arg) {
    writer *w = arg;
    rae_err err;
    for (int i = 0; i < ROUNDS; i++) {
        /* sizes differ between writers, so that a mix of two would not parse */
        json_t *j = json_pack("{s:i,s:i,s:s}", "writer", w->id, "round", i, "pad",
                              w->id ? "a much longer value than the other writer's" : "x");
        w->failures += jfile_replace(j, w->path, 0644, JSON_INDENT(1), &err) != 0;
        json_decref(j);
    }
    return NULL;
}

static void test_concurrent_writers(void **state) {
    (void)state;
    char dir[] = "/tmp/rae-jfile-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/sprite.json", dir);
    writer w[2] = {{path, 0, 0}, {path, 1, 0}};
    json_t *first = json_pack("{s:i}", "round", -1);
    assert_int_equal(jfile_replace(first, path, 0644, 0, NULL), 0); /* it exists from now on */
    json_decref(first);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, write_many, &w[i]), 0);
    int reads = 0, bad = 0;
    for (; reads < 2000; reads++) { /* what a reader sees meanwhile is always one whole file */
        json_t *j = json_load_file(path, 0, NULL);
        bad += !j;
        json_decref(j);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(w[0].failures + w[1].failures, 0);
    assert_int_equal(bad, 0);
    json_t *last = json_load_file(path, 0, NULL);
    assert_non_null(last);
    assert_int_equal(json_integer_value(json_object_get(last, "round")), ROUNDS - 1);
    json_decref(last);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    /* no temporary file is left behind */
    DIR *d = opendir(dir);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)))
        files += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 1);
    unlink(path);
    rmdir(dir);
}

static void test_error_names_the_file(void **state) {
    (void)state;
    rae_err err;
    json_t *j = json_object();
    assert_int_equal(jfile_replace(j, "/nonexistent-dir/x.json", 0644, 0, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent-dir/x.json"));
    json_decref(j);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_error_names_the_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
