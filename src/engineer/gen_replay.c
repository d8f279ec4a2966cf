/* replay.py: the captured workflow, step by step, through the client, with every value that came
 * from an earlier response taken from that response again. */
#include "engineer/internal.h"

#include <string.h>

static void arg_value(const eng_model *m, const eng_arg *arg, buf *out, arena *a) {
    const eng_source *s = &arg->src;
    long k = s->call + 1;
    switch (s->kind) {
    case ENG_SRC_JSON:
        /* A GraphQL operation returns its `data`: read the whole response instead. */
        if (s->call >= 0 && (size_t)s->call < m->n_calls && m->calls[s->call].ep->graphql_op)
            buf_printf(out, "json_get(responses[%ld].json(), ", k);
        else
            buf_printf(out, "json_get(results[%ld], ", k);
        eng_py_str(out, s->path);
        buf_putc(out, ')');
        return;
    case ENG_SRC_HEADER:
        buf_printf(out, "responses[%ld].headers.get(", k);
        eng_py_str(out, s->path);
        buf_putc(out, ')');
        return;
    case ENG_SRC_LINK:
        buf_printf(out, "link_param(responses[%ld], ", k);
        eng_py_str(out, s->path);
        buf_puts(out, ", ");
        eng_py_str(out, s->key);
        buf_putc(out, ')');
        return;
    case ENG_SRC_LOCATION:
        buf_printf(out, "location_param(responses[%ld], ", k);
        eng_py_str(out, s->key);
        buf_putc(out, ')');
        return;
    case ENG_SRC_COOKIE:
        buf_puts(out, "client._cookie(");
        eng_py_str(out, s->path);
        buf_putc(out, ')');
        return;
    case ENG_SRC_HTML_META:
    case ENG_SRC_HTML_INPUT:
    case ENG_SRC_HTML_SCRIPT:
        buf_printf(out, "html_value(responses[%ld].text, \"%s\", ", k,
                   s->kind == ENG_SRC_HTML_META    ? "meta"
                   : s->kind == ENG_SRC_HTML_INPUT ? "input"
                                                   : "script");
        eng_py_str(out, s->path);
        buf_putc(out, ')');
        return;
    default:
        break;
    }
    const eng_param *p = arg->param;
    if (p && p->file) {
        buf_putc(out, '(');
        eng_py_str(out, arg->file_name ? arg->file_name : "file");
        buf_puts(out, ", ");
        if (arg->file_base64) {
            buf_puts(out, "base64.b64decode(");
            eng_py_str(out, arg->value);
            buf_puts(out, "), ");
        } else {
            eng_py_str(out, arg->value);
            buf_puts(out, ".encode(), ");
        }
        eng_py_str(out, arg->content_type ? arg->content_type : "application/octet-stream");
        buf_putc(out, ')');
    } else if (arg->is_json) {
        eng_py_json(out, arg->value, a);
    } else if (p && (p->schema->types & ~(unsigned)ENG_T_NULL) == ENG_T_INT &&
               strspn(arg->value, "-0123456789") == strlen(arg->value) && *arg->value &&
               !(arg->value[0] == '0' && arg->value[1])) {
        buf_puts(out, arg->value);
    } else if (p && (p->schema->types & ~(unsigned)ENG_T_NULL) == ENG_T_BOOL &&
               (strcmp(arg->value, "true") == 0 || strcmp(arg->value, "false") == 0) &&
               p->in == ENG_IN_BODY) {
        buf_puts(out, arg->value[0] == 't' ? "True" : "False");
    } else {
        eng_py_str(out, arg->value);
    }
}

/* A call whose body the HAR lacks is not sent: sending it without one would fail for want of
 * what the client never had. */
static void gen_skip(const eng_call *c, size_t i, buf *out, const char *why) {
    buf_printf(out, "    skip(%zu, ", i + 1);
    eng_py_str(out, c->ep->summary);
    buf_puts(out, ", ");
    eng_py_str(out, why);
    buf_puts(out, ")\n");
}

static size_t add_need(long *needs, size_t n, long call) {
    for (size_t i = 0; i < n; i++)
        if (needs[i] == call) return n;
    needs[n] = call;
    return n + 1;
}

/* ", needs=(3, 5)": the earlier steps whose responses the call's values come from, arguments and
 * session values alike (a token that only a skipped call's response held cannot be had: the
 * client cannot call a producer whose body no capture holds). */
static void gen_needs(const eng_model *m, const eng_call *c, buf *out, arena *a) {
    long *needs = arena_alloc(a, (c->n_args + c->ep->n_uses + 1) * sizeof *needs);
    size_t n = 0;
    for (size_t k = 0; k < c->n_args; k++) {
        const eng_arg *arg = &c->args[k];
        if (arg->src.kind == ENG_SRC_NONE || arg->src.call < 0) continue;
        if (arg->param && (arg->param->secret || arg->param->session || arg->param->made)) continue;
        n = add_need(needs, n, arg->src.call);
    }
    for (size_t u = 0; u < c->ep->n_uses; u++) {
        const eng_session_value *s = &m->session[c->ep->uses[u]];
        if (s->producer && s->producer->body_raw && s->src.call >= 0 &&
            (size_t)s->src.call < m->n_calls && m->calls[s->src.call].body_missing &&
            &m->calls[s->src.call] < c)
            n = add_need(needs, n, s->src.call);
    }
    for (size_t i = 0; i < n; i++)
        buf_printf(out, "%s%ld", i ? ", " : ", needs=(", needs[i] + 1);
    if (n) buf_puts(out, n == 1 ? ",)" : ")");
}

/* An answer the client returns as bytes (a Download): not JSON, not text. */
static int binary_mime(const char *mime) {
    size_t n = mime ? strlen(mime) : 0;
    if (n == 0 || strstr(mime, "json") || strncmp(mime, "text/", 5) == 0) return 0;
    return !(n >= 3 && strcmp(mime + n - 3, "xml") == 0) &&
           !(n >= 4 && strcmp(mime + n - 4, "html") == 0) &&
           !(n >= 10 && strcmp(mime + n - 10, "javascript") == 0);
}

static void gen_step(const eng_model *m, size_t i, buf *out, arena *a) {
    const eng_call *c = &m->calls[i];
    const eng_endpoint *ep = c->ep;
    if (c->body_missing) {
        gen_skip(c, i, out, c->body_missing);
        return;
    }
    if (ep->is_signed && !m->signature.reproduced) {
        gen_skip(c, i, out,
                 arena_printf(a, "its %s header is signed in a way rae could not reproduce",
                              m->signature.header));
        return;
    }
    buf_printf(out, "    step(%zu, %d, ", i + 1, c->status ? c->status : 200);
    eng_py_str(out, ep->summary);
    buf_printf(out, ", lambda: client.%s(", ep->op_name);
    int first = 1;
    for (size_t k = 0; k < c->n_args; k++) {
        const eng_arg *arg = &c->args[k];
        if (arg->param && (arg->param->secret || arg->param->session || arg->param->made)) continue;
        buf_printf(out, "%s%s=", first ? "" : ", ", arg->param ? arg->param->py_name : "body");
        arg_value(m, arg, out, a);
        first = 0;
    }
    if (c->body_json) {
        buf_printf(out, "%sbody=", first ? "" : ", ");
        eng_py_json(out, c->body_json, a);
        first = 0;
    }
    if (ep->body_mime_varies && c->body_mime && *c->body_mime) {
        buf_printf(out, "%s%s=", first ? "" : ", ", eng_py_raw_arg(ep, "content_type", a));
        eng_py_str(out, c->body_mime);
    }
    buf_putc(out, ')');
    gen_needs(m, c, out, a);
    if (c->retried) buf_puts(out, ", retried=True");
    if (c->again) buf_puts(out, ", again=True");
    if (c->bare) buf_puts(out, ", bare=True");
    if (c->graphql_errors) buf_puts(out, ", errors=True");
    if (binary_mime(c->resp_mime)) {
        buf_puts(out, ", binary=");
        eng_py_str(out, c->resp_mime);
    }
    buf_puts(out, ")\n");
}

int eng_gen_replay(const eng_model *m, const eng_options *o, buf *out) {
    (void)o;
    arena *a = arena_new();
    buf steps = BUF_INIT;
    for (size_t i = 0; i < m->n_calls; i++)
        gen_step(m, i, &steps, a);
    ENG_FILL(out, "replay.py", {"source", eng_py_doc_a(a, m->source)}, {"steps", buf_str(&steps)});
    buf_free(&steps);
    arena_free(a);
    return 0;
}
