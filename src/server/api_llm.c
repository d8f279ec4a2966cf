/* GET /api/llm, PUT and DELETE /api/llm/key: whether the caller's runs can ask a model (and
 * whose key they use), the caller's own key (kept sealed, never shown again) and their budget. */
#include "server/api.h"
#include "server/llm.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 1024

/* The caller's state: the body of all three routes. */
static json_t *llm_json(srv *s, const caller *c) {
    llm_choice ch;
    char provider[16] = "";
    rae_err why;
    int ok = llm_choose(s, c->user.id, &ch, &why) == 0;
    unsigned char *sealed;
    size_t n;
    double added = 0, budget = -1, spent = 0;
    int own = rae_store_llm_key_get(s->store, c->user.id, provider, sizeof provider, &sealed, &n,
                                    &added) == 0;
    free(sealed);
    rae_store_budget_get(s->store, c->user.id, &budget, &spent);
    json_t *j = json_pack(
        "{s:b,s:s?,s:s?,s:s?,s:s?,s:{s:b,s:s?,s:o},s:{s:o,s:f,s:o},s:i}", "configured", ok,
        "provider", ok ? ch.provider : NULL, "model", ok ? ch.model : NULL, "source",
        ok ? ch.source : NULL, "how", ok ? NULL : why.message, "ownKey", "set", own, "provider",
        own ? provider : NULL, "added", own ? json_real(added) : json_null(), "budget",
        "monthlyUsd", budget >= 0 ? json_real(budget) : json_null(), "spentUsd", spent, "leftUsd",
        budget >= 0 ? json_real(budget > spent ? budget - spent : 0) : json_null(), "maxRuns",
        llm_max_runs(s->llm));
    if (ok) llm_choice_clear(&ch);
    return j;
}

void api_llm_get(srv_req *r, caller *c, char args[][128]) {
    (void)args;
    srv_json(r, 200, llm_json(r->server, c));
}

void api_llm_key_put(srv_req *r, caller *c, char args[][128]) {
    (void)args;
    json_t *body = srv_body_json(r);
    const char *provider, *key;
    rae_err err;
    if (!body || srv_body_string(r, body, "provider", &provider) < 0 ||
        srv_body_string(r, body, "key", &key) < 0) {
        /* answered */
    } else if (!provider || (strcmp(provider, "anthropic") && strcmp(provider, "openai"))) {
        srv_error(r, 400, "bad_request", "provider is anthropic or openai");
    } else if (!key || !*key || strlen(key) > KEY_MAX || strpbrk(key, "\r\n\t ")) {
        srv_error(r, 400, "bad_request", "key is the provider's key: 1 to %d bytes, one line",
                  KEY_MAX);
    } else if (llm_key_keep(r->server, c->user.id, provider, key, &err) < 0) {
        srv_error(r, 500, "internal", "%s", err.message);
    } else {
        srv_json(r, 200, llm_json(r->server, c));
    }
    json_decref(body);
}

void api_llm_key_delete(srv_req *r, caller *c, char args[][128]) {
    (void)args;
    rae_err err;
    if (llm_key_keep(r->server, c->user.id, NULL, NULL, &err) < 0)
        srv_error(r, 500, "internal", "%s", err.message);
    else
        srv_json(r, 200, llm_json(r->server, c));
}
