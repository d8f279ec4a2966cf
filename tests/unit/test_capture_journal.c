/* capture/journal: what survives a crash. The HAR comes from whole lines only, in start order,
 * with the latest version of each page; a line cut short by a kill is dropped, not fatal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/journal.h"
#include "rae/capture.h"

typedef struct paths {
    char dir[64], journal[128], har[128];
} paths;

static void make_paths(paths *p) {
    snprintf(p->dir, sizeof p->dir, "/tmp/rae-journal-XXXXXX");
    assert_non_null(mkdtemp(p->dir));
    snprintf(p->har, sizeof p->har, "%s/out.har", p->dir);
    rae_capture_journal_path(p->har, p->journal, sizeof p->journal);
}

static void remove_paths(const paths *p) {
    unlink(p->journal);
    unlink(p->har);
    rmdir(p->dir);
}

static void put(journal *j, const char *kind, const char *json) {
    rae_err err;
    json_t *v = json_loads(json, 0, NULL);
    assert_non_null(v);
    assert_int_equal(journal_write(j, kind, v, &err), 0);
    json_decref(v);
}

static void append_raw(const char *path, const char *text) {
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void write_sample(const paths *p) {
    rae_err err;
    journal *j = journal_open(p->journal, &err);
    assert_non_null(j);
    put(j, "header",
        "{\"creator\":{\"name\":\"rae\",\"version\":\"t\"},"
        "\"browser\":{\"name\":\"Chromium\",\"version\":\"1\"}}");
    put(j, "page",
        "{\"id\":\"page_1\",\"title\":\"http://x/\",\"startedDateTime\":"
        "\"2026-01-01T00:00:00.000Z\",\"pageTimings\":{}}");
    put(j, "entry", "{\"startedDateTime\":\"2026-01-01T00:00:02.000Z\",\"n\":2}");
    put(j, "entry", "{\"startedDateTime\":\"2026-01-01T00:00:01.000Z\",\"n\":1}");
    put(j, "page",
        "{\"id\":\"page_1\",\"title\":\"Home\",\"startedDateTime\":"
        "\"2026-01-01T00:00:00.000Z\",\"pageTimings\":{\"onLoad\":5}}");
    assert_int_equal(journal_sync(j, &err), 0);
    journal_close(j);
}

static void test_order_pages_and_cut_tail(void **state) {
    (void)state;
    paths p;
    make_paths(&p);
    write_sample(&p);
    append_raw(p.journal, "{\"entry\":{\"startedDateTime\":\"2026-01-01T00:00:0"); /* the kill */
    journal_stats st;
    rae_err err;
    assert_int_equal(journal_to_har(p.journal, p.har, &st, &err), 0);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.pages, 1);
    assert_int_equal(st.cut_tail, 1);
    assert_int_equal(st.bad_lines, 0);
    json_error_t jerr;
    json_t *har = json_load_file(p.har, 0, &jerr);
    assert_non_null(har);
    json_t *log = json_object_get(har, "log");
    assert_string_equal(json_string_value(json_object_get(log, "version")), "1.2");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(log, "creator"), "version")), "t");
    json_t *entries = json_object_get(log, "entries");
    assert_int_equal(json_array_size(entries), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(entries, 0), "n")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(entries, 1), "n")), 2);
    json_t *page = json_array_get(json_object_get(log, "pages"), 0);
    assert_string_equal(json_string_value(json_object_get(page, "title")), "Home");
    json_decref(har);
    remove_paths(&p);
}

static void test_bad_line_in_the_middle(void **state) {
    (void)state;
    paths p;
    make_paths(&p);
    write_sample(&p);
    append_raw(p.journal, "garbage from a disk that lied\n{\"entry\":{\"startedDateTime\":"
                          "\"2026-01-01T00:00:03.000Z\",\"n\":3}}\n");
    journal_stats st;
    rae_err err;
    assert_int_equal(journal_to_har(p.journal, p.har, &st, &err), 0);
    assert_int_equal(st.entries, 3);
    assert_int_equal(st.bad_lines, 1);
    assert_int_equal(st.cut_tail, 0);
    remove_paths(&p);
}

static void test_recover_removes_the_journal(void **state) {
    (void)state;
    paths p;
    make_paths(&p);
    rae_err err;
    long n = -1;
    assert_int_equal(rae_capture_recover(p.har, &n, &err), -1);
    assert_int_equal(err.code, RAE_E_NOT_FOUND);
    assert_non_null(strstr(err.message, "no journal"));
    write_sample(&p);
    assert_int_equal(rae_capture_recover(p.har, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(access(p.journal, F_OK), -1);
    assert_int_equal(access(p.har, F_OK), 0);
    remove_paths(&p);
}

static void test_empty_journal(void **state) {
    (void)state;
    paths p;
    make_paths(&p);
    append_raw(p.journal, "");
    journal_stats st;
    rae_err err;
    assert_int_equal(journal_to_har(p.journal, p.har, &st, &err), 0);
    assert_int_equal(st.entries, 0);
    json_t *har = json_load_file(p.har, 0, NULL);
    assert_non_null(har);
    json_decref(har);
    remove_paths(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_pages_and_cut_tail),
        cmocka_unit_test(test_bad_line_in_the_middle),
        cmocka_unit_test(test_recover_removes_the_journal),
        cmocka_unit_test(test_empty_journal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
