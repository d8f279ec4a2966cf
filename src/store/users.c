/* store: users, signing in, and the throttling of failed sign-ins. */
#include "store/internal.h"
#include "rae/err.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An argon2id hash (OPSLIMIT/MEMLIMIT_INTERACTIVE) of a random password nobody kept: a sign-in as
 * an unknown user is checked against it, so that it takes as long as one with a wrong password. */
static const char dummy_hash[crypto_pwhash_STRBYTES] =
    "$argon2id$v=19$m=65536,t=2,p=1$3XFwmNBMpgq1EgYEi4Tewg$"
    "6VduzZOfV7c8d2hMada7WAnhUQHC1ztqxRRfvcjezx4";

#define USER_COLS "id, name, admin, created"

int rae_store_user_name_check(const char *name, rae_err *err) {
    size_t n = name ? strlen(name) : 0;
    int ok = n > 0 && n <= RAE_STORE_NAME_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == '-';
    }
    if (ok) return 0;
    if (err) {
        char shown[80];
        size_t k = 0;
        for (size_t i = 0; i < n && k + 4 < sizeof shown; i++) /* printable, and short */
            shown[k++] = name[i] >= 0x20 && name[i] < 0x7f ? name[i] : '?';
        shown[k] = 0;
        rae_err_set(err, RAE_E_INVALID,
                    "bad user name '%s%s': 1 to %d letters, digits, '.', '_' or '-'", shown,
                    k < n ? "..." : "", RAE_STORE_NAME_MAX);
    }
    return -1;
}

/* One user by a statement whose ?1 is bound; the statement is done afterwards. */
static int one_user(rae_store *s, sqlite3_stmt *st, rae_user *out, const char *what) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && out) store_col_user(st, 0, out);
    store_done(st);
    if (rc == SQLITE_ROW) return 0;
    if (rc == SQLITE_DONE) return store_fail(s, NULL, RAE_E_NOT_FOUND, "no user %s", what);
    return store_dberr(s, NULL, "reading a user");
}

/* -1 (RAE_E_EXISTS) for name, naming the user that has it. */
static int exists(rae_store *s, const char *name, rae_err *err) {
    char have[RAE_STORE_NAME_MAX + 1] = "";
    sqlite3_stmt *st = store_sql(s, "SELECT name FROM users WHERE name = ?1 COLLATE NOCASE");
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) store_col_text(st, 0, have, sizeof have);
        store_done(st);
    }
    if (!have[0] || strcmp(have, name) == 0)
        return store_fail(s, err, RAE_E_EXISTS, "user '%s' exists", name);
    return store_fail(s, err, RAE_E_EXISTS,
                      "user '%s' exists as '%s' (names are unique ignoring case)", name, have);
}

int rae_store_user_add(rae_store *s, const char *name, const char *password, int admin,
                       rae_user *out, rae_err *err) {
    char hash[crypto_pwhash_STRBYTES];
    rae_err msg;
    if (rae_store_user_name_check(name, &msg) < 0)
        return store_fail(s, err, RAE_E_INVALID, "%s", msg.message);
    int rc = store_password_hash(s, password, hash, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st = store_sql(s, "INSERT INTO users (name, pw_hash, admin, created) "
                                    "VALUES (?1, ?2, ?3, ?4) RETURNING " USER_COLS);
    if (!st) return store_err_copy(s, err);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, admin != 0);
    sqlite3_bind_double(st, 4, store_now(s));
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && out) store_col_user(st, 0, out);
    if (rc == SQLITE_ROW) rc = sqlite3_step(st); /* to the end: the insert is done */
    store_done(st);
    if (rc == SQLITE_DONE) return 0;
    if (rc == SQLITE_CONSTRAINT_UNIQUE) return exists(s, name, err);
    return store_dberr(s, err, "adding a user");
}

int rae_store_user_get(rae_store *s, const char *name, rae_user *out) {
    sqlite3_stmt *st = store_sql(s, "SELECT " USER_COLS " FROM users WHERE name = ?1");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_STATIC);
    char what[RAE_STORE_NAME_MAX + 8];
    snprintf(what, sizeof what, "'%.*s'", RAE_STORE_NAME_MAX, name ? name : "");
    return one_user(s, st, out, what);
}

int rae_store_user_by_id(rae_store *s, long long id, rae_user *out) {
    sqlite3_stmt *st = store_sql(s, "SELECT " USER_COLS " FROM users WHERE id = ?1");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, id);
    char what[40];
    snprintf(what, sizeof what, "of id %lld", id);
    return one_user(s, st, out, what);
}

int rae_store_user_count(rae_store *s) {
    sqlite3_stmt *st = store_sql(s, "SELECT count(*) FROM users");
    if (!st) return -1;
    int rc = sqlite3_step(st), n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    store_done(st);
    return rc == SQLITE_ROW ? n : store_dberr(s, NULL, "counting users");
}

int rae_store_user_list(rae_store *s, rae_user **out, size_t *n) {
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = store_sql(s, "SELECT " USER_COLS " FROM users ORDER BY name");
    if (!st) return -1;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            rae_user *more = realloc(*out, cap * sizeof **out);
            if (!more) {
                rc = SQLITE_NOMEM;
                break;
            }
            *out = more;
        }
        store_col_user(st, 0, &(*out)[(*n)++]);
    }
    store_done(st);
    if (rc == SQLITE_DONE) return 0;
    free(*out);
    *out = NULL;
    *n = 0;
    return rc == SQLITE_NOMEM ? store_fail(s, NULL, RAE_E_FAIL, "out of memory")
                              : store_dberr(s, NULL, "listing users");
}

int rae_store_user_set_password(rae_store *s, const char *name, const char *password,
                                rae_err *err) {
    char hash[crypto_pwhash_STRBYTES];
    int rc = store_password_hash(s, password, hash, err);
    if (rc < 0) return rc;
    if ((rc = store_begin(s, err)) < 0) return rc;
    sqlite3_stmt *st = store_sql(s, "UPDATE users SET pw_hash = ?2 WHERE name = ?1");
    if (!st) goto fail;
    sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    if (store_exec(s, st, err, "setting a password") < 0) goto fail;
    if (sqlite3_changes(s->db) == 0) {
        store_rollback(s);
        return store_fail(s, err, RAE_E_NOT_FOUND, "no user '%s'", name ? name : "");
    }
    st =
        store_sql(s, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE name = ?1)");
    if (!st) goto fail;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (store_exec(s, st, err, "ending sessions") < 0) goto fail;
    return store_commit(s, err);
fail:
    store_rollback(s);
    return store_err_copy(s, err);
}

/* A newer hash of a password that was right, when the parameters changed; failures are ignored
 * (the old hash still works). */
static void rehash(rae_store *s, long long id, const char *password) {
    char hash[crypto_pwhash_STRBYTES];
    if (store_password_hash(s, password, hash, NULL) < 0) return;
    sqlite3_stmt *st = store_sql(s, "UPDATE users SET pw_hash = ?2 WHERE id = ?1");
    if (!st) return;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    store_exec(s, st, NULL, "upgrading a password hash");
}

int rae_store_login(rae_store *s, const char *name, const char *password, rae_user *out) {
    if (!password || strlen(password) > RAE_STORE_PASSWORD_MAX)
        return store_fail(s, NULL, RAE_E_DENIED, "wrong user name or password");
    char hash[crypto_pwhash_STRBYTES] = "";
    rae_user u;
    int found = 0;
    sqlite3_stmt *st = store_sql(s, "SELECT " USER_COLS ", pw_hash FROM users WHERE name = ?1");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        store_col_user(st, 0, &u);
        store_col_text(st, 4, hash, sizeof hash);
        found = 1;
    }
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_dberr(s, NULL, "signing in");
    int right = crypto_pwhash_str_verify(found ? hash : dummy_hash, password, strlen(password));
    if (!found || right != 0)
        return store_fail(s, NULL, RAE_E_DENIED, "wrong user name or password");
    if (crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                       crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        rehash(s, u.id, password);
    if (out) *out = u;
    return 0;
}

/* ---- throttling: a fixed window per key, opened by its first failure ---- */

static int key_ok(rae_store *s, const char *key) {
    size_t n = key ? strlen(key) : 0;
    if (n > 0 && n <= 256) return 0;
    return store_fail(s, NULL, RAE_E_INVALID, "a throttling key has 1 to 256 bytes");
}

/* Seconds key must still wait (0: none), or < 0. */
static double wait_of(rae_store *s, const char *key) {
    if (key_ok(s, key) < 0) return -1;
    sqlite3_stmt *st =
        store_sql(s, "SELECT window_start, failures FROM login_failures WHERE key = ?1");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    double start = rc == SQLITE_ROW ? sqlite3_column_double(st, 0) : 0;
    long long failures = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    store_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_dberr(s, NULL, "throttling");
    double left = start + RAE_STORE_THROTTLE_WINDOW - store_now(s);
    return failures >= RAE_STORE_THROTTLE_FAILURES && left > 0 ? left : 0;
}

int rae_store_login_blocked(rae_store *s, const char *key) {
    double w = wait_of(s, key);
    return w < 0 ? (int)w : w > 0;
}

double rae_store_login_wait(rae_store *s, const char *key) {
    double w = wait_of(s, key);
    return w < 0 ? 0 : w;
}

int rae_store_login_failed(rae_store *s, const char *key) {
    if (key_ok(s, key) < 0) return -1;
    double now = store_now(s);
    int rc = store_begin(s, NULL);
    if (rc < 0) return rc;
    /* windows that ended are forgotten (this key's too: it starts a new one) */
    sqlite3_stmt *st = store_sql(s, "DELETE FROM login_failures WHERE window_start <= ?1");
    if (!st) goto fail;
    sqlite3_bind_double(st, 1, now - RAE_STORE_THROTTLE_WINDOW);
    if (store_exec(s, st, NULL, "throttling") < 0) goto fail;
    st = store_sql(s, "INSERT INTO login_failures (key, window_start, failures) VALUES (?1, ?2, 1) "
                      "ON CONFLICT (key) DO UPDATE SET failures = failures + 1");
    if (!st) goto fail;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 2, now);
    if (store_exec(s, st, NULL, "throttling") < 0) goto fail;
    return store_commit(s, NULL);
fail:
    store_rollback(s);
    return -1;
}

int rae_store_login_cleared(rae_store *s, const char *key) {
    if (key_ok(s, key) < 0) return -1;
    sqlite3_stmt *st = store_sql(s, "DELETE FROM login_failures WHERE key = ?1");
    if (!st) return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    return store_exec(s, st, NULL, "throttling");
}
