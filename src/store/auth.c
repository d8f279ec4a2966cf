/* store: browser sessions, API tokens and the first-run setup token. Each token is 32 random bytes
 * in base64url (43 characters); only its BLAKE2b-256 hash is written. */
#include "store/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TOKEN_CHARS = 43, API_PREFIX_LEN = 4 };
static const char api_prefix[] = "rae_";

/* How stale a last-use time may get before it is written again: a minute, or a tenth of the idle
 * time when that is shorter (so that a check is a read, not a write, most of the time). */
static double touch_after(double idle_ttl) {
    return idle_ttl / 10 < 60 ? idle_ttl / 10 : 60;
}

/* ---- sessions ---- */

int rae_store_session_create(rae_store *s, long long user_id, double idle_ttl, double max_ttl,
                             char token[RAE_STORE_TOKEN_MAX], char csrf[RAE_STORE_TOKEN_MAX],
                             rae_err *err) {
    if (!(idle_ttl > 0) || !(max_ttl > 0))
        return store_fail(s, err, RAE_E_INVALID,
                          "a session's idle time and lifetime are positive seconds");
    unsigned char hash[STORE_HASH_LEN];
    store_random_token(token);
    store_random_token(csrf);
    store_hash(token, hash);
    double now = store_now(s);
    int rc = store_begin(s, err);
    if (rc < 0) return rc;
    /* the expired sessions of everyone go on the way */
    sqlite3_stmt *st =
        store_sql(s, "DELETE FROM sessions WHERE expires <= ?1 OR last_seen + idle_ttl <= ?1");
    if (!st) goto fail;
    sqlite3_bind_double(st, 1, now);
    if (store_exec(s, st, err, "pruning sessions") < 0) goto fail;
    st = store_sql(s, "INSERT INTO sessions (token_hash, user_id, csrf, created, last_seen, "
                      "idle_ttl, expires) VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)");
    if (!st) goto fail;
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 4, now);
    sqlite3_bind_double(st, 5, idle_ttl);
    sqlite3_bind_double(st, 6, now + max_ttl);
    rc = sqlite3_step(st);
    store_done(st);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        store_rollback(s);
        return store_fail(s, err, RAE_E_NOT_FOUND, "no user of id %lld", user_id);
    }
    if (rc != SQLITE_DONE) {
        store_dberr(s, err, "starting a session");
        goto fail;
    }
    return store_commit(s, err);
fail:
    store_rollback(s);
    return store_err_copy(s, err);
}

static int session_denied(rae_store *s) {
    return store_fail(s, NULL, RAE_E_DENIED, "no such session, or it expired");
}

/* Deletes the session of that row id (expired). */
static void session_drop(rae_store *s, long long id) {
    sqlite3_stmt *st = store_sql(s, "DELETE FROM sessions WHERE id = ?1");
    if (!st) return;
    sqlite3_bind_int64(st, 1, id);
    store_exec(s, st, NULL, "ending a session");
}

int rae_store_session_check(rae_store *s, const char *token, rae_user *out,
                            char csrf[RAE_STORE_TOKEN_MAX]) {
    if (!store_token_shape(token, TOKEN_CHARS)) return session_denied(s);
    unsigned char hash[STORE_HASH_LEN];
    store_hash(token, hash);
    sqlite3_stmt *st = store_sql(
        s, "SELECT u.id, u.name, u.admin, u.created, s.id, s.token_hash, s.csrf, s.last_seen, "
           "s.idle_ttl, s.expires FROM sessions s JOIN users u ON u.id = s.user_id "
           "WHERE s.token_hash = ?1");
    if (!st) return -1;
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    rae_user u;
    char c[RAE_STORE_TOKEN_MAX] = "";
    long long id = 0;
    double last_seen = 0, idle = 0, expires = 0;
    int same = 0;
    if (rc == SQLITE_ROW) {
        store_col_user(st, 0, &u);
        id = sqlite3_column_int64(st, 4);
        same = store_col_hash_is(st, 5, hash);
        store_col_text(st, 6, c, sizeof c);
        last_seen = sqlite3_column_double(st, 7);
        idle = sqlite3_column_double(st, 8);
        expires = sqlite3_column_double(st, 9);
    }
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_dberr(s, NULL, "checking a session");
    if (rc == SQLITE_DONE || !same) return session_denied(s);
    double now = store_now(s);
    if (now >= expires || now >= last_seen + idle) {
        session_drop(s, id);
        return session_denied(s);
    }
    /* the session is good even when its use cannot be written (another writer too long) */
    if (now - last_seen >= touch_after(idle) &&
        (st = store_sql(s, "UPDATE sessions SET last_seen = ?2 WHERE id = ?1"))) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_double(st, 2, now);
        store_exec(s, st, NULL, "marking a session used");
    }
    if (out) *out = u;
    if (csrf) memcpy(csrf, c, RAE_STORE_TOKEN_MAX);
    return 0;
}

int rae_store_session_delete(rae_store *s, const char *token) {
    if (!store_token_shape(token, TOKEN_CHARS)) return 0;
    unsigned char hash[STORE_HASH_LEN];
    store_hash(token, hash);
    sqlite3_stmt *st = store_sql(s, "DELETE FROM sessions WHERE token_hash = ?1");
    if (!st) return -1;
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
    return store_exec(s, st, NULL, "ending a session");
}

int rae_store_session_delete_user(rae_store *s, long long user_id) {
    sqlite3_stmt *st = store_sql(s, "DELETE FROM sessions WHERE user_id = ?1");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, user_id);
    if (store_exec(s, st, NULL, "ending sessions") < 0) return -1;
    return sqlite3_changes(s->db);
}

/* ---- API tokens ---- */

static int label_ok(rae_store *s, const char *label, rae_err *err) {
    size_t n = strlen(label);
    int ok = n <= 100;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)label[i] >= 0x20 && label[i] != 0x7f;
    return ok ? 0
              : store_fail(s, err, RAE_E_INVALID,
                           "a token label has at most 100 bytes, no control characters");
}

int rae_store_token_create(rae_store *s, long long user_id, const char *label,
                           char token[RAE_STORE_API_TOKEN_MAX], long long *id, rae_err *err) {
    if (!label) label = "";
    if (label_ok(s, label, err) < 0) return -1;
    char raw[RAE_STORE_TOKEN_MAX], hint[12];
    unsigned char hash[STORE_HASH_LEN];
    store_random_token(raw);
    snprintf(token, RAE_STORE_API_TOKEN_MAX, "%s%s", api_prefix, raw);
    sodium_memzero(raw, sizeof raw);
    snprintf(hint, sizeof hint, "%.8s", token);
    store_hash(token, hash);
    sqlite3_stmt *st = store_sql(s, "INSERT INTO api_tokens (token_hash, user_id, label, hint, "
                                    "created) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!st) return store_err_copy(s, err);
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_text(st, 3, label, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, hint, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 5, store_now(s));
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        return store_fail(s, err, RAE_E_NOT_FOUND, "no user of id %lld", user_id);
    if (rc != SQLITE_DONE) return store_dberr(s, err, "making a token");
    if (id) *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int rae_store_token_check(rae_store *s, const char *token, rae_user *out) {
    if (!token || strncmp(token, api_prefix, API_PREFIX_LEN) != 0 ||
        !store_token_shape(token + API_PREFIX_LEN, TOKEN_CHARS))
        return store_fail(s, NULL, RAE_E_DENIED, "no such token, or it was revoked");
    unsigned char hash[STORE_HASH_LEN];
    store_hash(token, hash);
    sqlite3_stmt *st = store_sql(s, "SELECT u.id, u.name, u.admin, u.created, t.id, t.token_hash, "
                                    "t.last_used FROM api_tokens t JOIN users u ON "
                                    "u.id = t.user_id WHERE t.token_hash = ?1");
    if (!st) return -1;
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
    int rc = sqlite3_step(st), same = 0;
    rae_user u;
    long long id = 0;
    double last_used = 0;
    if (rc == SQLITE_ROW) {
        store_col_user(st, 0, &u);
        id = sqlite3_column_int64(st, 4);
        same = store_col_hash_is(st, 5, hash);
        last_used = sqlite3_column_double(st, 6);
    }
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_dberr(s, NULL, "checking a token");
    if (rc == SQLITE_DONE || !same)
        return store_fail(s, NULL, RAE_E_DENIED, "no such token, or it was revoked");
    double now = store_now(s);
    if (now - last_used >= 60 &&
        (st = store_sql(s, "UPDATE api_tokens SET last_used = ?2 WHERE id = ?1"))) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_double(st, 2, now);
        store_exec(s, st, NULL, "marking a token used"); /* as above */
    }
    if (out) *out = u;
    return 0;
}

int rae_store_token_list(rae_store *s, long long user_id, rae_store_token **out, size_t *n) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st =
        store_sql(s, "SELECT id, user_id, label, hint, created, last_used "
                     "FROM api_tokens WHERE ?1 = 0 OR user_id = ?1 ORDER BY id DESC");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, user_id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            rae_store_token *more = realloc(*out, cap * sizeof **out);
            if (!more) {
                rc = SQLITE_NOMEM;
                break;
            }
            *out = more;
        }
        rae_store_token *t = &(*out)[(*n)++];
        memset(t, 0, sizeof *t);
        t->id = sqlite3_column_int64(st, 0);
        t->user_id = sqlite3_column_int64(st, 1);
        store_col_text(st, 2, t->label, sizeof t->label);
        store_col_text(st, 3, t->hint, sizeof t->hint);
        t->created = sqlite3_column_double(st, 4);
        t->last_used = sqlite3_column_double(st, 5);
    }
    store_done(st);
    if (rc == SQLITE_DONE) return 0;
    free(*out);
    *out = NULL;
    *n = 0;
    return rc == SQLITE_NOMEM ? store_fail(s, NULL, RAE_E_FAIL, "out of memory")
                              : store_dberr(s, NULL, "listing tokens");
}

int rae_store_token_revoke(rae_store *s, long long user_id, long long id) {
    sqlite3_stmt *st =
        store_sql(s, "DELETE FROM api_tokens WHERE id = ?1 AND (?2 = 0 OR user_id = ?2)");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, user_id);
    if (store_exec(s, st, NULL, "revoking a token") < 0) return -1;
    if (sqlite3_changes(s->db) == 0)
        return store_fail(s, NULL, RAE_E_NOT_FOUND, "no token %lld", id);
    return 0;
}

/* ---- first-run setup ---- */

int rae_store_setup_token(rae_store *s, char *token, size_t n, rae_err *err) {
    if (!token || n < RAE_STORE_TOKEN_MAX)
        return store_fail(s, err, RAE_E_INVALID, "a setup token needs %d bytes",
                          RAE_STORE_TOKEN_MAX);
    unsigned char hash[STORE_HASH_LEN];
    char t[RAE_STORE_TOKEN_MAX];
    store_random_token(t);
    store_hash(t, hash);
    double now = store_now(s);
    int rc = store_begin(s, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st = store_sql(s, "SELECT EXISTS (SELECT 1 FROM users)");
    if (!st) goto fail;
    rc = sqlite3_step(st);
    int users = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
    store_done(st);
    if (rc != SQLITE_ROW) {
        store_dberr(s, err, "counting users");
        goto fail;
    }
    if (users) {
        store_rollback(s);
        return store_fail(s, err, RAE_E_EXISTS, "rae is set up: there are users");
    }
    st = store_sql(s, "DELETE FROM setup_tokens");
    if (!st || store_exec(s, st, err, "replacing the setup token") < 0) goto fail;
    st =
        store_sql(s, "INSERT INTO setup_tokens (token_hash, created, expires) VALUES (?1, ?2, ?3)");
    if (!st) goto fail;
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, now);
    sqlite3_bind_double(st, 3, now + RAE_STORE_SETUP_TTL);
    if (store_exec(s, st, err, "making a setup token") < 0) goto fail;
    if ((rc = store_commit(s, err)) < 0) return rc;
    memcpy(token, t, RAE_STORE_TOKEN_MAX);
    return 0;
fail:
    store_rollback(s);
    return store_err_copy(s, err);
}

static const char setup_denied[] =
    "this setup link was used, expired or replaced, or rae is set up";

int rae_store_setup_check(rae_store *s, const char *token) {
    if (!store_token_shape(token, TOKEN_CHARS))
        return store_fail(s, NULL, RAE_E_DENIED, "%s", setup_denied);
    unsigned char hash[STORE_HASH_LEN];
    store_hash(token, hash);
    sqlite3_stmt *st = store_sql(s, "SELECT 1 FROM setup_tokens WHERE token_hash = ?1 AND "
                                    "expires > ?2 AND NOT EXISTS (SELECT 1 FROM users)");
    if (!st) return -1;
    sqlite3_bind_blob(st, 1, hash, sizeof hash, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, store_now(s));
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return store_fail(s, NULL, RAE_E_DENIED, "%s", setup_denied);
    return store_dberr(s, NULL, "checking the setup token");
}

int rae_store_setup_use(rae_store *s, const char *token, const char *name, const char *password,
                        rae_user *out, rae_err *err) {
    char hash[crypto_pwhash_STRBYTES];
    rae_err msg;
    if (rae_store_user_name_check(name, &msg) < 0)
        return store_fail(s, err, RAE_E_INVALID, "%s", msg.message);
    /* a cheap look first: a wrong token costs no argon2id */
    int rc = rae_store_setup_check(s, token);
    if (rc < 0) return store_err_copy(s, err);
    if ((rc = store_password_hash(s, password, hash, err)) < 0) return rc;
    unsigned char th[STORE_HASH_LEN];
    store_hash(token, th);
    if ((rc = store_begin(s, err)) < 0) return rc;
    /* the check again under the write lock: of two uses, the second finds the token gone */
    sqlite3_stmt *st = store_sql(s, "DELETE FROM setup_tokens WHERE token_hash = ?1 AND "
                                    "expires > ?2 AND NOT EXISTS (SELECT 1 FROM users)");
    if (!st) goto fail;
    sqlite3_bind_blob(st, 1, th, sizeof th, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, store_now(s));
    if (store_exec(s, st, err, "using the setup token") < 0) goto fail;
    if (sqlite3_changes(s->db) != 1) {
        store_rollback(s);
        return store_fail(s, err, RAE_E_DENIED, "%s", setup_denied);
    }
    st = store_sql(s, "INSERT INTO users (name, pw_hash, admin, created) VALUES (?1, ?2, 1, ?3)");
    if (!st) goto fail;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 3, store_now(s));
    if (store_exec(s, st, err, "adding the first user") < 0) goto fail;
    st = store_sql(s, "DELETE FROM setup_tokens");
    if (!st || store_exec(s, st, err, "using the setup token") < 0) goto fail;
    if ((rc = store_commit(s, err)) < 0) return rc;
    return out ? rae_store_user_get(s, name, out) : 0;
fail:
    store_rollback(s);
    return store_err_copy(s, err);
}
