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

/* An authorization request: response_type=code and a client_id in the query. */
static int is_authorization(const eng_call *c) {
    const eng_arg *rt = arg_named(c, "response_type");
    return rt && strstr(rt->value, "code") && rt->param->in == ENG_IN_QUERY &&
           arg_named(c, "client_id");
}

/* The call after authorization `a` that redeemed its code: the page's token request
 * (grant_type=authorization_code), else the page's own callback that took the code from a
 * redirect's Location (its server redeems it); -1 when none did. */
static long redemption(const eng_model *m, size_t a, int *by_page) {
    for (size_t k = a + 1; k < m->n_calls; k++)
        if (arg_is(&m->calls[k], "grant_type", "authorization_code") &&
            arg_named(&m->calls[k], "code"))
            return *by_page = 1, (long)k;
    for (size_t k = a + 1; k < m->n_calls; k++) {
        const eng_arg *code = arg_named(&m->calls[k], "code");
        if (code && code->src.kind == ENG_SRC_LOCATION && code->param->in == ENG_IN_QUERY &&
            strcmp(m->calls[k].ep->origin, m->calls[a].ep->origin) != 0)
            return *by_page = 0, (long)k;
    }
    return -1;
}

/* The PKCE pair of the authorization and the token request, when the challenge is the
 * verifier's: both made by the client from then on. */
static void find_pkce(eng_model *m, const eng_call *authorize, const eng_call *token) {
    const eng_arg *verifier = arg_named(token, "code_verifier");
    const eng_arg *challenge = arg_named(authorize, "code_challenge");
    const eng_arg *method = arg_named(authorize, "code_challenge_method");
    const char *how = method ? method->value : "plain";
    if (!verifier || !challenge || !pkce_pair(verifier->value, challenge->value, how)) return;
    m->oauth.pkce = strcmp(how, "S256") == 0 ? "S256" : "plain";
    challenge->param->made = ENG_MADE_CHALLENGE;
    verifier->param->made = ENG_MADE_VERIFIER;
}

static void sign_in_of(eng_model *m, size_t a, size_t k, int by_page) {
    const eng_call *authorize = &m->calls[a], *back = &m->calls[k];
    const eng_arg *client_id = arg_named(authorize, "client_id");
    /* A page of the site that redirected to the authorization (its server drew the state):
     * sign_in() starts there, and follows. */
    long start = client_id->src.kind == ENG_SRC_LOCATION ? client_id->src.call : (long)a;
    eng_oauth *o = &m->oauth;
    *o = (eng_oauth){.start = m->calls[start].ep,
                     .authorize = authorize->ep,
                     .start_call = start,
                     .authorize_call = (long)a,
                     .back_call = (long)k};
    if (by_page) {
        o->token = back->ep;
        o->code = arg_named(back, "code")->param;
        find_pkce(m, authorize, back);
    } else {
        o->callback = back->ep;
    }
    if (start == (long)a) {
        make(authorize, "state", ENG_MADE_STATE);
        make(authorize, "nonce", ENG_MADE_NONCE);
    }
    /* What the sign-in's calls give (tokens; the session cookie of the page's server) is got by
     * sign_in(), not by calling one of them alone. */
    for (size_t s = 0; s < m->n_session; s++)
        for (size_t c = (size_t)start; c <= k; c++)
            m->session[s].signs_in |= m->session[s].producer == m->calls[c].ep;
}

void eng_build_oauth(ingest *in, eng_model *m) {
    (void)in;
    for (size_t a = 0; a < m->n_calls && !m->oauth.authorize; a++) {
        int by_page = 0;
        long k = is_authorization(&m->calls[a]) ? redemption(m, a, &by_page) : -1;
        if (k >= 0) sign_in_of(m, a, (size_t)k, by_page);
    }
}
