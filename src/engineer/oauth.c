/* OAuth 2.0 sign-in as a page runs it: an authorization request (response_type=code) that
 * answers the identity provider's sign-in form, a redirect back whose Location carries the code,
 * and the code's redemption at the token endpoint (grant_type=authorization_code), with PKCE
 * (RFC 7636) when the page sent a challenge. The client does the same by itself (sign_in()), with
 * a new state and PKCE pair for each sign-in: those parameters are made, not replayed. */
#include "engineer/ingest.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

/* Call c's argument for the parameter named `name` (query or body), or NULL. */
static const eng_arg *arg_named(const eng_call *c, const char *name) {
    for (size_t i = 0; i < c->n_args; i++)
        if (c->args[i].param && c->args[i].param->in != ENG_IN_PATH &&
            strcmp(c->args[i].param->name, name) == 0)
            return &c->args[i];
    return NULL;
}

static int arg_is(const eng_call *c, const char *name, const char *value) {
    const eng_arg *a = arg_named(c, name);
    return a && strcmp(a->value, value) == 0;
}

/* Whether challenge is the verifier's under method: S256 is BASE64URL(SHA-256(verifier)) without
 * padding, plain the verifier itself. */
static int pkce_pair(const char *verifier, const char *challenge, const char *method) {
    if (strcmp(method, "plain") == 0) return strcmp(verifier, challenge) == 0;
    if (strcmp(method, "S256") != 0) return 0;
    unsigned char h[crypto_hash_sha256_BYTES];
    char text[64];
    crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
    sodium_bin2base64(text, sizeof text, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return strcmp(text, challenge) == 0;
}

static void make(const eng_call *c, const char *name, eng_made made) {
    const eng_arg *a = arg_named(c, name);
    if (a && strlen(a->value) >= 8) a->param->made = made;
}

/* The latest authorization request before model call t, or -1. */
static long authorization_before(const eng_model *m, size_t t) {
    for (size_t i = t; i-- > 0;) {
        const eng_arg *rt = arg_named(&m->calls[i], "response_type");
        if (rt && strstr(rt->value, "code") && rt->param->in == ENG_IN_QUERY &&
            arg_named(&m->calls[i], "client_id"))
            return (long)i;
    }
    return -1;
}

void eng_build_oauth(ingest *in, eng_model *m) {
    (void)in;
    for (size_t t = 0; t < m->n_calls && !m->oauth.authorize; t++) {
        const eng_call *token = &m->calls[t];
        const eng_arg *code = arg_named(token, "code");
        if (!arg_is(token, "grant_type", "authorization_code") || !code) continue;
        long a = authorization_before(m, t);
        if (a < 0) continue;
        const eng_call *authorize = &m->calls[a];
        m->oauth = (eng_oauth){authorize->ep, token->ep, code->param, NULL, a, (long)t};
        const eng_arg *verifier = arg_named(token, "code_verifier");
        const eng_arg *challenge = arg_named(authorize, "code_challenge");
        const eng_arg *method = arg_named(authorize, "code_challenge_method");
        const char *how = method ? method->value : "plain";
        if (verifier && challenge && pkce_pair(verifier->value, challenge->value, how)) {
            m->oauth.pkce = strcmp(how, "S256") == 0 ? "S256" : "plain";
            challenge->param->made = ENG_MADE_CHALLENGE;
            verifier->param->made = ENG_MADE_VERIFIER;
        }
        make(authorize, "state", ENG_MADE_STATE);
        make(authorize, "nonce", ENG_MADE_NONCE);
        for (size_t s = 0; s < m->n_session; s++)
            m->session[s].signs_in |= m->session[s].producer == token->ep;
    }
}
