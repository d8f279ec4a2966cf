#include "rae/har_stats.h"

#include "util/map.h"
#include "util/url.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct counter {
    long count, api;
} counter;

static void bump(smap *m, arena *a, const char *key, int api) {
    int created;
    void **slot = smap_slot(m, key, strlen(key), &created);
    if (created) *slot = arena_alloc(a, sizeof(counter));
    counter *c = *slot;
    c->count++;
    c->api += api;
}

static int by_count(const void *x, const void *y) {
    const har_count *a = x, *b = y;
    if (a->count != b->count) return a->count < b->count ? 1 : -1;
    return strcmp(a->name, b->name);
}

static har_count *export(smap *m, arena *a, size_t *n) {
    *n = smap_count(m);
    har_count *out = arena_alloc(a, (*n ? *n : 1) * sizeof *out);
    for (size_t i = 0; i < *n; i++) {
        counter *c = smap_value(m, i);
        out[i].name = arena_strdup(a, smap_key(m, i));
        out[i].count = c->count;
        out[i].api = c->api;
    }
    qsort(out, *n, sizeof *out, by_count);
    return out;
}

static void mime_key(const char *mime, char *out, size_t n) {
    size_t len = strcspn(mime, ";");
    while (len && (mime[len - 1] == ' '))
        len--;
    if (len == 0) {
        mime = "(none)";
        len = 6;
    }
    if (len >= n) len = n - 1;
    for (size_t i = 0; i < len; i++)
        out[i] = (char)(mime[i] >= 'A' && mime[i] <= 'Z' ? mime[i] + 32 : mime[i]);
    out[len] = '\0';
}

int har_stats_collect(har_reader *r, har_stats *st, rae_err *err) {
    memset(st, 0, sizeof *st);
    st->mem = arena_new();
    smap *hosts = smap_new(), *methods = smap_new(), *mimes = smap_new();
    arena *a = arena_new();
    har_site site;
    memset(&site, 0, sizeof site);
    har_entry *e;
    rae_err e_err;
    int rc;
    har_reader_rewind(r);
    while ((rc = har_reader_next(r, a, &e, &e_err)) != 0) {
        if (rc < 0) {
            if (!st->malformed++ && err) *err = e_err;
            st->bad_entries += e_err.at.entry >= 0;
            continue;
        }
        st->entries++;
        har_site_observe(&site, e, a);
        har_class c = har_classify(e, &site, a);
        st->by_class[c]++;
        url_parts u;
        bump(hosts, st->mem, url_parse(a, e->url, &u) == 0 && *u.host ? u.host : "(none)",
             c == HAR_CLASS_API);
        bump(methods, st->mem, e->method, 0);
        char mk[128];
        mime_key(e->resp_body.mime_type, mk, sizeof mk);
        if (e->status) bump(mimes, st->mem, mk, 0);
        st->status[e->status >= 100 && e->status < 600 ? e->status / 100 : 0]++;
        long long rs = e->resp_body.size > 0 ? e->resp_body.size : 0;
        if (rs == 0 && e->resp_body.text_len) rs = (long long)e->resp_body.text_len;
        st->response_body_bytes += rs;
        st->request_body_bytes += (long long)e->req_body.text_len;
        arena_reset(a);
    }
    snprintf(st->first_party, sizeof st->first_party, "%s", site.site);
    st->hosts = export(hosts, st->mem, &st->n_hosts);
    st->methods = export(methods, st->mem, &st->n_methods);
    st->mime_types = export(mimes, st->mem, &st->n_mime_types);
    smap_free(hosts);
    smap_free(methods);
    smap_free(mimes);
    arena_free(a);
    return 0;
}

void har_stats_free(har_stats *st) {
    arena_free(st->mem);
    st->mem = NULL;
}
