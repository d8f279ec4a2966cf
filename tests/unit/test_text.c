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

static void test_utf8_scrub(void **state) {
    (void)state;
    char ok[] = "caf\xc3\xa9 \xe2\x82\xac", bad[] = "a\xff"
                                                    "b\xc3(\xed\xa0\x80z\xc3";
    assert_int_equal(text_utf8_scrub(ok), 0);
    assert_string_equal(ok, "caf\xc3\xa9 \xe2\x82\xac");
    assert_int_equal(text_utf8_scrub(bad), 6);
    assert_string_equal(bad, "a?b?(???z?");
    assert_true(text_utf8_valid(bad, strlen(bad)));
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

static void test_unbase64(void **state) {
    (void)state;
    arena *a = arena_new();
    size_t n;
    assert_string_equal(text_unbase64(a, "", 0, &n), "");
    assert_int_equal(n, 0);
    assert_string_equal(text_unbase64(a, "Zg==", 4, &n), "f");
    assert_int_equal(n, 1);
    assert_string_equal(text_unbase64(a, "Zm8=", 4, &n), "fo");
    assert_string_equal(text_unbase64(a, "Zm9vYmFy", 8, &n), "foobar");
    assert_int_equal(n, 6);
    assert_memory_equal(text_unbase64(a, "AP/+", 4, &n), "\x00\xff\xfe", 3);
    assert_memory_equal(text_unbase64(a, "AP_-", 4, &n), "\x00\xff\xfe", 3); /* URL alphabet */
    assert_string_equal(text_unbase64(a, "Zm9v\r\nYmFy", 10, &n), "foobar"); /* line breaks */
    assert_string_equal(text_unbase64(a, "Zm9 vYmFy", 9, &n), "foobar");     /* a space */
    assert_string_equal(text_unbase64(a, "Zm9vYg", 6, &n), "foob");          /* no padding */
    assert_null(text_unbase64(a, "Zm9v!mFy", 8, &n));
    assert_null(text_unbase64(a, "Zm9vYmF\x80", 8, &n));
    /* a long run through the fast path, every byte value, then the padded tail */
    char bytes[1000];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (char)(i * 7 + 3);
    char *b64 = text_base64(a, bytes, sizeof bytes);
    const char *back = text_unbase64(a, b64, strlen(b64), &n);
    assert_int_equal(n, sizeof bytes);
    assert_memory_equal(back, bytes, sizeof bytes);
    assert_int_equal(text_base64_len(b64, strlen(b64)), sizeof bytes);
    for (size_t k = 0; k < 5; k++)
        assert_int_equal(
            text_base64_len(text_base64(a, bytes, k), strlen(text_base64(a, bytes, k))), k);
    arena_free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_scrub),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_unbase64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
