/* Auth and session: which values the client keeps and fills by itself (tokens, CSRF values, API
 * keys), where each comes from, the login endpoint and its credentials, pagination styles, and
 * the captured call sequence with every argument's source. */
#include "engineer/ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int kept(const raw_call *c) {
    return c->ep != NULL;
}

static eng_session_use use_of(raw_where w) {
    switch (w) {
    case RAW_BEARER:
        return ENG_USE_BEARER;
    case RAW_QUERY:
        return ENG_USE_QUERY;
    case RAW_BODY:
        return ENG_USE_BODY;
    case RAW_COOKIE:
        return ENG_USE_COOKIE;
    default:
        return ENG_USE_HEADER;
    }
}

/* A refresh token: a value from an earlier answer, named so on either side. */
static int refresh_value(const raw_value *v) {
    return v->src.kind != ENG_SRC_NONE && !v->is_json &&
           (strcasestr(v->name, "refresh") || (v->src.key && strcasestr(v->src.key, "refresh")));
}

/* Which session value a request value is, if any: its name, or NULL. */
static const char *session_name(arena *a, const raw_value *v) {
    switch (v->where) {
    case RAW_BEARER:
        return "token";
    case RAW_HEADER:
        if (strcasecmp(v->name, "if-match") == 0) return NULL; /* per resource: ETags */
        if (strcasecmp(v->name, "authorization") == 0)
            return strncasecmp(v->value, "basic ", 6) == 0 ? NULL : "authorization";
        if (eng_is_csrf_name(v->name)) return "csrf_token";
        if (refresh_value(v)) return "refresh_token";
        if (eng_is_apikey_name(v->name) ||
            (v->src.kind != ENG_SRC_NONE && eng_looks_random(v->value)))
            return eng_py_ident(a, v->name);
        return NULL;
    case RAW_QUERY:
        return eng_is_apikey_name(v->name) ? eng_py_ident(a, v->name) : NULL;
    case RAW_BODY:
        if (refresh_value(v)) return "refresh_token";
        return eng_is_csrf_name(v->name) && !v->is_json ? "csrf_token" : NULL;
    case RAW_COOKIE: /* a cookie a response set: the session, when it is one */
        return v->src.kind == ENG_SRC_COOKIE ? eng_py_ident(a, v->name) : NULL;
    default:
        return NULL;
    }
}

static eng_session_value *find_session(pvec *sv, eng_session_use use, const char *wire) {
    for (size_t i = 0; i < sv->n; i++) {
        eng_session_value *s = sv->items[i];
        if (s->use == use && strcasecmp(s->wire_name, wire) == 0) return s;
    }
    return NULL;
}

static const char *env_name(arena *a, const char *name) {
    char *n = arena_printf(a, "RAE_%s", name);
    for (char *p = n; *p; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    return n;
}

static void add_use(arena *a, eng_endpoint *ep, pvec *sv, eng_session_value *s) {
    size_t idx = 0;
    while (sv->items[idx] != s)
        idx++;
    eng_index_add(a, &ep->uses, &ep->n_uses, idx);
}

void eng_index_add(arena *a, size_t **v, size_t *n, size_t index) {
    for (size_t i = 0; i < *n; i++)
        if ((*v)[i] == index) return;
    size_t *more = arena_alloc(a, (*n + 1) * sizeof *more);
    if (*n) memcpy(more, *v, *n * sizeof *more);
    more[(*n)++] = index;
    *v = more;
}

/* The arguments a caller must supply to an endpoint (path parameters, required query and body
 * fields that are not credentials): producers without any are called more easily. */
static size_t required_args(const eng_endpoint *ep) {
    size_t n = 0;
    for (size_t i = 0; i < ep->n_params; i++) {
        const eng_param *p = &ep->params[i];
        n += (p->in == ENG_IN_PATH || p->required) && !eng_is_csrf_name(p->name) &&
             !(ep->is_login && p->in == ENG_IN_BODY);
    }
    return n;
}

/* Whether `cand` is a better producer than `cur` for a session value: a login first (a session
 * cookie set before login is not the session), then fewer arguments, then the earlier one. */
static int better_producer(const eng_endpoint *cur, const eng_endpoint *cand) {
    if (!cur) return 1;
    if (cur->is_login != cand->is_login) return cand->is_login;
    return required_args(cand) < required_args(cur);
}

/* A cookie a response set is a session value when a login set it or its name says session. */
static int session_cookie(const eng_session_value *s) {
    static const char *const words[] = {"sess", "sid",      "auth", "token", "login",
                                        "jwt",  "remember", "csrf", "xsrf",  NULL};
    if (s->producer && s->producer->is_login) return 1;
    for (size_t i = 0; words[i]; i++)
        if (strcasestr(s->wire_name, words[i])) return 1;
    return 0;
}

/* Whether call c sent session value s. */
static int sends(arena *a, const raw_call *c, const eng_session_value *s) {
    for (size_t i = 0; i < c->n_values; i++) {
        const raw_value *v = &c->values[i];
        if (use_of(v->where) == s->use && strcasecmp(v->name, s->wire_name) == 0 &&
            session_name(a, v))
            return 1;
    }
    return 0;
}

/* One answer that gave a session value: the producer is chosen among them, the others renew it. */
typedef struct origin {
    eng_session_value *s;
    eng_endpoint *ep;
    eng_source src;
} origin;

/* The renewers of s: every endpoint but its producer whose answer gave it, once each. */
static void add_renewers(arena *a, eng_session_value *s, const pvec *origins) {
    s->renewers = arena_alloc(a, (origins->n + 1) * sizeof *s->renewers);
    for (size_t i = 0; i < origins->n; i++) {
        const origin *o = origins->items[i];
        int seen = o->s != s || o->ep == s->producer;
        for (size_t k = 0; k < s->n_renewers && !seen; k++)
            seen = s->renewers[k].ep == o->ep;
        if (!seen) s->renewers[s->n_renewers++] = (eng_renewer){o->ep, o->src};
    }
}

/* A value with a renewer that takes a refresh token is renewed by it before it expires. */
/* Whether a successful answer of ep has a field at the JSON path. */
static int answers_at(const eng_endpoint *ep, const char *path) {
    for (size_t i = 0; i < ep->n_responses; i++)
        if (ep->responses[i].status / 100 == 2 && ep->responses[i].schema &&
            eng_schema_at(ep->responses[i].schema, path))
            return 1;
    return 0;
}

/* A refresh that answers a new refresh token beside the access token rotates it, even when the
 * capture never sent the new one (one refresh): it renews the refresh token too. */
static void add_rotation(ingest *in, eng_session_value *rt, eng_endpoint *refresh) {
    if (rt->src.kind != ENG_SRC_JSON || !answers_at(refresh, rt->src.path)) return;
    for (size_t r = 0; r < rt->n_renewers; r++)
        if (rt->renewers[r].ep == refresh) return;
    long call = -1;
    for (size_t k = 0; k < in->calls.n && call < 0; k++)
        if (((raw_call *)in->calls.items[k])->ep == refresh) call = (long)k;
    eng_renewer *more = arena_alloc(in->a, (rt->n_renewers + 1) * sizeof *more);
    if (rt->n_renewers) memcpy(more, rt->renewers, rt->n_renewers * sizeof *more);
    more[rt->n_renewers++] =
        (eng_renewer){refresh, {ENG_SRC_JSON, call, rt->src.path, rt->src.key}};
    rt->renewers = more;
}

/* Whether raw call c sent a refresh token of sv. */
static eng_session_value *refresh_sent(arena *a, const raw_call *c, pvec *sv) {
    for (size_t i = 0; i < sv->n; i++) {
        eng_session_value *rt = sv->items[i];
        if (rt->is_refresh && sends(a, c, rt)) return rt;
    }
    return NULL;
}

/* The refresh of a value: an endpoint whose answer gave it to a call that sent a refresh token.
 * It may be its producer itself (an OAuth token endpoint: a code first, a refresh token later):
 * then that call is a renewer too, for the arguments of a refresh. */
static void find_refreshes(ingest *in, pvec *sv, const pvec *origins) {
    for (size_t i = 0; i < sv->n; i++) {
        eng_session_value *s = sv->items[i];
        s->is_refresh = strncmp(s->name, "refresh_token", 13) == 0;
    }
    for (size_t i = 0; i < origins->n; i++) {
        const origin *o = origins->items[i];
        eng_session_value *s = o->s, *rt;
        if (s->is_refresh || s->refresh ||
            !(rt = refresh_sent(in->a, in->calls.items[o->src.call], sv)))
            continue;
        s->refresh = o->ep;
        add_rotation(in, rt, o->ep);
        if (o->ep != s->producer) continue;
        eng_renewer *more = arena_alloc(in->a, (s->n_renewers + 1) * sizeof *more);
        if (s->n_renewers) memcpy(more, s->renewers, s->n_renewers * sizeof *more);
        more[s->n_renewers++] = (eng_renewer){o->ep, o->src};
        s->renewers = more;
    }
}

static void collect_session(ingest *in, eng_model *m, pvec *sv) {
    arena *a = in->a;
    pvec origins = PVEC_INIT;
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        if (!kept(c)) continue;
        for (size_t i = 0; i < c->n_values; i++) {
            raw_value *v = &c->values[i];
            const char *name = session_name(a, v);
            if (!name) continue;
            eng_session_use use = use_of(v->where);
            eng_session_value *s = find_session(sv, use, v->name);
            if (!s) {
                s = arena_alloc(a, sizeof *s);
                s->use = use;
                s->wire_name = v->name;
                s->captured = v->value;
                s->name = name;
                for (size_t j = 0, n = 2; j < sv->n; j++) /* unique names */
                    if (strcmp(((eng_session_value *)sv->items[j])->name, s->name) == 0) {
                        s->name = arena_printf(a, "%s_%zu", name, n++);
                        j = (size_t)-1;
                    }
                pvec_push(sv, s);
            }
            if (v->src.kind != ENG_SRC_NONE) {
                raw_call *from = in->calls.items[v->src.call];
                /* A call that sent the value itself renews it (a sign-in that rotates the XSRF
                 * value it was sent with): it cannot be where the client first gets it. A cookie
                 * is the jar's: a sign-in that replaces a pre-login session cookie makes it. */
                if (kept(from) && (s->use == ENG_USE_COOKIE || !sends(a, from, s)) &&
                    better_producer(s->producer, from->ep)) {
                    s->producer = from->ep;
                    s->src = v->src;
                }
                if (kept(from)) {
                    origin *o = arena_alloc(a, sizeof *o);
                    *o = (origin){s, from->ep, v->src};
                    pvec_push(&origins, o);
                }
            }
        }
    }
    /* Which endpoints send which values, once the cookies that are not sessions are left out. */
    for (size_t i = 0; i < sv->n; i++) {
        eng_session_value *s = sv->items[i];
        if (s->use == ENG_USE_COOKIE && !session_cookie(s)) pvec_remove(sv, i--);
    }
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        if (!kept(c)) continue;
        for (size_t i = 0; i < c->n_values; i++) {
            raw_value *v = &c->values[i];
            if (!session_name(a, v)) continue;
            eng_session_value *s = find_session(sv, use_of(v->where), v->name);
            if (!s) continue;
            add_use(a, c->ep, sv, s);
            c->ep->needs_auth |= s->use == ENG_USE_BEARER ||
                                 (s->use == ENG_USE_HEADER && strcmp(s->name, "csrf_token") != 0) ||
                                 (s->use == ENG_USE_COOKIE && s->producer && s->producer->is_login);
        }
    }
    for (size_t i = 0; i < sv->n; i++) {
        eng_session_value *s = sv->items[i];
        if (!s->producer) s->env_name = env_name(a, s->name);
        add_renewers(a, s, &origins);
    }
    find_refreshes(in, sv, &origins);
    pvec_free(&origins);
    m->n_session = sv->n;
    m->session = arena_alloc(a, (sv->n ? sv->n : 1) * sizeof *m->session);
    for (size_t i = 0; i < sv->n; i++)
        m->session[i] = *(eng_session_value *)sv->items[i];
}

static void add_cred(arena *a, pvec *creds, const char *field, const char *env, const char *value) {
    for (size_t i = 0; i < creds->n; i++)
        if (strcmp(((eng_credential *)creds->items[i])->field, field) == 0) return;
    eng_credential *cr = arena_alloc(a, sizeof *cr);
    cr->field = field;
    cr->env_name = env;
    cr->captured = value;
    pvec_push(creds, cr);
}

/* Bodies with a password field are logins; their username and password come from .env. */
static void collect_credentials(ingest *in, eng_model *m) {
    arena *a = in->a;
    pvec creds = PVEC_INIT;
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        if (!kept(c)) continue;
        int has_password = 0;
        for (size_t i = 0; i < c->n_values; i++)
            has_password |= c->values[i].where == RAW_BODY &&
                            eng_is_password_name(c->values[i].name) && !c->values[i].is_json;
        for (size_t i = 0; i < c->n_values && has_password; i++) {
            raw_value *v = &c->values[i];
            if (v->where != RAW_BODY) continue;
            if (eng_is_password_name(v->name))
                add_cred(a, &creds, v->name, "RAE_PASSWORD", v->value);
            else if (eng_is_username_name(v->name))
                add_cred(a, &creds, v->name, "RAE_USERNAME", v->value);
        }
        if (has_password) c->ep->is_login = 1;
        for (size_t i = 0; i < c->n_values; i++) {
            raw_value *v = &c->values[i];
            if (v->where == RAW_HEADER && strcasecmp(v->name, "authorization") == 0 &&
                strncasecmp(v->value, "basic ", 6) == 0) {
                m->has_basic_auth = 1;
                c->ep->needs_auth = 1;
                add_cred(a, &creds, "basic", "RAE_BASIC_AUTH", v->value + 6);
            }
        }
    }
    m->n_creds = creds.n;
    m->creds = arena_alloc(a, (creds.n ? creds.n : 1) * sizeof *m->creds);
    for (size_t i = 0; i < creds.n; i++)
        m->creds[i] = *(eng_credential *)creds.items[i];
    pvec_free(&creds);
}

/* Cookies sent but never set by a response of the capture: the session existed before it. */
static void collect_static_cookies(ingest *in, eng_model *m) {
    pvec cookies = PVEC_INIT;
    smap *seen = smap_new();
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        if (!kept(c)) continue;
        for (size_t i = 0; i < c->n_values; i++) {
            raw_value *v = &c->values[i];
            if (v->where != RAW_COOKIE || smap_gets(in->set_cookies, v->name) ||
                smap_gets(seen, v->name))
                continue;
            smap_put(seen, v->name, v);
            pvec_push(&cookies, arena_printf(in->a, "%s=%s", v->name, v->value));
            c->ep->needs_auth = 1;
        }
    }
    m->n_static_cookies = cookies.n;
    m->static_cookies = arena_alloc(in->a, (cookies.n ? cookies.n : 1) * sizeof *m->static_cookies);
    for (size_t i = 0; i < cookies.n; i++)
        m->static_cookies[i] = cookies.items[i];
    pvec_free(&cookies);
    smap_free(seen);
}

static void mark_params(eng_model *m) {
    for (size_t e = 0; e < m->n_endpoints; e++) {
        eng_endpoint *ep = m->endpoints[e];
        for (size_t i = 0; i < ep->n_params; i++) {
            eng_param *p = &ep->params[i];
            for (size_t s = 0; s < m->n_session; s++) {
                eng_session_value *sv = &m->session[s];
                if ((p->in == ENG_IN_QUERY && sv->use == ENG_USE_QUERY &&
                     strcmp(p->name, sv->wire_name) == 0) ||
                    (p->in == ENG_IN_BODY && sv->use == ENG_USE_BODY &&
                     strcmp(p->name, sv->wire_name) == 0))
                    p->session = 1;
            }
            if (ep->is_login && p->in == ENG_IN_BODY)
                for (size_t c = 0; c < m->n_creds; c++)
                    if (strcmp(m->creds[c].field, p->name) == 0) p->secret = 1;
        }
    }
}

static const char *page_param(const eng_endpoint *ep, const char *const *names) {
    for (size_t i = 0; i < ep->n_params; i++) {
        const eng_param *p = &ep->params[i];
        if (p->in != ENG_IN_QUERY || p->session) continue;
        for (size_t n = 0; names[n]; n++)
            if (strcasecmp(p->name, names[n]) == 0) return p->name;
    }
    return NULL;
}

static const eng_schema *ok_schema(const eng_endpoint *ep) {
    for (size_t i = 0; i < ep->n_responses; i++)
        if (ep->responses[i].status / 100 == 2 && ep->responses[i].schema)
            return ep->responses[i].schema;
    return NULL;
}

static void find_pagination(ingest *in, eng_model *m) {
    static const char *const pages[] = {"page",      "p",       "page_number", "pageNumber",
                                        "pageIndex", "page_no", NULL};
    static const char *const offsets[] = {"offset", "skip", "start", NULL};
    static const char *const limits[] = {"limit", "per_page", "perPage", "page_size", "pageSize",
                                         "size",  "count",    "take",    NULL};
    for (size_t e = 0; e < m->n_endpoints; e++) {
        eng_endpoint *ep = m->endpoints[e];
        const eng_schema *ok = ok_schema(ep);
        if (strcmp(ep->method, "GET") != 0 || !ok) continue;
        const char *items = eng_schema_items_field(ok);
        eng_pagination *pg = &ep->page;
        pg->items_path = items ? items : "";
        pg->limit_param = page_param(ep, limits);
        /* cursor: a query value that came from this endpoint's own earlier response */
        for (size_t k = 0; k < in->calls.n && pg->style == ENG_PAGE_NONE; k++) {
            raw_call *c = in->calls.items[k];
            if (c->ep != ep) continue;
            for (size_t i = 0; i < c->n_values; i++) {
                raw_value *v = &c->values[i];
                if (v->where == RAW_QUERY &&
                    (v->src.kind == ENG_SRC_JSON || v->src.kind == ENG_SRC_LINK) &&
                    ((raw_call *)in->calls.items[v->src.call])->ep == ep) {
                    pg->style = v->src.kind == ENG_SRC_LINK         ? ENG_PAGE_LINK_HEADER
                                : strncmp(v->value, "http", 4) == 0 ? ENG_PAGE_LINK
                                                                    : ENG_PAGE_CURSOR;
                    pg->param = v->name;
                    pg->next_path = v->src.path;
                    break;
                }
            }
        }
        if (pg->style == ENG_PAGE_NONE && (pg->param = page_param(ep, pages)) != NULL)
            pg->style = ENG_PAGE_PAGE;
        if (pg->style == ENG_PAGE_NONE && (pg->param = page_param(ep, offsets)) != NULL)
            pg->style = ENG_PAGE_OFFSET;
        if (pg->style == ENG_PAGE_NONE) pg->param = NULL;
    }
}

/* Endpoints whose requests sent If-Match with an ETag an earlier answer gave. */
static void find_conditionals(ingest *in) {
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        for (size_t i = 0; kept(c) && i < c->n_values; i++)
            if (c->values[i].where == RAW_HEADER && strcasecmp(c->values[i].name, "if-match") == 0)
                c->ep->if_match = 1;
    }
}

static eng_param *param_for(eng_endpoint *ep, eng_where in, const char *name) {
    for (size_t i = 0; i < ep->n_params; i++)
        if (ep->params[i].in == in && strcmp(ep->params[i].name, name) == 0) return &ep->params[i];
    return NULL;
}

/* Whether ep sends a session value that a refresh renews. */
static int refreshable(const eng_model *m, const eng_endpoint *ep) {
    for (size_t u = 0; u < ep->n_uses; u++)
        if (m->session[ep->uses[u]].refresh) return 1;
    return 0;
}

/* A call refused with 401 for a token that a refresh renews, followed by a refresh and then by
 * a successful call of the same operation: the page's retry. */
static void find_retries(eng_model *m) {
    for (size_t i = 0; i < m->n_calls; i++) {
        eng_call *c = &m->calls[i];
        if (c->status != 401 || !refreshable(m, c->ep)) continue;
        int refreshed = 0;
        for (size_t k = i + 1; k < m->n_calls && !c->retried; k++) {
            for (size_t s = 0; s < m->n_session; s++)
                refreshed |= m->session[s].refresh == m->calls[k].ep;
            c->retried = refreshed && m->calls[k].ep == c->ep && m->calls[k].status / 100 == 2;
            m->calls[k].again = c->retried;
        }
    }
}

/* Whether arg's value came from a page's configuration (a script's setting, a <meta>). */
static int from_config(const eng_model *m, const eng_arg *arg) {
    return (arg->src.kind == ENG_SRC_HTML_SCRIPT || arg->src.kind == ENG_SRC_HTML_META) &&
           arg->src.call >= 0 && required_args(m->calls[arg->src.call].ep) == 0;
}

/* Whether two sources are the same setting of the same page. */
static int same_setting(const eng_model *m, const eng_source *a, const eng_source *b) {
    return a->kind == b->kind && strcmp(a->path, b->path) == 0 &&
           m->calls[a->call].ep == m->calls[b->call].ep;
}

/* Parameters whose every captured value a page's configuration held (a client id, a redirect
 * URI): when not given, the client reads them from that page. */
static void find_config_params(eng_model *m) {
    for (size_t e = 0; e < m->n_endpoints; e++) {
        eng_endpoint *ep = m->endpoints[e];
        for (size_t i = 0; i < ep->n_params; i++) {
            eng_param *p = &ep->params[i];
            const eng_source *found = NULL;
            int all = 1;
            for (size_t c = 0; c < m->n_calls && all; c++)
                for (size_t k = 0; m->calls[c].ep == ep && k < m->calls[c].n_args && all; k++) {
                    const eng_arg *arg = &m->calls[c].args[k];
                    if (arg->param != p) continue;
                    all = from_config(m, arg) && (!found || same_setting(m, found, &arg->src));
                    found = found ? found : &arg->src;
                }
            if (found && all) p->config = *found;
        }
    }
}

static void build_calls(ingest *in, eng_model *m) {
    arena *a = in->a;
    long *model_index = arena_alloc(a, (in->calls.n + 1) * sizeof *model_index);
    size_t n = 0;
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        model_index[k] = kept(c) ? (long)n++ : -1;
    }
    m->calls = arena_alloc(a, (n ? n : 1) * sizeof *m->calls);
    m->n_calls = n;
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        if (!kept(c)) continue;
        eng_call *call = &m->calls[model_index[k]];
        call->entry = c->entry;
        call->ep = c->ep;
        call->status = c->status;
        call->body_missing = c->body_missing;
        call->body_mime = c->body_mime;
        call->graphql_errors = c->gql_errors;
        call->resp_mime = c->resp_mime ? c->resp_mime : "";
        call->bare = c->ep->n_uses > 0;
        for (size_t u = 0; u < c->ep->n_uses && call->bare; u++)
            call->bare = !sends(a, c, &m->session[c->ep->uses[u]]);
        call->args = arena_alloc(a, (c->n_values + 1) * sizeof *call->args);
        size_t path_i = 0;
        for (size_t i = 0; i < c->n_values; i++) {
            raw_value *v = &c->values[i];
            eng_param *p = NULL;
            if (v->where == RAW_SEG) {
                if (!c->seg_param[v->seg]) continue;
                for (size_t j = 0, seen = 0; j < c->ep->n_params; j++)
                    if (c->ep->params[j].in == ENG_IN_PATH && seen++ == path_i)
                        p = &c->ep->params[j];
                path_i++;
            } else if (v->where == RAW_QUERY) {
                p = param_for(c->ep, ENG_IN_QUERY, v->name);
            } else if (v->where == RAW_BODY) {
                p = param_for(c->ep, ENG_IN_BODY, v->name);
            }
            if (!p || p->session) continue;
            eng_arg *arg = &call->args[call->n_args++];
            arg->param = p;
            arg->value = v->value;
            arg->is_json = v->is_json;
            arg->file_name = v->file_name;
            arg->content_type = v->content_type;
            arg->file_base64 = v->file_base64;
            if (v->src.kind != ENG_SRC_NONE && model_index[v->src.call] >= 0) {
                arg->src = v->src;
                arg->src.call = model_index[v->src.call];
            }
        }
        if (c->body_json && !c->ep->body_is_object) {
            buf b = BUF_INIT;
            jv_dump(c->body_json, a, &b);
            call->body_json = arena_strdup(a, buf_str(&b));
            buf_free(&b);
        } else if (c->body_text && c->ep->body_kind == ENG_BODY_TEXT) {
            eng_arg *arg = &call->args[call->n_args++];
            arg->param = NULL;
            arg->value = c->body_text;
        }
    }
    /* Session producers and renewers refer to calls by model index too. */
    for (size_t s = 0; s < m->n_session; s++) {
        eng_session_value *sv = &m->session[s];
        if (sv->producer) sv->src.call = model_index[sv->src.call];
        for (size_t r = 0; r < sv->n_renewers; r++)
            sv->renewers[r].src.call = model_index[sv->renewers[r].src.call];
    }
    find_retries(m);
    find_config_params(m);
}

void eng_build_session(ingest *in, eng_model *m) {
    pvec sv = PVEC_INIT;
    collect_credentials(in, m); /* logins first: they are the preferred producers */
    collect_session(in, m, &sv);
    pvec_free(&sv);
    collect_static_cookies(in, m);
    mark_params(m);
    find_pagination(in, m);
    find_conditionals(in);
    build_calls(in, m);
}
