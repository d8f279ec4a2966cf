/* store/usage: what the AI engineer's model answers cost, per user and run, and the monthly
 * budget a run may not pass. Recorded per answer, so that a run that fails keeps what it spent. */
#include "store/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int rae_store_usage_add(rae_store *s, long long user_id, const char *run, const char *model,
                        const rae_usage *u, rae_err *err) {
    sqlite3_stmt *st = store_sql(
        s, "INSERT INTO llm_usage (user_id, run, model, at, input_tokens, output_tokens, "
           "cache_read_tokens, cache_write_tokens, cost_usd) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
           "?7, ?8, ?9)");
    if (!st) return store_dberr(s, err, "recording usage");
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_text(st, 2, run ? run : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, model ? model : "", -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 4, store_now(s));
    sqlite3_bind_int64(st, 5, u->input_tokens);
    sqlite3_bind_int64(st, 6, u->output_tokens);
    sqlite3_bind_int64(st, 7, u->cache_read_tokens);
    sqlite3_bind_int64(st, 8, u->cache_write_tokens);
    if (u->cost_usd >= 0)
        sqlite3_bind_double(st, 9, u->cost_usd);
    else
        sqlite3_bind_null(st, 9);
    return store_exec(s, st, err, "recording usage");
}

static rae_usage usage_of_row(sqlite3_stmt *st, int col) {
    return (rae_usage){(long long)sqlite3_column_double(st, col),
                       (long long)sqlite3_column_double(st, col + 1),
                       (long long)sqlite3_column_double(st, col + 2),
                       (long long)sqlite3_column_double(st, col + 3),
                       sqlite3_column_double(st, col + 4),
                       sqlite3_column_int64(st, col + 5),
                       sqlite3_column_int64(st, col + 6)};
}

#define USAGE_COLS                                                                                 \
    "total(input_tokens), total(output_tokens), total(cache_read_tokens), "                        \
    "total(cache_write_tokens), total(cost_usd), count(*), count(*) - count(cost_usd)"

int rae_store_usage_sum(rae_store *s, long long user_id, double from, double to, rae_usage *out) {
    sqlite3_stmt *st = store_sql(s, "SELECT " USAGE_COLS " FROM llm_usage WHERE (?1 < 0 OR "
                                    "user_id = ?1) AND at >= ?2 AND at < ?3");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_double(st, 2, from);
    sqlite3_bind_double(st, 3, to);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = usage_of_row(st, 0);
    store_done(st);
    return rc == SQLITE_ROW ? 0 : store_dberr(s, NULL, "summing usage");
}

int rae_store_usage_of_run(rae_store *s, long long user_id, const char *run, rae_usage *out) {
    sqlite3_stmt *st = store_sql(s, "SELECT " USAGE_COLS " FROM llm_usage WHERE run = ?1 AND "
                                    "user_id = ?2");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, run, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = usage_of_row(st, 0);
    store_done(st);
    return rc == SQLITE_ROW ? 0 : store_dberr(s, NULL, "summing a run's usage");
}

int rae_store_usage_groups(rae_store *s, long long user_id, double from, double to, rae_usage_by by,
                           rae_usage_group **out, size_t *n) {
    static const char *const sql[] = {
        [RAE_USAGE_BY_DAY] = "SELECT strftime('%Y-%m-%d', at, 'unixepoch') AS day, " USAGE_COLS
                             " FROM llm_usage WHERE (?1 < 0 OR user_id = ?1) AND at >= ?2 AND "
                             "at < ?3 GROUP BY day ORDER BY day",
        [RAE_USAGE_BY_RUN] = "SELECT run, " USAGE_COLS " FROM llm_usage WHERE (?1 < 0 OR "
                             "user_id = ?1) AND at >= ?2 AND at < ?3 GROUP BY run ORDER BY "
                             "total(cost_usd) DESC, run LIMIT 100",
        [RAE_USAGE_BY_USER] = "SELECT u.name, " USAGE_COLS " FROM llm_usage JOIN users u ON "
                              "u.id = llm_usage.user_id WHERE (?1 < 0 OR user_id = ?1) AND "
                              "at >= ?2 AND at < ?3 GROUP BY u.name ORDER BY total(cost_usd) "
                              "DESC, u.name"};
    sqlite3_stmt *st = store_sql(s, sql[by]);
    *out = NULL;
    *n = 0;
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_double(st, 2, from);
    sqlite3_bind_double(st, 3, to);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            *out = realloc(*out, cap * sizeof **out);
        }
        rae_usage_group *g = &(*out)[(*n)++];
        store_col_text(st, 0, g->key, sizeof g->key);
        g->u = usage_of_row(st, 1);
    }
    store_done(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return store_dberr(s, NULL, "grouping usage");
    }
    return 0;
}

int rae_store_budget_set(rae_store *s, const char *name, double usd, rae_err *err) {
    sqlite3_stmt *st = store_sql(s, "UPDATE users SET budget_usd = ?2 WHERE name = ?1");
    if (!st) return store_dberr(s, err, "setting a budget");
    sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_STATIC);
    if (usd >= 0)
        sqlite3_bind_double(st, 2, usd);
    else
        sqlite3_bind_null(st, 2);
    int rc = store_exec(s, st, err, "setting a budget");
    if (rc == 0 && sqlite3_changes(s->db) == 0)
        return store_fail(s, err, RAE_E_NOT_FOUND, "no user '%s'", name ? name : "");
    return rc;
}

double rae_store_month_start(double t) {
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    return (double)timegm(&tm);
}

int rae_store_budget_get(rae_store *s, long long user_id, double *budget, double *spent) {
    sqlite3_stmt *st = store_sql(s, "SELECT budget_usd FROM users WHERE id = ?1");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, user_id);
    int rc = sqlite3_step(st);
    *budget = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL
                  ? sqlite3_column_double(st, 0)
                  : -1;
    store_done(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE
                   ? store_fail(s, NULL, RAE_E_NOT_FOUND, "no user of id %lld", user_id)
                   : store_dberr(s, NULL, "reading a budget");
    double now = store_now(s);
    rae_usage u;
    if (rae_store_usage_sum(s, user_id, rae_store_month_start(now), now + 1, &u) < 0) return -1;
    *spent = u.cost_usd;
    return 0;
}

int rae_store_budget_check(rae_store *s, long long user_id, rae_err *err) {
    double budget, spent;
    int rc = rae_store_budget_get(s, user_id, &budget, &spent);
    if (rc < 0) return store_err_copy(s, err);
    if (budget >= 0 && spent >= budget)
        return store_fail(s, err, RAE_E_DENIED,
                          "this month's budget of $%.2f is spent ($%.4f): an admin may raise it "
                          "(rae user budget NAME USD)",
                          budget, spent);
    return 0;
}

int rae_store_llm_key_set(rae_store *s, long long user_id, const char *provider,
                          const unsigned char *sealed, size_t n, rae_err *err) {
    sqlite3_stmt *st = store_sql(s, "UPDATE users SET llm_key = ?2, llm_provider = ?3, "
                                    "llm_key_added = ?4 WHERE id = ?1");
    if (!st) return store_dberr(s, err, "keeping a key");
    sqlite3_bind_int64(st, 1, user_id);
    if (sealed) {
        sqlite3_bind_blob(st, 2, sealed, (int)n, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, provider, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 4, store_now(s));
    } /* else all three NULL */
    int rc = store_exec(s, st, err, "keeping a key");
    if (rc == 0 && sqlite3_changes(s->db) == 0)
        return store_fail(s, err, RAE_E_NOT_FOUND, "no user %lld", user_id);
    return rc;
}

int rae_store_llm_key_get(rae_store *s, long long user_id, char *provider, size_t pn,
                          unsigned char **sealed, size_t *n, double *added) {
    sqlite3_stmt *st = store_sql(s, "SELECT llm_key, llm_provider, llm_key_added FROM users "
                                    "WHERE id = ?1 AND llm_key IS NOT NULL");
    *sealed = NULL;
    *n = 0;
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, user_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *n = (size_t)sqlite3_column_bytes(st, 0);
        *sealed = malloc(*n ? *n : 1);
        if (!*sealed) abort();
        memcpy(*sealed, sqlite3_column_blob(st, 0), *n);
        const unsigned char *p = sqlite3_column_text(st, 1);
        snprintf(provider, pn, "%s", p ? (const char *)p : "");
        *added = sqlite3_column_double(st, 2);
    }
    store_done(st);
    if (rc == SQLITE_ROW) return 0;
    return rc == SQLITE_DONE ? store_fail(s, NULL, RAE_E_NOT_FOUND, "no key of user %lld", user_id)
                             : store_dberr(s, NULL, "reading a key");
}
