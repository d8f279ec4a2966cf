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

const char *eng_py_str_a(arena *a, const char *s) {
    buf b = BUF_INIT;
    eng_py_str(&b, s);
    const char *text = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return text;
}

const char *eng_py_doc_a(arena *a, const char *s) {
    buf b = BUF_INIT;
    eng_py_doc(&b, s);
    const char *text = arena_strdup(a, buf_str(&b));
    buf_free(&b);
    return text;
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
    jv_error err;
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

/* The GraphQL documents, by operation: sent as captured, with new variables. */
static void gen_graphql_table(const eng_model *m, buf *out) {
    int any = 0;
    for (size_t i = 0; i < m->n_endpoints; i++)
        any |= m->endpoints[i]->graphql_query != NULL;
    if (!any) return;
    buf_puts(out, "# The GraphQL documents of the operations, as the site sent them.\n");
    buf_puts(out, "GRAPHQL: Dict[str, str] = {\n");
    for (size_t i = 0; i < m->n_endpoints; i++) {
        const eng_endpoint *ep = m->endpoints[i];
        if (!ep->graphql_query) continue;
        buf_printf(out, "    \"%s\": ", ep->op_name);
        eng_py_str(out, ep->graphql_query);
        buf_puts(out, ",\n");
    }
    buf_puts(out, "}\n\n");
}

const eng_origin *eng_origin_of(const eng_model *m, const eng_endpoint *ep) {
    for (size_t i = 0; i < m->n_origins; i++)
        if (strcmp(m->origins[i].url, ep->origin) == 0) return &m->origins[i];
    return NULL;
}

/* ORIGINS: each origin's role, its RAE_*_URL, the captured URL, where the page names it, and the
 * headers its API demands. */
static void gen_origins_table(const eng_model *m, buf *out) {
    buf_puts(out,
             "# The origins the site's page called, by role: the captured URL (used only while no "
             "base URL is\n# given), where the page names it, and the headers its API "
             "demands on every call.\n");
    buf_puts(out, "ORIGINS: Dict[str, Dict[str, Any]] = {\n");
    for (size_t i = 0; i < m->n_origins; i++) {
        const eng_origin *o = &m->origins[i];
        buf_printf(out, "    \"%s\": {\"env\": \"%s\", \"captured\": ", o->role, o->env_name);
        eng_py_str(out, o->url);
        if (o->config.kind != ENG_SRC_NONE && o->config.call >= 0 &&
            (size_t)o->config.call < m->n_calls) {
            buf_printf(out, ", \"page\": \"%s\", \"kind\": \"%s\", \"name\": ",
                       m->calls[o->config.call].ep->op_name, source_kind(o->config.kind));
            eng_py_str(out, o->config.path);
        }
        buf_puts(out, ", \"headers\": {");
        for (size_t h = 0; h < o->n_headers; h++) {
            buf_puts(out, h ? ", " : "");
            eng_py_str(out, o->headers[2 * h]);
            buf_puts(out, ": ");
            eng_py_str(out, o->headers[2 * h + 1]);
        }
        buf_puts(out, "}},\n");
    }
    if (m->n_origins == 0)
        buf_puts(
            out,
            "    \"base\": {\"env\": \"RAE_BASE_URL\", \"captured\": \"\", \"headers\": {}},\n");
    buf_puts(out, "}\n\n");
}

/* FRESH: the headers made anew for each request, their kind and a captured sample. */
static void gen_fresh_table(const eng_model *m, buf *out) {
    static const char *const kinds[] = {"uuid", "unix", "unix_ms", "iso", "nonce"};
    buf_puts(out, "# Headers the site wants new on every request: made by fresh_value() for each "
                  "call.\nFRESH: Dict[str, Dict[str, str]] = {\n");
    for (size_t i = 0; i < m->n_fresh; i++) {
        buf_puts(out, "    ");
        eng_py_str(out, m->fresh[i].name);
        buf_printf(out, ": {\"kind\": \"%s\", \"sample\": ", kinds[m->fresh[i].kind]);
        eng_py_str(out, m->fresh[i].sample);
        buf_puts(out, "},\n");
    }
    buf_puts(out, "}\n\n");
}

/* SIGNATURE: how the page signed its requests, when rae reproduced it. */
static void gen_signature_table(const eng_model *m, buf *out) {
    const eng_signature *s = &m->signature;
    buf_puts(out,
             "# How the site's page signs requests (HMAC-SHA256 over the parts, joined by sep).\n"
             "SIGNATURE: Dict[str, str] = {");
    if (s->header && s->reproduced && s->producer) {
        buf_puts(out, "\"header\": ");
        eng_py_str(out, s->header);
        buf_puts(out, ", \"parts\": ");
        eng_py_str(out, s->parts);
        buf_puts(out, ", \"sep\": ");
        eng_py_str(out, s->sep);
        buf_printf(out,
                   ", \"encoding\": \"%s\",\n                             \"producer\": \"%s\", "
                   "\"path\": ",
                   s->encoding, s->producer->op_name);
        eng_py_str(out, s->key.path);
    }
    buf_puts(out, "}\n\n");
}

static const char *cred_field(const eng_model *m, const char *env, const char *dflt) {
    for (size_t i = 0; i < m->n_creds; i++)
        if (strcmp(m->creds[i].env_name, env) == 0) return m->creds[i].field;
    return dflt;
}

/* OAUTH: how the page signed in, when it did so by an OAuth 2.0 authorization code. */
static void gen_oauth_table(const eng_model *m, buf *out) {
    const eng_oauth *o = &m->oauth;
    if (!o->authorize) return;
    eng_template(out, "oauth_helpers.py");
    buf_puts(out, "# How the site's page signs in: an OAuth 2.0 authorization code, through the "
                  "identity provider's\n# sign-in form (sign_in()).\n");
    buf_printf(
        out, "OAUTH: Dict[str, Any] = {\"authorize\": \"%s\", \"token\": ", o->authorize->op_name);
    if (o->token)
        buf_printf(out, "\"%s\"", o->token->op_name);
    else
        buf_puts(out, "None");
    buf_puts(out, ", \"pkce\": ");
    if (o->pkce)
        eng_py_str(out, o->pkce);
    else
        buf_puts(out, "None");
    buf_puts(out, ",\n                          \"username\": ");
    eng_py_str(out, cred_field(m, "RAE_USERNAME", "username"));
    buf_puts(out, ", \"password\": ");
    eng_py_str(out, cred_field(m, "RAE_PASSWORD", "password"));
    buf_puts(out, "}\n\n");
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

/* `self.OP(captured arguments)`: a call of the sign-in as captured, but for what the client
 * fills itself. */
static void sign_in_call(const eng_model *m, const eng_endpoint *ep, long call, const char *skip,
                         buf *out) {
    buf_printf(out, "self.%s(", ep->op_name);
    size_t mark = out->len;
    call_args(m, call, skip, out);
    if (out->len > mark) out->len -= 2; /* the last ", " */
}

/* sign_in(): the first call of the sign-in, the identity provider's form, the code's redemption
 * (by the token endpoint, or by the page's server when it keeps the session). */
static void gen_sign_in(const eng_model *m, buf *out) {
    const eng_oauth *o = &m->oauth;
    if (!o->authorize) return;
    eng_template(out, "oauth_methods.py");
    buf_puts(out, "    def sign_in(self, username: Optional[str] = None, password: Optional[str] = "
                  "None) -> Any:\n"
                  "        \"\"\"Signs in the way the site's page did, without a browser (OAuth "
                  "2.0 authorization code):\n");
    if (o->start == o->authorize)
        buf_printf(out,
                   "        asks the identity provider for an authorization with a new state"
                   "%s,\n        fills in ",
                   o->pkce ? " and PKCE pair" : "");
    else
        buf_printf(out,
                   "        starts where the page did (%s, which redirects to the identity "
                   "provider),\n        fills in ",
                   o->start->op_name);
    buf_puts(out, "its sign-in form (the credentials default to .env) and follows it back\n"
                  "        to the page, ");
    if (o->token)
        buf_puts(out, "which redeems the code for tokens. Returns the token answer.\"\"\"\n");
    else
        buf_puts(out, "whose server redeems the code and keeps the session (a cookie).\"\"\"\n");
    buf_puts(out, "        self._producing.add(\"sign_in\")\n"
                  "        try:\n"
                  "            self.oauth_state = None\n"
                  "            ");
    sign_in_call(m, o->start, o->start_call, "", out);
    buf_puts(out, ")\n            response = self.last_response\n"
                  "            assert response is not None\n"
                  "            ");
    if (o->token) {
        buf_puts(out, "code = self._authorization_code(response, username, password)\n"
                      "            assert code is not None\n            return ");
        sign_in_call(m, o->token, o->back_call, o->code->name, out);
        buf_printf(out, "%s%s=code)\n", out->data[out->len - 1] == '(' ? "" : ", ",
                   o->code->py_name);
    } else {
        buf_puts(out, "self._authorization_code(response, username, password)\n"
                      "            return None\n");
    }
    buf_puts(out, "        finally:\n"
                  "            self._producing.discard(\"sign_in\")\n\n");
}

static void gen_session_table(const eng_model *m, buf *out) {
    buf_puts(out, "# Session values the client keeps and sends by itself, and the operations that "
                  "produce them.\n");
    buf_puts(out, "SESSION: Dict[str, Dict[str, Any]] = {\n");
    for (size_t i = 0; i < m->n_session; i++) {
        const eng_session_value *s = &m->session[i];
        buf_printf(out, "    \"%s\": {\"use\": \"%s\", \"wire\": ", s->name, eng_use_name(s->use));
        eng_py_str(out, s->wire_name);
        if (s->producer) {
            buf_printf(out,
                       ", \"producer\": \"%s\", \"kind\": \"%s\", \"path\": ", s->producer->op_name,
                       source_kind(s->src.kind));
            eng_py_str(out, s->src.path);
            captured_args(m, s->src.call, "args", out);
            if (s->signs_in && m->oauth.authorize) buf_puts(out, ", \"via\": \"sign_in\"");
            gen_renewers(m, s, out);
        } else {
            buf_printf(out, ", \"env\": \"%s\"", s->env_name);
        }
        buf_puts(out, "},\n");
    }
    buf_puts(out, "}\n\n");
}

static const eng_credential *cred(const eng_model *m, const char *field) {
    for (size_t i = 0; i < m->n_creds; i++)
        if (strcmp(m->creds[i].field, field) == 0) return &m->creds[i];
    return NULL;
}

static void gen_init(const eng_model *m, buf *out, arena *a) {
    buf_puts(out, "class ApiClient:\n");
    buf_puts(out, "    \"\"\"Client for ");
    eng_py_doc(out, m->base_url);
    buf_puts(out, ", engineered by rae from a captured browser session.\n\n");
    buf_puts(
        out,
        "    Settings come from arguments, then RAE_* environment variables, then the .env file\n"
        "    next to this module. Every operation returns the parsed response body (JSON as\n"
        "    dicts and lists, else text) and raises ApiError (AuthError, NotFoundError,\n"
        "    ClientError, ServerError) for statuses of 400 and above. Tokens, CSRF values\n"
        "    and keys are obtained and sent by the client itself; on a 401 or 403 it signs\n"
        "    in again once and retries.\n    \"\"\"\n\n");
    buf_puts(out, "    def __init__(self, base_url: Optional[str] = None, *, ");
    for (size_t i = 1; i < m->n_origins; i++)
        buf_printf(out, "%s_url: Optional[str] = None,\n                 ", m->origins[i].role);
    buf_puts(out, "env_file: Optional[str] = None, timeout: float = 30.0, **credentials: str) -> "
                  "None:\n");
    buf_puts(out, "        env = load_env(env_file)\n");
    buf_puts(out, "        self.base_url = (base_url or env.get(\"RAE_BASE_URL\") or "
                  "DEFAULT_BASE_URL).rstrip(\"/\")\n");
    buf_puts(out, "        self._given = bool(base_url or env.get(\"RAE_BASE_URL\"))\n");
    buf_puts(out,
             "        # the base URL of each origin, by role; None: found when first needed\n");
    buf_puts(out, "        self.urls: Dict[str, Optional[str]] = {\"base\": self.base_url");
    for (size_t i = 1; i < m->n_origins; i++)
        buf_printf(out,
                   ",\n                                               \"%s\": (%s_url or "
                   "env.get(\"%s\") or \"\").rstrip(\"/\") or None",
                   m->origins[i].role, m->origins[i].role, m->origins[i].env_name);
    buf_puts(out, "}\n");
    buf_puts(out, "        self.credentials: Dict[str, Optional[str]] = {\n");
    for (size_t i = 0; i < m->n_creds; i++) {
        buf_printf(out, "            ");
        eng_py_str(out, m->creds[i].env_name);
        char *key = arena_strdup(a, m->creds[i].env_name + 4);
        for (char *p = key; *p; p++)
            *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        buf_printf(out, ": credentials.get(\"%s\") or env.get(\"%s\"),\n", key,
                   m->creds[i].env_name);
    }
    buf_puts(out, "        }\n");
    buf_puts(out, "        self.session: Dict[str, Optional[str]] = {\n");
    for (size_t i = 0; i < m->n_session; i++) {
        const eng_session_value *s = &m->session[i];
        if (s->producer)
            buf_printf(out, "            \"%s\": None,\n", s->name);
        else
            buf_printf(out, "            \"%s\": env.get(\"%s\"),\n", s->name, s->env_name);
    }
    buf_puts(out, "        }\n");
    buf_puts(out, "        self.reauthenticate = True\n");
    buf_puts(out, "        self.last_response: Optional[httpx.Response] = None\n");
    buf_puts(out, "        self._producing: set = set()\n");
    buf_puts(out, "        self.etags: Dict[str, str] = {}  # the last ETag seen, by URL\n");
    buf_puts(out, "        self.signing_key: Optional[str] = None  # SIGNATURE's key, once got\n");
    buf_puts(out,
             "        self.answers: Dict[str, httpx.Response] = {}  # the last, by operation\n");
    buf_puts(
        out,
        "        # the ids (UUIDs) of each operation's last call; `again`: send them once more\n"
        "        self.last_ids: Dict[str, Dict[str, str]] = {}\n"
        "        self.again = False\n"
        "        self.bare = False  # True: calls go without the session values\n");
    if (m->oauth.authorize)
        buf_puts(out, "        # this sign-in's state and PKCE verifier (OAUTH)\n"
                      "        self.oauth_state: Optional[str] = None\n"
                      "        self.pkce_verifier: Optional[str] = None\n");
    buf_puts(out,
             "        # when each session value was obtained and when it expires (None: unknown)\n"
             "        self.expires: Dict[str, Tuple[float, Optional[float]]] = {}\n");
    buf_puts(out, "        self.http = httpx.Client(base_url=self.base_url, timeout=timeout, "
                  "follow_redirects=False)\n");
    if (m->has_basic_auth)
        buf_puts(out, "        basic = self.credentials.get(\"RAE_BASIC_AUTH\")\n"
                      "        if basic:\n"
                      "            self.http.headers[\"Authorization\"] = \"Basic \" + basic\n");
    if (m->n_static_cookies)
        buf_puts(out, "        # Cookies the site had set before the capture started.\n"
                      "        for pair in (env.get(\"RAE_COOKIES\") or \"\").split(\";\"):\n"
                      "            if \"=\" in pair:\n"
                      "                name, value = pair.strip().split(\"=\", 1)\n"
                      "                self.http.cookies.set(name, value)\n");
    buf_puts(out, "\n");
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

/* def NAME(self, required..., optional=None...) -> Any: */
static void gen_signature(const eng_endpoint *ep, buf *out, arena *a) {
    buf_printf(out, "    def %s(self", ep->op_name);
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
    buf_puts(out, ") -> Any:\n");
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
 * from. */
static void doc_missing_body(const eng_endpoint *ep, buf *out, arena *a) {
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
    if (!ep->body_raw) return;
    if (ep->body_kind == ENG_BODY_MULTIPART)
        buf_printf(out,
                   "            %s={\"file\": (\"name.txt\", b\"...\", \"text/plain\")} for the "
                   "file parts,\n            %s={\"field\": \"value\"} for the other fields.\n",
                   eng_py_raw_arg(ep, "files", a), eng_py_raw_arg(ep, "data", a));
    else if (ep->body_kind == ENG_BODY_FORM)
        buf_printf(out, "            %s={\"field\": \"value\"}.\n", eng_py_raw_arg(ep, "data", a));
    else if (ep->body_kind == ENG_BODY_JSON)
        buf_puts(out, "            body={...}, sent as JSON.\n");
    else
        buf_puts(out, "            body=\"...\" (str or bytes).\n");
}

static void gen_doc(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    buf_puts(out, "        \"\"\"");
    eng_py_doc(out, ep->summary);
    if (strcmp(ep->origin, m->base_url) != 0) {
        buf_puts(out, " (on ");
        eng_py_doc(out, ep->origin);
        buf_putc(out, ')');
    }
    buf_puts(out, "\n\n");
    if (ep->is_login)
        buf_puts(out, "        Signs in; credentials default to RAE_USERNAME / RAE_PASSWORD.\n");
    if (ep->is_page) buf_puts(out, "        An HTML page that later requests take values from.\n");
    doc_missing_body(ep, out, a);
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
    buf_puts(out, "\n        Example:\n            ");
    eng_py_example(ep, out);
    (void)a;
    buf_puts(out, "\n        \"\"\"\n");
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

static void gen_operation(const eng_model *m, const eng_endpoint *ep, buf *out, arena *a) {
    gen_signature(ep, out, a);
    gen_doc(m, ep, out, a);
    if (ep->graphql_op)
        buf_puts(out, "        result = ");
    else
        buf_puts(out, "        return ");
    buf_printf(out, "self._call(\"%s\", \"%s\", ", ep->op_name, ep->method);
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
    buf_puts(out, ")\n");
    if (ep->graphql_op) buf_puts(out, "        return graphql_data(result, self.last_response)\n");
    buf_putc(out, '\n');
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
    buf_printf(out, "    def iter_%s(self", ep->op_name);
    buf b = BUF_INIT; /* the call's arguments */
    for (size_t i = 0; i < ep->n_params; i++) {
        const eng_param *p = &ep->params[i];
        if (!is_arg(p)) continue;
        if (strcmp(p->py_name, move) != 0) {
            int required = p->required && !eng_param_defaulted(p);
            if (required)
                buf_printf(out, ", %s: %s", p->py_name, param_type(p, a));
            else
                buf_printf(out, ", %s: Any = None", p->py_name);
        }
        buf_printf(&b, "%s%s=%s", b.len ? ", " : "", p->py_name,
                   strcmp(p->py_name, move) == 0 ? "position" : p->py_name);
    }
    buf_puts(out, ") -> Iterator[Any]:\n");
    buf_printf(out,
               "        \"\"\"Yields every item of %s %s, page after page (%s pagination on "
               "'%s').\"\"\"\n",
               ep->method, ep->path,
               pg->style == ENG_PAGE_CURSOR        ? "cursor"
               : pg->style == ENG_PAGE_PAGE        ? "page-number"
               : pg->style == ENG_PAGE_OFFSET      ? "offset"
               : pg->style == ENG_PAGE_LINK_HEADER ? "Link header"
                                                   : "next-link",
               pg->param);
    const char *items = *pg->items_path ? pg->items_path : "";
    buf_printf(out, "        position: Any = %s\n",
               pg->style == ENG_PAGE_PAGE     ? "1"
               : pg->style == ENG_PAGE_OFFSET ? "0"
                                              : "None");
    buf_puts(out, "        while True:\n");
    buf_printf(out, "            page = self.%s(%s)\n", ep->op_name, buf_str(&b));
    if (*items) { /* a path of the site's keys: a literal, never code */
        buf_puts(out, "            items = json_get(page, ");
        eng_py_str(out, items);
        buf_puts(out, ") or []\n");
    } else
        buf_puts(out, "            items = page if isinstance(page, list) else []\n");
    buf_puts(out, "            yield from items\n");
    if (pg->style == ENG_PAGE_LINK_HEADER) {
        buf_puts(out, "            position = link_param(self.last_response, ");
        eng_py_str(out, pg->next_path);
        buf_puts(out, ", ");
        eng_py_str(out, pg->param);
        buf_puts(out, ")\n");
        buf_puts(out, "            if not position:\n                return\n\n");
    } else if (pg->style == ENG_PAGE_CURSOR || pg->style == ENG_PAGE_LINK) {
        buf_puts(out, "            position = json_get(page, ");
        eng_py_str(out, pg->next_path);
        buf_puts(out, ")\n");
        buf_puts(out, "            if not position or not items:\n                return\n\n");
    } else {
        int by_page = pg->style == ENG_PAGE_PAGE;
        buf_printf(out,
                   "            if not items or last_page(page, %s, len(items), %s):\n"
                   "                return\n"
                   "            position += %s\n\n",
                   by_page ? "position" : "None", limit ? limit : "None",
                   by_page ? "1" : "len(items)");
    }
    buf_free(&b);
}

int eng_gen_python(const eng_model *m, const eng_options *o, buf *out) {
    (void)o;
    arena *a = arena_new();
    buf_puts(out, "\"\"\"Python client for the API of ");
    eng_py_doc(out, *m->base_url ? m->base_url : "(no API found)");
    buf_puts(out, ".\n\nEngineered by rae from ");
    eng_py_doc(out, m->source);
    buf_printf(out, ": %zu operations. Usage:\n\n", m->n_endpoints);
    buf_puts(out, "    from api_client import ApiClient\n\n    with ApiClient() as api:  # "
                  "settings from .env\n");
    for (size_t i = 0, shown = 0; i < m->n_endpoints && shown < 3; i++) {
        if (!eng_is_usage_example(m->endpoints[i])) continue;
        buf_puts(out, "        ");
        eng_py_example(m->endpoints[i], out);
        buf_putc(out, '\n');
        shown++;
    }
    buf_puts(out, "\nRequires Python 3.9+ and httpx.\n\"\"\"\n\n");
    eng_template(out, "prelude.py");
    buf_puts(out, "\nDEFAULT_BASE_URL = ");
    eng_py_str(out, m->base_url);
    buf_puts(out, "\n\n");
    gen_origins_table(m, out);
    gen_fresh_table(m, out);
    gen_signature_table(m, out);
    gen_session_table(m, out);
    gen_oauth_table(m, out);
    gen_graphql_table(m, out);
    gen_init(m, out, a);
    eng_template(out, "plumbing.py");
    gen_sign_in(m, out);
    for (size_t i = 0; i < m->n_endpoints; i++) {
        gen_operation(m, m->endpoints[i], out, a);
        gen_iterator(m->endpoints[i], out, a);
    }
    /* trim the last blank line: files end with one newline */
    while (out->len >= 2 && out->data[out->len - 1] == '\n' && out->data[out->len - 2] == '\n')
        out->data[--out->len] = '\0';
    arena_free(a);
    return 0;
}
