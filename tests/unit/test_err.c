/* err: rae's one error type — set, prefix (the code and place kept), copy, clear, names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rae/err.h"

static void test_set(void **state) {
    (void)state;
    rae_err e;
    assert_int_equal(rae_err_set(&e, RAE_E_NOT_FOUND, "no sprite '%s'", "a"), -1);
    assert_int_equal(e.code, RAE_E_NOT_FOUND);
    assert_string_equal(e.message, "no sprite 'a'");
    assert_int_equal(e.at.line, 0);
    assert_int_equal(e.at.entry, -1);
    assert_int_equal(rae_err_fail(&e, "disk full"), -1);
    assert_int_equal(e.code, RAE_E_FAIL);
    assert_int_equal(rae_err_fail(NULL, "nobody listens"), -1); /* NULL: the caller does not care */
}

static void test_prefix_keeps_code_and_place(void **state) {
    (void)state;
    rae_err e;
    rae_err_set(&e, RAE_E_INVALID, "a.har:3:7: entry 2: not an object");
    e.at.line = 3;
    e.at.reason = strlen("a.har:3:7: entry 2: ");
    assert_int_equal(rae_err_prefix(&e, "reading %s", "a.har"), -1);
    assert_string_equal(e.message, "reading a.har: a.har:3:7: entry 2: not an object");
    assert_int_equal(e.code, RAE_E_INVALID);
    assert_int_equal(e.at.line, 3);
    assert_string_equal(e.message + e.at.reason, "not an object");
}

static void test_prefix_truncates(void **state) {
    (void)state;
    rae_err e;
    char long_text[sizeof e.message + 100];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    rae_err_fail(&e, "%s", long_text);
    rae_err_prefix(&e, "head");
    assert_int_equal(strlen(e.message), sizeof e.message - 1);
    assert_memory_equal(e.message, "head: xxx", 9);
}

static void test_copy_clear_names(void **state) {
    (void)state;
    rae_err a, b;
    rae_err_set(&a, RAE_E_LIMIT, "over budget");
    assert_int_equal(rae_err_copy(&b, &a), -1);
    assert_int_equal(b.code, RAE_E_LIMIT);
    assert_string_equal(b.message, "over budget");
    assert_int_equal(rae_err_copy(&a, &a), -1); /* onto itself: nothing moves */
    assert_int_equal(rae_err_copy(NULL, &a), -1);
    rae_err_clear(&b);
    assert_int_equal(b.code, RAE_E_OK);
    assert_string_equal(b.message, "");
    assert_string_equal(rae_err_name(RAE_E_NOT_FOUND), "not_found");
    assert_string_equal(rae_err_name(RAE_E_BUSY), "busy");
    assert_string_equal(rae_err_name((rae_errc)99), "fail");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_prefix_keeps_code_and_place),
        cmocka_unit_test(test_prefix_truncates),
        cmocka_unit_test(test_copy_clear_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
