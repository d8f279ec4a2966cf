/* libFuzzer target for every parser of outside input in src/har: the entry scanner, the entry
 * decoder, the validator and the statistics pass. Built by scripts/fuzz.sh (clang), and by ctest
 * with tests/fuzz/replay_main.c to replay the corpus and any crash files kept in
 * tests/fuzz/crashes. */
#include <stddef.h>
#include <stdint.h>

#include "rae/har.h"
#include "rae/har_stats.h"
#include "rae/har_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *user, const har_problem *p) {
    (void)user;
    (void)p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    har_reader *r;
    har_error err;
    if (har_reader_open_mem((const char *)data, size, &r, &err) < 0) return 0;
    arena *a = arena_new();
    har_entry *e;
    int rc;
    while ((rc = har_reader_next(r, a, &e, &err)) != 0) {
        if (rc > 0) {
            size_t len;
            har_body_bytes(&e->resp_body, a, &len);
            har_body_bytes(&e->req_body, a, &len);
        }
        arena_reset(a);
    }
    arena_free(a);
    har_validate(r, ignore, NULL, &err);
    har_stats st;
    har_stats_collect(r, &st, &err);
    har_stats_free(&st);
    har_reader_free(r);
    return 0;
}
