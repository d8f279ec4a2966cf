/* store: what `rae serve` keeps — users, browser sessions, API tokens, the first-run setup token,
 * failed sign-ins, which sprite is whose, and the history of captures and engineer runs. One
 * SQLite file, DATA_DIR/rae.db (WAL, foreign keys, schema versioned by PRAGMA user_version);
 * every operation is one transaction, so a kill -9 leaves it whole (docs/store.md).
 *
 * Secrets are never stored: passwords as argon2id strings, session cookies, API tokens and setup
 * tokens as their BLAKE2b-256 hash. Tokens are shown once, when made.
 *
 * Errors: every function returns 0 (or a count, or 1 for "yes") on success and -1 on failure;
 * rae_store_err() then has the rae_err (rae/err.h) of that failure, and a function that takes
 * `rae_err *err` fills it too (err may be NULL). The codes the store gives: RAE_E_FAIL (the
 * database failed: I/O, full disk, locked too long), RAE_E_NOT_FOUND (no such user, sprite, token,
 * job, or not the caller's), RAE_E_EXISTS (the name is taken), RAE_E_INVALID (bad input: a name, a
 * password too short, bad JSON), RAE_E_DENIED (wrong password; unknown, expired or used token). A
 * store handle is used by one thread at a time; several handles (threads, processes) may share one
 * data dir. A process opens its handles once and keeps them (a pool lends them to worker threads):
 * rae.db is only ever opened by SQLite, never by anything else in a process that has it open. */
#ifndef RAE_STORE_H
#define RAE_STORE_H

#include <stddef.h>

#include "rae/err.h"

enum {
    RAE_STORE_TOKEN_MAX = 64,        /* buffer for a session, CSRF or setup token (43 chars) */
    RAE_STORE_API_TOKEN_MAX = 80,    /* buffer for an API token: "rae_" + 43 chars */
    RAE_STORE_NAME_MAX = 64,         /* user names: 1-64 of [A-Za-z0-9._-] */
    RAE_STORE_PASSWORD_MIN = 8,      /* bytes */
    RAE_STORE_PASSWORD_MAX = 1024,   /* bytes */
    RAE_STORE_SPRITE_NAME_MAX = 64,  /* buffer for a sprite name (rae_sprite_name_check) */
    RAE_STORE_THROTTLE_FAILURES = 5, /* failed sign-ins of one key within the window ... */
    RAE_STORE_THROTTLE_WINDOW = 900, /* ... seconds block it until the window ends */
    RAE_STORE_SETUP_TTL = 86400,     /* seconds a first-run setup token lives */
};

typedef struct rae_store rae_store; /* opaque */

/* Opens DATA_DIR/rae.db (data_dir NULL: ./data), creating the directory (0700) and the file (0600)
 * when missing and migrating an older schema forward. Caller closes with rae_store_close(). NULL
 * and err filled when it cannot (no permission, a file of a newer rae, not a database). */
rae_store *rae_store_open(const char *data_dir, rae_err *err);
/* Closes s (NULL is fine). */
void rae_store_close(rae_store *s);
/* The message of the last failure on s; borrowed, valid until the next call on s. */
const rae_err *rae_store_err(const rae_store *s);
/* The clock every expiry and timestamp of s uses, in unix seconds (tests set one; NULL: the real
 * time). */
typedef double (*rae_store_clock_fn)(void *ud);
void rae_store_set_clock(rae_store *s, rae_store_clock_fn now, void *ud);
/* PRAGMA integrity_check: 0 when "ok", -1 (RAE_E_FAIL) with SQLite's first complaint otherwise. */
int rae_store_integrity_check(rae_store *s, rae_err *err);

/* ---- a pool: handles opened once and kept, lent to worker threads ---- */

typedef struct rae_store_pool rae_store_pool; /* opaque; its calls are thread-safe */

/* n (1-64) handles of data_dir, all opened now (rae_store_open). Caller closes with
 * rae_store_pool_close() once every handle is back. NULL and err filled when one cannot open. */
rae_store_pool *rae_store_pool_open(const char *data_dir, int n, rae_err *err);
/* A handle for the calling thread, waiting until one is free; borrowed until
 * rae_store_pool_give(). */
rae_store *rae_store_pool_take(rae_store_pool *p);
/* Gives back a handle that rae_store_pool_take() lent. */
void rae_store_pool_give(rae_store_pool *p, rae_store *s);
/* Closes the pool and its handles (NULL is fine); every handle must be back. */
void rae_store_pool_close(rae_store_pool *p);

/* ---- what the AI engineer's model answers cost, and budgets ---- */

typedef struct rae_usage {
    long long input_tokens, output_tokens, cache_read_tokens, cache_write_tokens;
    double cost_usd;    /* of the answers whose price was known */
    long long answers;  /* answers counted */
    long long unpriced; /* of them, answers of a model without a known price */
} rae_usage;

/* Records one answer of run (its tokens; cost_usd < 0: the price is unknown). */
int rae_store_usage_add(rae_store *s, long long user_id, const char *run, const char *model,
                        const rae_usage *u, rae_err *err);
/* The usage of user_id (every user when < 0) from `from` to `to` (unix seconds, to excluded). */
int rae_store_usage_sum(rae_store *s, long long user_id, double from, double to, rae_usage *out);
/* The usage of user_id (every user when < 0) from `from` to `to`, by day (UTC, "2026-12-03",
 * oldest first), by run (the costliest first, at most 100) or by user (their names, the costliest
 * first): *out (caller frees with free). */
typedef enum rae_usage_by { RAE_USAGE_BY_DAY, RAE_USAGE_BY_RUN, RAE_USAGE_BY_USER } rae_usage_by;
typedef struct rae_usage_group {
    char key[64]; /* the day, the run or the user */
    rae_usage u;
} rae_usage_group;
int rae_store_usage_groups(rae_store *s, long long user_id, double from, double to, rae_usage_by by,
                           rae_usage_group **out, size_t *n);
/* The usage of run (of user_id) in all. */
int rae_store_usage_of_run(rae_store *s, long long user_id, const char *run, rae_usage *out);
/* The start of the calendar month (UTC) of unix time t: where budgets and usage reports begin. */
double rae_store_month_start(double t);
/* Sets the monthly budget in USD of user name (usd < 0: none). -1 (RAE_E_NOT_FOUND). */
int rae_store_budget_set(rae_store *s, const char *name, double usd, rae_err *err);
/* The budget of user_id (-1: none) and what it spent this calendar month (UTC, by the store's
 * clock). */
int rae_store_budget_get(rae_store *s, long long user_id, double *budget, double *spent);
/* 0 when user_id may spend more this month; -1 (RAE_E_DENIED) with err saying the budget and what
 * was spent when it is used up. */
int rae_store_budget_check(rae_store *s, long long user_id, rae_err *err);

/* A user's own key for a model provider, as the caller sealed it (the store never sees it in
 * the clear): sealed NULL removes it. */
int rae_store_llm_key_set(rae_store *s, long long user_id, const char *provider,
                          const unsigned char *sealed, size_t n, rae_err *err);
/* The sealed key of user_id (*sealed: caller frees), its provider and when it was set; 0, or
 * -1 (RAE_E_NOT_FOUND) when the user has none. */
int rae_store_llm_key_get(rae_store *s, long long user_id, char *provider, size_t pn,
                          unsigned char **sealed, size_t *n, double *added);

/* ---- users ---- */

typedef struct rae_user {
    long long id;
    char name[RAE_STORE_NAME_MAX + 1];
    int admin;
    double created; /* unix seconds */
} rae_user;

/* 0 when name is 1-64 of [A-Za-z0-9._-]; -1 (RAE_E_INVALID) and err otherwise. */
int rae_store_user_name_check(const char *name, rae_err *err);
/* Adds a user (the password hashed with argon2id: ~0.1 s and 64 MiB). -1 (RAE_E_INVALID) for a bad
 * name or a password outside 8-1024 bytes, -1 (RAE_E_EXISTS) when the name is taken (names are
 * unique ignoring ASCII case). out may be NULL. */
int rae_store_user_add(rae_store *s, const char *name, const char *password, int admin,
                       rae_user *out, rae_err *err);
/* The user of that exact name; -1 (RAE_E_NOT_FOUND) when none. */
int rae_store_user_get(rae_store *s, const char *name, rae_user *out);
/* The user with that id; -1 (RAE_E_NOT_FOUND) when none. */
int rae_store_user_by_id(rae_store *s, long long id, rae_user *out);
/* How many users there are (>= 0), or -1 (RAE_E_FAIL). */
int rae_store_user_count(rae_store *s);
/* Every user by name; caller frees *out with free() (NULL when *n is 0). */
int rae_store_user_list(rae_store *s, rae_user **out, size_t *n);
/* Sets the password and ends every browser session of the user (API tokens stay).
 * -1 (RAE_E_NOT_FOUND), -1 (RAE_E_INVALID) as for rae_store_user_add. */
int rae_store_user_set_password(rae_store *s, const char *name, const char *password, rae_err *err);
/* Checks a sign-in: 0 and *out when right; -1 (RAE_E_DENIED) for a wrong password and for an
 * unknown name alike, in the same time (a missing user is checked against a dummy hash). Names are
 * matched exactly. Upgrades the stored hash when the argon2id parameters changed. */
int rae_store_login(rae_store *s, const char *name, const char *password, rae_user *out);

/* ---- sign-in throttling: the caller's keys ("user:NAME", "ip:ADDR"), 1-256 bytes ---- */

/* 1 when key has RAE_STORE_THROTTLE_FAILURES failures within the RAE_STORE_THROTTLE_WINDOW that
 * its first failure opened (it must wait until that window ends), 0 when not, < 0 on error. */
int rae_store_login_blocked(rae_store *s, const char *key);
/* Seconds until key is no longer blocked (0 when it is not, or on error). */
double rae_store_login_wait(rae_store *s, const char *key);
/* Records one failed sign-in of key. */
int rae_store_login_failed(rae_store *s, const char *key);
/* Forgets key's failures (after a successful sign-in). */
int rae_store_login_cleared(rae_store *s, const char *key);

/* ---- browser sessions ---- */

/* Starts a session of user_id that ends idle_ttl seconds after its last use or max_ttl seconds
 * after it began, whichever is first. token (the cookie) and csrf are filled, NUL-terminated;
 * only token's hash is kept. -1 (RAE_E_NOT_FOUND) when there is no such user. */
int rae_store_session_create(rae_store *s, long long user_id, double idle_ttl, double max_ttl,
                             char token[RAE_STORE_TOKEN_MAX], char csrf[RAE_STORE_TOKEN_MAX],
                             rae_err *err);
/* The user and CSRF token (csrf may be NULL) of a live session, and marks it used;
 * -1 (RAE_E_DENIED) when token is unknown or expired (an expired one is removed). */
int rae_store_session_check(rae_store *s, const char *token, rae_user *out,
                            char csrf[RAE_STORE_TOKEN_MAX]);
/* Ends the session (signing out); 0 also when it did not exist. */
int rae_store_session_delete(rae_store *s, const char *token);
/* Ends every session of the user ("sign out everywhere"); the count ended, or < 0. */
int rae_store_session_delete_user(rae_store *s, long long user_id);

/* ---- API tokens (Authorization: Bearer rae_...) ---- */

typedef struct rae_store_token {
    long long id, user_id;
    char label[101];
    char hint[12];    /* the first 8 characters ("rae_AbCd"), to tell tokens apart */
    double created;   /* unix seconds */
    double last_used; /* 0: never (kept to the minute) */
} rae_store_token;

/* Makes a token for user_id and fills token ("rae_" + 43 characters, NUL-terminated): shown once,
 * only its hash is kept. label: up to 100 printable bytes, may be NULL. id may be NULL.
 * -1 (RAE_E_NOT_FOUND) when there is no such user, -1 (RAE_E_INVALID) for a bad label. */
int rae_store_token_create(rae_store *s, long long user_id, const char *label,
                           char token[RAE_STORE_API_TOKEN_MAX], long long *id, rae_err *err);
/* The user of a live token, and marks it used; -1 (RAE_E_DENIED) when unknown or revoked. */
int rae_store_token_check(rae_store *s, const char *token, rae_user *out);
/* The tokens of user_id (0: everyone's), newest first; caller frees *out with free() (NULL when
 * *n is 0). */
int rae_store_token_list(rae_store *s, long long user_id, rae_store_token **out, size_t *n);
/* Revokes token id when it is user_id's (0: anyone's); -1 (RAE_E_NOT_FOUND) otherwise. */
int rae_store_token_revoke(rae_store *s, long long user_id, long long id);

/* ---- first-run setup ---- */

/* While there is no user: a one-time token (43 characters, into token of n >=
 * RAE_STORE_TOKEN_MAX bytes) that lives RAE_STORE_SETUP_TTL seconds and replaces any earlier one.
 * -1 (RAE_E_EXISTS) once there are users. */
int rae_store_setup_token(rae_store *s, char *token, size_t n, rae_err *err);
/* 0 when token is the live setup token (to show the form), -1 (RAE_E_DENIED) otherwise. */
int rae_store_setup_check(rae_store *s, const char *token);
/* Uses the setup token: creates the first user, an admin, and consumes the token, atomically (of
 * two concurrent uses one wins; the other gets -1 (RAE_E_DENIED)). -1 (RAE_E_DENIED) for an
 * unknown, used or expired token or when a user exists already; -1 (RAE_E_INVALID) for a bad name
 * or password (the token stays usable). out may be NULL. */
int rae_store_setup_use(rae_store *s, const char *token, const char *name, const char *password,
                        rae_user *out, rae_err *err);

/* ---- sprites: each belongs to one user; names are unique over all users ---- */

/* Records that user_id owns sprite name. -1 (RAE_E_INVALID) for a bad name
 * (rae_sprite_name_check), -1 (RAE_E_EXISTS) when it is anyone's already (the owner's too),
 * -1 (RAE_E_NOT_FOUND) when there is no such user. */
int rae_store_sprite_add(rae_store *s, long long user_id, const char *name, rae_err *err);
/* 1 when sprite name is user_id's, 0 when not (or it does not exist), < 0 on error. */
int rae_store_sprite_owned(rae_store *s, long long user_id, const char *name);
/* The owner of sprite name into *user_id; -1 (RAE_E_NOT_FOUND) when it is nobody's. */
int rae_store_sprite_owner(rae_store *s, const char *name, long long *user_id);
/* The names of user_id's sprites, oldest first, at most max of them: the count filled, or < 0. */
int rae_store_sprites_of(rae_store *s, long long user_id, char names[][RAE_STORE_SPRITE_NAME_MAX],
                         int max);
/* Forgets that user_id owns sprite name; -1 (RAE_E_NOT_FOUND) when it is not theirs. The history
 * of its jobs stays. */
int rae_store_sprite_remove(rae_store *s, long long user_id, const char *name);

/* ---- jobs: captures and engineer runs, for the history page ---- */

typedef struct rae_store_job {
    char id[16];   /* kind's first letter, '_', 8 of [a-z0-9]: "c_8f3k2m0q", "r_..." */
    char kind[16]; /* "capture", "run" (any 1-15 of [a-z]) */
    long long user_id;
    char sprite[RAE_STORE_SPRITE_NAME_MAX];
    char status[16]; /* "running", "complete", "error" (any 1-15 of [a-z_-]) */
    double started;  /* unix seconds */
    double ended;    /* 0 while running */
    char *error;     /* NULL, or why it failed; owned by the job */
    char *detail;    /* a JSON object, never NULL; owned by the job. By convention a capture has
                        url, har_path, entries; a run har_path, scripts_dir, prompt, endpoints. */
} rae_store_job;

/* Starts a job of kind for user_id on sprite, status "running", started now; detail is a JSON
 * object or NULL ({}). Fills out (may be NULL; else the caller frees it with
 * rae_store_job_clear()). -1 (RAE_E_INVALID) for a bad kind, sprite or detail,
 * -1 (RAE_E_NOT_FOUND) when there is no such user. */
int rae_store_job_add(rae_store *s, const char *kind, long long user_id, const char *sprite,
                      const char *detail, rae_store_job *out, rae_err *err);
/* Updates job id: status (NULL: unchanged; "running" again clears ended; any other sets ended to
 * now, once),
 * error (NULL: unchanged, "": none), and detail_patch (NULL, or a JSON object merged into detail by
 * RFC 7396: its keys replace, a null removes). -1 (RAE_E_NOT_FOUND), -1 (RAE_E_INVALID). */
int rae_store_job_update(rae_store *s, const char *id, const char *status, const char *error,
                         const char *detail_patch, rae_err *err);
/* Job id when it is user_id's (user_id 0: anyone's), into out (caller frees with
 * rae_store_job_clear()); -1 (RAE_E_NOT_FOUND) otherwise. */
int rae_store_job_get(rae_store *s, long long user_id, const char *id, rae_store_job *out);
/* user_id's jobs (0: everyone's), newest first, only of sprite and of kind when not NULL, at most
 * limit (0: all). Caller frees with rae_store_jobs_free(*out, *n). */
int rae_store_job_list(rae_store *s, long long user_id, const char *sprite, const char *kind,
                       int limit, rae_store_job **out, size_t *n);
/* Marks every job of kind (NULL: of any kind) still "running" as "error" with the message
 * "interrupted: the server stopped" (for a server starting after a crash); the count marked, or
 * < 0. */
int rae_store_jobs_interrupted(rae_store *s, const char *kind);
/* Frees what a job owns (not j itself). */
void rae_store_job_clear(rae_store_job *j);
/* Frees n jobs and the array. */
void rae_store_jobs_free(rae_store_job *jobs, size_t n);

#endif
