/* har_validate holds the JSON text to RFC 8259: bytes that are not UTF-8, raw control characters
 * and invalid escapes are errors; lone surrogate escapes and duplicate keys are warnings. Each is
 * named at its exact line and column with its entry and field, and the lenient readers (entries,
 * statistics) read the same files as before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rae/har.h"
#include "rae/har_stats.h"
#include "rae/har_validate.h"
#include "util/map.h"

#define MAX_PROBLEMS 64

typedef struct seen {
    long entry;
    size_t line, column;
    char path[256];
    char message[512];
    har_severity severity;
} seen;

typedef struct problems {
    seen items[MAX_PROBLEMS];
    size_t n;
    long errors; /* what har_validate returned */
} problems;

static void collect(void *user, const har_problem *p) {
    problems *ps = user;
    assert_true(ps->n < MAX_PROBLEMS);
    seen *s = &ps->items[ps->n++];
    s->entry = p->entry;
    s->line = p->line;
    s->column = p->column;
    snprintf(s->path, sizeof s->path, "%s", p->path);
    snprintf(s->message, sizeof s->message, "%s", p->message);
    s->severity = p->severity;
}

static void validate(const char *har, problems *ps) {
    har_reader *r = NULL;
    rae_err err;
    memset(ps, 0, sizeof *ps);
    if (har_reader_open_mem(har, strlen(har), &r, &err) < 0) fail_msg("open: %s", err.message);
    ps->errors = har_validate(r, collect, ps, &err);
    har_reader_free(r);
}

/* 1-based line and column (in bytes) of the first occurrence of needle in s. */
static void place_of(const char *s, const char *needle, size_t *line, size_t *column) {
    const char *at = strstr(s, needle), *line_start = s;
    if (!at) fail_msg("'%s' is not in the test input", needle);
    *line = 1;
    for (const char *p = s; p < at; p++)
        if (*p == '\n') {
            (*line)++;
            line_start = p + 1;
        }
    *column = (size_t)(at - line_start) + 1;
}

/* Asserts problem i: its severity, entry, field and message, at the place of `at` in har. */
static void expect(const char *har, const problems *ps, size_t i, har_severity sev, long entry,
                   const char *at, const char *path, const char *needle) {
    size_t line, column;
    if (i >= ps->n) fail_msg("problem %zu expected (\"%s\"), only %zu reported", i, needle, ps->n);
    const seen *s = &ps->items[i];
    place_of(har, at, &line, &column);
    if (!strstr(s->message, needle)) fail_msg("message '%s' lacks '%s'", s->message, needle);
    assert_string_equal(s->path, path);
    assert_int_equal(s->severity, sev);
    assert_int_equal(s->entry, entry);
    assert_int_equal(s->line, line);
    assert_int_equal(s->column, column);
}

#define HEAD                                                                                       \
    "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"t\",\"version\":\"1\"},\"entries\":[\n"
#define TAIL "\n]}}"

/* A conformant entry; url is the raw text between the quotes of request.url, header what follows
 * {"name":"A", in the request's one header. */
static char *entry(const char *url, const char *header) {
    char *s = malloc(4096);
    snprintf(s, 4096,
             "{\"startedDateTime\":\"2024-01-01T00:00:00Z\",\"time\":1,\n"
             "\"request\":{\"method\":\"GET\",\"url\":\"%s\",\"httpVersion\":\"HTTP/1.1\","
             "\"cookies\":[],\"headers\":[{\"name\":\"A\",%s}],\"queryString\":[],"
             "\"headersSize\":-1,\"bodySize\":-1},\n"
             "\"response\":{\"status\":200,\"statusText\":\"OK\",\"httpVersion\":\"HTTP/1.1\","
             "\"cookies\":[],\"headers\":[],\"content\":{\"size\":1,\"mimeType\":\"text/plain\","
             "\"text\":\"x\"},\"redirectURL\":\"\",\"headersSize\":-1,\"bodySize\":-1},\n"
             "\"cache\":{},\"timings\":{\"send\":0,\"wait\":0,\"receive\":0}}",
             url, header);
    return s;
}

/* HEAD, a conformant entry 0, then entry 1 with the given url and header text, TAIL. */
static char *har_with(const char *url, const char *header) {
    char *good = entry("http://h/", "\"value\":\"1\""), *bad = entry(url, header);
    size_t n = strlen(HEAD) + strlen(good) + strlen(bad) + strlen(TAIL) + 4;
    char *s = malloc(n);
    snprintf(s, n, "%s%s,\n%s%s", HEAD, good, bad, TAIL);
    free(good);
    free(bad);
    return s;
}

static void test_conformant_file_has_no_problem(void **state) {
    (void)state;
    problems ps;
    /* Non-ASCII UTF-8 (2, 3 and 4 bytes), escapes of every kind and a surrogate pair. */
    char *har = har_with("http://h/caf\xC3\xA9/\xE2\x82\xAC/\xF0\x9F\x98\x80?q=\\ud83d\\ude00",
                         "\"value\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"");
    validate(har, &ps);
    if (ps.n) fail_msg("unexpected: %s: %s", ps.items[0].path, ps.items[0].message);
    assert_int_equal(ps.errors, 0);
    free(har);
}

static void test_invalid_utf8_in_a_value(void **state) {
    (void)state;
    problems ps;
    /* Latin-1 (a lead byte without its continuation), then a stray continuation byte. */
    char *har = har_with("http://h/caf\xE9-\x80", "\"value\":\"1\"");
    validate(har, &ps);
    assert_int_equal(ps.n, 1);
    assert_int_equal(ps.errors, 1);
    expect(har, &ps, 0, HAR_SEVERITY_ERROR, 1, "\xE9", "request.url",
           "invalid UTF-8 (truncated sequence: E9), and 1 more in this string");
    free(har);
}

static void test_invalid_utf8_in_a_key(void **state) {
    (void)state;
    problems ps;
    char *har = har_with("http://h/", "\"value\":\"1\",\"x-\xFF\":\"2\"");
    validate(har, &ps);
    assert_int_equal(ps.n, 1);
    expect(har, &ps, 0, HAR_SEVERITY_ERROR, 1, "\xFF", "request.headers[0][\"x-\\xFF\"]",
           "invalid UTF-8 in the key (byte that never occurs in UTF-8: FF)");
    free(har);
}

static void test_overlong_encodings(void **state) {
    (void)state;
    problems ps;
    /* '/' as two bytes, and as three. */
    char *har = har_with("http://h/\xC0\xAF", "\"value\":\"\xE0\x80\xAF\"");
    validate(har, &ps);
    assert_int_equal(ps.n, 2);
    assert_int_equal(ps.errors, 2);
    expect(har, &ps, 0, HAR_SEVERITY_ERROR, 1, "\xC0", "request.url",
           "invalid UTF-8 (overlong encoding: C0 AF)");
    expect(har, &ps, 1, HAR_SEVERITY_ERROR, 1, "\xE0", "request.headers[0].value",
           "invalid UTF-8 (overlong encoding: E0 80 AF)");
    free(har);
}

static void test_surrogates_and_beyond_in_utf8(void **state) {
    (void)state;
    problems ps;
    /* U+D800 encoded in UTF-8 (CESU-8 and WTF-8 write that), and U+110000. */
    char *har = har_with("http://h/\xED\xA0\x80", "\"value\":\"\xF4\x90\x80\x80\"");
    validate(har, &ps);
    assert_int_equal(ps.n, 2);
    expect(har, &ps, 0, HAR_SEVERITY_ERROR, 1, "\xED", "request.url",
           "invalid UTF-8 (UTF-16 surrogate encoded in UTF-8: ED A0 80)");
    expect(har, &ps, 1, HAR_SEVERITY_ERROR, 1, "\xF4", "request.headers[0].value",
           "invalid UTF-8 (code point above U+10FFFF: F4 90 80 80)");
    free(har);
}

static void test_lone_surrogate_escapes_are_warnings(void **state) {
    (void)state;
    problems ps;
    char *har = har_with("http://h/\\ud800x", "\"value\":\"a\\uDC00\\ud83d\"");
    validate(har, &ps);
    assert_int_equal(ps.n, 2);
    assert_int_equal(ps.errors, 0); /* conformant: JSON's grammar allows them */
    expect(har, &ps, 0, HAR_SEVERITY_WARNING, 1, "\\ud800x", "request.url",
           "lone surrogate \\ud800 (high, no low half follows): not a Unicode character");
    expect(har, &ps, 1, HAR_SEVERITY_WARNING, 1, "\\uDC00", "request.headers[0].value",
           "lone surrogate \\uDC00 (low, no high half before it): not a Unicode character; rae "
           "reads U+FFFD, other readers may reject it, and 1 more in this string");
    free(har);
}

static void test_control_characters_and_bad_escapes(void **state) {
    (void)state;
    problems ps;
    char *har = har_with("http://h/\tx", "\"value\":\"a\\qb\\u12G4\"");
    validate(har, &ps);
    assert_int_equal(ps.n, 2);
    assert_int_equal(ps.errors, 2);
    expect(har, &ps, 0, HAR_SEVERITY_ERROR, 1, "\tx", "request.url",
           "raw control character U+0009 (JSON requires it escaped)");
    expect(har, &ps, 1, HAR_SEVERITY_ERROR, 1, "\\qb", "request.headers[0].value",
           "invalid escape \\q, and 1 more in this string");
    free(har);
}

/* Several kinds in one string: each once, in file order (whatever the order of their kinds). */
static void test_issues_of_one_string_in_file_order(void **state) {
    (void)state;
    problems ps;
    char *har = har_with("http://h/\\ud800\x01\\q\xFF\x02", "\"value\":\"1\"");
    validate(har, &ps);
    assert_int_equal(ps.n, 4);
    expect(har, &ps, 0, HAR_SEVERITY_WARNING, 1, "\\ud800", "request.url", "lone surrogate");
    expect(har, &ps, 1, HAR_SEVERITY_ERROR, 1, "\x01", "request.url",
           "raw control character U+0001 (JSON requires it escaped), and 1 more in this string");
    expect(har, &ps, 2, HAR_SEVERITY_ERROR, 1, "\\q", "request.url", "invalid escape \\q");
    expect(har, &ps, 3, HAR_SEVERITY_ERROR, 1, "\xFF", "request.url", "invalid UTF-8");
    free(har);
}

static void test_duplicate_keys_in_an_entry_and_a_header(void **state) {
    (void)state;
    problems ps;
    char *har = har_with("http://h/\",\"url\":\"http://other/", "\"value\":\"1\",\n\"name\":\"B\"");
    validate(har, &ps);
    assert_int_equal(ps.n, 2);
    assert_int_equal(ps.errors, 0);
    size_t line, column;
    char want[128];
    place_of(har, "\"url\":\"http://h/\",\"url\"", &line, &column);
    snprintf(want, sizeof want, "duplicate key \"url\" (first at %zu:%zu)", line, column);
    expect(har, &ps, 0, HAR_SEVERITY_WARNING, 1, "\"url\":\"http://other/", "request.url", want);
    place_of(har, "\"name\":\"A\",\"value\":\"1\",\n", &line, &column);
    snprintf(want, sizeof want, "duplicate key \"name\" (first at %zu:%zu)", line, column);
    expect(har, &ps, 1, HAR_SEVERITY_WARNING, 1, "\"name\":\"B\"", "request.headers[0].name", want);
    free(har);
}

static void test_duplicate_keys_at_the_top_level_and_in_log(void **state) {
    (void)state;
    problems ps;
    const char *har =
        "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"t\",\"version\":\"1\"},\n"
        "\"entries\":[],\n"
        "\"version\":\"1.1\",\"entries\":[{\"x\":\"\xFF\"}]},\n"
        "\"log\":{\"entries\":[]}}";
    validate(har, &ps);
    assert_int_equal(ps.n, 4);
    assert_int_equal(ps.errors, 1);
    expect(har, &ps, 0, HAR_SEVERITY_WARNING, -1, "\"version\":\"1.1\"", "log.version",
           "duplicate key \"version\" (first at 1:9)");
    expect(har, &ps, 1, HAR_SEVERITY_WARNING, -1, "\"entries\":[{", "log.entries",
           "duplicate key \"entries\" (first at 2:1)");
    /* The second entries array is not HAR rae reads, but another reader would: its text counts. */
    expect(har, &ps, 2, HAR_SEVERITY_ERROR, -1, "\xFF", "log.entries[0].x", "invalid UTF-8");
    expect(har, &ps, 3, HAR_SEVERITY_WARNING, -1, "\"log\":{\"entries\":[]}}", "log",
           "duplicate key \"log\" (first at 1:2): JSON readers differ on which value they keep");
}

static void test_escaped_names_are_compared_decoded(void **state) {
    (void)state;
    problems ps;
    char *har = har_with("http://h/", "\"value\":\"1\",\"v\\u0061lue\":\"2\"");
    validate(har, &ps);
    assert_int_equal(ps.n, 1);
    expect(har, &ps, 0, HAR_SEVERITY_WARNING, 1, "\"v\\u0061lue\"",
           "request.headers[0][\"v\\u0061lue\"]", "duplicate key \"v\\u0061lue\"");
    free(har);
}

/* An object too large to compare pairwise: a hash table, or sorting when the names collide. */
static void check_large_object(int colliding) {
    char names[64][16], *har = malloc(8192);
    size_t n = 0, at;
    for (unsigned k = 0; n < 40; k++) {
        snprintf(names[n], sizeof names[n], "k%u", k);
        if (!colliding || (rae_hash(names[n], strlen(names[n])) & 127) == 5) n++;
    }
    at = (size_t)snprintf(har, 8192, "%s{\"request\":{", HEAD);
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(har + at, 8192 - at, "\"%s\":%zu,", names[i], i);
    snprintf(har + at, 8192 - at, "\"%s\":0}}%s", names[17], TAIL);
    problems ps;
    validate(har, &ps);
    size_t dups = 0;
    for (size_t i = 0; i < ps.n; i++)
        if (strstr(ps.items[i].message, "duplicate key")) {
            dups++;
            char want[64];
            snprintf(want, sizeof want, "duplicate key \"%s\"", names[17]);
            assert_non_null(strstr(ps.items[i].message, want));
        }
    assert_int_equal(dups, 1);
    free(har);
}

static void test_duplicates_in_large_objects(void **state) {
    (void)state;
    check_large_object(0);
    check_large_object(1);
}

static void test_syntax_the_scanner_lets_through(void **state) {
    (void)state;
    problems ps;
    /* Before the entries the reader only delimits scalars: "1x" and "tru" reached no check. */
    const char *har = "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":\"t\",\"version\":1x},"
                      "\"entries\":[],\"comment\":tru}}";
    validate(har, &ps);
    assert_int_equal(ps.n, 2);
    expect(har, &ps, 0, HAR_SEVERITY_ERROR, -1, "x}", HAR_PROBLEM_SYNTAX,
           "expected ',' or '}' in object");
    expect(har, &ps, 1, HAR_SEVERITY_ERROR, -1, "tru", HAR_PROBLEM_SYNTAX, "invalid literal");
}

/* What validate reports, the lenient readers read as before: U+FFFD for what is not Unicode, the
 * first of duplicate members. */
static void test_other_readers_still_read(void **state) {
    (void)state;
    char *har = har_with("http://h/\xED\xA0\x80\\ud800\",\"url\":\"http://other/",
                         "\"value\":\"\xC0\xAF\"");
    har_reader *r;
    rae_err err;
    assert_int_equal(har_reader_open_mem(har, strlen(har), &r, &err), 0);
    arena *a = arena_new();
    har_entry *e;
    assert_int_equal(har_reader_next(r, a, &e, &err), 1);
    assert_int_equal(har_reader_next(r, a, &e, &err), 1);
    assert_string_equal(e->url, "http://h/\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_string_equal(har_entry_req_header(e, "a"), "\xEF\xBF\xBD\xEF\xBF\xBD");
    assert_int_equal(har_reader_next(r, a, &e, &err), 0);
    har_stats st;
    assert_int_equal(har_stats_collect(r, &st, &err), 0);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.bad_entries, 0);
    har_stats_free(&st);
    arena_free(a);
    har_reader_free(r);
    free(har);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conformant_file_has_no_problem),
        cmocka_unit_test(test_invalid_utf8_in_a_value),
        cmocka_unit_test(test_invalid_utf8_in_a_key),
        cmocka_unit_test(test_overlong_encodings),
        cmocka_unit_test(test_surrogates_and_beyond_in_utf8),
        cmocka_unit_test(test_lone_surrogate_escapes_are_warnings),
        cmocka_unit_test(test_control_characters_and_bad_escapes),
        cmocka_unit_test(test_issues_of_one_string_in_file_order),
        cmocka_unit_test(test_duplicate_keys_in_an_entry_and_a_header),
        cmocka_unit_test(test_duplicate_keys_at_the_top_level_and_in_log),
        cmocka_unit_test(test_escaped_names_are_compared_decoded),
        cmocka_unit_test(test_duplicates_in_large_objects),
        cmocka_unit_test(test_syntax_the_scanner_lets_through),
        cmocka_unit_test(test_other_readers_still_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
