/* GET /api/usage: what the AI engineer's model answers cost the caller (or, for an admin asking
 * with all=1, everyone), in a span of time: the total, by day, and the costliest runs. */
#include "server/api.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *usage_json(const rae_usage *u) {
    return json_pack("{s:I,s:I,s:I,s:I,s:f,s:I,s:I}", "inputTokens", (json_int_t)u->input_tokens,
                     "outputTokens", (json_int_t)u->output_tokens, "cacheReadTokens",
                     (json_int_t)u->cache_read_tokens, "cacheWriteTokens",
                     (json_int_t)u->cache_write_tokens, "costUsd", u->cost_usd, "answers",
                     (json_int_t)u->answers, "unpricedAnswers", (json_int_t)u->unpriced);
}

/* [{key: ..., the usage}] of the groups. */
static json_t *groups_json(const rae_usage_group *g, size_t n, const char *key) {
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = usage_json(&g[i].u);
        json_object_set_new(o, key, json_string(g[i].key));
        json_array_append_new(out, o);
    }
    return out;
}

/* A time of the query (unix seconds), else dflt; -1 and a 400 queued when it is no number. */
static int query_time(srv_req *r, const char *name, double dflt, double *out) {
    char v[64];
    *out = dflt;
    if (srv_query(r, name, v, sizeof v) != 0 || !*v) return 0;
    char *end;
    *out = strtod(v, &end);
    if (*end || *out < 0) {
        srv_error(r, 400, "bad_request", "%s is a time in unix seconds, not '%s'", name, v);
        return -1;
    }
    return 0;
}

void api_usage_get(srv_req *r, caller *c, char args[][128]) {
    (void)args;
    time_t now = time(NULL);
    double from, to;
    if (query_time(r, "from", rae_store_month_start((double)now), &from) < 0 ||
        query_time(r, "to", (double)now + 1, &to) < 0)
        return;
    char all[64] = "";
    srv_query(r, "all", all, sizeof all);
    if (*all && strcmp(all, "0") != 0 && strcmp(all, "1") != 0) {
        srv_error(r, 400, "bad_request", "all is 1 (every user's usage) or 0, not '%.20s'", all);
        return;
    }
    int everyone = strcmp(all, "1") == 0;
    if (everyone && !c->user.admin) {
        srv_error(r, 403, "forbidden", "only an admin may see every user's usage");
        return;
    }
    long long who = everyone ? -1 : c->user.id;
    rae_store *st = r->server->store;
    rae_usage total;
    rae_usage_group *days = NULL, *runs = NULL, *users = NULL;
    size_t n_days = 0, n_runs = 0, n_users = 0;
    if (rae_store_usage_sum(st, who, from, to, &total) < 0 ||
        rae_store_usage_groups(st, who, from, to, RAE_USAGE_BY_DAY, &days, &n_days) < 0 ||
        rae_store_usage_groups(st, who, from, to, RAE_USAGE_BY_RUN, &runs, &n_runs) < 0 ||
        (everyone &&
         rae_store_usage_groups(st, who, from, to, RAE_USAGE_BY_USER, &users, &n_users) < 0)) {
        free(days);
        free(runs);
        srv_error(r, 500, "internal", "%s", rae_store_err(st)->message);
        return;
    }
    json_t *body = json_pack("{s:f,s:f,s:b,s:o,s:o,s:o}", "from", from, "to", to, "all", everyone,
                             "total", usage_json(&total), "days", groups_json(days, n_days, "day"),
                             "runs", groups_json(runs, n_runs, "run"));
    if (everyone) json_object_set_new(body, "users", groups_json(users, n_users, "user"));
    srv_json(r, 200, body);
    free(days);
    free(runs);
    free(users);
}
