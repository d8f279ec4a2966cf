/* Signed requests: a header whose value is an HMAC-SHA256 of parts of the request, with a key
 * that an earlier answer gave ("signing_key"). The common canonical forms are tried (parts in
 * order, a separator, an encoding); one that reproduces every captured value is what the client
 * signs with. When none does, the header is named "signed, not reproduced" and the replay skips
 * those calls: a request signed wrongly is worse than one not sent. */
#include "engineer/ingest.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The part lists tried, each in the order a request's parts are joined. "header:" is followed by
 * each fresh header of the request in turn (its timestamp, its nonce). */
static const char *const forms[] = {
    "method,path,header,body_sha256",
    "method,path,header,body",
    "header,method,path,body",
    "header,method,path,body_sha256",
    "method,path_query,header,body_sha256",
    "method,path_query,header,body",
    "header,body",
    "method,path,body_sha256",
    "method,path,body",
    "method,path_query,body",
    "body",
};
static const char *const seps[] = {"\n", "", "|", ":", ".", "&", " "};

typedef struct signed_call {
    const raw_call *c;
    const char *fresh[4]; /* the names of the request's fresh headers (a time, a nonce) */
    size_t n_fresh;
} signed_call;

static const char *header_of(const raw_call *c, const char *name) {
    for (size_t i = 0; i < c->n_values; i++)
        if (c->values[i].where == RAW_HEADER && strcasecmp(c->values[i].name, name) == 0)
            return c->values[i].value;
    return NULL;
}

static void hex_sha256(const char *data, size_t n, char out[65]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)data, n);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* The message of form `form` for one call, joined by sep; NULL when a part is missing. */
static const char *message(arena *a, const signed_call *s, const char *form, const char *sep,
                           const char *fresh_name, size_t *len) {
    buf b = BUF_INIT;
    char hash[65];
    int ok = 1, first = 1;
    for (const char *p = form; *p && ok; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        size_t n = strcspn(p, ",");
        if (!first) buf_puts(&b, sep);
        first = 0;
        if (strncmp(p, "method", n) == 0) {
            buf_puts(&b, s->c->method);
        } else if (strncmp(p, "path_query", n) == 0) {
            buf_printf(&b, "%s%s%s", s->c->raw_path, *s->c->raw_query ? "?" : "", s->c->raw_query);
        } else if (strncmp(p, "path", n) == 0) {
            buf_puts(&b, s->c->raw_path);
        } else if (strncmp(p, "header", n) == 0) {
            const char *v = fresh_name ? header_of(s->c, fresh_name) : NULL;
            ok = v != NULL;
            buf_puts(&b, v ? v : "");
        } else if (strncmp(p, "body_sha256", n) == 0) {
            hex_sha256(s->c->raw_body, s->c->raw_body_len, hash);
            buf_puts(&b, hash);
        } else {
            buf_append(&b, s->c->raw_body, s->c->raw_body_len);
        }
    }
    const char *out = ok ? arena_strndup(a, b.data ? b.data : "", b.len) : NULL;
    *len = b.len;
    buf_free(&b);
    return out;
}

/* Whether HMAC-SHA256(key, msg) written in `encoding` is sig. */
static int matches(const char *key, const char *msg, size_t len, const char *sig,
                   const char **encoding) {
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, len);
    crypto_auth_hmacsha256_final(&st, mac);
    char text[96];
    sodium_bin2hex(text, sizeof text, mac, sizeof mac);
    if (strcasecmp(text, sig) == 0) return *encoding = "hex", 1;
    static const struct {
        int variant;
        const char *name;
    } b64[] = {{sodium_base64_VARIANT_ORIGINAL, "base64"},
               {sodium_base64_VARIANT_URLSAFE, "base64url"},
               {sodium_base64_VARIANT_URLSAFE_NO_PADDING, "base64url_np"},
               {sodium_base64_VARIANT_ORIGINAL_NO_PADDING, "base64_np"}};
    for (size_t i = 0; i < sizeof b64 / sizeof *b64; i++) {
        sodium_bin2base64(text, sizeof text, mac, sizeof mac, b64[i].variant);
        if (strcmp(text, sig) == 0) return *encoding = b64[i].name, 1;
    }
    return 0;
}

/* The latest key-like answer value before raw call k: its source, or NULL. */
static const eng_source *key_before(ingest *in, size_t k, size_t nth) {
    const eng_source *found = NULL;
    for (size_t i = in->keys.n; i-- > 0 && !found;) {
        const eng_source *s = in->keys.items[i];
        if ((size_t)s->call < k && nth-- == 0) found = s;
    }
    return found;
}

/* Tries every form, separator and fresh header with key on call s; 1 with the form's pieces. */
static int find_form(ingest *in, const signed_call *s, const char *key, const char **form,
                     const char **sep, const char **fresh_name, const char **encoding) {
    for (size_t f = 0; f < sizeof forms / sizeof *forms; f++)
        for (size_t p = 0; p < sizeof seps / sizeof *seps; p++)
            for (size_t h = 0; h <= s->n_fresh; h++) {
                const char *name = h < s->n_fresh ? s->fresh[h] : NULL;
                if (!name && strstr(forms[f], "header")) continue;
                size_t len;
                const char *msg = message(in->a, s, forms[f], seps[p], name, &len);
                if (msg && matches(key, msg, len, s->c->sig_value, encoding)) {
                    *form = forms[f];
                    *sep = seps[p];
                    *fresh_name = name;
                    return 1;
                }
            }
    return 0;
}

/* Whether the form reproduces call s's signature with the key then current. */
static int holds(ingest *in, const signed_call *s, size_t k, const eng_source *key_src,
                 const char *form, const char *sep, const char *fresh_name, const char *enc) {
    const eng_source *key = NULL;
    for (size_t i = in->keys.n; i-- > 0 && !key;) {
        const eng_source *c = in->keys.items[i];
        if ((size_t)c->call < k && strcmp(c->path, key_src->path) == 0 &&
            ((raw_call *)in->calls.items[c->call])->ep ==
                ((raw_call *)in->calls.items[key_src->call])->ep)
            key = c;
    }
    size_t len;
    const char *msg = message(in->a, s, form, sep, fresh_name, &len);
    const char *got;
    return key && msg && matches(key->key, msg, len, s->c->sig_value, &got) &&
           strcmp(got, enc) == 0;
}

static signed_call signed_of(const eng_model *m, const raw_call *c) {
    signed_call s = {c, {0}, 0};
    for (size_t i = 0; c->ep && i < c->ep->n_fresh && s.n_fresh < 4; i++)
        if (m->fresh[c->ep->fresh[i]].kind != ENG_FRESH_UUID)
            s.fresh[s.n_fresh++] = m->fresh[c->ep->fresh[i]].name;
    return s;
}

/* The model call of raw call k. */
static long model_call(const eng_model *m, const raw_call *c) {
    for (size_t i = 0; i < m->n_calls; i++)
        if (m->calls[i].entry == c->entry) return (long)i;
    return -1;
}

void eng_build_signature(ingest *in, eng_model *m) {
    eng_signature *sig = &m->signature;
    const char *form = NULL, *sep = NULL, *fresh_name = NULL, *enc = NULL;
    const eng_source *key_src = NULL;
    int all = 1;
    for (size_t k = 0; k < in->calls.n; k++) {
        raw_call *c = in->calls.items[k];
        if (!c->ep || !c->sig_name || (sig->header && strcasecmp(c->sig_name, sig->header) != 0))
            continue;
        sig->header = c->sig_name;
        c->ep->is_signed = 1;
        signed_call s = signed_of(m, c);
        if (form) {
            all &= holds(in, &s, k, key_src, form, sep, fresh_name, enc);
            continue;
        }
        for (size_t nth = 0; !form && nth < 8; nth++) {
            const eng_source *key = key_before(in, k, nth);
            if (!key) break;
            if (find_form(in, &s, key->key, &form, &sep, &fresh_name, &enc)) key_src = key;
        }
        all &= form != NULL;
    }
    if (!sig->header || !form || !all) return;
    buf parts = BUF_INIT;
    for (const char *p = form; *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
        size_t n = strcspn(p, ",");
        if (parts.len) buf_putc(&parts, ',');
        if (strncmp(p, "header", n) == 0)
            buf_printf(&parts, "header:%s", fresh_name);
        else
            buf_append(&parts, p, n);
    }
    sig->parts = arena_strdup(in->a, buf_str(&parts));
    buf_free(&parts);
    sig->sep = sep;
    sig->encoding = enc;
    sig->reproduced = 1;
    const raw_call *producer = in->calls.items[key_src->call];
    sig->producer = producer->ep;
    sig->key = *key_src;
    sig->key.call = model_call(m, producer);
    sig->key.key = "";
}
