/* server/conns: connections counted per address and in all, with their caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "server/conns.h"

static const char *why;

/* A connection from addr, its wsi the address of slot (a stand-in pointer). */
static int open_one(srv_conns *c, const char *addr, char *slot) {
    if (srv_conns_accept(c, addr, 0, &why) < 0) return -1;
    srv_conns_created(c, slot);
    return 0;
}

static void test_per_peer(void **state) {
    (void)state;
    static char wsis[SRV_CONNS_PER_PEER + 1];
    srv_conns *c = srv_conns_new();
    for (int i = 0; i < SRV_CONNS_PER_PEER; i++)
        assert_int_equal(open_one(c, "10.0.0.1", &wsis[i]), 0);
    assert_int_equal(srv_conns_of(c, "10.0.0.1"), SRV_CONNS_PER_PEER);
    assert_int_equal(open_one(c, "10.0.0.1", &wsis[SRV_CONNS_PER_PEER]), -1);
    assert_non_null(strstr(why, "your address"));
    assert_int_equal(open_one(c, "10.0.0.2", &wsis[SRV_CONNS_PER_PEER]), 0); /* another one may */
    srv_conns_destroyed(c, &wsis[3]);
    assert_int_equal(open_one(c, "10.0.0.1", &wsis[3]), 0);        /* room again */
    assert_int_equal(srv_conns_accept(c, "10.0.0.1", 1, &why), 0); /* a proxy: no cap */
    srv_conns_free(c);
}

static void test_total_and_churn(void **state) {
    (void)state;
    static char wsis[SRV_CONNS_MAX + 1];
    srv_conns *c = srv_conns_new();
    char addr[32];
    for (int i = 0; i < SRV_CONNS_MAX; i++) {
        snprintf(addr, sizeof addr, "10.1.%d.%d", i / 250, i % 250);
        assert_int_equal(open_one(c, addr, &wsis[i]), 0);
    }
    assert_int_equal(srv_conns_total(c), SRV_CONNS_MAX);
    assert_int_equal(open_one(c, "10.9.9.9", &wsis[SRV_CONNS_MAX]), -1);
    assert_non_null(strstr(why, "as many connections"));
    for (int i = 0; i < SRV_CONNS_MAX; i++)
        srv_conns_destroyed(c, &wsis[i]);
    assert_int_equal(srv_conns_total(c), 0);
    /* addresses come and go far beyond the table's size: nothing fills up */
    for (int i = 0; i < 20 * SRV_CONNS_MAX; i++) {
        snprintf(addr, sizeof addr, "10.%d.%d.%d", i / 62500, i / 250 % 250, i % 250);
        assert_int_equal(open_one(c, addr, &wsis[i % 7]), 0);
        srv_conns_destroyed(c, &wsis[i % 7]);
    }
    assert_int_equal(srv_conns_total(c), 0);
    assert_int_equal(srv_conns_of(c, "10.0.0.1"), 0);
    srv_conns_destroyed(c, &wsis[0]); /* unknown: nothing happens */
    srv_conns_created(c, &wsis[0]);   /* not just accepted (a listener): not counted */
    assert_int_equal(srv_conns_total(c), 0);
    srv_conns_free(c);
}

/* The door counts a connection under its own key, then moves it to the wsi lws makes. */
static void test_move(void **state) {
    (void)state;
    static char door, wsi, other;
    srv_conns *c = srv_conns_new();
    assert_int_equal(open_one(c, "10.0.0.1", &door), 0);
    srv_conns_move(c, &door);
    srv_conns_created(c, &wsi); /* counted once, as the wsi */
    assert_int_equal(srv_conns_of(c, "10.0.0.1"), 1);
    assert_int_equal(srv_conns_total(c), 1);
    srv_conns_destroyed(c, &door); /* gone already: nothing */
    assert_int_equal(srv_conns_total(c), 1);
    srv_conns_destroyed(c, &wsi);
    assert_int_equal(srv_conns_of(c, "10.0.0.1"), 0);
    assert_int_equal(open_one(c, "10.0.0.2", &door), 0);
    srv_conns_move(c, &door);
    srv_conns_move(c, NULL); /* lws did not take it */
    srv_conns_created(c, &other);
    assert_int_equal(srv_conns_total(c), 0);
    srv_conns_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_peer),
        cmocka_unit_test(test_total_and_churn),
        cmocka_unit_test(test_move),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
