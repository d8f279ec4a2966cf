/* store internals: the handle, the statement cache and the helpers every part of the store uses.
 * store.c: open, schema, helpers; users.c: users, sign-in, throttling; auth.c: sessions, API
 * tokens, setup; records.c: sprites and jobs; pool.c: handles lent to worker threads. */
#ifndef RAE_STORE_INTERNAL_H
#define RAE_STORE_INTERNAL_H

#include "rae/err.h"
#include "rae/store.h"

#include <sqlite3.h>
#include <stddef.h>

enum { STORE_HASH_LEN = 32, STORE_MAX_STMTS = 96 };

struct rae_store {
    sqlite3 *db;
    struct {
        const char *sql; /* the literal it was prepared from: the cache key (by address) */
        sqlite3_stmt *st;
    } cache[STORE_MAX_STMTS];
    int n_cache;
    rae_store_clock_fn clock;
    void *clock_ud;
    char path[4096];
    rae_err last; /* the last failure on this handle (rae_store_err) */
};

/* The prepared statement of sql (a string literal: cached by its address); borrowed, reset by
 * store_done(). NULL with the error set when it cannot be prepared. */
sqlite3_stmt *store_sql(rae_store *s, const char *sql);
/* Resets st and clears its bindings (NULL is fine). */
void store_done(sqlite3_stmt *st);
/* Sets the handle's last error (and *err when err is not NULL) and returns -1. */
int store_fail(rae_store *s, rae_err *err, rae_errc code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Copies the handle's last error into *err (when not NULL); returns -1. */
int store_err_copy(rae_store *s, rae_err *err);
/* A database failure while doing what: "what: SQLite's message"; returns -1 (RAE_E_FAIL). */
int store_dberr(rae_store *s, rae_err *err, const char *what);
/* BEGIN IMMEDIATE (waits for the write lock up to the busy timeout), COMMIT, ROLLBACK. */
int store_begin(rae_store *s, rae_err *err);
int store_commit(rae_store *s, rae_err *err);
void store_rollback(rae_store *s);
/* Runs a statement that returns no rows: 0, or the error; st is done afterwards. */
int store_exec(rae_store *s, sqlite3_stmt *st, rae_err *err, const char *what);
/* Now, by s's clock. */
double store_now(rae_store *s);

/* 43 characters of base64url from 32 random bytes, NUL-terminated. */
void store_random_token(char out[RAE_STORE_TOKEN_MAX]);
/* 1 when t is n characters of the base64url alphabet. */
int store_token_shape(const char *t, size_t n);
/* BLAKE2b-256 of the string. */
void store_hash(const char *token, unsigned char out[STORE_HASH_LEN]);
/* Copies column col of st (text) into out of n bytes, truncating; "" for NULL. */
void store_col_text(sqlite3_stmt *st, int col, char *out, size_t n);
/* 1 when column col holds exactly hash (STORE_HASH_LEN bytes), compared in constant time. */
int store_col_hash_is(sqlite3_stmt *st, int col, const unsigned char *hash);
/* A user from columns col.. of st: id, name, admin, created. */
void store_col_user(sqlite3_stmt *st, int col, rae_user *out);
/* The argon2id string of password into out (crypto_pwhash_STRBYTES); -1 with RAE_E_INVALID when
 * the password is too short or long, RAE_E_FAIL when out of memory. */
int store_password_hash(rae_store *s, const char *password, char *out, rae_err *err);

#endif
