/* The noise filter: what is an API call, and what is an asset, a page or a tracker. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "rae/har.h"
#include "rae/har_filter.h"

#define E(method, url, mime, type)                                                                 \
    "{\"request\":{\"method\":\"" method "\",\"url\":\"" url "\",\"headers\":[]},"                 \
    "\"response\":{\"status\":200,\"headers\":[],\"content\":{\"mimeType\":\"" mime "\"}},"        \
    "\"_resourceType\":\"" type "\"}"

/* Classifies every entry of the capture, in order, into classes[]. */
static void classify_all(const char *har, har_class *classes, size_t n) {
    har_reader *r;
    rae_err err;
    assert_int_equal(har_reader_open_mem(har, strlen(har), &r, &err), 0);
    har_site site;
    memset(&site, 0, sizeof site);
    arena *a = arena_new();
    har_entry *e;
    size_t i = 0;
    while (har_reader_next(r, a, &e, &err) == 1 && i < n) {
        har_site_observe(&site, e, a);
        classes[i++] = har_classify(e, &site, a);
        arena_reset(a);
    }
    assert_int_equal(i, n);
    arena_free(a);
    har_reader_free(r);
}

static void test_classes(void **state) {
    (void)state;
    // clang-format off
    const char *har = "{\"log\":{\"entries\":["
        E("GET", "https://shop.example/", "text/html", "document") ","
        E("GET", "https://shop.example/app.js", "application/javascript", "script") ","
        E("GET", "https://shop.example/api/items", "application/json", "fetch") ","
        E("POST", "https://shop.example/mob/tracking", "application/json", "xhr") ","
        E("GET", "https://cdn.other.example/lib.json", "application/json", "fetch") "]}}";
    // clang-format on
    har_class c[5];
    classify_all(har, c, 5);
    assert_int_equal(c[0], HAR_CLASS_DOCUMENT);
    assert_int_equal(c[1], HAR_CLASS_ASSET);
    assert_int_equal(c[2], HAR_CLASS_API);
    assert_int_equal(c[3], HAR_CLASS_TRACKER);
    assert_int_equal(c[4], HAR_CLASS_THIRD_PARTY);
}

/* A bot-management sensor posts back to the URL its script came from. */
static void test_sensor_posting_to_its_script(void **state) {
    (void)state;
    // clang-format off
    const char *har = "{\"log\":{\"entries\":["
        E("GET", "https://shop.example/", "text/html", "document") ","
        E("GET", "https://shop.example/Mkn4XY/OIuho/1aJH9/gJcIEA", "application/javascript", "script") ","
        E("POST", "https://shop.example/Mkn4XY/OIuho/1aJH9/gJcIEA", "application/json", "xhr") ","
        E("POST", "https://shop.example/api/cart", "application/json", "xhr") "]}}";
    // clang-format on
    har_class c[4];
    classify_all(har, c, 4);
    assert_int_equal(c[2], HAR_CLASS_TRACKER);
    assert_int_equal(c[3], HAR_CLASS_API);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_sensor_posting_to_its_script),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
