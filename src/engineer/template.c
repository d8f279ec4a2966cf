/* Endpoints: path templates (segments become parameters by type, by where their value came from,
 * and by variance), parameters with merged schemas, and readable operation names. */
#include "engineer/ingest.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int is_version(const char *s) {
    return (s[0] == 'v' || s[0] == 'V') && s[1] && strspn(s + 1, "0123456789.") == strlen(s + 1);
}

static int slug_like(const char *s) {
    size_t n = strlen(s);
    int sep = 0, digit = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '-' || c == '_' || c == '.')
            sep = 1;
        else if (isdigit(c))
            digit = 1;
        else if (!isalpha(c))
            return 0;
    }
    return n >= 2 && (sep || digit || n >= 12);
}

static raw_value *seg_value(raw_call *c, size_t i) {
    for (size_t k = 0; k < c->n_values; k++)
        if (c->values[k].where == RAW_SEG && c->values[k].seg == i) return &c->values[k];
    return NULL;
}

static int kept(const raw_call *c) {
    return c->cls == HAR_CLASS_API || c->used_as_source;
}

/* The listing call's path ends with `collection` (GET /api/tags listed what /api/tags/X/.. and
 * /tags/X use): a menu listing the site's sections does not make /api/{section}. */
static int lists_under(ingest *in, const eng_source *ref, const char *collection) {
    const raw_call *src = in->calls.items[ref->call];
    return src->n_segs > 0 && strcmp(src->segs[src->n_segs - 1], collection) == 0;
}

/* Typed segments and segments whose value came from an earlier response. */
static void mark_by_type_and_flow(ingest *in) {
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        for (size_t i = 0; i < c->n_segs; i++) {
            if (eng_segment_kind(c->segs[i]) != SEG_LITERAL) c->seg_param[i] = 1;
            raw_value *v = seg_value(c, i);
            if (v && v->src.kind != ENG_SRC_NONE &&
                (eng_is_ref_key(v->src.key) || slug_like(c->segs[i])))
                c->seg_param[i] = 1;
            if (v && v->ref.kind == ENG_SRC_JSON && i > 0 &&
                lists_under(in, &v->ref, c->segs[i - 1]))
                c->seg_param[i] = 1;
        }
    }
}

/* The call's path shape with position skip left open: origin, then each segment (or "{}" for a
 * parameter). Calls whose paths agree everywhere but at skip share it. */
static const char *shape(arena *a, const raw_call *c, size_t skip) {
    buf b = BUF_INIT;
    buf_printf(&b, "%s %zu", c->origin, c->n_segs);
    for (size_t i = 0; i < c->n_segs; i++)
        buf_printf(&b, "/%s", i == skip ? "*" : c->seg_param[i] ? "{}" : c->segs[i]);
    const char *k = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return k;
}

typedef struct distinct {
    const char *values[3];
    size_t n;
} distinct;

/* Variance: three or more slug-like values at one position of otherwise equal paths. */
static void mark_by_variance(ingest *in) {
    arena *a = arena_new();
    smap *shapes = smap_new();
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        for (size_t i = 0; i < c->n_segs; i++) {
            if (c->seg_param[i] || !slug_like(c->segs[i])) continue;
            const char *sig = shape(a, c, i);
            int created;
            void **slot = smap_slot(shapes, sig, strlen(sig), &created);
            if (created) *slot = arena_alloc(a, sizeof(distinct));
            distinct *d = *slot;
            int dup = 0;
            for (size_t x = 0; x < d->n; x++)
                dup |= strcmp(d->values[x], c->segs[i]) == 0;
            if (!dup && d->n < 3) d->values[d->n++] = c->segs[i];
        }
    }
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        for (size_t i = 0; i < c->n_segs; i++) {
            if (c->seg_param[i] || !slug_like(c->segs[i])) continue;
            distinct *d = smap_gets(shapes, shape(a, c, i));
            if (d && d->n >= 3) c->seg_param[i] = 1;
        }
    }
    smap_free(shapes);
    arena_free(a);
}

/* A position that is a parameter for one call is one for every call of the same shape. */
static void unify(ingest *in) {
    arena *a = arena_new();
    smap *params = smap_new();
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        for (size_t i = 0; i < c->n_segs; i++)
            if (c->seg_param[i]) smap_put(params, shape(a, c, i), c);
    }
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        for (size_t i = 0; i < c->n_segs; i++)
            if (!c->seg_param[i] && smap_gets(params, shape(a, c, i))) c->seg_param[i] = 1;
    }
    smap_free(params);
    arena_free(a);
}

static const char *template_key(arena *a, const raw_call *c) {
    buf b = BUF_INIT;
    buf_printf(&b, "%s %s ", c->method, c->origin);
    for (size_t i = 0; i < c->n_segs; i++)
        buf_printf(&b, "/%s", c->seg_param[i] ? "{}" : c->segs[i]);
    if (c->n_segs == 0) buf_putc(&b, '/');
    if (c->gql_op) buf_printf(&b, " #%s", c->gql_op); /* one endpoint per GraphQL operation */
    const char *k = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return k;
}

static eng_param *add_param(arena *a, pvec *params, const char *name, const char *py,
                            eng_where in) {
    for (size_t i = 0; i < params->n; i++) {
        eng_param *p = params->items[i];
        if (p->in == in && strcmp(p->name, name) == 0) return p;
    }
    eng_param *p = arena_alloc(a, sizeof *p);
    p->name = name;
    p->py_name = py;
    p->in = in;
    p->schema = eng_schema_new(a);
    pvec_push(params, p);
    return p;
}

/* The path template's parameter names: "{note_id}" after "notes", by the value's source key. */
static const char *path_param_name(arena *a, const raw_call *c, size_t i) {
    const char *prev = NULL;
    for (size_t j = i; j-- > 0;)
        if (!c->seg_param[j] && !is_version(c->segs[j])) {
            prev = c->segs[j];
            break;
        }
    raw_value *v = seg_value((raw_call *)c, i);
    const char *key = !v                            ? ""
                      : v->ref.kind == ENG_SRC_JSON ? v->ref.key
                      : v->src.kind == ENG_SRC_JSON ? v->src.key
                                                    : "";
    seg_kind kind = eng_segment_kind(c->segs[i]);
    const char *suffix = kind == SEG_DATE                                     ? "date"
                         : strcasecmp(key, "slug") == 0                       ? "slug"
                         : kind == SEG_LITERAL && !eng_is_id_key(key) && *key ? key
                         : eng_is_id_key(key)                                 ? "id"
                         : kind == SEG_LITERAL && slug_like(c->segs[i])       ? "slug"
                                                                              : "id";
    if (!prev) return eng_py_ident(a, suffix);
    return eng_py_ident(a, arena_printf(a, "%s_%s", eng_singular(a, prev), suffix));
}

/* A literal segment as it goes into a template: percent-encoded but for the characters a path
 * segment may hold, so that '{' only ever opens a parameter. */
static void put_segment(buf *b, const char *seg) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)seg; *p; p++) {
        if (isalnum(*p) || strchr("-._~!$&'()*+,;=:@", *p))
            buf_putc(b, (char)*p);
        else
            buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
}

static void build_path(arena *a, eng_endpoint *ep, const raw_call *c, pvec *params) {
    buf b = BUF_INIT;
    for (size_t i = 0; i < c->n_segs; i++) {
        if (!c->seg_param[i]) {
            buf_putc(&b, '/');
            put_segment(&b, c->segs[i]);
            continue;
        }
        const char *name = path_param_name(a, c, i);
        for (size_t k = 0, n = 2; k < params->n; k++) { /* unique within the path */
            eng_param *p = params->items[k];
            if (strcmp(p->name, name) == 0) {
                name = arena_printf(a, "%s_%zu", path_param_name(a, c, i), n++);
                k = (size_t)-1;
            }
        }
        eng_param *p = add_param(a, params, name, name, ENG_IN_PATH);
        p->required = 1;
        buf_printf(&b, "/{%s}", name);
    }
    if (c->n_segs == 0) buf_putc(&b, '/');
    ep->path = arena_strdup(a, buf_str(&b));
    buf_free(&b);
}

/* ---- operation names ---- */

static int is_action(const char *w) {
    static const char *const verbs[] = {
        "login",    "logout",    "signin",      "signout",      "signup",  "register",
        "search",   "refresh",   "verify",      "authenticate", "token",   "upload",
        "checkout", "subscribe", "unsubscribe", "reset",        "confirm", "query",
        "batch",    "graphql",   "export",      "import"};
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (strcasecmp(w, verbs[i]) == 0) return 1;
    return 0;
}

/* A verb that acts on one thing: POST /invoices/{id}/send is send_invoice. */
static int is_thing_action(const char *w) {
    static const char *const verbs[] = {
        "send",      "resend",  "void",      "cancel",     "approve",  "reject",  "publish",
        "unpublish", "archive", "unarchive", "restore",    "close",    "reopen",  "refund",
        "capture",   "confirm", "activate",  "deactivate", "enable",   "disable", "lock",
        "unlock",    "pin",     "unpin",     "start",      "stop",     "pause",   "resume",
        "retry",     "submit",  "duplicate", "clone",      "merge",    "sync",    "complete",
        "finalize",  "accept",  "decline",   "assign",     "unassign", "share",   "move",
        "rename",    "invite",  "revoke",    "renew",      "verify",   "finish",  "run",
        "execute",   "trigger", "deploy",    "rollback",   "ship",     "pay",     "charge",
        "mark",      "reset",   "refresh",   "upload",     "export",   "import",  "download"};
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs; i++)
        if (strcasecmp(w, verbs[i]) == 0) return 1;
    return 0;
}

static const char *op_name(arena *a, const eng_endpoint *ep, const raw_call *c, int has_patch) {
    const char *last = NULL, *parent = NULL;
    int ends_param = c->n_segs > 0 && c->seg_param[c->n_segs - 1], param_before_last = 0;
    int last_after_param = 0; /* /invoices/{id}/send: the last word follows a thing's id */
    for (size_t i = 0; i < c->n_segs; i++) {
        if (c->seg_param[i]) {
            if (last) param_before_last = 1;
            continue;
        }
        if (is_version(c->segs[i]) || strcasecmp(c->segs[i], "api") == 0 ||
            strcasecmp(c->segs[i], "rest") == 0)
            continue;
        if (last && param_before_last) parent = last;
        if (last && !param_before_last) parent = NULL;
        last = c->segs[i];
        last_after_param = param_before_last;
        param_before_last = 0;
    }
    if (ep->is_page) return arena_printf(a, "get_%s_page", last ? eng_py_ident(a, last) : "home");
    if (ep->graphql_op) return eng_py_ident(a, ep->graphql_op);
    if (!last) last = "root";
    const char *res = eng_py_ident(a, last);
    const char *one = eng_py_ident(a, eng_singular(a, last));
    const char *pre =
        parent ? arena_printf(a, "%s_", eng_py_ident(a, eng_singular(a, parent))) : "";
    const char *m = ep->method;
    if (parent && last_after_param && !ends_param && strcmp(m, "GET") != 0 && is_thing_action(last))
        return arena_printf(a, "%s_%s", res, eng_py_ident(a, eng_singular(a, parent)));
    if (is_action(last) && !ends_param) return arena_printf(a, "%s%s", pre, res);
    /* RPC-style paths name their operation: /users/queries/getCurrentUser */
    if (!ends_param && islower((unsigned char)last[0]) &&
        strpbrk(last, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        return res;
    if (strcmp(m, "GET") == 0) {
        if (ends_param) return arena_printf(a, "get_%s%s", pre, one);
        int plural = strcmp(one, res) != 0;
        return arena_printf(a, "%s_%s%s", plural ? "list" : "get", pre, res);
    }
    if (strcmp(m, "POST") == 0)
        return arena_printf(a, "%s%s%s", ends_param ? "post_" : "create_", pre, one);
    if (strcmp(m, "PUT") == 0)
        return arena_printf(a, "%s_%s%s", has_patch ? "replace" : "update", pre, one);
    if (strcmp(m, "PATCH") == 0) return arena_printf(a, "update_%s%s", pre, one);
    if (strcmp(m, "DELETE") == 0) return arena_printf(a, "delete_%s%s", pre, one);
    return arena_printf(a, "%s_%s%s", eng_py_ident(a, m), pre, ends_param ? one : res);
}

static int path_has_method(eng_model *m, const char *origin, const char *path, const char *method) {
    for (size_t i = 0; i < m->n_endpoints; i++) {
        eng_endpoint *e = m->endpoints[i];
        if (strcmp(e->path, path) == 0 && strcmp(e->origin, origin) == 0 &&
            strcmp(e->method, method) == 0)
            return 1;
    }
    return 0;
}

static void unique_names(arena *a, eng_model *m) {
    static const char *const reserved[] = {"request", "close", "login_if_needed", "session",
                                           "base_url"};
    smap *seen = smap_new();
    for (size_t i = 0; i < m->n_endpoints; i++) {
        eng_endpoint *e = m->endpoints[i];
        for (size_t r = 0; r < sizeof reserved / sizeof *reserved; r++)
            if (strcmp(e->op_name, reserved[r]) == 0)
                e->op_name = arena_printf(a, "%s_op", e->op_name);
        const char *base = e->op_name;
        for (int n = 2; smap_gets(seen, e->op_name); n++)
            e->op_name = arena_printf(a, "%s_%d", base, n);
        smap_put(seen, e->op_name, e);
    }
    smap_free(seen);
}

/* ---- endpoint parameters from the calls ---- */

static void merge_call(arena *a, eng_endpoint *ep, raw_call *c, pvec *params, long *body_objects) {
    ep->samples++;
    size_t path_i = 0;
    for (size_t i = 0; i < c->n_values; i++) {
        raw_value *v = &c->values[i];
        eng_param *p = NULL;
        if (v->where == RAW_SEG && c->seg_param[v->seg]) {
            for (size_t j = 0, seen = 0; j < params->n; j++) {
                eng_param *q = params->items[j];
                if (q->in == ENG_IN_PATH && seen++ == path_i)
                    eng_schema_add_text(a, q->schema, v->value);
            }
            path_i++;
        } else if (v->where == RAW_QUERY) {
            p = add_param(a, params, v->name, eng_py_ident(a, v->name), ENG_IN_QUERY);
        } else if (v->where == RAW_BODY && c->body_kind != ENG_BODY_JSON) {
            p = add_param(a, params, v->name, eng_py_ident(a, v->name), ENG_IN_BODY);
            p->file |= v->is_file;
            if (v->is_file && v->content_type && !p->file_type) p->file_type = v->content_type;
        }
        if (p && !p->file) eng_schema_add_text(a, p->schema, v->value);
        if (p) p->required++; /* counted here, settled in settle_required */
    }
    /* The body's kind comes from a sample that has it; from one that lacks it (its Content-Type)
     * only while there is none: then the method takes the body whole (body_raw). */
    if (c->body_missing) {
        if (!ep->bodies_missing++) ep->body_missing = c->body_missing;
        if (ep->body_kind == ENG_BODY_NONE) {
            ep->body_kind = c->body_kind;
            ep->body_mime = c->body_mime;
            ep->body_raw = 1;
        }
    } else if (c->body_kind != ENG_BODY_NONE && (ep->body_kind == ENG_BODY_NONE || ep->body_raw)) {
        ep->body_kind = c->body_kind;
        ep->body_mime = c->body_mime;
        ep->body_raw = 0;
    } else if (c->body_kind == ENG_BODY_JSON && ep->body_kind == ENG_BODY_JSON && c->body_mime &&
               ep->body_mime && strcmp(c->body_mime, ep->body_mime) != 0) {
        ep->body_mime_varies = 1;
    }
    if (c->body_json) {
        if (!ep->body_schema) ep->body_schema = eng_schema_new(a);
        eng_schema_add(a, ep->body_schema, c->body_json);
        *body_objects += c->body_json->type == JV_OBJECT;
    }
    eng_response *r = NULL;
    for (size_t i = 0; i < ep->n_responses; i++)
        if (ep->responses[i].status == c->status) r = &ep->responses[i];
    if (!r) {
        eng_response *rs = arena_alloc(a, (ep->n_responses + 1) * sizeof *rs);
        if (ep->n_responses) memcpy(rs, ep->responses, ep->n_responses * sizeof *rs);
        ep->responses = rs;
        r = &rs[ep->n_responses++];
        r->status = c->status;
        r->mime = c->resp_mime;
    }
    r->samples++;
    if (c->resp_schema) {
        if (!r->schema) r->schema = eng_schema_new(a);
        eng_schema_merge(a, r->schema, c->resp_schema);
    }
}

/* JSON object bodies with a few plain keys become keyword arguments. */
static void body_fields(arena *a, eng_endpoint *ep, pvec *params, long body_objects) {
    const eng_schema *s = ep->body_schema;
    if (ep->graphql_op && s && s->n_props == 0) ep->body_is_object = 1; /* no variables */
    if (!s || body_objects != ep->samples - ep->bodies_missing || s->types != ENG_T_OBJ ||
        s->n_props == 0 || s->n_props > 20)
        return;
    for (size_t i = 0; i < s->n_props; i++) {
        eng_param *p =
            add_param(a, params, s->props[i].name, eng_py_ident(a, s->props[i].name), ENG_IN_BODY);
        p->schema = s->props[i].schema;
        p->required = s->props[i].present == s->objects;
    }
    ep->body_is_object = 1;
}

static void settle(arena *a, eng_endpoint *ep, pvec *params) {
    /* Python names must be unique across the method's arguments. */
    for (size_t i = 0; i < params->n; i++) {
        eng_param *p = params->items[i];
        if (p->in == ENG_IN_QUERY)
            p->required = p->required >= ep->samples;
        else if (p->in == ENG_IN_BODY && !ep->body_is_object) /* of the samples with a body */
            p->required = p->required >= ep->samples - ep->bodies_missing;
        for (size_t j = 0; j < i; j++) {
            eng_param *q = params->items[j];
            if (strcmp(q->py_name, p->py_name) == 0)
                p->py_name =
                    arena_printf(a, "%s_%s", p->py_name, p->in == ENG_IN_QUERY ? "query" : "body");
        }
    }
    ep->n_params = params->n;
    ep->params = arena_alloc(a, (params->n ? params->n : 1) * sizeof *ep->params);
    for (size_t i = 0; i < params->n; i++)
        ep->params[i] = *(eng_param *)params->items[i];
}

void eng_build_endpoints(ingest *in, eng_model *m) {
    arena *a = in->a;
    mark_by_type_and_flow(in);
    mark_by_variance(in);
    unify(in);
    smap *by_key = smap_new();
    pvec eps = PVEC_INIT;
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        if (!kept(c)) continue;
        const char *key = template_key(a, c);
        int created;
        void **slot = smap_slot(by_key, key, strlen(key), &created);
        if (created) {
            eng_endpoint *ep = arena_alloc(a, sizeof *ep);
            ep->method = c->method;
            ep->origin = c->origin;
            ep->is_page = c->cls == HAR_CLASS_DOCUMENT;
            ep->graphql_op = c->gql_op;
            ep->graphql_query = c->gql_query;
            ep->graphql_named = c->gql_named;
            ep->graphql_hash = c->gql_hash;
            *slot = ep;
            pvec_push(&eps, ep);
        }
        c->ep = *slot;
    }
    m->n_endpoints = eps.n;
    m->endpoints = arena_alloc(a, (eps.n ? eps.n : 1) * sizeof *m->endpoints);
    for (size_t i = 0; i < eps.n; i++) {
        eng_endpoint *ep = eps.items[i];
        pvec params = PVEC_INIT;
        long body_objects = 0;
        int first = 1;
        for (size_t k = 0; k < in->calls.n; k++) {
            raw_call *c = in->calls.items[k];
            if (c->ep != ep) continue;
            if (first) build_path(a, ep, c, &params);
            first = 0;
            merge_call(a, ep, c, &params, &body_objects);
        }
        body_fields(a, ep, &params, body_objects);
        settle(a, ep, &params);
        pvec_free(&params);
        m->endpoints[i] = ep;
    }
    m->n_endpoints = eps.n;
    for (size_t i = 0; i < eps.n; i++) {
        eng_endpoint *ep = m->endpoints[i];
        raw_call *c = NULL;
        for (size_t k = 0; k < in->calls.n && !c; k++)
            if (((raw_call *)in->calls.items[k])->ep == ep) c = in->calls.items[k];
        int has_patch =
            strcmp(ep->method, "PUT") == 0 && path_has_method(m, ep->origin, ep->path, "PATCH");
        ep->op_name = op_name(a, ep, c, has_patch);
        ep->summary = ep->graphql_op ? arena_printf(a, "%s %s (GraphQL %s)", ep->method, ep->path,
                                                    ep->graphql_op)
                                     : arena_printf(a, "%s %s", ep->method, ep->path);
    }
    unique_names(a, m);
    pvec_free(&eps);
    smap_free(by_key);
}
