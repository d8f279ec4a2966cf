/* libFuzzer target for every parser of outside input in src/har: the entry scanner, the entry
 * decoder, the validator (with its strict JSON text checks) and the statistics pass. Built by
 * scripts/fuzz.sh (clang), and by ctest with tests/fuzz/replay_main.c to replay the corpus, the
 * seeds in tests/fuzz/seeds and any crash files kept in tests/fuzz/crashes. */
#include <stddef.h>
#include <stdint.h>

#include "engineer/internal.h"
#include "rae/engineer.h"
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
    rae_err err;
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
    /* The engineer and every generator, in memory. */
    eng_options o = eng_options_default();
    eng_model *m;
    if (eng_analyze(r, &o, &m, &err) == 0) {
        buf b = BUF_INIT;
        eng_gen_python(m, &(eng_options){0}, &b);
        eng_gen_replay(m, &(eng_options){0}, &b);
        eng_gen_openapi(m, &(eng_options){0}, &b);
        eng_gen_readme(m, &(eng_options){0}, &b);
        eng_gen_env(m, &(eng_options){.redact = 0}, &b);
        buf_free(&b);
        eng_model_free(m);
    }
    har_reader_free(r);
    return 0;
}
