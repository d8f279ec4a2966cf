/* server/proxy: which peers are trusted proxies, and the client's address behind them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "server/proxy.h"

static void test_parse(void **state) {
    (void)state;
    srv_proxies p;
    rae_err err;
    const char *good[] = {"10.0.0.5", "10.0.0.0/8", "::1", "fd00::/8", "0.0.0.0/0"};
    assert_int_equal(srv_proxies_parse(&p, good, 5, &err), 0);
    assert_int_equal(p.n, 5);
    const char *bad[][1] = {{"10.0.0"}, {"10.0.0.0/33"}, {"10.0.0.0/"}, {"::1/129"}, {"x"}, {""}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(srv_proxies_parse(&p, bad[i], 1, &err), -1);
        assert_non_null(strstr(err.message, bad[i][0]));
    }
}

static void test_trust(void **state) {
    (void)state;
    srv_proxies p;
    const char *nets[] = {"10.1.0.0/16", "192.168.1.7", "fd00::/8"};
    assert_int_equal(srv_proxies_parse(&p, nets, 3, NULL), 0);
    assert_true(srv_proxies_trust(&p, "10.1.200.3"));
    assert_false(srv_proxies_trust(&p, "10.2.0.1"));
    assert_true(srv_proxies_trust(&p, "192.168.1.7"));
    assert_false(srv_proxies_trust(&p, "192.168.1.8"));
    assert_true(srv_proxies_trust(&p, "fd12::1"));
    assert_false(srv_proxies_trust(&p, "fe80::1"));
    assert_false(srv_proxies_trust(&p, "not an address"));
}

static void test_client(void **state) {
    (void)state;
    srv_proxies none, p;
    const char *nets[] = {"127.0.0.1", "10.0.0.0/8"};
    assert_int_equal(srv_proxies_parse(&none, NULL, 0, NULL), 0);
    assert_int_equal(srv_proxies_parse(&p, nets, 2, NULL), 0);
    char out[64];
    /* no proxy configured: the header is anyone's to write, so it is ignored */
    srv_proxies_client(&none, "127.0.0.1", "1.2.3.4", out, sizeof out);
    assert_string_equal(out, "127.0.0.1");
    /* from a peer that is not a proxy: ignored too */
    srv_proxies_client(&p, "5.6.7.8", "1.2.3.4", out, sizeof out);
    assert_string_equal(out, "5.6.7.8");
    /* from a proxy: the right-most entry not a proxy (what the client wrote is further left) */
    srv_proxies_client(&p, "127.0.0.1", "9.9.9.9, 1.2.3.4", out, sizeof out);
    assert_string_equal(out, "1.2.3.4");
    srv_proxies_client(&p, "127.0.0.1", "9.9.9.9,1.2.3.4 , 10.0.0.2", out, sizeof out);
    assert_string_equal(out, "1.2.3.4");
    /* all trusted: the left-most */
    srv_proxies_client(&p, "127.0.0.1", "10.0.0.3, 10.0.0.2", out, sizeof out);
    assert_string_equal(out, "10.0.0.3");
    /* no header, or garbage: the proxy itself (or the last address that was one) */
    srv_proxies_client(&p, "127.0.0.1", "", out, sizeof out);
    assert_string_equal(out, "127.0.0.1");
    srv_proxies_client(&p, "127.0.0.1", "unknown", out, sizeof out);
    assert_string_equal(out, "127.0.0.1");
    srv_proxies_client(&p, "127.0.0.1", "garbage, 10.0.0.2", out, sizeof out);
    assert_string_equal(out, "10.0.0.2");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_trust),
        cmocka_unit_test(test_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
