/* util/text: UTF-8 validity and base64, the checks that decide how a file part is carried. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "util/text.h"

static void test_utf8_valid(void **state) {
    (void)state;
    assert_true(text_utf8_valid("", 0));
    assert_true(text_utf8_valid("plain ascii", 11));
    assert_true(text_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x99\x82", 14));
    assert_false(text_utf8_valid("\x89PNG", 4));          /* a stray continuation byte */
    assert_false(text_utf8_valid("\xc3", 1));             /* cut short */
    assert_false(text_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(text_utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
    assert_false(text_utf8_valid("\xed\xa0\x80", 3));     /* a surrogate */
    assert_false(text_utf8_valid("\xf4\x90\x80\x80", 4)); /* beyond U+10FFFF */
}

static void test_base64(void **state) {
    (void)state;
    arena *a = arena_new();
    assert_string_equal(text_base64(a, "", 0), "");
    assert_string_equal(text_base64(a, "f", 1), "Zg==");
    assert_string_equal(text_base64(a, "fo", 2), "Zm8=");
    assert_string_equal(text_base64(a, "foo", 3), "Zm9v");
    assert_string_equal(text_base64(a, "foobar", 6), "Zm9vYmFy");
    assert_string_equal(text_base64(a, "\x00\xff\xfe", 3), "AP/+");
    arena_free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
