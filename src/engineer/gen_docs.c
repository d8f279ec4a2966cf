/* openapi.json (OpenAPI 3.1), README.md and .env. */
#include "engineer/internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void jstr(buf *out, const char *s) {
    json_t *v = json_string(s); /* NULL for invalid UTF-8, which the reader never hands out */
    char *j = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    buf_puts(out, j ? j : "\"\"");
    free(j);
    json_decref(v);
}

const char *eng_where_name(eng_where w) {
    static const char *names[] = {"path", "query", "header", "body"};
    return names[w];
}

const char *eng_use_name(eng_session_use u) {
    static const char *names[] = {"bearer", "header", "query", "body", "cookie"};
    return names[u];
}

/* The length of "page" in a query name "page[size]" (one bracketed key), else 0. */
static size_t deep_prefix(const eng_param *p) {
    const char *open = p->in == ENG_IN_QUERY ? strchr(p->name, '[') : NULL;
    size_t n = strlen(p->name);
    if (!open || open == p->name || p->name[n - 1] != ']' || n - (size_t)(open - p->name) < 3)
        return 0;
    const char *key = open + 1;
    size_t klen = n - (size_t)(key - p->name) - 1;
    return memchr(key, '[', klen) || memchr(key, ']', klen) ? 0 : (size_t)(open - p->name);
}

static int same_prefix(const eng_param *a, const eng_param *b, size_t n) {
    return deep_prefix(b) == n && strncmp(a->name, b->name, n) == 0;
}

/* Query parameters "page[size]" and "page[cursor]" as one object parameter "page" in the
 * deepObject style, which OpenAPI defines for them. */
static void deep_object(const eng_endpoint *ep, size_t first, size_t n, buf *out, arena *a) {
    const eng_param *p = &ep->params[first];
    int required = 0;
    buf_puts(out, "{\"name\":");
    jstr(out, arena_strndup(a, p->name, n));
    buf_puts(out, ",\"in\":\"query\",\"style\":\"deepObject\",\"explode\":true,\"schema\":"
                  "{\"type\":\"object\",\"properties\":{");
    for (size_t i = first, k = 0; i < ep->n_params; i++) {
        const eng_param *q = &ep->params[i];
        if (!same_prefix(p, q, n)) continue;
        buf_puts(out, k++ ? "," : "");
        jstr(out, arena_strndup(a, q->name + n + 1, strlen(q->name) - n - 2));
        buf_putc(out, ':');
        eng_schema_json(q->schema, out);
        required |= q->required;
    }
    buf_printf(out, "}},\"required\":%s}", required ? "true" : "false");
}

/* Header parameters the client makes itself: fresh values and the signature. */
static void gen_made_headers(const eng_model *m, const eng_endpoint *ep, int first, buf *out,
                             arena *a) {
    static const char *const kinds[] = {"a new UUID", "the time now, in seconds since the epoch",
                                        "the time now, in milliseconds since the epoch",
                                        "the time now, ISO 8601", "a new random nonce"};
    for (size_t i = 0; i < ep->n_fresh; i++, first = 0) {
        buf_puts(out, first ? "{\"name\":" : ",{\"name\":");
        jstr(out, m->fresh[ep->fresh[i]].name);
        buf_puts(out, ",\"in\":\"header\",\"required\":true,\"description\":");
        jstr(out, arena_printf(a, "Made anew for each request: %s.",
                               kinds[m->fresh[ep->fresh[i]].kind]));
        buf_puts(out, ",\"schema\":{\"type\":\"string\"}}");
    }
    if (!ep->is_signed || !m->signature.header) return;
    const eng_signature *s = &m->signature;
    buf_puts(out, first ? "{\"name\":" : ",{\"name\":");
    jstr(out, s->header);
    buf_puts(out, ",\"in\":\"header\",\"required\":true,\"description\":");
    jstr(out, s->reproduced ? arena_printf(a,
                                           "HMAC-SHA256 (%s) of %s joined by %s, keyed with "
                                           "`%s` of %s's answer.",
                                           s->encoding, s->parts,
                                           strcmp(s->sep, "\n") == 0 ? "newlines"
                                           : *s->sep                 ? s->sep
                                                                     : "nothing",
                                           s->key.path, s->producer->op_name)
                            : "Signed, not reproduced: rae found no form of the request that "
                              "gives the captured values.");
    buf_puts(out, ",\"schema\":{\"type\":\"string\"}}");
}

static void gen_parameters(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    int first = 1;
    buf_puts(out, "\"parameters\":[");
    for (size_t i = 0; i < ep->n_params; i++) {
        const eng_param *p = &ep->params[i];
        if (p->in != ENG_IN_PATH && p->in != ENG_IN_QUERY) continue;
        size_t deep = deep_prefix(p), seen = 0;
        for (size_t k = 0; k < i && deep; k++)
            seen |= same_prefix(p, &ep->params[k], deep);
        if (seen) continue;
        if (!first) buf_putc(out, ',');
        first = 0;
        if (deep) {
            deep_object(ep, i, deep, out, a);
            continue;
        }
        buf_puts(out, "{\"name\":");
        jstr(out, p->name);
        buf_printf(out, ",\"in\":\"%s\",\"required\":%s,\"schema\":", eng_where_name(p->in),
                   p->required || p->in == ENG_IN_PATH ? "true" : "false");
        eng_schema_json(p->schema, out);
        buf_putc(out, '}');
    }
    if (ep->if_match)
        buf_printf(out,
                   "%s{\"name\":\"If-Match\",\"in\":\"header\",\"required\":false,"
                   "\"description\":\"The ETag of the resource as last read: the client sends "
                   "the last one it saw.\",\"schema\":{\"type\":\"string\"}}",
                   first ? "" : ",");
    gen_made_headers(m, ep, first && !ep->if_match, out, a);
    buf_putc(out, ']');
}

static void form_schema(const eng_endpoint *ep, buf *out) {
    buf_puts(out, "{\"type\":\"object\",\"properties\":{");
    int first = 1, n_required = 0;
    for (size_t i = 0; i < ep->n_params; i++) {
        const eng_param *p = &ep->params[i];
        if (p->in != ENG_IN_BODY) continue;
        if (!first) buf_putc(out, ',');
        jstr(out, p->name);
        buf_putc(out, ':');
        if (p->file) {
            buf_puts(out, "{\"type\":\"string\",\"contentMediaType\":");
            jstr(out, p->file_type ? p->file_type : "application/octet-stream");
            buf_putc(out, '}');
        } else {
            eng_schema_json(p->schema, out);
        }
        first = 0;
        n_required += p->required;
    }
    buf_putc(out, '}');
    if (n_required) {
        buf_puts(out, ",\"required\":[");
        first = 1;
        for (size_t i = 0; i < ep->n_params; i++) {
            const eng_param *p = &ep->params[i];
            if (p->in != ENG_IN_BODY || !p->required) continue;
            if (!first) buf_putc(out, ',');
            jstr(out, p->name);
            first = 0;
        }
        buf_putc(out, ']');
    }
    buf_putc(out, '}');
}

/* One GraphQL operation's request: {operationName, query, variables}. */
static void graphql_schema(const eng_endpoint *ep, buf *out) {
    buf_puts(out, "{\"title\":");
    jstr(out, ep->op_name);
    buf_puts(out, ",\"type\":\"object\",\"properties\":{");
    if (ep->graphql_named) {
        buf_puts(out, "\"operationName\":{\"const\":");
        jstr(out, ep->graphql_op);
        buf_puts(out, "},");
    }
    if (ep->graphql_query) {
        buf_puts(out, "\"query\":{\"type\":\"string\",\"examples\":[");
        jstr(out, ep->graphql_query);
        buf_puts(out, "]},");
    } else { /* a persisted query: the document is known to the site by its hash */
        buf_puts(out, "\"extensions\":{\"type\":\"object\",\"properties\":{\"persistedQuery\":"
                      "{\"type\":\"object\",\"properties\":{\"version\":{\"const\":1},"
                      "\"sha256Hash\":{\"const\":");
        jstr(out, ep->graphql_hash);
        buf_puts(out, "}}}}},");
    }
    buf_puts(out, "\"variables\":");
    if (ep->body_schema)
        eng_schema_json(ep->body_schema, out);
    else
        buf_puts(out, "{\"type\":\"object\"}");
    buf_printf(out, "},\"required\":[\"%s\"]}", ep->graphql_query ? "query" : "extensions");
}

/* Whether endpoints a and b are two operations at one path and method (GraphQL). */
static int same_operation(const eng_endpoint *a, const eng_endpoint *b) {
    return strcmp(a->path, b->path) == 0 && strcmp(a->method, b->method) == 0;
}

/* The GraphQL operations sharing ep's path and method, as one request body (oneOf). */
static void gen_graphql_body(const eng_model *m, const eng_endpoint *ep, buf *out) {
    buf_puts(out, ",\"requestBody\":{\"required\":true,\"content\":{\"application/json\":"
                  "{\"schema\":{\"oneOf\":[");
    int first = 1;
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const eng_endpoint *e = m->endpoints[i];
        if (!e->graphql_op || !same_operation(e, ep)) continue;
        if (!first) buf_putc(out, ',');
        graphql_schema(e, out);
        first = 0;
    }
    buf_puts(out, "]}}}}");
}

static void body_schema(const eng_endpoint *ep, buf *out) {
    if (ep->body_kind == ENG_BODY_JSON && ep->body_schema)
        eng_schema_json(ep->body_schema, out);
    else if (ep->body_kind == ENG_BODY_FORM || ep->body_kind == ENG_BODY_MULTIPART)
        form_schema(ep, out);
    else
        buf_puts(out, "{\"type\":\"string\"}");
}

/* The request body under each media type its samples were sent as (one, but for JSON sent as
 * merge-patch+json and json-patch+json alike). */
static void gen_request_body(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    if (ep->body_kind == ENG_BODY_NONE) return;
    buf_puts(out, ",\"requestBody\":{\"required\":true,");
    if (ep->body_raw) { /* no sample says what it holds */
        buf_puts(out, "\"description\":");
        jstr(out, arena_printf(a, "Unknown: %s.", ep->body_missing));
        buf_putc(out, ',');
    }
    buf_puts(out, "\"content\":{");
    jstr(out, ep->body_mime && *ep->body_mime ? ep->body_mime : "application/octet-stream");
    buf_puts(out, ":{\"schema\":");
    body_schema(ep, out);
    buf_putc(out, '}');
    const char *seen = arena_printf(a, "\n%s\n", ep->body_mime ? ep->body_mime : "");
    for (size_t i = 0; i < m->n_calls && ep->body_mime_varies; i++) {
        const char *mime = m->calls[i].body_mime;
        if (m->calls[i].ep != ep || !mime || !*mime ||
            strstr(seen, arena_printf(a, "\n%s\n", mime)))
            continue;
        seen = arena_printf(a, "%s%s\n", seen, mime);
        buf_putc(out, ',');
        jstr(out, mime);
        buf_puts(out, ":{\"schema\":");
        body_schema(ep, out);
        buf_putc(out, '}');
    }
    buf_puts(out, "}}");
}

/* A flow's source as an OpenAPI runtime expression: "$response.body#/a/b/0/c" for the JSON path
 * "a.b[0].c", "$response.header.NAME" for a header; NULL for other sources. */
static const char *runtime_expr(const eng_source *s, arena *a) {
    if (s->kind == ENG_SRC_HEADER) return arena_printf(a, "$response.header.%s", s->path);
    if (s->kind != ENG_SRC_JSON) return NULL;
    buf p = BUF_INIT;
    buf_puts(&p, "$response.body#/");
    for (const char *c = s->path; *c; c++) {
        if (c == s->path && *c == '[') /* "[0].id": the root is the array */
            continue;
        if (*c == '.' || *c == '[')
            buf_putc(&p, '/');
        else if (*c == ']')
            continue;
        else if (*c == '~')
            buf_puts(&p, "~0");
        else if (*c == '/')
            buf_puts(&p, "~1");
        else
            buf_putc(&p, *c);
    }
    const char *out = arena_strdup(a, buf_str(&p));
    buf_free(&p);
    return out;
}

/* OpenAPI links of ep's response: the captured value flows from it into a path, query or header
 * parameter of a later operation (body fields are in the README's value flows). */
static void gen_links(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    static const char *const where[] = {"path", "query", "header"};
    buf seen = BUF_INIT; /* link names written, one per line */
    int first = 1;
    for (size_t i = 0; i < m->n_calls; i++)
        for (size_t k = 0; k < m->calls[i].n_args; k++) {
            const eng_arg *arg = &m->calls[i].args[k];
            const eng_source *s = &arg->src;
            if (s->kind == ENG_SRC_NONE || !arg->param || arg->param->in == ENG_IN_BODY ||
                s->call < 0 || (size_t)s->call >= m->n_calls || m->calls[s->call].ep != ep)
                continue;
            const char *expr = runtime_expr(s, a);
            const eng_endpoint *to = m->calls[i].ep;
            const char *name = arena_printf(a, "%s_%s", to->op_name, arg->param->py_name);
            const char *line = arena_printf(a, "\n%s\n", name);
            if (!expr || strstr(buf_str(&seen), line)) continue;
            buf_printf(&seen, "%s", line);
            buf_puts(out, first ? ",\"links\":{" : ",");
            first = 0;
            jstr(out, name);
            buf_puts(out, ":{\"operationId\":");
            jstr(out, to->op_name);
            buf_puts(out, ",\"parameters\":{");
            jstr(out, arena_printf(a, "%s.%s", where[arg->param->in], arg->param->name));
            buf_putc(out, ':');
            jstr(out, expr);
            buf_puts(out, "}}");
        }
    if (!first) buf_putc(out, '}');
    buf_free(&seen);
}

static void gen_responses(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    buf_puts(out, ",\"responses\":{");
    int linked = 0; /* links go on the first success */
    for (size_t i = 0; i < ep->n_responses; i++) {
        const eng_response *r = &ep->responses[i];
        if (i) buf_putc(out, ',');
        int status = r->status ? r->status : 200;
        buf_printf(out, "\"%d\":{\"description\":\"captured %ld time%s\"", status, r->samples,
                   r->samples == 1 ? "" : "s");
        if (!linked && status >= 200 && status < 300) {
            gen_links(m, ep, out, a);
            linked = 1;
        }
        if (*r->mime) {
            buf_puts(out, ",\"content\":{");
            jstr(out, r->mime);
            buf_puts(out, ":{");
            if (r->schema) {
                buf_puts(out, "\"schema\":");
                eng_schema_json(r->schema, out);
            }
            buf_puts(out, "}}");
        }
        buf_putc(out, '}');
    }
    if (ep->n_responses == 0)
        buf_puts(out, "\"default\":{\"description\":\"no response captured\"}");
    buf_putc(out, '}');
}

/* Body fields (a form's CSRF token) are parameters, not security schemes. */
static int is_scheme(const eng_session_value *s) {
    return s->use != ENG_USE_BODY;
}

static void gen_security(const eng_model *m, const eng_endpoint *ep, buf *out) {
    int first = 1;
    for (size_t i = 0; i < ep->n_uses; i++)
        first &= !is_scheme(&m->session[ep->uses[i]]);
    if (first) return;
    first = 1;
    buf_puts(out, ",\"security\":[{");
    for (size_t i = 0; i < ep->n_uses; i++) {
        const eng_session_value *s = &m->session[ep->uses[i]];
        if (!is_scheme(s)) continue;
        if (!first) buf_putc(out, ',');
        jstr(out, s->name);
        buf_puts(out, ":[]");
        first = 0;
    }
    buf_puts(out, "}]");
}

/* The OAuth 2.0 flow the tokens come from, when the page signed in by one. */
static void gen_oauth_scheme(const eng_model *m, int first, buf *out) {
    const eng_oauth *o = &m->oauth;
    if (!o->token) return; /* the page's server redeems the code: its session is a cookie */
    buf_puts(out, first ? "" : ",");
    buf_puts(out, "\"oauth2\":{\"type\":\"oauth2\",\"description\":");
    jstr(out, o->pkce ? "Authorization code with PKCE (RFC 7636) through the identity provider's "
                        "sign-in form; the client's sign_in() runs it."
                      : "Authorization code through the identity provider's sign-in form; the "
                        "client's sign_in() runs it.");
    buf_puts(out, ",\"flows\":{\"authorizationCode\":{\"authorizationUrl\":");
    jstr(out, arena_printf(m->mem, "%s%s", o->authorize->origin, o->authorize->path));
    buf_puts(out, ",\"tokenUrl\":");
    jstr(out, arena_printf(m->mem, "%s%s", o->token->origin, o->token->path));
    buf_puts(out, ",\"scopes\":{}}}}");
}

static void gen_security_schemes(const eng_model *m, buf *out) {
    buf_puts(out, ",\"components\":{\"securitySchemes\":{");
    int first = 1;
    for (size_t i = 0; i < m->n_session; i++) {
        const eng_session_value *s = &m->session[i];
        if (!is_scheme(s)) continue;
        if (!first) buf_putc(out, ',');
        first = 0;
        jstr(out, s->name);
        if (s->use == ENG_USE_BEARER) {
            buf_puts(out, ":{\"type\":\"http\",\"scheme\":\"bearer\"");
        } else {
            buf_printf(out, ":{\"type\":\"apiKey\",\"in\":\"%s\",\"name\":",
                       s->use == ENG_USE_QUERY    ? "query"
                       : s->use == ENG_USE_COOKIE ? "cookie"
                                                  : "header");
            jstr(out, s->wire_name);
        }
        buf_puts(out, ",\"description\":");
        jstr(out, s->signs_in && m->oauth.authorize ? "sign_in()"
                  : s->producer                     ? s->producer->op_name
                                                    : "a constant from .env");
        buf_putc(out, '}');
    }
    gen_oauth_scheme(m, first, out);
    buf_puts(out, "}}");
}

/* Built as compact JSON text, then indented. */
int eng_gen_openapi(const eng_model *m, const eng_options *o, buf *out) {
    (void)o;
    arena *a = arena_new();
    buf doc = BUF_INIT;
    buf_puts(&doc, "{\"openapi\":\"3.1.0\",\"info\":{\"title\":");
    jstr(&doc, *m->base_url ? m->base_url : "API");
    buf_puts(&doc, ",\"version\":\"captured\",\"description\":");
    jstr(&doc, "Engineered by rae from a captured browser session.");
    buf_puts(&doc, "},\"servers\":[");
    /* every origin, the primary first */
    buf_puts(&doc, "{\"url\":");
    jstr(&doc, m->base_url);
    buf_putc(&doc, '}');
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const char *origin = m->endpoints[i]->origin;
        int seen = strcmp(origin, m->base_url) == 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(m->endpoints[j]->origin, origin) == 0;
        if (seen) continue;
        buf_puts(&doc, ",{\"url\":");
        jstr(&doc, origin);
        buf_putc(&doc, '}');
    }
    buf_puts(&doc, "],\"paths\":{");
    int first_path = 1;
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const eng_endpoint *ep = m->endpoints[i];
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(m->endpoints[j]->path, ep->path) == 0;
        if (seen) continue;
        if (!first_path) buf_putc(&doc, ',');
        first_path = 0;
        jstr(&doc, ep->path);
        buf_puts(&doc, ":{");
        int first_op = 1;
        for (size_t j = i; j < m->n_endpoints; j++) {
            const eng_endpoint *e = m->endpoints[j];
            if (strcmp(e->path, ep->path) != 0) continue;
            /* GraphQL operations at one path and method are one OpenAPI operation. */
            int shared = 0, later = 0;
            for (size_t k = 0; k < m->n_endpoints; k++)
                if (k != j && same_operation(m->endpoints[k], e)) {
                    shared = 1;
                    later |= k < j;
                }
            if (later) continue;
            if (!first_op) buf_putc(&doc, ',');
            first_op = 0;
            char method[16];
            size_t n = strlen(e->method) < 15 ? strlen(e->method) : 15;
            for (size_t k = 0; k < n; k++)
                method[k] = (char)(e->method[k] >= 'A' && e->method[k] <= 'Z' ? e->method[k] + 32
                                                                              : e->method[k]);
            method[n] = '\0';
            jstr(&doc, method);
            buf_puts(&doc, ":{\"operationId\":");
            shared &= e->graphql_op != NULL;
            jstr(&doc,
                 shared ? arena_printf(a, "%s_operations", eng_py_ident(a, e->path)) : e->op_name);
            buf_puts(&doc, ",\"summary\":");
            jstr(&doc, shared ? arena_printf(a, "%s %s: GraphQL operations", e->method, e->path)
                              : e->summary);
            if (e->is_page)
                buf_puts(&doc, ",\"description\":\"An HTML page: the client reads values from it "
                               "(a form's hidden fields, a CSRF meta tag) for later calls.\","
                               "\"x-rae-page\":true");
            if (strcmp(e->origin, m->base_url) != 0) {
                buf_puts(&doc, ",\"servers\":[{\"url\":");
                jstr(&doc, e->origin);
                buf_puts(&doc, "}]");
            }
            buf_putc(&doc, ',');
            gen_parameters(m, e, &doc, a);
            if (e->graphql_op)
                gen_graphql_body(m, e, &doc);
            else
                gen_request_body(m, e, &doc, a);
            gen_responses(m, e, &doc, a);
            if (e->n_uses) gen_security(m, e, &doc);
            buf_putc(&doc, '}');
        }
        buf_putc(&doc, '}');
    }
    buf_putc(&doc, '}');
    if (m->n_session) gen_security_schemes(m, &doc);
    buf_putc(&doc, '}');
    jv_pretty(doc.data, doc.len, out);
    buf_putc(out, '\n');
    buf_free(&doc);
    arena_free(a);
    return 0;
}

static const char *source_text(const eng_model *m, const eng_source *s, arena *a) {
    const char *from =
        s->call >= 0 && (size_t)s->call < m->n_calls ? m->calls[s->call].ep->op_name : "?";
    switch (s->kind) {
    case ENG_SRC_JSON:
        return arena_printf(a, "`%s` → `%s`", from, s->path);
    case ENG_SRC_HEADER:
        return arena_printf(a, "`%s` → header `%s`", from, s->path);
    case ENG_SRC_COOKIE:
        return arena_printf(a, "`%s` → cookie `%s`", from, s->path);
    case ENG_SRC_HTML_META:
        return arena_printf(a, "`%s` → `<meta name=\"%s\">`", from, s->path);
    case ENG_SRC_HTML_INPUT:
        return arena_printf(a, "`%s` → `<input name=\"%s\">`", from, s->path);
    case ENG_SRC_HTML_SCRIPT:
        return arena_printf(a, "`%s` → script `%s`", from, s->path);
    case ENG_SRC_LINK:
        return arena_printf(a, "`%s` → `Link` rel=\"%s\", `%s`", from, s->path, s->key);
    case ENG_SRC_LOCATION:
        return arena_printf(a, "`%s` → `Location` `?%s=`", from, s->key);
    default:
        return "";
    }
}

/* How the client signs in by OAuth 2.0, and the parameters it fills from a page's settings. */
static void gen_readme_oauth(const eng_model *m, buf *out, arena *a) {
    const eng_oauth *o = &m->oauth;
    if (o->authorize && !o->token)
        buf_printf(out,
                   "- the page signs in by OAuth 2.0 authorization code through the identity "
                   "provider's form, and its server redeems the code: `sign_in()` does the same "
                   "without a browser: `%s` (which redirects to the identity provider), the "
                   "sign-in form filled in with `RAE_USERNAME` / `RAE_PASSWORD`, then the "
                   "redirect back to `%s`, which sets the session\n",
                   o->start->op_name, o->callback->op_name);
    if (o->token)
        buf_printf(out,
                   "- the page signs in by OAuth 2.0 authorization code%s through the identity "
                   "provider's form; `sign_in()` does the same without a browser: `%s` with a new "
                   "`state`%s, the sign-in form filled in with `RAE_USERNAME` / `RAE_PASSWORD`, "
                   "the code read from the redirect's `Location`, then `%s`\n",
                   o->pkce ? arena_printf(a, " with PKCE (%s)", o->pkce) : "",
                   o->authorize->op_name, o->pkce ? " and PKCE pair" : "", o->token->op_name);
    for (size_t e = 0; e < m->n_endpoints; e++)
        for (size_t i = 0; i < m->endpoints[e]->n_params; i++) {
            const eng_param *p = &m->endpoints[e]->params[i];
            if (p->config.kind == ENG_SRC_NONE) continue;
            buf_printf(out, "- `%s(%s=…)`: when not given, %s\n", m->endpoints[e]->op_name,
                       p->py_name, source_text(m, &p->config, a));
        }
}

int eng_gen_readme(const eng_model *m, const eng_options *o, buf *out) {
    (void)o;
    arena *a = arena_new();
    buf_printf(out, "# API client for %s\n\n",
               *m->base_url ? m->base_url : "(no API traffic found)");
    buf_printf(
        out,
        "Engineered by rae from `%s`: %ld entries read, %ld API calls, %ld noise entries left out, "
        "%zu operations.\n\n",
        m->source, m->entries, m->api_entries, m->noise_entries, m->n_endpoints);
    if (m->n_endpoints == 0)
        buf_puts(out,
                 "No API traffic was found in this capture; the client has no operations.\n\n");
    buf_puts(out, "| file | what it is |\n|---|---|\n"
                  "| `api_client.py` | the client: `ApiClient`, one method per operation (Python "
                  "3.9+, httpx) |\n"
                  "| `openapi.json` | OpenAPI 3.1 of the API |\n"
                  "| `replay.py` | replays the captured workflow through the client: `python3 "
                  "replay.py --base-url URL` |\n"
                  "| `.env` | captured credentials and secrets (keep it private) |\n\n");
    buf_puts(out,
             "## Usage\n\n```python\nfrom api_client import ApiClient\n\nwith ApiClient() as api:"
             "  # base URL and credentials from .env or RAE_* variables\n");
    for (size_t i = 0, shown = 0; i < m->n_endpoints && shown < 4; i++) {
        if (!eng_is_usage_example(m->endpoints[i])) continue;
        buf_puts(out, "    ");
        eng_py_example(m->endpoints[i], out);
        buf_puts(out, "\n");
        shown++;
    }
    if (m->n_creds)
        buf_puts(out, "    # the client signs in by itself with RAE_USERNAME / RAE_PASSWORD\n");
    buf_puts(out, "```\n\n## Endpoints\n\n| operation | method | path | auth | captured "
                  "|\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const eng_endpoint *ep = m->endpoints[i];
        buf_printf(out, "| `%s` | %s | `%s`%s%s | ", ep->op_name, ep->method, ep->path,
                   ep->graphql_op ? " GraphQL " : "", ep->graphql_op ? ep->graphql_op : "");
        for (size_t u = 0; u < ep->n_uses; u++)
            buf_printf(out, "%s%s", u ? ", " : "", m->session[ep->uses[u]].name);
        if (ep->is_login) buf_printf(out, "%slogin", ep->n_uses ? ", " : "");
        buf_puts(out, " | ");
        for (size_t r = 0; r < ep->n_responses; r++)
            buf_printf(out, "%s%d", r ? ", " : "", ep->responses[r].status);
        buf_puts(out, " |\n");
    }
    buf_puts(out, "\n## Auth and session\n\n");
    if (m->n_session == 0 && m->n_creds == 0 && m->n_static_cookies == 0)
        buf_puts(out, "No credentials, tokens or CSRF values were seen.\n");
    for (size_t i = 0; i < m->n_creds; i++)
        buf_printf(out, "- login field `%s`: from `%s` in .env\n", m->creds[i].field,
                   m->creds[i].env_name);
    for (size_t i = 0; i < m->n_session; i++) {
        const eng_session_value *s = &m->session[i];
        const char *how = s->use == ENG_USE_BEARER
                              ? "`Authorization: Bearer`"
                              : arena_printf(a, "%s `%s`",
                                             s->use == ENG_USE_QUERY    ? "query"
                                             : s->use == ENG_USE_BODY   ? "body field"
                                             : s->use == ENG_USE_COOKIE ? "cookie"
                                                                        : "header",
                                             s->wire_name);
        if (s->signs_in && m->oauth.authorize)
            buf_printf(out, "- `%s`, sent as %s: obtained by `sign_in()` (%s)\n", s->name, how,
                       source_text(m, &s->src, a));
        else if (s->producer)
            buf_printf(out, "- `%s`, sent as %s: obtained by calling `%s` (%s)\n", s->name, how,
                       s->producer->op_name, source_text(m, &s->src, a));
        else
            buf_printf(out, "- `%s`, sent as %s: a constant, `%s` in .env\n", s->name, how,
                       s->env_name);
    }
    if (m->n_static_cookies)
        buf_printf(out, "- %zu cookie%s set before the capture started: `RAE_COOKIES` in .env\n",
                   m->n_static_cookies, m->n_static_cookies == 1 ? "" : "s");
    buf_puts(out, "- cookies set by responses are kept by the client's cookie jar\n");
    gen_readme_oauth(m, out, a);
    buf_puts(out,
             "\n## Value flows\n\nValues that later requests took from earlier responses:\n\n");
    size_t flows = 0;
    for (size_t i = 0; i < m->n_calls && flows < 50; i++)
        for (size_t k = 0; k < m->calls[i].n_args; k++) {
            const eng_arg *arg = &m->calls[i].args[k];
            if (arg->src.kind == ENG_SRC_NONE || !arg->param) continue;
            buf_printf(out, "- step %zu `%s(%s=…)` ← step %ld %s\n", i + 1, m->calls[i].ep->op_name,
                       arg->param->py_name, arg->src.call + 1, source_text(m, &arg->src, a));
            flows++;
        }
    if (!flows) buf_puts(out, "- none\n");
    buf_puts(out, "\n## Pagination\n\n");
    int any = 0;
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const eng_endpoint *ep = m->endpoints[i];
        if (ep->page.style == ENG_PAGE_NONE) continue;
        buf_printf(out, "- `iter_%s(...)` follows `%s` and yields the items%s%s\n", ep->op_name,
                   ep->page.param, *ep->page.items_path ? " of `" : "",
                   *ep->page.items_path ? arena_printf(a, "%s`", ep->page.items_path) : "");
        any = 1;
    }
    if (!any) buf_puts(out, "- none detected\n");
    arena_free(a);
    return 0;
}

static void env_line(buf *out, const char *key, const char *value) {
    buf_printf(out, "%s=", key);
    if (strpbrk(value, "\"#\n\r\\ '") || !*value)
        jstr(out, value);
    else
        buf_puts(out, value);
    buf_putc(out, '\n');
}

int eng_gen_env(const eng_model *m, const eng_options *o, buf *out) {
    int redact = o->redact;
    buf_puts(out, "# Settings and secrets for api_client.py, captured by rae from ");
    for (const char *p = m->source; *p; p++) /* a comment: no line break ends it */
        buf_putc(out, (unsigned char)*p < 0x20 ? ' ' : *p);
    buf_puts(out, ".\n");
    buf_puts(out, "# Keep this file private. RAE_* environment variables override it.\n");
    env_line(out, "RAE_BASE_URL", m->base_url);
    if (redact)
        buf_puts(out, "# Secrets were left out (--redact): set the variables below yourself.\n");
    for (size_t i = 0; i < m->n_creds; i++) {
        if (redact)
            buf_printf(out, "# %s=\n", m->creds[i].env_name);
        else
            env_line(out, m->creds[i].env_name, m->creds[i].captured);
    }
    for (size_t i = 0; i < m->n_session; i++) {
        const eng_session_value *s = &m->session[i];
        if (s->producer) continue;
        if (redact)
            buf_printf(out, "# %s=\n", s->env_name);
        else
            env_line(out, s->env_name, s->captured);
    }
    if (m->n_static_cookies) {
        buf b = BUF_INIT;
        for (size_t i = 0; i < m->n_static_cookies; i++)
            buf_printf(&b, "%s%s", i ? "; " : "", m->static_cookies[i]);
        if (redact)
            buf_puts(out, "# RAE_COOKIES=\n");
        else
            env_line(out, "RAE_COOKIES", buf_str(&b));
        buf_free(&b);
    }
    return 0;
}
