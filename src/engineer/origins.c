/* Origins: the client holds one base URL per origin the capture called, named by its role
 * ("api", "auth"); it finds each the way the page did (the page's configuration names it), and
 * sends the headers that an API demands on every call to it (a vendor Accept, an API version). */
#include "engineer/ingest.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The origin most API calls went to. */
static const char *busiest(const eng_model *m) {
    const char *best = NULL;
    long best_n = 0;
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const char *o = m->endpoints[i]->origin;
        long n = 0;
        for (size_t j = 0; j < m->n_endpoints; j++)
            if (strcmp(m->endpoints[j]->origin, o) == 0) n += m->endpoints[j]->samples;
        if (n > best_n) {
            best = o;
            best_n = n;
        }
    }
    return best ? best : "";
}

/* The page that names origin o in its configuration, when the client keeps it (a kept page of
 * another origin), else NULL. */
static const raw_call *config_page(ingest *in, const char *o) {
    const eng_source *s = smap_gets(in->configs, o);
    const raw_call *page = s ? in->calls.items[s->call] : NULL;
    return page && page->ep && page->ep->is_page && strcmp(page->origin, o) != 0 ? page : NULL;
}

/* The primary origin: that of the first page which names the others (replay.py --base-url
 * takes it; a sign-in server that later redirects back to the page names it too), else the
 * busiest. */
static const char *primary(ingest *in, const eng_model *m) {
    const raw_call *first = NULL;
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const raw_call *page = config_page(in, m->endpoints[i]->origin);
        if (page && (!first || page->entry < first->entry)) first = page;
    }
    return first ? first->origin : busiest(m);
}

/* The role a configuration key says: "apiBase", "api_base_url", "AUTH_URL" -> "api", "auth". */
static const char *role_of_key(arena *a, const char *key) {
    static const char *const noise[] = {"base", "url",    "uri",     "origin", "host",   "endpoint",
                                        "root", "server", "address", "href",   "prefix", NULL};
    const char *ident = eng_py_ident(a, key);
    buf out = BUF_INIT;
    for (const char *p = ident; *p;) {
        size_t n = strcspn(p, "_");
        int skip = 0;
        for (size_t i = 0; noise[i] && !skip; i++)
            skip = strlen(noise[i]) == n && strncmp(p, noise[i], n) == 0;
        if (!skip && n) {
            if (out.len) buf_putc(&out, '_');
            buf_append(&out, p, n);
        }
        p += n + (p[n] == '_');
    }
    const char *role = out.len ? arena_strdup(a, buf_str(&out)) : NULL;
    buf_free(&out);
    return role;
}

/* "api" of https://api.example.com: the first label of a name of three labels or more. */
static const char *role_of_host(arena *a, const char *origin) {
    const char *host = strstr(origin, "://");
    host = host ? host + 3 : origin;
    size_t n = strcspn(host, ":/"), dots = 0;
    for (size_t i = 0; i < n; i++)
        dots += host[i] == '.';
    if (dots < 2 || isdigit((unsigned char)host[n - 1]) || strncasecmp(host, "www.", 4) == 0)
        return NULL;
    return eng_py_ident(a, arena_strndup(a, host, strcspn(host, ".")));
}

/* An origin that signs people in: a login, a token or an authorization endpoint. */
static int signs_in(const eng_model *m, const char *o) {
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const eng_endpoint *ep = m->endpoints[i];
        if (strcmp(ep->origin, o) == 0 &&
            (ep->is_login || strstr(ep->path, "/token") || strstr(ep->path, "/authorize") ||
             strstr(ep->path, "/oauth")))
            return 1;
    }
    return 0;
}

static const char *role_of(arena *a, const eng_model *m, const eng_origin *o) {
    /* a configuration's key names the role; a redirect's Location does not */
    int keyed = o->config.kind != ENG_SRC_NONE && o->config.kind != ENG_SRC_LOCATION;
    const char *role = keyed ? role_of_key(a, o->config.key) : NULL;
    if (!role) role = role_of_host(a, o->url);
    if (!role) role = signs_in(m, o->url) ? "auth" : "api";
    return role;
}

/* Roles are unique, never "base" (the primary's), and leave the client's own names alone. */
static const char *unique_role(arena *a, const eng_model *m, const char *role) {
    const char *r = strcmp(role, "base") == 0 || strcmp(role, "env") == 0 ? "site" : role;
    for (int n = 2;; n++) {
        int taken = 0;
        for (size_t i = 0; i < m->n_origins && !taken; i++)
            taken = m->origins[i].role && strcmp(m->origins[i].role, r) == 0;
        if (!taken) return r;
        r = arena_printf(a, "%s_%d", role, n);
    }
}

/* Whether the header is the client's to set by other means (a session value, a conditional
 * request) rather than one the API demands as a constant. */
static int managed_header(const eng_model *m, const char *name) {
    if (strcasecmp(name, "if-match") == 0 || strcasecmp(name, "authorization") == 0) return 1;
    for (size_t s = 0; s < m->n_session; s++)
        if ((m->session[s].use == ENG_USE_HEADER || m->session[s].use == ENG_USE_BEARER) &&
            strcasecmp(m->session[s].wire_name, name) == 0)
            return 1;
    return 0;
}

/* A header sent by some calls: its value, and how many calls sent each value. */
typedef struct sent_header {
    const char *name, *value;
    long calls;
} sent_header;

/* Counts header v among *all (name without case, value exactly). */
static void count_header(arena *a, pvec *all, const raw_value *v) {
    for (size_t i = 0; i < all->n; i++) {
        sent_header *h = all->items[i];
        if (strcasecmp(h->name, v->name) == 0 && strcmp(h->value, v->value) == 0) {
            h->calls++;
            return;
        }
    }
    sent_header *h = arena_alloc(a, sizeof *h);
    *h = (sent_header){v->name, v->value, 1};
    pvec_push(all, h);
}

/* Whether a header before all->items[i] has its name. */
static int named_before(const pvec *all, size_t i) {
    const sent_header *h = all->items[i];
    for (size_t j = 0; j < i; j++)
        if (strcasecmp(((const sent_header *)all->items[j])->name, h->name) == 0) return 1;
    return 0;
}

/* The "Name", "value" array of *pairs (freed), and its count of pairs. */
static const char **pairs_of(arena *a, pvec *pairs, size_t *n) {
    const char **out = arena_alloc(a, (pairs->n + 1) * sizeof *out);
    for (size_t i = 0; i < pairs->n; i++)
        out[i] = pairs->items[i];
    *n = pairs->n / 2;
    pvec_free(pairs);
    return out;
}

/* Headers every API call to o sent: the API demands them. When calls sent a header with several
 * values (an Accept that also names application/pdf), the one most calls sent is the origin's;
 * the endpoints that always send another say so themselves (eng_build_endpoint_headers). A header
 * whose values no majority shares is made per call (fresh.c). */
static void demanded_headers(ingest *in, const eng_model *m, eng_origin *o) {
    pvec all = PVEC_INIT, pairs = PVEC_INIT;
    long n_calls = 0;
    for (size_t k = 0; k < in->calls.n; k++) {
        const raw_call *c = in->calls.items[k];
        if (!c->ep || c->cls != HAR_CLASS_API || strcmp(c->origin, o->url) != 0) continue;
        n_calls++;
        for (size_t i = 0; i < c->n_values; i++)
            if (c->values[i].where == RAW_HEADER && !managed_header(m, c->values[i].name))
                count_header(in->a, &all, &c->values[i]);
    }
    for (size_t i = 0; i < all.n; i++) {
        const sent_header *h = all.items[i], *best = h;
        if (named_before(&all, i)) continue;
        long total = 0;
        for (size_t j = i; j < all.n; j++) {
            const sent_header *g = all.items[j];
            if (strcasecmp(g->name, h->name) != 0) continue;
            total += g->calls;
            if (g->calls > best->calls) best = g;
        }
        if (total != n_calls || best->calls * 2 <= n_calls) continue; /* not a value per call */
        pvec_push(&pairs, (void *)best->name);
        pvec_push(&pairs, (void *)best->value);
    }
    o->headers = pairs_of(in->a, &pairs, &o->n_headers);
    pvec_free(&all);
}

static void add_origin(ingest *in, eng_model *m, const char *url) {
    for (size_t i = 0; i < m->n_origins; i++)
        if (strcmp(m->origins[i].url, url) == 0) return;
    eng_origin *o = &m->origins[m->n_origins];
    memset(o, 0, sizeof *o);
    o->url = url;
    const raw_call *page = m->n_origins ? config_page(in, url) : NULL;
    if (page) o->config = *(eng_source *)smap_gets(in->configs, url);
    const char *role = m->n_origins ? unique_role(in->a, m, role_of(in->a, m, o)) : "base";
    o->role = role;
    o->env_name = arena_printf(in->a, "RAE_%s_URL", role);
    for (char *p = (char *)o->env_name; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    demanded_headers(in, m, o);
    m->n_origins++;
}

void eng_build_origins(ingest *in, eng_model *m) {
    m->base_url = primary(in, m);
    m->origins = arena_alloc(in->a, (m->n_endpoints + 1) * sizeof *m->origins);
    if (*m->base_url) add_origin(in, m, m->base_url);
    for (size_t i = 0; i < m->n_endpoints; i++)
        add_origin(in, m, m->endpoints[i]->origin);
    /* The config's call is an index into the raw calls: the model's calls count only the kept. */
    for (size_t i = 0; i < m->n_origins; i++) {
        eng_source *cfg = &m->origins[i].config;
        if (cfg->kind == ENG_SRC_NONE) continue;
        const raw_call *page = in->calls.items[cfg->call];
        cfg->call = -1;
        for (size_t c = 0; c < m->n_calls && cfg->call < 0; c++)
            if (m->calls[c].entry == page->entry) cfg->call = (long)c;
    }
}

/* The value origin o demands for header `name`, or NULL. */
static const char *origin_value(const eng_origin *o, const char *name) {
    for (size_t h = 0; o && h < o->n_headers; h++)
        if (strcasecmp(o->headers[2 * h], name) == 0) return o->headers[2 * h + 1];
    return NULL;
}

/* Whether v is a header the client makes for ep by other means: a session value, a fresh value,
 * the signature, or a value that an earlier answer gave. */
static int made_otherwise(const eng_model *m, const eng_endpoint *ep, const raw_value *v) {
    if (v->where != RAW_HEADER || v->src.kind != ENG_SRC_NONE || managed_header(m, v->name))
        return 1;
    if (m->signature.header && strcasecmp(m->signature.header, v->name) == 0) return 1;
    for (size_t i = 0; i < ep->n_fresh; i++)
        if (strcasecmp(m->fresh[ep->fresh[i]].name, v->name) == 0) return 1;
    return 0;
}

/* Headers every call to ep sent alike, where its origin demands another value or none: the PDF
 * whose Accept also names application/pdf, a header only one endpoint sends. */
static void endpoint_headers(ingest *in, const eng_model *m, eng_endpoint *ep) {
    pvec all = PVEC_INIT, pairs = PVEC_INIT;
    long n_calls = 0;
    for (size_t k = 0; k < in->calls.n; k++) {
        const raw_call *c = in->calls.items[k];
        if (c->ep != ep) continue;
        n_calls++;
        for (size_t i = 0; i < c->n_values; i++)
            if (!made_otherwise(m, ep, &c->values[i])) count_header(in->a, &all, &c->values[i]);
    }
    const eng_origin *o = eng_origin_of(m, ep);
    for (size_t i = 0; i < all.n; i++) {
        const sent_header *h = all.items[i];
        const char *demanded = origin_value(o, h->name);
        if (h->calls != n_calls || (demanded && strcmp(demanded, h->value) == 0)) continue;
        pvec_push(&pairs, (void *)h->name);
        pvec_push(&pairs, (void *)h->value);
    }
    ep->headers = pairs_of(in->a, &pairs, &ep->n_headers);
    pvec_free(&all);
}

void eng_build_endpoint_headers(ingest *in, eng_model *m) {
    for (size_t i = 0; i < m->n_endpoints; i++)
        endpoint_headers(in, m, m->endpoints[i]);
}
