/* eng_analyze: the whole analysis, in order: ingest (noise out, values and their sources),
 * endpoints (templates, parameters, schemas, names), session (auth, flows, pagination, calls). */
#include "engineer/ingest.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

eng_options eng_options_default(void) {
    eng_options o;
    memset(&o, 0, sizeof o);
    o.max_calls = 500;
    return o;
}

static void progress(const eng_options *o, const char *stage, const char *message, long done) {
    if (!o->on_event) return;
    rae_event ev = {0};
    ev.type = RAE_EV_PROGRESS;
    ev.stage = stage;
    ev.message = message;
    ev.done = ev.total = done;
    o->on_event(o->event_user, &ev);
}

static void free_re(void *re) {
    if (!re) return;
    regfree(re);
    free(re);
}

int eng_analyze(har_reader *r, const eng_options *o, eng_model **out, rae_err *err) {
    eng_model *m = calloc(1, sizeof *m);
    if (!m) abort();
    m->mem = arena_new();
    m->source = arena_strdup(m->mem, har_reader_path(r));
    ingest in = {.a = m->mem,
                 .o = o,
                 .calls = PVEC_INIT,
                 .index = smap_new(),
                 .sent = smap_new(),
                 .refs = smap_new(),
                 .set_cookies = smap_new(),
                 .configs = smap_new(),
                 .keys = PVEC_INIT,
                 .recorder = ""};
    memset(err, 0, sizeof *err);
    int rc = eng_ingest(&in, r, m, err);
    if (rc == 0) {
        progress(o, "endpoints", "inferring path templates, parameters and schemas", 0);
        eng_build_endpoints(&in, m);
        char found[64]; /* done = total = the count, for pages that show it */
        snprintf(found, sizeof found, "%zu endpoint%s found", m->n_endpoints,
                 m->n_endpoints == 1 ? "" : "s");
        progress(o, "endpoints", found, (long)m->n_endpoints);
        progress(o, "flows", "tracing values, auth and pagination", 0);
        eng_build_session(&in, m);
        eng_build_oauth(&in, m);
        eng_build_origins(&in, m);
        eng_build_fresh(&in, m);
        eng_build_signature(&in, m);
        eng_build_endpoint_headers(&in, m);
    }
    pvec_free(&in.calls);
    smap_free(in.index);
    smap_free(in.sent);
    smap_free(in.refs);
    smap_free(in.set_cookies);
    smap_free(in.configs);
    pvec_free(&in.keys);
    free_re(in.include_re);
    free_re(in.exclude_re);
    if (rc < 0) {
        eng_model_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

void eng_model_free(eng_model *m) {
    if (!m) return;
    arena_free(m->mem);
    free(m);
}
