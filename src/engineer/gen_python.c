/* api_client.py: one client class on httpx, one documented method per operation, a session that
 * fills tokens, CSRF values and keys by itself, typed errors and pagination iterators. */
#include "engineer/internal.h"

#include <string.h>

void eng_py_str(buf *out, const char *s) {
    buf_putc(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_printf(out, "\\%c", *p);
        else if (*p == '\n')
            buf_puts(out, "\\n");
        else if (*p == '\r')
            buf_puts(out, "\\r");
        else if (*p == '\t')
            buf_puts(out, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            buf_printf(out, "\\x%02x", *p);
        else
            buf_putc(out, (char)*p);
    }
    buf_putc(out, '"');
}

void eng_py_doc(buf *out, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_printf(out, "\\%c", *p);
        else
            buf_putc(out, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
    }
}

/* b's text as a string of a (a value for a template's hole); b is freed. */
static const char *take(arena *a, buf *b) {
    const char *text = arena_strdup(a, buf_str(b));
    buf_free(b);
    return text;
}

/* The value of a template's section: kept when on. */
static const char *flag(int on) {
    return on ? "yes" : "";
}

const char *eng_py_str_a(arena *a, const char *s) {
    buf b = BUF_INIT;
    eng_py_str(&b, s);
    return take(a, &b);
}

const char *eng_py_doc_a(arena *a, const char *s) {
    buf b = BUF_INIT;
    eng_py_doc(&b, s);
    return take(a, &b);
}

void eng_py_fstr_text(buf *out, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '{' || *p == '}') {
            buf_putc(out, (char)*p);
            buf_putc(out, (char)*p);
        } else if (*p == '"' || *p == '\\') {
            buf_printf(out, "\\%c", *p);
        } else if (*p < 0x20 || *p == 0x7f) {
            buf_printf(out, "\\x%02x", *p);
        } else {
            buf_putc(out, (char)*p);
        }
    }
}

static void py_value(buf *out, jv *v, arena *a) {
    switch (v->type) {
    case JV_NULL:
        buf_puts(out, "None");
        break;
    case JV_TRUE:
        buf_puts(out, "True");
        break;
    case JV_FALSE:
        buf_puts(out, "False");
        break;
    case JV_NUMBER:
        buf_append(out, v->s, v->len);
        break;
    case JV_STRING:
        eng_py_str(out, jv_str(v, a, NULL));
        break;
    case JV_ARRAY:
        buf_putc(out, '[');
        for (size_t i = 0; i < v->len; i++) {
            if (i) buf_puts(out, ", ");
            py_value(out, v->items[i], a);
        }
        buf_putc(out, ']');
        break;
    case JV_OBJECT:
        buf_putc(out, '{');
        for (size_t i = 0; i < v->len; i++) {
            if (i) buf_puts(out, ", ");
            eng_py_str(out, jv_key(&v->members[i], a));
            buf_puts(out, ": ");
            py_value(out, v->members[i].value, a);
        }
        buf_putc(out, '}');
        break;
    }
}

void eng_py_json(buf *out, const char *json, arena *a) {
    rae_err err;
    jv *v = jv_parse(a, json, strlen(json), NULL, &err);
    if (v)
        py_value(out, v, a);
    else
        eng_py_str(out, json);
}

static const char *source_kind(eng_source_kind k) {
    switch (k) {
    case ENG_SRC_JSON:
        return "json";
    case ENG_SRC_HEADER:
        return "header";
    case ENG_SRC_COOKIE:
        return "cookie";
    case ENG_SRC_HTML_META:
        return "meta";
    case ENG_SRC_HTML_INPUT:
        return "input";
    case ENG_SRC_HTML_SCRIPT:
        return "script";
    case ENG_SRC_LOCATION:
        return "location";
    default:
        return "none";
    }
}

/* The captured arguments of an operation that the client calls by itself (a producer, a
 * refresh) and that cannot be called without any: `, "args": {"product_slug": "blue-widget"}`,
 * from the captured call `call`. */
static void captured_args(const eng_model *m, long call_i, const char *key, buf *out) {
    if (call_i < 0 || (size_t)call_i >= m->n_calls) return;
    const eng_call *call = &m->calls[call_i];
    int first = 1;
    for (size_t i = 0; i < call->n_args; i++) {
        const eng_arg *arg = &call->args[i];
        const eng_param *p = arg->param;
        if (!p || p->session || eng_param_defaulted(p) || p->file ||
            !(p->in == ENG_IN_PATH || p->required))
            continue;
        buf_printf(out, first ? ", \"%s\": {" : ", ", key);
        buf_printf(out, "\"%s\": ", p->py_name);
        if (arg->is_json)
            eng_py_json(out, arg->value, m->mem);
        else
            eng_py_str(out, arg->value);
        first = 0;
    }
    if (!first) buf_putc(out, '}');
}

/* `, "renewers": {"refresh": ("json", "access_token")}, "refresh": "refresh"` */
static void gen_renewers(const eng_model *m, const eng_session_value *s, buf *out) {
    for (size_t r = 0; r < s->n_renewers; r++) {
        buf_printf(out, "%s\"%s\": (\"%s\", ", r ? ", " : ", \"renewers\": {",
                   s->renewers[r].ep->op_name, source_kind(s->renewers[r].src.kind));
        eng_py_str(out, s->renewers[r].src.path);
        buf_putc(out, ')');
    }
    if (s->n_renewers) buf_putc(out, '}');
    if (!s->refresh) return;
    buf_printf(out, ", \"refresh\": \"%s\"", s->refresh->op_name);
    for (size_t r = 0; r < s->n_renewers; r++)
        if (s->renewers[r].ep == s->refresh) {
            captured_args(m, s->renewers[r].src.call, "refresh_args", out);
            break;
        }
}

/* GRAPHQL's entries: the GraphQL documents, by operation, sent as captured with new variables
 * ("" when there are none). */
static const char *graphql_entries(const eng_model *m, arena *a) {
    buf b = BUF_INIT;
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const eng_endpoint *ep = m->endpoints[i];
        if (!ep->graphql_query) continue;
        buf_printf(&b, "    \"%s\": ", ep->op_name);
        eng_py_str(&b, ep->graphql_query);
        buf_puts(&b, ",\n");
    }
    return take(a, &b);
}

const eng_origin *eng_origin_of(const eng_model *m, const eng_endpoint *ep) {
    for (size_t i = 0; i < m->n_origins; i++)
        if (strcmp(m->origins[i].url, ep->origin) == 0) return &m->origins[i];
    return NULL;
}

/* ORIGINS' entries: each origin's role, its RAE_*_URL, the captured URL, where the page names
 * it, and the headers its API demands (with no origin captured, an empty "base"). */
static const char *origins_entries(const eng_model *m, arena *a) {
    static const eng_origin none = {.url = "", .role = "base", .env_name = "RAE_BASE_URL"};
    const eng_origin *origins = m->n_origins ? m->origins : &none;
    buf b = BUF_INIT;
    for (size_t i = 0; i < (m->n_origins ? m->n_origins : 1); i++) {
        const eng_origin *o = &origins[i];
        buf_printf(&b, "    \"%s\": {\"env\": \"%s\", \"captured\": ", o->role, o->env_name);
        eng_py_str(&b, o->url);
        if (o->config.kind != ENG_SRC_NONE && o->config.call >= 0 &&
            (size_t)o->config.call < m->n_calls) {
            buf_printf(&b, ", \"page\": \"%s\", \"kind\": \"%s\", \"name\": ",
                       m->calls[o->config.call].ep->op_name, source_kind(o->config.kind));
            eng_py_str(&b, o->config.path);
        }
        buf_puts(&b, ", \"headers\": {");
        for (size_t h = 0; h < o->n_headers; h++) {
            buf_puts(&b, h ? ", " : "");
            eng_py_str(&b, o->headers[2 * h]);
            buf_puts(&b, ": ");
            eng_py_str(&b, o->headers[2 * h + 1]);
        }
        buf_puts(&b, "}},\n");
    }
    return take(a, &b);
}

/* FRESH's entries: the headers made anew for each request, their kind and a captured sample. */
static const char *fresh_entries(const eng_model *m, arena *a) {
    static const char *const kinds[] = {"uuid", "unix", "unix_ms", "iso", "nonce"};
    buf b = BUF_INIT;
    for (size_t i = 0; i < m->n_fresh; i++) {
        buf_puts(&b, "    ");
        eng_py_str(&b, m->fresh[i].name);
        buf_printf(&b, ": {\"kind\": \"%s\", \"sample\": ", kinds[m->fresh[i].kind]);
        eng_py_str(&b, m->fresh[i].sample);
        buf_puts(&b, "},\n");
    }
    return take(a, &b);
}

static const char *cred_field(const eng_model *m, const char *env, const char *dflt) {
    for (size_t i = 0; i < m->n_creds; i++)
        if (strcmp(m->creds[i].env_name, env) == 0) return m->creds[i].field;
    return dflt;
}

/* The helpers of an OAuth 2.0 sign-in and OAUTH, how the page signed in, when it did so by an
 * authorization code; else "". */
static const char *oauth_part(const eng_model *m, arena *a) {
    const eng_oauth *o = &m->oauth;
    if (!o->authorize) return "";
    buf b = BUF_INIT;
    ENG_FILL(&b, "oauth_helpers.py", {"authorize", o->authorize->op_name},
             {"token", o->token ? eng_py_str_a(a, o->token->op_name) : "None"},
             {"pkce", o->pkce ? eng_py_str_a(a, o->pkce) : "None"},
             {"username", eng_py_str_a(a, cred_field(m, "RAE_USERNAME", "username"))},
             {"password", eng_py_str_a(a, cred_field(m, "RAE_PASSWORD", "password"))});
    return take(a, &b);
}

/* `name=value, ` for each argument of captured call call_i that the client does not fill. */
static void call_args(const eng_model *m, long call_i, const char *skip, buf *out) {
    const eng_call *call = &m->calls[call_i];
    for (size_t i = 0; i < call->n_args; i++) {
        const eng_arg *arg = &call->args[i];
        const eng_param *p = arg->param;
        if (!p || p->session || p->file || eng_param_defaulted(p) || strcmp(p->name, skip) == 0)
            continue;
        buf_printf(out, "%s=", p->py_name);
        if (arg->is_json)
            eng_py_json(out, arg->value, m->mem);
        else
            eng_py_str(out, arg->value);
        buf_puts(out, ", ");
    }
}

/* `self.OP(captured arguments, last)`: a call of the sign-in as captured, but for what the client
 * fills itself, and with `last` (when not NULL) as its last argument. */
static const char *sign_in_call(const eng_model *m, const eng_endpoint *ep, long call,
                                const char *skip, const char *last, arena *a) {
    buf b = BUF_INIT;
    buf_printf(&b, "self.%s(", ep->op_name);
    size_t mark = b.len;
    call_args(m, call, skip, &b);
    if (last)
        buf_puts(&b, last);
    else if (b.len > mark)
        b.len -= 2; /* the last ", " */
    buf_putc(&b, ')');
    return take(a, &b);
}

/* The methods of an OAuth 2.0 sign-in and sign_in(): the first call of the sign-in, the identity
 * provider's form, the code's redemption (by the token endpoint, or by the page's server when it
 * keeps the session); "" when the page did not sign in so. */
static const char *sign_in_part(const eng_model *m, arena *a) {
    const eng_oauth *o = &m->oauth;
    if (!o->authorize) return "";
    int asks = o->start == o->authorize; /* the sign-in starts at the identity provider */
    buf b = BUF_INIT;
    ENG_FILL(&b, "oauth_methods.py", {"asks_state", flag(asks && !o->pkce)},
             {"asks_pkce", flag(asks && o->pkce)}, {"start", asks ? "" : o->start->op_name},
             {"start_call", sign_in_call(m, o->start, o->start_call, "", NULL, a)},
             {"token_call", o->token ? sign_in_call(m, o->token, o->back_call, o->code->name,
                                                    arena_printf(a, "%s=code", o->code->py_name), a)
                                     : ""});
    return take(a, &b);
}

/* SESSION's entries: each value, how it is sent, and the operation that produces it (with what
 * renews it) or its RAE_* variable. */
static const char *session_entries(const eng_model *m, arena *a) {
    buf b = BUF_INIT;
    for (size_t i = 0; i < m->n_session; i++) {
        const eng_session_value *s = &m->session[i];
        buf_printf(&b, "    \"%s\": {\"use\": \"%s\", \"wire\": ", s->name, eng_use_name(s->use));
        eng_py_str(&b, s->wire_name);
        if (s->producer) {
            buf_printf(&b,
                       ", \"producer\": \"%s\", \"kind\": \"%s\", \"path\": ", s->producer->op_name,
                       source_kind(s->src.kind));
            eng_py_str(&b, s->src.path);
            captured_args(m, s->src.call, "args", &b);
            if (s->signs_in && m->oauth.authorize) buf_puts(&b, ", \"via\": \"sign_in\"");
            gen_renewers(m, s, &b);
        } else {
            buf_printf(&b, ", \"env\": \"%s\"", s->env_name);
        }
        buf_puts(&b, "},\n");
    }
    return take(a, &b);
}

static const eng_credential *cred(const eng_model *m, const char *field) {
    for (size_t i = 0; i < m->n_creds; i++)
        if (strcmp(m->creds[i].field, field) == 0) return &m->creds[i];
    return NULL;
}

/* __init__'s keyword arguments for the origins other than the primary. */
static const char *origin_args(const eng_model *m, arena *a) {
    buf b = BUF_INIT;
    for (size_t i = 1; i < m->n_origins; i++)
        buf_printf(&b, "%s_url: Optional[str] = None,\n                 ", m->origins[i].role);
    return take(a, &b);
}

/* self.urls' entries for the origins other than the primary: the argument, else RAE_*_URL. */
static const char *origin_urls(const eng_model *m, arena *a) {
    buf b = BUF_INIT;
    for (size_t i = 1; i < m->n_origins; i++)
        buf_printf(&b,
                   ",\n                                               \"%s\": (%s_url or "
                   "env.get(\"%s\") or \"\").rstrip(\"/\") or None",
                   m->origins[i].role, m->origins[i].role, m->origins[i].env_name);
    return take(a, &b);
}

/* self.credentials' entries: each credential from its keyword argument, else its RAE_*. */
static const char *credential_entries(const eng_model *m, arena *a) {
    buf b = BUF_INIT;
    for (size_t i = 0; i < m->n_creds; i++) {
        buf_printf(&b, "            ");
        eng_py_str(&b, m->creds[i].env_name);
        char *key = arena_strdup(a, m->creds[i].env_name + 4);
        for (char *p = key; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        buf_printf(&b, ": credentials.get(\"%s\") or env.get(\"%s\"),\n", key,
                   m->creds[i].env_name);
    }
    return take(a, &b);
}

/* self.session's entries: None for a value that an operation produces, else its RAE_*. */
static const char *session_values(const eng_model *m, arena *a) {
    buf b = BUF_INIT;
    for (size_t i = 0; i < m->n_session; i++) {
        const eng_session_value *s = &m->session[i];
        if (s->producer)
            buf_printf(&b, "            \"%s\": None,\n", s->name);
        else
            buf_printf(&b, "            \"%s\": env.get(\"%s\"),\n", s->name, s->env_name);
    }
    return take(a, &b);
}

static int is_arg(const eng_param *p) {
    return !p->session;
}

static const char *param_type(const eng_param *p, arena *a) {
    if (p->file) return "Any";
    if (p->in == ENG_IN_PATH) return p->schema->types == ENG_T_INT ? "int" : "str";
    const char *t = eng_schema_py(p->schema, a);
    return strcmp(t, "Optional[Any]") == 0 ? "Any" : t;
}

/* The name of an argument that takes the whole body ("files", "data"): made unique among ep's
 * parameters with trailing underscores. */
const char *eng_py_raw_arg(const eng_endpoint *ep, const char *name, arena *a) {
    for (size_t i = 0; i < ep->n_params; i++)
        if (strcmp(ep->params[i].py_name, name) == 0) {
            name = arena_printf(a, "%s_", name);
            i = (size_t)-1;
        }
    return name;
}

/* `, required..., optional=None...`: a method's parameters after self. */
static void gen_params(const eng_endpoint *ep, buf *out, arena *a) {
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < ep->n_params; i++) {
            const eng_param *p = &ep->params[i];
            int required = p->required && !eng_param_defaulted(p);
            if (!is_arg(p) || required != (pass == 0)) continue;
            const char *t = param_type(p, a);
            if (required)
                buf_printf(out, ", %s: %s", p->py_name, t);
            else
                buf_printf(out, ", %s: %s = None", p->py_name,
                           strncmp(t, "Optional[", 9) == 0 || strcmp(t, "Any") == 0
                               ? t
                               : arena_printf(a, "Optional[%s]", t));
        }
    if ((ep->body_kind == ENG_BODY_JSON && !ep->body_is_object) || ep->body_kind == ENG_BODY_TEXT)
        buf_puts(out, ", body: Any = None");
    else if (ep->body_raw && ep->body_kind == ENG_BODY_MULTIPART)
        buf_printf(out, ", %s: Any = None, %s: Any = None", eng_py_raw_arg(ep, "files", a),
                   eng_py_raw_arg(ep, "data", a));
    else if (ep->body_raw && ep->body_kind == ENG_BODY_FORM)
        buf_printf(out, ", %s: Any = None", eng_py_raw_arg(ep, "data", a));
    if (ep->body_mime_varies)
        buf_printf(out, ", %s: Optional[str] = None", eng_py_raw_arg(ep, "content_type", a));
    if (ep->if_match)
        buf_printf(out, ", %s: Optional[str] = None", eng_py_raw_arg(ep, "if_match", a));
}

/* Docstring lines of text, indented by 8 and broken at spaces before column 100. */
static void doc_lines(buf *out, const char *text) {
    const char *p = text;
    while (*p) {
        size_t n = strlen(p), cut = n;
        if (n > 92) {
            for (cut = 92; cut > 0 && p[cut] != ' '; cut--)
                ;
            if (cut == 0) cut = strcspn(p, " ");
        }
        buf_printf(out, "        %.*s\n", (int)cut, p);
        p += cut;
        p += strspn(p, " ");
    }
}

/* What the docstring says of a body the HAR lacks: how to give it, or where its arguments came
 * from (operation.py adds how a whole body is given). */
static void doc_missing_body(const eng_endpoint *ep, buf *out) {
    if (!ep->bodies_missing) return;
    buf text = BUF_INIT;
    if (ep->body_raw) {
        buf_puts(&text, "Its body is unknown: ");
        eng_py_doc(&text, ep->body_missing);
        buf_puts(&text, ". Give it whole (");
        eng_py_doc(&text, *ep->body_mime ? ep->body_mime : "no Content-Type");
        buf_puts(&text, "); it goes to httpx as it is:");
    } else {
        buf_printf(&text, "%ld of the %ld captured calls had no body: ", ep->bodies_missing,
                   ep->samples);
        eng_py_doc(&text, ep->body_missing);
        buf_puts(&text, ". The body's arguments come from the other calls.");
    }
    doc_lines(out, buf_str(&text));
    buf_free(&text);
}

/* The docstring's lines of the captured responses: status, type, the first keys, how often. */
static void doc_captured(const eng_endpoint *ep, buf *out) {
    for (size_t i = 0; i < ep->n_responses; i++) {
        const eng_response *r = &ep->responses[i];
        buf_printf(out, "        Captured: %d ", r->status);
        eng_py_doc(out, *r->mime ? r->mime : "(no body)");
        if (r->schema && (r->schema->types & ENG_T_OBJ) && r->schema->n_props) {
            buf_puts(out, " with ");
            for (size_t k = 0; k < r->schema->n_props && k < 6; k++) {
                buf_puts(out, k ? ", " : "");
                eng_py_doc(out, r->schema->props[k].name); /* a site's keys: text, not code */
            }
            if (r->schema->n_props > 6) buf_puts(out, ", ...");
        }
        buf_printf(out, " (%ld time%s).\n", r->samples, r->samples == 1 ? "" : "s");
    }
}

void eng_py_example(const eng_endpoint *ep, buf *out) {
    buf_printf(out, "api.%s(", ep->op_name);
    int first = 1;
    for (size_t i = 0; i < ep->n_params; i++) {
        const eng_param *p = &ep->params[i];
        if (!is_arg(p) || !p->required || eng_param_defaulted(p)) continue;
        const char *ex = p->schema->example;
        unsigned types = p->schema->types & ~(unsigned)ENG_T_NULL;
        buf_printf(out, "%s%s=%s", first ? "" : ", ", p->py_name,
                   p->file               ? "(\"name.png\", open(\"name.png\", \"rb\"))"
                   : types == ENG_T_BOOL ? "True"
                   : ex && strlen(ex) < 60 && !strchr(ex, '\\') ? ex
                                                                : "...");
        first = 0;
    }
    if (ep->body_raw && ep->body_kind == ENG_BODY_MULTIPART)
        buf_printf(out, "%sfiles={\"file\": (\"name.txt\", open(\"name.txt\", \"rb\"))}",
                   first ? "" : ", ");
    buf_putc(out, ')');
}

int eng_is_usage_example(const eng_endpoint *ep) {
    return !ep->is_page && !ep->is_login;
}

/* The name of the path parameter at p ("{name}" up to close), or NULL. */
static const char *path_param(const eng_endpoint *ep, const char *p, const char *close) {
    for (size_t i = 0; i < ep->n_params; i++)
        if (ep->params[i].in == ENG_IN_PATH &&
            strlen(ep->params[i].name) == (size_t)(close - p - 1) &&
            strncmp(ep->params[i].name, p + 1, (size_t)(close - p - 1)) == 0)
            return ep->params[i].py_name;
    return NULL;
}

/* The path as a Python string: an f-string when it has parameters (a brace of the path itself
 * doubled there), else a plain one. */
static void gen_path(const eng_model *m, const eng_endpoint *ep, buf *out) {
    (void)m;
    const char *open = strchr(ep->path, '{');
    int fmt = open && strchr(open, '}');
    buf_puts(out, fmt ? "f\"" : "\"");
    for (const char *p = ep->path; *p; p++) {
        const char *close = fmt && *p == '{' ? strchr(p, '}') : NULL;
        if (close) {
            const char *name = path_param(ep, p, close);
            buf_printf(out, "{path_part(%s)}", name ? name : "''");
            p = close;
        } else if (*p == '"' || *p == '\\') {
            buf_printf(out, "\\%c", *p);
        } else if (fmt && (*p == '{' || *p == '}')) {
            buf_printf(out, "%c%c", *p, *p);
        } else {
            buf_putc(out, *p);
        }
    }
    buf_putc(out, '"');
}

int eng_param_defaulted(const eng_param *p) {
    return p->secret || p->made != ENG_MADE_NONE || p->config.kind != ENG_SRC_NONE;
}

/* ` if x is not None else DEFAULT` for a parameter the client fills when not given. */
static void gen_default(const eng_model *m, const eng_param *p, buf *out) {
    static const char *const made[] = {"", "state", "nonce", "challenge", "verifier"};
    const eng_credential *c = p->secret ? cred(m, p->name) : NULL;
    if (!c && !p->made && !p->config.kind) return;
    buf_printf(out, " if %s is not None else ", p->py_name);
    if (c) {
        buf_printf(out, "self.credentials.get(\"%s\")", c->env_name);
    } else if (p->made) {
        buf_printf(out, "self._made(\"%s\")", made[p->made]);
    } else {
        buf_printf(out, "self._page_value(\"%s\", \"%s\", ", m->calls[p->config.call].ep->op_name,
                   source_kind(p->config.kind));
        eng_py_str(out, p->config.path);
        buf_putc(out, ')');
    }
}

static void gen_dict(const eng_model *m, const eng_endpoint *ep, eng_where in, buf *out) {
    buf_putc(out, '{');
    int first = 1;
    for (size_t i = 0; i < ep->n_params; i++) {
        const eng_param *p = &ep->params[i];
        if (p->in != in || !is_arg(p) || p->file) continue;
        if (!first) buf_puts(out, ", ");
        eng_py_str(out, p->name);
        buf_printf(out, ": %s", p->py_name);
        gen_default(m, p, out);
        first = 0;
    }
    buf_putc(out, '}');
}

static void gen_body(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    switch (ep->body_kind) {
    case ENG_BODY_JSON:
        buf_puts(out, "json_body=");
        if (ep->graphql_op) {
            buf_puts(out, "{");
            if (ep->graphql_named) {
                buf_puts(out, "\"operationName\": ");
                eng_py_str(out, ep->graphql_op);
                buf_puts(out, ", ");
            }
            if (ep->graphql_query)
                buf_printf(out, "\"query\": GRAPHQL[\"%s\"],\n                          ",
                           ep->op_name);
            buf_puts(out, "\"variables\": drop_none(");
            gen_dict(m, ep, ENG_IN_BODY, out);
            buf_putc(out, ')');
            if (ep->graphql_hash) { /* a persisted query: the site knows the document by hash */
                buf_puts(out, ",\n                          \"extensions\": {\"persistedQuery\": "
                              "{\"version\": 1, \"sha256Hash\": ");
                eng_py_str(out, ep->graphql_hash);
                buf_puts(out, "}}");
            }
            buf_putc(out, '}');
        } else if (ep->body_is_object) {
            buf_puts(out, "drop_none(");
            gen_dict(m, ep, ENG_IN_BODY, out);
            buf_putc(out, ')');
        } else {
            buf_puts(out, "body");
        }
        break;
    case ENG_BODY_FORM:
        buf_puts(out, "data=");
        if (ep->body_raw)
            buf_puts(out, eng_py_raw_arg(ep, "data", a));
        else
            gen_dict(m, ep, ENG_IN_BODY, out);
        break;
    case ENG_BODY_MULTIPART: {
        if (ep->body_raw) {
            buf_printf(out, "data=%s, files=%s", eng_py_raw_arg(ep, "data", a),
                       eng_py_raw_arg(ep, "files", a));
            break;
        }
        buf_puts(out, "data=");
        gen_dict(m, ep, ENG_IN_BODY, out);
        buf_puts(out, ", files=drop_none({");
        int first = 1;
        for (size_t i = 0; i < ep->n_params; i++) {
            const eng_param *p = &ep->params[i];
            if (!p->file) continue;
            buf_printf(out, "%s", first ? "" : ", ");
            eng_py_str(out, p->name);
            buf_printf(out, ": %s", p->py_name);
            first = 0;
        }
        buf_puts(out, "})");
        break;
    }
    case ENG_BODY_TEXT:
        buf_puts(out, "content=body");
        break;
    default:
        break;
    }
}

/* The arguments of an operation's self._call(...). */
static void gen_call(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    buf_printf(out, "\"%s\", \"%s\", ", ep->op_name, ep->method);
    gen_path(m, ep, out);
    int has_query = 0;
    for (size_t i = 0; i < ep->n_params; i++)
        has_query |= ep->params[i].in == ENG_IN_QUERY && is_arg(&ep->params[i]);
    if (has_query) {
        buf_puts(out, ",\n                          params=");
        gen_dict(m, ep, ENG_IN_QUERY, out);
    }
    if (ep->body_kind != ENG_BODY_NONE) buf_puts(out, ",\n                          ");
    gen_body(m, ep, out, a);
    if (ep->body_kind == ENG_BODY_JSON && !ep->graphql_op && ep->body_mime &&
        strcmp(ep->body_mime, "application/json") != 0 && strstr(ep->body_mime, "json")) {
        buf_puts(out, ", content_type=");
        if (ep->body_mime_varies) buf_printf(out, "%s or ", eng_py_raw_arg(ep, "content_type", a));
        eng_py_str(out, ep->body_mime);
    } else if (ep->body_mime_varies) {
        buf_printf(out, ", content_type=%s", eng_py_raw_arg(ep, "content_type", a));
    }
    if (ep->if_match)
        buf_printf(out, ",\n                          conditional=True, if_match=%s",
                   eng_py_raw_arg(ep, "if_match", a));
    for (size_t i = 0; i < ep->n_fresh; i++) {
        buf_puts(out, i ? ", " : ",\n                          fresh=(");
        eng_py_str(out, m->fresh[ep->fresh[i]].name);
        if (i + 1 == ep->n_fresh) buf_puts(out, i ? ")" : ",)");
    }
    if (ep->is_signed && m->signature.reproduced)
        buf_puts(out, ",\n                          signed=True");
    for (size_t i = 0; i < ep->n_headers; i++) {
        buf_puts(out, i ? ", " : ",\n                          headers={");
        eng_py_str(out, ep->headers[2 * i]);
        buf_puts(out, ": ");
        eng_py_str(out, ep->headers[2 * i + 1]);
        if (i + 1 == ep->n_headers) buf_putc(out, '}');
    }
    const eng_origin *o = eng_origin_of(m, ep);
    if (o && o != &m->origins[0])
        buf_printf(out, ",\n                          origin=\"%s\"", o->role);
    if (ep->n_uses) {
        buf_puts(out, ",\n                          uses=(");
        for (size_t i = 0; i < ep->n_uses; i++)
            buf_printf(out, "\"%s\", ", m->session[ep->uses[i]].name);
        buf_putc(out, ')');
    }
}

/* The method of an operation (operation.py). */
static void gen_operation(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    buf params = BUF_INIT, missing = BUF_INIT, captured = BUF_INIT, example = BUF_INIT,
        call = BUF_INIT;
    gen_params(ep, &params, a);
    doc_missing_body(ep, &missing);
    doc_captured(ep, &captured);
    eng_py_example(ep, &example);
    gen_call(m, ep, &call, a);
    int raw = ep->bodies_missing && ep->body_raw; /* a body the HAR lacks, given whole */
    int multipart = ep->body_kind == ENG_BODY_MULTIPART, form = ep->body_kind == ENG_BODY_FORM,
        json = ep->body_kind == ENG_BODY_JSON;
    ENG_FILL(out, "operation.py", {"name", ep->op_name}, {"params", take(a, &params)},
             {"summary", eng_py_doc_a(a, ep->summary)},
             {"origin", strcmp(ep->origin, m->base_url) != 0 ? eng_py_doc_a(a, ep->origin) : ""},
             {"login", flag(ep->is_login)}, {"page", flag(ep->is_page)},
             {"body_missing", take(a, &missing)}, {"raw_multipart", flag(raw && multipart)},
             {"raw_form", flag(raw && form)}, {"raw_json", flag(raw && json)},
             {"raw_text", flag(raw && !multipart && !form && !json)},
             {"files_arg", eng_py_raw_arg(ep, "files", a)},
             {"data_arg", eng_py_raw_arg(ep, "data", a)}, {"captured", take(a, &captured)},
             {"example", take(a, &example)}, {"graphql", flag(ep->graphql_op != NULL)},
             {"call", take(a, &call)});
}

/* iter_NAME(...): follows the endpoint's pagination and yields items. */
static void gen_iterator(const eng_endpoint *ep, buf *out, arena *a) {
    const eng_pagination *pg = &ep->page;
    if (pg->style == ENG_PAGE_NONE) return;
    const char *move = NULL;
    for (size_t i = 0; i < ep->n_params; i++)
        if (ep->params[i].in == ENG_IN_QUERY && strcmp(ep->params[i].name, pg->param) == 0)
            move = ep->params[i].py_name;
    if (!move) return;
    const char *limit = NULL; /* the page size argument, when there is one */
    for (size_t i = 0; i < ep->n_params && pg->limit_param; i++)
        if (ep->params[i].in == ENG_IN_QUERY && is_arg(&ep->params[i]) &&
            strcmp(ep->params[i].name, pg->limit_param) == 0)
            limit = ep->params[i].py_name;
    /* the method's parameters, and the arguments it calls the operation with */
    buf params = BUF_INIT, args = BUF_INIT;
    for (size_t i = 0; i < ep->n_params; i++) {
        const eng_param *p = &ep->params[i];
        if (!is_arg(p)) continue;
        if (strcmp(p->py_name, move) != 0) {
            int required = p->required && !eng_param_defaulted(p);
            if (required)
                buf_printf(&params, ", %s: %s", p->py_name, param_type(p, a));
            else
                buf_printf(&params, ", %s: Any = None", p->py_name);
        }
        buf_printf(&args, "%s%s=%s", args.len ? ", " : "", p->py_name,
                   strcmp(p->py_name, move) == 0 ? "position" : p->py_name);
    }
    int by_link = pg->style == ENG_PAGE_LINK_HEADER,
        by_next = pg->style == ENG_PAGE_CURSOR || pg->style == ENG_PAGE_LINK,
        by_page = pg->style == ENG_PAGE_PAGE;
    ENG_FILL(out, "iterator.py", {"name", ep->op_name}, {"params", take(a, &params)},
             {"method", eng_py_doc_a(a, ep->method)}, {"path", eng_py_doc_a(a, ep->path)},
             {"style", pg->style == ENG_PAGE_CURSOR        ? "cursor"
                       : pg->style == ENG_PAGE_PAGE        ? "page-number"
                       : pg->style == ENG_PAGE_OFFSET      ? "offset"
                       : pg->style == ENG_PAGE_LINK_HEADER ? "Link header"
                                                           : "next-link"},
             {"param", eng_py_doc_a(a, pg->param)}, {"param_literal", eng_py_str_a(a, pg->param)},
             {"first", by_page                        ? "1"
                       : pg->style == ENG_PAGE_OFFSET ? "0"
                                                      : "None"},
             {"args", take(a, &args)},
             /* a path of the site's keys: a literal, never code */
             {"items_path", *pg->items_path ? eng_py_str_a(a, pg->items_path) : ""},
             {"link_header", flag(by_link)}, {"next_link", flag(by_next)},
             {"next_path", by_link || by_next ? eng_py_str_a(a, pg->next_path) : ""},
             {"by_page", flag(by_page)}, {"by_offset", flag(!by_link && !by_next && !by_page)},
             {"limit", limit ? limit : "None"});
}

/* The text of the template name, as a string of a. */
static const char *template_text(const char *name, arena *a) {
    buf b = BUF_INIT;
    eng_template(&b, name);
    return take(a, &b);
}

int eng_gen_python(const eng_model *m, const eng_options *o, buf *out) {
    (void)o;
    arena *a = arena_new();
    buf examples = BUF_INIT, methods = BUF_INIT;
    for (size_t i = 0, shown = 0; i < m->n_endpoints && shown < 3; i++) {
        if (!eng_is_usage_example(m->endpoints[i])) continue;
        buf_puts(&examples, "        ");
        eng_py_example(m->endpoints[i], &examples);
        buf_putc(&examples, '\n');
        shown++;
    }
    for (size_t i = 0; i < m->n_endpoints; i++) {
        gen_operation(m, m->endpoints[i], &methods, a);
        gen_iterator(m->endpoints[i], &methods, a);
    }
    const eng_signature *s = &m->signature;
    int sig = s->header && s->reproduced && s->producer; /* SIGNATURE, when rae reproduced it */
    ENG_FILL(
        out, "api_client.py",
        {"api", eng_py_doc_a(a, *m->base_url ? m->base_url : "(no API found)")},
        {"source", eng_py_doc_a(a, m->source)},
        {"n_operations", arena_printf(a, "%zu", m->n_endpoints)}, {"examples", take(a, &examples)},
        {"prelude", template_text("prelude.py", a)}, {"base_url", eng_py_str_a(a, m->base_url)},
        {"origins", origins_entries(m, a)}, {"fresh", fresh_entries(m, a)},
        {"signature_header", sig ? eng_py_str_a(a, s->header) : ""},
        {"signature_parts", sig ? eng_py_str_a(a, s->parts) : ""},
        {"signature_sep", sig ? eng_py_str_a(a, s->sep) : ""},
        {"signature_encoding", sig ? s->encoding : ""},
        {"signature_producer", sig ? s->producer->op_name : ""},
        {"signature_key_path", sig ? eng_py_str_a(a, s->key.path) : ""},
        {"session", session_entries(m, a)}, {"oauth", oauth_part(m, a)},
        {"graphql", graphql_entries(m, a)}, {"base_url_text", eng_py_doc_a(a, m->base_url)},
        {"origin_args", origin_args(m, a)}, {"origin_urls", origin_urls(m, a)},
        {"credentials", credential_entries(m, a)}, {"session_values", session_values(m, a)},
        {"basic_auth", flag(m->has_basic_auth)}, {"static_cookies", flag(m->n_static_cookies != 0)},
        {"plumbing", template_text("plumbing.py", a)}, {"sign_in", sign_in_part(m, a)},
        {"methods", take(a, &methods)});
    /* trim the last blank line: files end with one newline */
    while (out->len >= 2 && out->data[out->len - 1] == '\n' && out->data[out->len - 2] == '\n')
        out->data[--out->len] = '\0';
    arena_free(a);
    return 0;
}
