/* The HAR reader: what real tools write is accepted, malformed input is named precisely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rae/har.h"

static har_reader *open_str(const char *s, rae_err *err) {
    har_reader *r = NULL;
    return har_reader_open_mem(s, strlen(s), &r, err) == 0 ? r : NULL;
}

static void test_entry_fields(void **state) {
    (void)state;
    const char *har =
        "\xEF\xBB\xBF{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"t\",\"version\":\"1\"},"
        "\"entries\":[{\"startedDateTime\":\"2024-01-01T00:00:00Z\",\"time\":12.5,"
        "\"request\":{\"method\":\"POST\",\"url\":\"https://a.example/"
        "x?q=1\",\"httpVersion\":\"HTTP/1.1\","
        "\"headers\":[{\"name\":\"Content-Type\",\"value\":\"application/"
        "json\"},{\"name\":\"X-N\",\"value\":7}],"
        "\"queryString\":[{\"name\":\"q\",\"value\":\"1\"}],\"cookies\":[],"
        "\"postData\":{\"mimeType\":\"application/json\",\"text\":\"{\\\"a\\\":1}\"}},"
        "\"response\":{\"status\":201,\"statusText\":\"Created\",\"headers\":[],\"cookies\":[],"
        "\"content\":{\"size\":-1,\"mimeType\":\"application/"
        "octet-stream\",\"encoding\":\"base64\","
        "\"text\":\"aGVsbG8=\"},\"redirectURL\":\"\"},\"_resourceType\":\"fetch\"}]}}";
    rae_err err;
    har_reader *r = open_str(har, &err);
    assert_non_null(r);
    assert_string_equal(har_reader_info(r)->version, "1.2");
    assert_int_equal(har_reader_info(r)->n_entries, -1); /* known once read through */
    arena *a = arena_new();
    har_entry *e;
    assert_int_equal(har_reader_next(r, a, &e, &err), 1);
    assert_string_equal(e->method, "POST");
    assert_string_equal(e->url, "https://a.example/x?q=1");
    assert_string_equal(har_entry_req_header(e, "content-type"), "application/json");
    assert_string_equal(har_entry_req_header(e, "x-n"), "7");
    assert_true(e->has_req_body);
    assert_string_equal(har_body_text(&e->req_body, a, NULL), "{\"a\":1}");
    assert_int_equal(e->status, 201);
    assert_int_equal(e->resp_body.size, -1);
    size_t len;
    const char *bytes = har_body_bytes(&e->resp_body, a, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(bytes, "hello", 5);
    assert_string_equal(e->resource_type, "fetch");
    assert_int_equal(har_reader_next(r, a, &e, &err), 0);
    assert_int_equal(har_reader_info(r)->n_entries, 1);
    har_reader_rewind(r);
    assert_int_equal(har_reader_next(r, a, &e, &err), 1);
    arena_free(a);
    har_reader_free(r);
}

static void expect_open_error(const char *har, const char *needle, size_t line) {
    rae_err err;
    memset(&err, 0, sizeof err.message);
    har_reader *r = open_str(har, &err);
    assert_null(r);
    if (!strstr(err.message, needle)) fail_msg("message '%s' lacks '%s'", err.message, needle);
    assert_int_equal(err.at.line, line);
}

/* Opens fine (what precedes the entries is sound), then reading names the problem once. */
static void expect_read_error(const char *har, const char *needle, size_t line, long entry) {
    rae_err err;
    memset(&err, 0, sizeof err.message);
    har_reader *r = open_str(har, &err);
    assert_non_null(r);
    arena *a = arena_new();
    har_entry *e;
    int rc, errors = 0;
    while ((rc = har_reader_next(r, a, &e, &err)) != 0)
        if (rc < 0) {
            errors++;
            if (!strstr(err.message, needle))
                fail_msg("message '%s' lacks '%s'", err.message, needle);
            assert_int_equal(err.at.line, line);
            assert_int_equal(err.at.entry, entry);
        }
    assert_int_equal(errors, 1);
    arena_free(a);
    har_reader_free(r);
}

static void test_malformed_files(void **state) {
    (void)state;
    expect_open_error("", "empty file", 0);
    expect_open_error("[1,2]", "does not start with a JSON object", 1);
    expect_open_error("{\"x\":{}}", "no \"log\"", 0);
    expect_open_error("{\"log\":{\"version\":\"1.2\"}}", "no \"entries\"", 0);
    expect_open_error("{\"log\":{\n\"entries\":{}}}", "not an array", 2);
    expect_open_error("{\"log\":{\"pages\":[\"abc]}}", "unterminated string", 1);
    expect_read_error("{\"log\":{\"entries\":[\n{\"request\":\n", "end of input", 3, 0);
    expect_read_error(
        "{\"log\":{\"entries\":[{\"request\":{\"method\":\"GET\",\"url\":\"http://h/\"}}\n,",
        "end of file inside log.entries", 2, -1);
    expect_read_error("{\"log\":{\"entries\":[]}} trailing", "after the top-level", 1, -1);
    expect_read_error("{\"log\":{\"entries\":[],\n\"x\":}}", "unexpected", 2, -1);
    expect_read_error("{\"log\":{\"entries\":[{\"a\":\"abc]}}", "unterminated string", 1, 0);
}

static void test_bad_entry_is_named_and_skipped(void **state) {
    (void)state;
    const char *har = "{\"log\":{\"entries\":[\n"
                      "{\"request\":{\"method\":\"GET\",\"url\":5}},\n"
                      "{\"request\":{\"method\":\"GET\",\"url\":\"http://h/"
                      "\"},\"response\":{\"status\":\"204\"}},\n"
                      "{\"request\":{\"method\":\"GET\",\"url\":\"http://h/\",\"headers\":{}}},\n"
                      "{\"request\":{\"method\":\"GET\" \"url\":\"http://h/\"}}\n"
                      "]}}";
    rae_err err;
    har_reader *r = open_str(har, &err);
    assert_non_null(r);
    arena *a = arena_new();
    har_entry *e;
    assert_int_equal(har_reader_next(r, a, &e, &err), -1);
    assert_int_equal(err.at.entry, 0);
    assert_int_equal(err.at.line, 2);
    assert_non_null(strstr(err.message, "request.url is not a string"));
    assert_int_equal(har_reader_next(r, a, &e, &err), 1);
    assert_int_equal(e->index, 1);
    assert_int_equal(e->status, 204); /* numeric strings are tolerated */
    assert_int_equal(har_reader_next(r, a, &e, &err), -1);
    assert_non_null(strstr(err.message, "request.headers is not an array"));
    assert_int_equal(har_reader_next(r, a, &e, &err), -1);
    assert_int_equal(err.at.entry, 3);
    assert_int_equal(err.at.line, 5);
    assert_int_equal(har_reader_next(r, a, &e, &err), 0);
    arena_free(a);
    har_reader_free(r);
}

static void test_invalid_text_is_repaired(void **state) {
    (void)state;
    /* Latin-1 bytes, a lone surrogate escape and a raw tab inside strings. */
    const char *har =
        "{\"log\":{\"entries\":[{\"request\":{\"method\":\"GET\",\"url\":\"http://h/caf\xE9\"},"
        "\"response\":{\"status\":200,\"content\":{\"text\":\"x\\ud800y\tz\"}}}]}}";
    rae_err err;
    har_reader *r = open_str(har, &err);
    assert_non_null(r);
    arena *a = arena_new();
    har_entry *e;
    assert_int_equal(har_reader_next(r, a, &e, &err), 1);
    assert_string_equal(e->url, "http://h/caf\xEF\xBF\xBD");
    assert_string_equal(har_body_text(&e->resp_body, a, NULL), "x\xEF\xBF\xBDy\tz");
    arena_free(a);
    har_reader_free(r);
}

static void test_deep_nesting_fails_cleanly(void **state) {
    (void)state;
    size_t n = 100000;
    char *s = malloc(n * 2 + 64);
    strcpy(s, "{\"log\":{\"entries\":[{\"request\":");
    size_t at = strlen(s);
    for (size_t i = 0; i < n; i++)
        s[at++] = '[';
    s[at] = '\0';
    rae_err err;
    har_reader *r = open_str(s, &err);
    assert_non_null(r); /* entries are parsed as they are read */
    arena *a = arena_new();
    har_entry *e;
    assert_int_equal(har_reader_next(r, a, &e, &err), -1);
    assert_non_null(strstr(err.message, "too deep"));
    assert_int_equal(har_reader_next(r, a, &e, &err), 0);
    arena_free(a);
    har_reader_free(r);
    free(s);
}

/* Every file in the shared corpus opens and every entry decodes, but the two malformed ones. */
/* Counting without parsing: every entry whose brackets match counts, however it is malformed
 * inside, and an entry of millions of values costs no memory for them. */
static void test_skip_counts(void **state) {
    (void)state;
    const char *har = "{\"log\":{\"entries\":[\n"
                      "{\"request\":{\"method\":\"GET\",\"url\":5}},\n"
                      "{\"a\":\"]}\\\"\"} ,\n"
                      "{\"request\":{\"method\":\"GET\" \"url\":\"http://h/\"}}\n"
                      "]}}";
    rae_err err;
    har_reader *r = open_str(har, &err);
    assert_non_null(r);
    for (int i = 0; i < 3; i++)
        assert_int_equal(har_reader_skip(r, &err), 1);
    assert_int_equal(har_reader_skip(r, &err), 0);
    har_reader_free(r);
    r = open_str("{\"log\":{\"entries\":[{\"a\":[1,2}, {}]}}", &err);
    assert_non_null(r);
    assert_int_equal(har_reader_skip(r, &err), -1);
    assert_non_null(strstr(err.message, "entry 0"));
    assert_int_equal(har_reader_skip(r, &err), 0);
    har_reader_free(r);
    size_t n = 3000000;
    char *big = malloc(64 + 2 * n);
    assert_non_null(big);
    size_t len = (size_t)sprintf(big, "{\"log\":{\"entries\":[{\"x\":[");
    for (size_t i = 0; i < n; i++)
        big[len++] = '0', big[len++] = ',';
    len += (size_t)sprintf(big + len - 1, "]}]}}") - 1;
    assert_int_equal(har_reader_open_mem(big, len, &r, &err), 0);
    assert_int_equal(har_reader_skip(r, &err), 1);
    assert_int_equal(har_reader_skip(r, &err), 0);
    har_reader_free(r);
    free(big);
}

static void test_corpus(void **state) {
    (void)state;
    DIR *d = opendir(RAE_CORPUS); /* tests/corpus/har */
    if (!d) fail_msg("%s: the corpus is part of the repository", RAE_CORPUS);
    struct dirent *de;
    int files = 0, rejected = 0;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".har") != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", RAE_CORPUS, de->d_name);
        har_reader *r;
        rae_err err;
        files++;
        if (har_reader_open(path, &r, &err) < 0) {
            rejected++;
            assert_true(strstr(de->d_name, "corrupted") || strstr(de->d_name, "har_extractor"));
            continue;
        }
        arena *a = arena_new();
        har_entry *e;
        int rc;
        long n = 0;
        while ((rc = har_reader_next(r, a, &e, &err)) != 0) {
            if (rc < 0) fail_msg("%s", err.message);
            n++;
            arena_reset(a);
        }
        assert_int_equal(n, har_reader_info(r)->n_entries);
        arena_free(a);
        har_reader_free(r);
        assert_int_equal(har_reader_open(path, &r, &err), 0); /* counted again, not parsed */
        long skipped = 0;
        while ((rc = har_reader_skip(r, &err)) != 0)
            skipped += rc == 1;
        assert_int_equal(skipped, n);
        har_reader_free(r);
    }
    closedir(d);
    assert_true(files >= 60);
    assert_int_equal(rejected, 2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_fields),
        cmocka_unit_test(test_malformed_files),
        cmocka_unit_test(test_bad_entry_is_named_and_skipped),
        cmocka_unit_test(test_invalid_text_is_repaired),
        cmocka_unit_test(test_deep_nesting_fails_cleanly),
        cmocka_unit_test(test_skip_counts),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
