/* model.json: the API model as data, compact and stable. What rae's AI engineer sends a model
 * (instead of the HAR), what the README and the web app read: the origins, how the client signs
 * in, the session values, each operation (parameters with types and examples, what it answers,
 * pagination), the value flows between the captured calls, and what rae could not reproduce. */
#include "engineer/internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_FLOWS_MAX 60    /* value flows listed */
#define MODEL_SCHEMA_MAX 1200 /* bytes of an answer's schema */

static json_t *str_or_null(const char *s) {
    return s ? json_string(s) : json_null();
}

/* A schema as JSON, or its first bytes as text when it is large. */
static json_t *schema_json(const eng_schema *s) {
    buf b = BUF_INIT;
    eng_schema_json(s, &b);
    json_t *j = b.len <= MODEL_SCHEMA_MAX ? json_loadb(b.data, b.len, 0, NULL) : NULL;
    if (!j)
        j = json_stringn(b.data ? b.data : "", b.len < MODEL_SCHEMA_MAX ? b.len : MODEL_SCHEMA_MAX);
    buf_free(&b);
    return j;
}

/* Who fills a parameter when the caller does not. */
static const char *filled_by(const eng_param *p) {
    if (p->session) return "session";
    if (p->secret) return ".env";
    if (p->made) return "sign_in";
    if (p->config.kind != ENG_SRC_NONE) return "page configuration";
    return NULL;
}

static json_t *param_json(const eng_param *p, arena *a) {
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:b}", "name", p->py_name, "wire", p->name, "in",
                          eng_where_name(p->in), "type", eng_schema_py(p->schema, a), "required",
                          p->required && !eng_param_defaulted(p));
    const char *by = filled_by(p);
    if (by)
        json_object_set_new(o, "filled_by", json_string(by));
    else if (p->schema->example && !p->secret) /* JSON text */
        json_object_set_new(o, "example", json_loads(p->schema->example, JSON_DECODE_ANY, NULL));
    return o;
}

/* A copy of a schema without its examples, to compare shapes (caller frees). */
static json_t *shape(json_t *schema) {
    json_t *c = json_deep_copy(schema);
    if (json_is_object(c)) {
        json_object_del(c, "examples");
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(c, tmp, k, v) json_object_set_new(c, k, shape(v));
    } else if (json_is_array(c)) {
        for (size_t i = 0; i < json_array_size(c); i++)
            json_array_set_new(c, i, shape(json_array_get(c, i)));
    }
    return c;
}

static int same_shape(json_t *a, json_t *b) {
    json_t *x = shape(a), *y = shape(b);
    int same = json_equal(x, y) || (!a && !b);
    json_decref(x);
    json_decref(y);
    return same;
}

/* An answer joins one of the same type and schema shape (a status list: [200, 201]; the first
 * one's examples), so that an API that answers alike under many statuses is said once. */
static void add_answer(json_t *answers, const eng_response *r) {
    json_t *schema = r->schema ? schema_json(r->schema) : NULL;
    size_t i;
    json_t *a;
    json_array_foreach(answers, i, a) {
        if (strcmp(json_string_value(json_object_get(a, "type")), r->mime) != 0 ||
            !same_shape(json_object_get(a, "schema"), schema))
            continue;
        json_t *status = json_object_get(a, "status");
        if (json_is_integer(status)) {
            status = json_pack("[O]", status);
            json_object_set_new(a, "status", status);
        }
        json_array_append_new(status, json_integer(r->status));
        json_object_set_new(
            a, "times", json_integer(json_integer_value(json_object_get(a, "times")) + r->samples));
        json_decref(schema);
        return;
    }
    json_t *o = json_pack("{s:i,s:s,s:I}", "status", r->status, "type", r->mime, "times",
                          (json_int_t)r->samples);
    if (schema) json_object_set_new(o, "schema", schema);
    json_array_append_new(answers, o);
}

static json_t *operation_json(const eng_model *m, const eng_endpoint *ep, arena *a) {
    json_t *params = json_array(), *answers = json_array(), *uses = json_array();
    for (size_t i = 0; i < ep->n_params; i++)
        json_array_append_new(params, param_json(&ep->params[i], a));
    for (size_t i = 0; i < ep->n_responses; i++)
        add_answer(answers, &ep->responses[i]);
    for (size_t i = 0; i < ep->n_uses; i++)
        json_array_append_new(uses, json_string(m->session[ep->uses[i]].name));
    const eng_origin *o = eng_origin_of(m, ep);
    json_t *op =
        json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:I}", "name", ep->op_name, "method", ep->method,
                  "path", ep->path, "origin", o ? o->role : "base", "params", params, "answers",
                  answers, "session", uses, "calls", (json_int_t)ep->samples);
    if (ep->graphql_op) json_object_set_new(op, "graphql", json_string(ep->graphql_op));
    if (ep->page.style != ENG_PAGE_NONE)
        json_object_set_new(op, "pagination",
                            json_pack("{s:s?,s:s}", "param", ep->page.param, "items",
                                      ep->page.items_path ? ep->page.items_path : ""));
    if (ep->is_signed) json_object_set_new(op, "signed", json_true());
    if (ep->is_page) json_object_set_new(op, "page", json_true());
    return op;
}

static json_t *sign_in_json(const eng_model *m) {
    const eng_oauth *o = &m->oauth;
    if (o->authorize)
        return json_pack("{s:s,s:s,s:s*}", "kind",
                         o->token ? "oauth2 authorization code (the page redeems it)"
                                  : "oauth2 authorization code (the page's server redeems it)",
                         "method", "sign_in", "pkce", o->pkce);
    for (size_t i = 0; i < m->n_endpoints; i++)
        if (m->endpoints[i]->is_login)
            return json_pack("{s:s,s:s}", "kind", "login form or request", "method",
                             m->endpoints[i]->op_name);
    return json_null();
}

static json_t *session_json(const eng_model *m) {
    json_t *out = json_array();
    for (size_t i = 0; i < m->n_session; i++) {
        const eng_session_value *s = &m->session[i];
        const char *by = s->signs_in && m->oauth.authorize ? "sign_in"
                         : s->producer                     ? s->producer->op_name
                                                           : NULL;
        json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:o,s:s*}", "name", s->name, "sent_as",
                                             eng_use_name(s->use), "wire", s->wire_name,
                                             "obtained_by", str_or_null(by), "refreshed_by",
                                             s->refresh ? s->refresh->op_name : NULL));
    }
    return out;
}

static json_t *flows_json(const eng_model *m) {
    json_t *out = json_array();
    for (size_t i = 0; i < m->n_calls && json_array_size(out) < MODEL_FLOWS_MAX; i++)
        for (size_t k = 0; k < m->calls[i].n_args; k++) {
            const eng_arg *arg = &m->calls[i].args[k];
            if (arg->src.kind == ENG_SRC_NONE || !arg->param || arg->src.call < 0) continue;
            json_array_append_new(
                out, json_pack("{s:I,s:s,s:s,s:I,s:s,s:s}", "step", (json_int_t)i + 1, "operation",
                               m->calls[i].ep->op_name, "param", arg->param->py_name, "from_step",
                               (json_int_t)arg->src.call + 1, "from_operation",
                               m->calls[arg->src.call].ep->op_name, "from", arg->src.path));
        }
    return out;
}

/* What the deterministic engine could not do, so that a model knows where to look. */
static json_t *gaps_json(const eng_model *m) {
    json_t *out = json_array();
    const eng_signature *s = &m->signature;
    if (s->header && !s->reproduced)
        json_array_append_new(out, json_pack("{s:s,s:s}", "what",
                                             "a signed header, signed in a way rae could not "
                                             "reproduce: the page's scripts compute it",
                                             "header", s->header));
    for (size_t i = 0; i < m->n_calls; i++)
        if (m->calls[i].body_missing)
            json_array_append_new(
                out, json_pack("{s:s,s:I,s:s}", "what", "a call whose request body the HAR lacks",
                               "step", (json_int_t)i + 1, "why", m->calls[i].body_missing));
    return out;
}

int eng_gen_model(const eng_model *m, const eng_options *o, buf *out) {
    (void)o;
    arena *a = arena_new();
    json_t *origins = json_array(), *ops = json_array();
    for (size_t i = 0; i < m->n_origins; i++)
        json_array_append_new(
            origins, json_pack("{s:s,s:s}", "role", m->origins[i].role, "url", m->origins[i].url));
    for (size_t i = 0; i < m->n_endpoints; i++)
        json_array_append_new(ops, operation_json(m, m->endpoints[i], a));
    json_t *doc =
        json_pack("{s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:I}", "rae_model", "1", "base_url",
                  m->base_url, "origins", origins, "sign_in", sign_in_json(m), "session",
                  session_json(m), "operations", ops, "flows", flows_json(m), "not_reproduced",
                  gaps_json(m), "captured_calls", (json_int_t)m->n_calls);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (text) buf_puts(out, text);
    buf_putc(out, '\n');
    free(text);
    json_decref(doc);
    arena_free(a);
    return text ? 0 : -1;
}
