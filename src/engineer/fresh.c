/* Values made fresh per request: a header whose value changes with every request and comes from
 * no earlier answer (an idempotency key, a request id, a timestamp, a nonce) is not a constant to
 * send again but a kind of value the client makes anew for each call. */
#include "engineer/ingest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The kind of a fresh value by its form; -1 when it has none of them. */
static int kind_of(const char *v) {
    size_t n = strlen(v);
    if (eng_segment_kind(v) == SEG_UUID) return ENG_FRESH_UUID;
    if (strspn(v, "0123456789") == n && (n == 10 || n == 13) && v[0] == '1')
        return n == 10 ? ENG_FRESH_UNIX : ENG_FRESH_UNIX_MS;
    if (n >= 19 && isdigit((unsigned char)v[0]) && v[4] == '-' && v[7] == '-' && v[10] == 'T' &&
        v[13] == ':' && v[16] == ':')
        return ENG_FRESH_ISO;
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=";
    const char *upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", *lower = "abcdefghijklmnopqrstuvwxyz";
    if (n < 8 || n > 256 || strspn(v, alphabet) != n) return -1;
    int digits = strpbrk(v, "0123456789") != NULL, letters = strpbrk(v, upper) || strpbrk(v, lower);
    /* random base64 of 16 bytes and more may have no digit (one in forty of 22 characters) */
    if ((digits && letters) || (n >= 16 && strpbrk(v, upper) && strpbrk(v, lower)))
        return ENG_FRESH_NONCE;
    return -1;
}

/* A header the client sets by other means: a session value, If-Match, a demanded constant. */
static int managed(const eng_model *m, const raw_call *c, const raw_value *v) {
    if (v->where != RAW_HEADER || v->src.kind != ENG_SRC_NONE) return 1;
    if (c->sig_name && strcasecmp(c->sig_name, v->name) == 0) return 1; /* signed: signature.c */
    if (strcasecmp(v->name, "if-match") == 0 || strcasecmp(v->name, "accept") == 0) return 1;
    for (size_t s = 0; s < m->n_session; s++)
        if (strcasecmp(m->session[s].wire_name, v->name) == 0) return 1;
    for (size_t o = 0; o < m->n_origins; o++) {
        if (strcmp(m->origins[o].url, c->origin) != 0) continue;
        for (size_t h = 0; h < m->origins[o].n_headers; h++)
            if (strcasecmp(m->origins[o].headers[2 * h], v->name) == 0) return 1;
    }
    return 0;
}

/* Whether a time value went back against the one before it by more than a minute (calls made at
 * once may interleave by a little): a time that is not "now". */
static int went_back(int kind, const char *before, const char *v) {
    if (!before) return 0;
    if (kind == ENG_FRESH_ISO) return strncmp(v, before, 16) < 0;
    double b = strtod(before, NULL), now = strtod(v, NULL);
    return (b - now) / (kind == ENG_FRESH_UNIX_MS ? 1000.0 : 1.0) > 60.0;
}

/* Whether header `name` is fresh across the capture: every value it had is of one kind, they are
 * not all the same, and none was sent more than twice (a call and its retry). A time is "now"
 * when it never goes back: calls in one second share it. */
static int is_fresh(ingest *in, const eng_model *m, const char *name, int *kind,
                    const char **sample) {
    smap *seen = smap_new();
    long sent = 0, distinct = 0;
    int ok = 1;
    *kind = -1;
    for (size_t k = 0; k < in->calls.n && ok; k++) {
        const raw_call *c = in->calls.items[k];
        for (size_t i = 0; c->ep && i < c->n_values && ok; i++) {
            const raw_value *v = &c->values[i];
            if (v->where != RAW_HEADER || strcasecmp(v->name, name) != 0) continue;
            if (managed(m, c, v) || kind_of(v->value) < 0 ||
                (*kind >= 0 && kind_of(v->value) != *kind)) {
                ok = 0;
                break;
            }
            *kind = kind_of(v->value);
            int is_time = *kind != ENG_FRESH_UUID && *kind != ENG_FRESH_NONCE;
            if (is_time && went_back(*kind, *sample, v->value)) {
                ok = 0;
                break;
            }
            *sample = v->value;
            int created;
            void **slot = smap_slot(seen, v->value, strlen(v->value), &created);
            distinct += created;
            *slot = (void *)((long)(created ? 0 : (long)*slot) + 1);
            ok = is_time || (long)*slot <= 2;
            sent++;
        }
    }
    smap_free(seen);
    return ok && sent > 0 && distinct > 1 && *kind >= 0;
}

static size_t add_fresh(arena *a, pvec *all, const char *name, int kind, const char *sample) {
    for (size_t i = 0; i < all->n; i++)
        if (strcasecmp(((eng_fresh *)all->items[i])->name, name) == 0) return i;
    eng_fresh *f = arena_alloc(a, sizeof *f);
    *f = (eng_fresh){name, (eng_fresh_kind)kind, sample};
    pvec_push(all, f);
    return all->n - 1;
}

void eng_build_fresh(ingest *in, eng_model *m) {
    pvec all = PVEC_INIT;
    smap *decided = smap_new(); /* header name (lower case) -> 1 fresh, 2 not */
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        for (size_t i = 0; c->ep && i < c->n_values; i++) {
            const raw_value *v = &c->values[i];
            if (v->where != RAW_HEADER) continue;
            char *lower = arena_strdup(in->a, v->name);
            for (char *p = lower; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            long verdict = (long)smap_gets(decided, lower);
            int kind;
            const char *sample = NULL;
            if (!verdict) {
                verdict = is_fresh(in, m, v->name, &kind, &sample) ? 1 : 2;
                smap_put(decided, lower, (void *)verdict);
                if (verdict == 1) add_fresh(in->a, &all, v->name, kind, sample);
            }
            if (verdict == 1)
                eng_index_add(in->a, &c->ep->fresh, &c->ep->n_fresh,
                              add_fresh(in->a, &all, v->name, 0, 0));
        }
    }
    m->n_fresh = all.n;
    m->fresh = arena_alloc(in->a, (all.n + 1) * sizeof *m->fresh);
    for (size_t i = 0; i < all.n; i++)
        m->fresh[i] = *(eng_fresh *)all.items[i];
    pvec_free(&all);
    smap_free(decided);
}
