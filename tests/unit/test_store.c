/* store: users and sign-in, sessions (idle and absolute expiry), API tokens, the first-run setup
 * token (single use, also across processes), throttling, sprites per user, jobs, and what the
 * database file holds: no plain token, mode 0600, whole again after a kill -9 in the middle of
 * writes, its WAL kept while handles open and close beside a live one; the pool of handles. A
 * real SQLite in a temporary directory; time is the test's own clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rae/store.h"

/* A store call that must fail with code want (rae/err.h), as the handle's last error says. */
#define assert_fails(s, call, want)                                                                \
    do {                                                                                           \
        assert_int_equal((call), -1);                                                              \
        assert_int_equal(rae_store_err(s)->code, (want));                                          \
    } while (0)

static const char pw[] = "correct horse battery";

typedef struct fixture {
    char dir[160];
    double now;
    rae_store *s;
} fixture;

static double test_clock(void *ud) {
    return ((fixture *)ud)->now;
}

static void rm_rf(const char *path) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static rae_store *open_at(fixture *f) {
    rae_err err;
    rae_store *s = rae_store_open(f->dir, &err);
    if (!s) fail_msg("open %s: %s", f->dir, err.message);
    rae_store_set_clock(s, test_clock, f);
    return s;
}

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/rae-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->now = 1700000000;
    f->s = open_at(f);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    rae_store_close(f->s);
    rm_rf(f->dir);
    free(f);
    return 0;
}

static rae_user add_user(fixture *f, const char *name, int admin) {
    rae_user u;
    rae_err err;
    if (rae_store_user_add(f->s, name, pw, admin, &u, &err) != 0)
        fail_msg("user add %s: %s", name, err.message);
    return u;
}

static double mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The bytes of f->dir/NAME (NULL when missing); caller frees. */
static char *slurp(const fixture *f, const char *name, size_t *n) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "rb");
    *n = 0;
    if (!fp) return NULL;
    char *data = NULL;
    size_t cap = 0;
    for (;;) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            data = realloc(data, cap);
            assert_non_null(data);
        }
        size_t got = fread(data + *n, 1, cap - *n, fp);
        if (got == 0) break;
        *n += got;
    }
    fclose(fp);
    return data;
}

/* 1 when the database files (rae.db, its WAL) hold needle's bytes. */
static int db_holds(const fixture *f, const void *needle, size_t len) {
    static const char *const files[] = {"rae.db", "rae.db-wal"};
    int found = 0;
    for (size_t i = 0; i < 2; i++) {
        size_t n;
        char *data = slurp(f, files[i], &n);
        if (data && memmem(data, n, needle, len)) found = 1;
        free(data);
    }
    return found;
}

/* ---- users and sign-in ---- */

static void test_users(void **state) {
    fixture *f = *state;
    rae_err err;
    assert_int_equal(rae_store_user_count(f->s), 0);
    rae_user a = add_user(f, "alice", 1), got;
    assert_true(a.id > 0);
    assert_string_equal(a.name, "alice");
    assert_int_equal(a.admin, 1);
    assert_true(a.created == f->now);
    assert_int_equal(rae_store_user_get(f->s, "alice", &got), 0);
    assert_int_equal(got.id, a.id);
    assert_int_equal(rae_store_user_by_id(f->s, a.id, &got), 0);
    assert_string_equal(got.name, "alice");
    assert_fails(f->s, rae_store_user_get(f->s, "nobody", &got), RAE_E_NOT_FOUND);
    assert_fails(f->s, rae_store_user_get(f->s, "Alice", &got), RAE_E_NOT_FOUND);
    assert_fails(f->s, rae_store_user_by_id(f->s, 999, &got), RAE_E_NOT_FOUND);

    assert_fails(f->s, rae_store_user_add(f->s, "alice", pw, 0, NULL, &err), RAE_E_EXISTS);
    assert_string_equal(err.message, "user 'alice' exists");
    assert_fails(f->s, rae_store_user_add(f->s, "ALICE", pw, 0, NULL, &err), RAE_E_EXISTS);
    static const char *const bad[] = {"", "a b", "x/y", "é", "semi;colon", "new\nline"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_fails(f->s, rae_store_user_add(f->s, bad[i], pw, 0, NULL, &err), RAE_E_INVALID);
        assert_non_null(strstr(err.message, "bad user name"));
    }
    char long_name[80];
    memset(long_name, 'a', 65);
    long_name[65] = 0;
    assert_fails(f->s, rae_store_user_add(f->s, long_name, pw, 0, NULL, &err), RAE_E_INVALID);
    long_name[64] = 0;
    add_user(f, long_name, 0);
    assert_fails(f->s, rae_store_user_add(f->s, "bob", "short", 0, NULL, &err), RAE_E_INVALID);
    assert_non_null(strstr(err.message, "8 to 1024 bytes"));
    assert_fails(f->s, rae_store_user_add(f->s, "bob", NULL, 0, NULL, &err), RAE_E_INVALID);
    assert_int_equal(rae_store_user_add(f->s, "B.o_b-2", pw, 0, NULL, &err), 0);

    rae_user *all;
    size_t n;
    assert_int_equal(rae_store_user_list(f->s, &all, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(all[0].name, "B.o_b-2");
    assert_string_equal(all[1].name, long_name);
    assert_string_equal(all[2].name, "alice");
    assert_int_equal(all[2].admin, 1);
    assert_int_equal(all[0].admin, 0);
    free(all);
    assert_int_equal(rae_store_user_count(f->s), 3);
}

static void test_login(void **state) {
    fixture *f = *state;
    rae_user a = add_user(f, "alice", 0), u;
    assert_int_equal(rae_store_login(f->s, "alice", pw, &u), 0);
    assert_int_equal(u.id, a.id);
    assert_fails(f->s, rae_store_login(f->s, "alice", "wrong password", &u), RAE_E_DENIED);
    assert_fails(f->s, rae_store_login(f->s, "ALICE", pw, &u), RAE_E_DENIED);
    assert_fails(f->s, rae_store_login(f->s, "mallory", pw, &u), RAE_E_DENIED);
    assert_fails(f->s, rae_store_login(f->s, "bad name!", pw, &u), RAE_E_DENIED);
    assert_fails(f->s, rae_store_login(f->s, NULL, NULL, &u), RAE_E_DENIED);

    /* an unknown user costs an argon2id check too: as long as a wrong password */
    double wrong = 1e9, unknown = 1e9;
    for (int i = 0; i < 3; i++) {
        double t0 = mono();
        rae_store_login(f->s, "alice", "wrong password", NULL);
        double t1 = mono();
        rae_store_login(f->s, "mallory", "wrong password", NULL);
        double t2 = mono();
        wrong = t1 - t0 < wrong ? t1 - t0 : wrong;
        unknown = t2 - t1 < unknown ? t2 - t1 : unknown;
    }
    assert_true(unknown > 0.5 * wrong);
    assert_true(wrong > 0.01); /* argon2id was run */

    /* a hash of older, weaker limits is made anew at the next right sign-in */
    char weak[crypto_pwhash_STRBYTES], path[256], *stored;
    assert_int_equal(crypto_pwhash_str(weak, pw, strlen(pw), crypto_pwhash_OPSLIMIT_MIN,
                                       crypto_pwhash_MEMLIMIT_MIN),
                     0);
    snprintf(path, sizeof path, "%s/rae.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    stored = sqlite3_mprintf("UPDATE users SET pw_hash = %Q WHERE name = 'alice'", weak);
    assert_int_equal(sqlite3_exec(db, stored, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(stored);
    assert_int_equal(rae_store_login(f->s, "alice", pw, &u), 0);
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT pw_hash FROM users WHERE name = 'alice'", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(st, 0), "$m=65536,t=2,p=1$"));
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_int_equal(rae_store_login(f->s, "alice", pw, &u), 0);

    /* a new password: the old one stops working, and the sessions end */
    char token[RAE_STORE_TOKEN_MAX], csrf[RAE_STORE_TOKEN_MAX];
    rae_err err;
    assert_int_equal(rae_store_session_create(f->s, a.id, 3600, 86400, token, csrf, &err), 0);
    assert_int_equal(rae_store_user_set_password(f->s, "alice", "another secret", &err), 0);
    assert_fails(f->s, rae_store_session_check(f->s, token, &u, NULL), RAE_E_DENIED);
    assert_fails(f->s, rae_store_login(f->s, "alice", pw, &u), RAE_E_DENIED);
    assert_int_equal(rae_store_login(f->s, "alice", "another secret", &u), 0);
    assert_fails(f->s, rae_store_user_set_password(f->s, "nobody", "another secret", &err),
                 RAE_E_NOT_FOUND);
    assert_fails(f->s, rae_store_user_set_password(f->s, "alice", "short", &err), RAE_E_INVALID);
}

/* ---- sessions ---- */

static void test_sessions(void **state) {
    fixture *f = *state;
    rae_user a = add_user(f, "alice", 0), b = add_user(f, "bob", 0), u;
    char t1[RAE_STORE_TOKEN_MAX], c1[RAE_STORE_TOKEN_MAX], got[RAE_STORE_TOKEN_MAX];
    rae_err err;
    assert_int_equal(rae_store_session_create(f->s, a.id, 100, 1000, t1, c1, &err), 0);
    assert_int_equal(strlen(t1), 43);
    assert_int_equal(strlen(c1), 43);
    assert_string_not_equal(t1, c1);
    assert_int_equal(rae_store_session_check(f->s, t1, &u, got), 0);
    assert_int_equal(u.id, a.id);
    assert_string_equal(got, c1);

    /* idle: each use moves the end; 100 s without one ends it */
    f->now += 90;
    assert_int_equal(rae_store_session_check(f->s, t1, &u, NULL), 0);
    f->now += 90;
    assert_int_equal(rae_store_session_check(f->s, t1, &u, NULL), 0);
    f->now += 101;
    assert_fails(f->s, rae_store_session_check(f->s, t1, &u, NULL), RAE_E_DENIED);
    f->now -= 101; /* gone for good, even if the clock went back */
    assert_fails(f->s, rae_store_session_check(f->s, t1, &u, NULL), RAE_E_DENIED);

    /* absolute: used every 50 s, it still ends 1000 s after it began */
    double start = f->now;
    assert_int_equal(rae_store_session_create(f->s, b.id, 100, 1000, t1, c1, &err), 0);
    while (f->now + 50 < start + 1000) {
        f->now += 50;
        assert_int_equal(rae_store_session_check(f->s, t1, &u, NULL), 0);
        assert_int_equal(u.id, b.id);
    }
    f->now = start + 1000;
    assert_fails(f->s, rae_store_session_check(f->s, t1, &u, NULL), RAE_E_DENIED);

    /* sign out; sign out everywhere */
    char t2[RAE_STORE_TOKEN_MAX], t3[RAE_STORE_TOKEN_MAX];
    assert_int_equal(rae_store_session_create(f->s, a.id, 100, 1000, t1, c1, &err), 0);
    assert_int_equal(rae_store_session_create(f->s, a.id, 100, 1000, t2, c1, &err), 0);
    assert_int_equal(rae_store_session_create(f->s, b.id, 100, 1000, t3, c1, &err), 0);
    assert_int_equal(rae_store_session_delete(f->s, t1), 0);
    assert_fails(f->s, rae_store_session_check(f->s, t1, &u, NULL), RAE_E_DENIED);
    assert_int_equal(rae_store_session_check(f->s, t2, &u, NULL), 0);
    assert_int_equal(rae_store_session_delete(f->s, t1), 0); /* again: fine */
    assert_int_equal(rae_store_session_delete_user(f->s, a.id), 1);
    assert_fails(f->s, rae_store_session_check(f->s, t2, &u, NULL), RAE_E_DENIED);
    assert_int_equal(rae_store_session_check(f->s, t3, &u, NULL), 0);

    /* nonsense */
    assert_fails(f->s, rae_store_session_check(f->s, "", &u, NULL), RAE_E_DENIED);
    assert_fails(f->s, rae_store_session_check(f->s, NULL, &u, NULL), RAE_E_DENIED);
    assert_fails(f->s, rae_store_session_check(f->s, "x' OR 1=1 --", &u, NULL), RAE_E_DENIED);
    char other[RAE_STORE_TOKEN_MAX];
    memcpy(other, t3, sizeof other);
    other[0] = other[0] == 'A' ? 'B' : 'A';
    assert_fails(f->s, rae_store_session_check(f->s, other, &u, NULL), RAE_E_DENIED);
    assert_fails(f->s, rae_store_session_create(f->s, 999, 100, 1000, t1, c1, &err),
                 RAE_E_NOT_FOUND);
    assert_fails(f->s, rae_store_session_create(f->s, a.id, 0, 1000, t1, c1, &err), RAE_E_INVALID);
}

/* ---- API tokens ---- */

static void test_api_tokens(void **state) {
    fixture *f = *state;
    rae_user a = add_user(f, "alice", 0), b = add_user(f, "bob", 0), u;
    char t1[RAE_STORE_API_TOKEN_MAX], t2[RAE_STORE_API_TOKEN_MAX];
    rae_err err;
    long long id1, id2;
    assert_int_equal(rae_store_token_create(f->s, a.id, "laptop", t1, &id1, &err), 0);
    assert_int_equal(strlen(t1), 47);
    assert_memory_equal(t1, "rae_", 4);
    f->now += 10;
    assert_int_equal(rae_store_token_create(f->s, b.id, NULL, t2, &id2, &err), 0);
    assert_true(id2 > id1);
    assert_int_equal(rae_store_token_check(f->s, t1, &u), 0);
    assert_int_equal(u.id, a.id);
    assert_int_equal(rae_store_token_check(f->s, t2, &u), 0);
    assert_int_equal(u.id, b.id);

    rae_store_token *all;
    size_t n;
    assert_int_equal(rae_store_token_list(f->s, a.id, &all, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(all[0].id, id1);
    assert_string_equal(all[0].label, "laptop");
    assert_memory_equal(all[0].hint, t1, 8);
    assert_int_equal(strlen(all[0].hint), 8);
    assert_true(all[0].last_used == f->now);
    free(all);
    assert_int_equal(rae_store_token_list(f->s, 0, &all, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(all[0].id, id2); /* newest first */
    free(all);

    /* bob cannot revoke alice's; alice can */
    assert_fails(f->s, rae_store_token_revoke(f->s, b.id, id1), RAE_E_NOT_FOUND);
    assert_int_equal(rae_store_token_check(f->s, t1, &u), 0);
    assert_int_equal(rae_store_token_revoke(f->s, a.id, id1), 0);
    assert_fails(f->s, rae_store_token_check(f->s, t1, &u), RAE_E_DENIED);
    assert_fails(f->s, rae_store_token_revoke(f->s, a.id, id1), RAE_E_NOT_FOUND);
    assert_int_equal(rae_store_token_revoke(f->s, 0, id2), 0);
    assert_fails(f->s, rae_store_token_check(f->s, t2, &u), RAE_E_DENIED);

    /* nonsense, and a session token is not an API token */
    char st[RAE_STORE_TOKEN_MAX], cs[RAE_STORE_TOKEN_MAX];
    assert_int_equal(rae_store_session_create(f->s, a.id, 100, 1000, st, cs, &err), 0);
    assert_fails(f->s, rae_store_token_check(f->s, st, &u), RAE_E_DENIED);
    assert_fails(f->s, rae_store_token_check(f->s, "rae_", &u), RAE_E_DENIED);
    assert_fails(f->s, rae_store_token_check(f->s, "", &u), RAE_E_DENIED);
    assert_fails(f->s, rae_store_token_check(f->s, NULL, &u), RAE_E_DENIED);
    assert_fails(f->s, rae_store_token_create(f->s, 999, "x", t1, NULL, &err), RAE_E_NOT_FOUND);
    assert_fails(f->s, rae_store_token_create(f->s, a.id, "tab\there", t1, NULL, &err),
                 RAE_E_INVALID);
}

/* The database holds no session, API or setup token, in any form; its files are 0600. */
static void test_no_plain_secrets(void **state) {
    fixture *f = *state;
    char setup_tok[RAE_STORE_TOKEN_MAX];
    rae_err err;
    assert_int_equal(rae_store_setup_token(f->s, setup_tok, sizeof setup_tok, &err), 0);
    rae_user a = add_user(f, "alice", 0);
    char tok[RAE_STORE_TOKEN_MAX], csrf[RAE_STORE_TOKEN_MAX], api[RAE_STORE_API_TOKEN_MAX];
    assert_int_equal(rae_store_session_create(f->s, a.id, 100, 1000, tok, csrf, &err), 0);
    assert_int_equal(rae_store_token_create(f->s, a.id, "x", api, NULL, &err), 0);
    assert_int_equal(rae_store_session_check(f->s, tok, NULL, NULL), 0);
    assert_int_equal(rae_store_token_check(f->s, api, NULL), 0);

    for (int round = 0; round < 2; round++) { /* in the WAL, then checkpointed into the file */
        const char *secrets[] = {tok, api, api + 4, setup_tok, pw};
        for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++) {
            assert_false(db_holds(f, secrets[i], strlen(secrets[i])));
            unsigned char raw[64];
            size_t rawn;
            const char *text = secrets[i] == pw ? NULL : secrets[i];
            if (text && sodium_base642bin(raw, sizeof raw, text, strlen(text), NULL, &rawn, NULL,
                                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0)
                assert_false(db_holds(f, raw, rawn));
        }
        assert_true(db_holds(f, "alice", 5)); /* the test does see the data */
        static const char *const files[] = {"rae.db", "rae.db-wal", "rae.db-shm"};
        for (size_t i = 0; i < 3; i++) {
            char path[256];
            struct stat sb;
            snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
            if (stat(path, &sb) == 0) assert_int_equal(sb.st_mode & 0777, 0600);
        }
        rae_store_close(f->s);
        f->s = open_at(f);
    }
}

/* ---- first-run setup ---- */

static void test_setup(void **state) {
    fixture *f = *state;
    char t1[RAE_STORE_TOKEN_MAX], t2[RAE_STORE_TOKEN_MAX];
    rae_err err;
    rae_user u;
    assert_int_equal(rae_store_setup_token(f->s, t1, sizeof t1, &err), 0);
    assert_int_equal(strlen(t1), 43);
    assert_int_equal(rae_store_setup_check(f->s, t1), 0);
    assert_fails(f->s, rae_store_setup_token(f->s, t1, 10, &err), RAE_E_INVALID);

    /* a newer one replaces it */
    assert_int_equal(rae_store_setup_token(f->s, t2, sizeof t2, &err), 0);
    assert_fails(f->s, rae_store_setup_check(f->s, t1), RAE_E_DENIED);
    assert_fails(f->s, rae_store_setup_use(f->s, t1, "root", pw, &u, &err), RAE_E_DENIED);

    /* bad input keeps the token */
    assert_fails(f->s, rae_store_setup_use(f->s, t2, "no good", pw, &u, &err), RAE_E_INVALID);
    assert_fails(f->s, rae_store_setup_use(f->s, t2, "root", "short", &u, &err), RAE_E_INVALID);
    assert_fails(f->s, rae_store_setup_use(f->s, "garbage", "root", pw, &u, &err), RAE_E_DENIED);
    assert_int_equal(rae_store_setup_check(f->s, t2), 0);

    assert_int_equal(rae_store_setup_use(f->s, t2, "root", pw, &u, &err), 0);
    assert_string_equal(u.name, "root");
    assert_int_equal(u.admin, 1);
    assert_int_equal(rae_store_login(f->s, "root", pw, &u), 0);
    assert_fails(f->s, rae_store_setup_use(f->s, t2, "root2", pw, &u, &err), RAE_E_DENIED);
    assert_fails(f->s, rae_store_setup_check(f->s, t2), RAE_E_DENIED);
    assert_int_equal(rae_store_user_count(f->s), 1);
    assert_fails(f->s, rae_store_setup_token(f->s, t1, sizeof t1, &err), RAE_E_EXISTS);
}

static void test_setup_expiry(void **state) {
    fixture *f = *state;
    char t[RAE_STORE_TOKEN_MAX];
    rae_err err;
    rae_user u;
    assert_int_equal(rae_store_setup_token(f->s, t, sizeof t, &err), 0);
    f->now += RAE_STORE_SETUP_TTL - 1;
    assert_int_equal(rae_store_setup_check(f->s, t), 0);
    f->now += 2;
    assert_fails(f->s, rae_store_setup_check(f->s, t), RAE_E_DENIED);
    assert_fails(f->s, rae_store_setup_use(f->s, t, "root", pw, &u, &err), RAE_E_DENIED);

    /* users made otherwise (rae user add) void a live token */
    assert_int_equal(rae_store_setup_token(f->s, t, sizeof t, &err), 0);
    add_user(f, "alice", 1);
    assert_fails(f->s, rae_store_setup_check(f->s, t), RAE_E_DENIED);
    assert_fails(f->s, rae_store_setup_use(f->s, t, "root", pw, &u, &err), RAE_E_DENIED);
}

/* Two handles, and two processes at once: one use wins. */
static void test_setup_concurrent(void **state) {
    fixture *f = *state;
    char t[RAE_STORE_TOKEN_MAX];
    rae_err err;
    rae_user u;
    assert_int_equal(rae_store_setup_token(f->s, t, sizeof t, &err), 0);
    rae_store *other = open_at(f);
    assert_int_equal(rae_store_setup_use(other, t, "first", pw, &u, &err), 0);
    assert_fails(f->s, rae_store_setup_use(f->s, t, "second", pw, &u, &err), RAE_E_DENIED);
    rae_store_close(other);

    for (int round = 0; round < 3; round++) {
        fixture g = {.now = f->now};
        snprintf(g.dir, sizeof g.dir, "%.100s/round%d", f->dir, round);
        rae_store *s = open_at(&g);
        rae_store_set_clock(s, NULL, NULL); /* the children's: the real time */
        assert_int_equal(rae_store_setup_token(s, t, sizeof t, &err), 0);
        rae_store_close(s);
        int go[2];
        assert_int_equal(pipe(go), 0);
        pid_t kids[2];
        for (int k = 0; k < 2; k++) {
            kids[k] = fork();
            assert_true(kids[k] >= 0);
            if (kids[k] == 0) {
                close(go[1]);
                char name[16], c;
                rae_err e;
                rae_store *mine = rae_store_open(g.dir, &e);
                if (!mine || read(go[0], &c, 1) != 0) _exit(1); /* waits for the start */
                snprintf(name, sizeof name, "admin%d", k);
                int rc = rae_store_setup_use(mine, t, name, pw, NULL, &e);
                rae_store_close(mine);
                _exit(rc == 0 ? 0 : e.code == RAE_E_DENIED ? 3 : 1);
            }
        }
        close(go[0]);
        usleep(50000);
        close(go[1]); /* both start */
        int wins = 0, denied = 0;
        for (int k = 0; k < 2; k++) {
            int st;
            assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
            assert_true(WIFEXITED(st));
            wins += WEXITSTATUS(st) == 0;
            denied += WEXITSTATUS(st) == 3;
        }
        assert_int_equal(wins, 1);
        assert_int_equal(denied, 1);
        s = open_at(&g);
        assert_int_equal(rae_store_user_count(s), 1);
        rae_store_close(s);
    }
}

/* ---- throttling ---- */

static void test_throttle(void **state) {
    fixture *f = *state;
    const char *key = "user:alice";
    double start = f->now;
    for (int i = 0; i < RAE_STORE_THROTTLE_FAILURES - 1; i++) {
        assert_int_equal(rae_store_login_failed(f->s, key), 0);
        f->now += 10;
    }
    assert_int_equal(rae_store_login_blocked(f->s, key), 0);
    assert_true(rae_store_login_wait(f->s, key) == 0);
    assert_int_equal(rae_store_login_failed(f->s, key), 0);
    assert_int_equal(rae_store_login_blocked(f->s, key), 1);
    assert_true(rae_store_login_wait(f->s, key) == start + RAE_STORE_THROTTLE_WINDOW - f->now);
    assert_int_equal(rae_store_login_blocked(f->s, "ip:10.0.0.1"), 0);
    assert_int_equal(rae_store_login_blocked(f->s, "user:Alice"), 0);

    /* more failures do not make the window longer; its end frees the key */
    assert_int_equal(rae_store_login_failed(f->s, key), 0);
    f->now = start + RAE_STORE_THROTTLE_WINDOW - 1;
    assert_int_equal(rae_store_login_blocked(f->s, key), 1);
    f->now = start + RAE_STORE_THROTTLE_WINDOW;
    assert_int_equal(rae_store_login_blocked(f->s, key), 0);
    /* a failure after the window opens a new one, counting from 1 */
    assert_int_equal(rae_store_login_failed(f->s, key), 0);
    assert_int_equal(rae_store_login_blocked(f->s, key), 0);
    for (int i = 0; i < RAE_STORE_THROTTLE_FAILURES - 1; i++)
        assert_int_equal(rae_store_login_failed(f->s, key), 0);
    assert_int_equal(rae_store_login_blocked(f->s, key), 1);
    /* success clears it */
    assert_int_equal(rae_store_login_cleared(f->s, key), 0);
    assert_int_equal(rae_store_login_blocked(f->s, key), 0);
    assert_int_equal(rae_store_login_cleared(f->s, "user:nobody"), 0);

    char big[300];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_fails(f->s, rae_store_login_failed(f->s, big), RAE_E_INVALID);
    assert_fails(f->s, rae_store_login_failed(f->s, ""), RAE_E_INVALID);
    assert_true(rae_store_login_blocked(f->s, NULL) < 0); /* callers treating it as blocked */
}

/* ---- sprites ---- */

static void test_sprites(void **state) {
    fixture *f = *state;
    rae_user a = add_user(f, "alice", 0), b = add_user(f, "bob", 0);
    char names[4][RAE_STORE_SPRITE_NAME_MAX];
    rae_err err;
    long long owner = 0;
    assert_int_equal(rae_store_sprite_add(f->s, a.id, "demo", &err), 0);
    f->now += 1;
    assert_int_equal(rae_store_sprite_add(f->s, a.id, "second", &err), 0);
    assert_fails(f->s, rae_store_sprite_add(f->s, b.id, "demo", &err), RAE_E_EXISTS);
    assert_fails(f->s, rae_store_sprite_add(f->s, a.id, "demo", &err), RAE_E_EXISTS);
    assert_int_equal(rae_store_sprite_add(f->s, b.id, "bobs", &err), 0);
    assert_fails(f->s, rae_store_sprite_add(f->s, b.id, "Bad Name", &err), RAE_E_INVALID);
    assert_fails(f->s, rae_store_sprite_add(f->s, 999, "ghost", &err), RAE_E_NOT_FOUND);

    assert_int_equal(rae_store_sprite_owned(f->s, a.id, "demo"), 1);
    assert_int_equal(rae_store_sprite_owned(f->s, b.id, "demo"), 0);
    assert_int_equal(rae_store_sprite_owned(f->s, b.id, "nothing"), 0);
    assert_int_equal(rae_store_sprite_owner(f->s, "bobs", &owner), 0);
    assert_int_equal(owner, b.id);
    assert_fails(f->s, rae_store_sprite_owner(f->s, "nothing", &owner), RAE_E_NOT_FOUND);

    assert_int_equal(rae_store_sprites_of(f->s, a.id, names, 4), 2);
    assert_string_equal(names[0], "demo");
    assert_string_equal(names[1], "second");
    assert_int_equal(rae_store_sprites_of(f->s, a.id, names, 1), 1);
    assert_string_equal(names[0], "demo");
    assert_int_equal(rae_store_sprites_of(f->s, b.id, names, 4), 1);
    assert_string_equal(names[0], "bobs");
    assert_int_equal(rae_store_sprites_of(f->s, 999, names, 4), 0);

    assert_fails(f->s, rae_store_sprite_remove(f->s, b.id, "demo"), RAE_E_NOT_FOUND);
    assert_int_equal(rae_store_sprite_owned(f->s, a.id, "demo"), 1);
    assert_int_equal(rae_store_sprite_remove(f->s, a.id, "demo"), 0);
    assert_int_equal(rae_store_sprite_owned(f->s, a.id, "demo"), 0);
    assert_int_equal(rae_store_sprite_add(f->s, b.id, "demo", &err), 0);
    assert_int_equal(rae_store_sprite_owned(f->s, b.id, "demo"), 1);
}

/* ---- jobs ---- */

static void test_jobs(void **state) {
    fixture *f = *state;
    rae_user a = add_user(f, "alice", 0), b = add_user(f, "bob", 0);
    rae_store_job c, r, j, *all;
    size_t n;
    rae_err err;
    assert_int_equal(rae_store_job_add(f->s, "capture", a.id, "demo",
                                       "{\"url\": \"https://example.com/\", \"har_path\": "
                                       "\"har/a.har\"}",
                                       &c, &err),
                     0);
    assert_int_equal(strlen(c.id), 10);
    assert_memory_equal(c.id, "c_", 2);
    assert_string_equal(c.kind, "capture");
    assert_string_equal(c.status, "running");
    assert_string_equal(c.sprite, "demo");
    assert_true(c.started == f->now && c.ended == 0);
    assert_null(c.error);
    assert_string_equal(c.detail, "{\"url\":\"https://example.com/\",\"har_path\":\"har/a.har\"}");
    f->now += 5;
    assert_int_equal(rae_store_job_add(f->s, "run", a.id, "demo", NULL, &r, &err), 0);
    assert_memory_equal(r.id, "r_", 2);
    assert_string_equal(r.detail, "{}");
    assert_int_equal(rae_store_job_add(f->s, "run", a.id, "other", NULL, NULL, &err),
                     0); /* same time as r: the later one is newer */
    assert_int_equal(rae_store_job_add(f->s, "capture", b.id, "bobs", NULL, NULL, &err), 0);

    assert_int_equal(rae_store_job_list(f->s, a.id, NULL, NULL, 0, &all, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(all[0].sprite, "other");
    assert_string_equal(all[1].id, r.id);
    assert_string_equal(all[2].id, c.id);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i].user_id, a.id);
    rae_store_jobs_free(all, n);
    assert_int_equal(rae_store_job_list(f->s, a.id, "demo", "capture", 0, &all, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(all[0].id, c.id);
    rae_store_jobs_free(all, n);
    assert_int_equal(rae_store_job_list(f->s, a.id, NULL, NULL, 2, &all, &n), 0);
    assert_int_equal(n, 2);
    rae_store_jobs_free(all, n);
    assert_int_equal(rae_store_job_list(f->s, 0, NULL, NULL, 0, &all, &n), 0);
    assert_int_equal(n, 4);
    rae_store_jobs_free(all, n);

    /* updates: status ends it once; detail merged; error set and cleared */
    f->now += 7;
    assert_int_equal(rae_store_job_update(f->s, c.id, "complete", NULL,
                                          "{\"entries\": 42, \"url\": null}", &err),
                     0);
    assert_int_equal(rae_store_job_get(f->s, a.id, c.id, &j), 0);
    assert_string_equal(j.status, "complete");
    assert_true(j.ended == f->now);
    assert_string_equal(j.detail, "{\"har_path\":\"har/a.har\",\"entries\":42}");
    rae_store_job_clear(&j);
    f->now += 1;
    assert_int_equal(rae_store_job_update(f->s, c.id, "error", "it broke", NULL, &err), 0);
    assert_int_equal(rae_store_job_get(f->s, 0, c.id, &j), 0);
    assert_true(j.ended == f->now - 1);
    assert_string_equal(j.error, "it broke");
    rae_store_job_clear(&j);
    assert_int_equal(rae_store_job_update(f->s, c.id, NULL, "", NULL, &err), 0);
    assert_int_equal(rae_store_job_get(f->s, a.id, c.id, &j), 0);
    assert_null(j.error);
    assert_string_equal(j.status, "error");
    rae_store_job_clear(&j);

    /* another's job is not found; bad input */
    assert_fails(f->s, rae_store_job_get(f->s, b.id, c.id, &j), RAE_E_NOT_FOUND);
    assert_fails(f->s, rae_store_job_update(f->s, "r_nothing", "complete", NULL, NULL, &err),
                 RAE_E_NOT_FOUND);
    assert_fails(f->s, rae_store_job_update(f->s, c.id, "Bad Status", NULL, NULL, &err),
                 RAE_E_INVALID);
    assert_fails(f->s, rae_store_job_update(f->s, c.id, NULL, NULL, "[1]", &err), RAE_E_INVALID);
    assert_fails(f->s, rae_store_job_add(f->s, "run", a.id, "demo", "{oops", NULL, &err),
                 RAE_E_INVALID);
    assert_non_null(strstr(err.message, "line 1"));
    assert_fails(f->s, rae_store_job_add(f->s, "Run!", a.id, "demo", NULL, NULL, &err),
                 RAE_E_INVALID);
    assert_fails(f->s, rae_store_job_add(f->s, "run", a.id, "Demo", NULL, NULL, &err),
                 RAE_E_INVALID);
    assert_fails(f->s, rae_store_job_add(f->s, "run", 999, "demo", NULL, NULL, &err),
                 RAE_E_NOT_FOUND);

    /* a restarted server: what was running is interrupted */
    assert_int_equal(rae_store_jobs_interrupted(f->s, NULL), 3);
    assert_int_equal(rae_store_job_get(f->s, a.id, r.id, &j), 0);
    assert_string_equal(j.status, "error");
    assert_string_equal(j.error, "interrupted: the server stopped");
    assert_true(j.ended == f->now);
    rae_store_job_clear(&j);
    assert_int_equal(rae_store_jobs_interrupted(f->s, NULL), 0);
    rae_store_job_clear(&c);
    rae_store_job_clear(&r);
}

/* ---- the file ---- */

static void test_reopen(void **state) {
    fixture *f = *state;
    rae_user a = add_user(f, "alice", 1), u;
    char tok[RAE_STORE_TOKEN_MAX], csrf[RAE_STORE_TOKEN_MAX], got[RAE_STORE_TOKEN_MAX];
    char api[RAE_STORE_API_TOKEN_MAX], names[2][RAE_STORE_SPRITE_NAME_MAX];
    rae_err err;
    rae_store_job j;
    assert_int_equal(rae_store_session_create(f->s, a.id, 100, 1000, tok, csrf, &err), 0);
    assert_int_equal(rae_store_token_create(f->s, a.id, "ci", api, NULL, &err), 0);
    assert_int_equal(rae_store_sprite_add(f->s, a.id, "demo", &err), 0);
    assert_int_equal(rae_store_job_add(f->s, "run", a.id, "demo", "{\"prompt\":\"x\"}", &j, &err),
                     0);
    for (int i = 0; i < RAE_STORE_THROTTLE_FAILURES; i++)
        assert_int_equal(rae_store_login_failed(f->s, "ip:1.2.3.4"), 0);
    rae_store_close(f->s);
    f->s = open_at(f);

    assert_int_equal(rae_store_login(f->s, "alice", pw, &u), 0);
    assert_int_equal(u.admin, 1);
    assert_int_equal(rae_store_session_check(f->s, tok, &u, got), 0);
    assert_string_equal(got, csrf);
    assert_int_equal(rae_store_token_check(f->s, api, &u), 0);
    assert_int_equal(rae_store_sprites_of(f->s, a.id, names, 2), 1);
    assert_int_equal(rae_store_login_blocked(f->s, "ip:1.2.3.4"), 1);
    rae_store_job k;
    assert_int_equal(rae_store_job_get(f->s, a.id, j.id, &k), 0);
    assert_string_equal(k.detail, "{\"prompt\":\"x\"}");
    rae_store_job_clear(&k);
    rae_store_job_clear(&j);
    assert_int_equal(rae_store_integrity_check(f->s, &err), 0);
}

static int schema_version(const char *dir) {
    char path[256];
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/rae.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void test_schema_and_errors(void **state) {
    fixture *f = *state;
    char path[256];
    rae_err err;
    assert_int_equal(schema_version(f->dir), 3);
    rae_store_close(f->s);
    f->s = NULL;

    /* a database that others could read is made 0600 again */
    struct stat sb;
    snprintf(path, sizeof path, "%s/rae.db", f->dir);
    assert_int_equal(chmod(path, 0644), 0);
    char shm[300]; /* and a -shm left by a crash (SQLite itself fixes only empty ones) */
    snprintf(shm, sizeof shm, "%s-shm", path);
    FILE *left = fopen(shm, "w");
    assert_non_null(left);
    fputs("left over", left);
    fclose(left);
    assert_int_equal(chmod(shm, 0644), 0);
    f->s = open_at(f);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(shm, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    rae_store_close(f->s);
    f->s = NULL;

    /* a database of a newer rae is refused, not damaged */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_null(rae_store_open(f->dir, &err));
    assert_non_null(strstr(err.message, "newer rae"));
    assert_int_equal(schema_version(f->dir), 99);

    /* not a database; a data dir that is a file */
    char other[200];
    snprintf(other, sizeof other, "%.100s/junk", f->dir);
    assert_int_equal(mkdir(other, 0700), 0);
    snprintf(path, sizeof path, "%.200s/rae.db", other);
    FILE *fp = fopen(path, "w");
    fputs("this is not a database, but it is long enough to have a header page of a kind\n", fp);
    fclose(fp);
    assert_null(rae_store_open(other, &err));
    assert_non_null(strstr(err.message, "not a database"));
    assert_null(rae_store_open(path, &err));
    assert_non_null(strstr(err.message, "data dir"));

    /* a symlink in place of the file is refused */
    snprintf(other, sizeof other, "%.100s/link", f->dir);
    assert_int_equal(mkdir(other, 0700), 0);
    snprintf(path, sizeof path, "%.200s/rae.db", other);
    assert_int_equal(symlink("/tmp/rae-store-elsewhere.db", path), 0);
    assert_null(rae_store_open(other, &err));
    assert_non_null(strstr(err.message, "symbolic link"));
    assert_int_equal(access("/tmp/rae-store-elsewhere.db", F_OK), -1);

    /* a new nested data dir is made */
    snprintf(other, sizeof other, "%.100s/a/b/c", f->dir);
    f->s = rae_store_open(other, &err);
    assert_non_null(f->s);
    assert_int_equal(stat(other, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    /* its rae.db is 0600 (made so before it had that name), and nothing else was left there */
    snprintf(path, sizeof path, "%.200s/rae.db", other);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    DIR *d = opendir(other);
    assert_non_null(d);
    for (struct dirent *de; (de = readdir(d));)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "rae.db") &&
            strcmp(de->d_name, "rae.db-wal") && strcmp(de->d_name, "rae.db-shm"))
            fail_msg("%s: left in a new data dir", de->d_name);
    closedir(d);
}

/* A handle opened and closed beside a live one in this process (a server's worker), then one in
 * another process (a CLI), leave the live handle's WAL and -shm in place, and every write is kept.
 * Closing any descriptor of rae.db drops every POSIX lock the process holds on it: a store that
 * opened the file itself lost the live handle's locks, and the CLI's handle, closing, took itself
 * for the last one and deleted the WAL under the server. */
static void test_wal_kept(void **state) {
    fixture *f = *state;
    rae_store_close(f->s); /* the CLI is forked before this process has SQLite state */
    int go[2], done[2];
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(done), 0);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        char c, tok[RAE_STORE_API_TOKEN_MAX];
        rae_err e;
        if (read(go[0], &c, 1) != 1) _exit(1);
        rae_store *s = rae_store_open(f->dir, &e);
        rae_user u;
        int ok = s && rae_store_user_get(s, "alice", &u) == 0 &&
                 rae_store_token_create(s, u.id, "cli", tok, NULL, &e) == 0;
        rae_store_close(s);
        _exit(ok && write(done[1], "x", 1) == 1 ? 0 : 2);
    }
    f->s = open_at(f);
    rae_user a = add_user(f, "alice", 0);
    rae_store_close(open_at(f)); /* a worker's handle, opened and closed */
    char c, path[256], tok[RAE_STORE_API_TOKEN_MAX];
    rae_err err;
    assert_int_equal(write(go[1], "x", 1), 1);
    assert_int_equal(read(done[0], &c, 1), 1);
    int st;
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(go[0]), close(go[1]), close(done[0]), close(done[1]);
    static const char *const files[] = {"rae.db-wal", "rae.db-shm"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
        if (access(path, F_OK) < 0) fail_msg("%s: gone while a handle has it open", files[i]);
    }
    /* the live handle sees the CLI's token, and its own write after is kept too */
    rae_store_token *toks;
    size_t n;
    assert_int_equal(rae_store_token_list(f->s, a.id, &toks, &n), 0);
    assert_int_equal(n, 1);
    free(toks);
    assert_int_equal(rae_store_token_create(f->s, a.id, "after", tok, NULL, &err), 0);
    rae_store_close(f->s);
    f->s = open_at(f);
    assert_int_equal(rae_store_token_list(f->s, a.id, &toks, &n), 0);
    assert_int_equal(n, 2);
    free(toks);
    assert_int_equal(rae_store_integrity_check(f->s, &err), 0);
}

typedef struct taker {
    rae_store_pool *pool;
    rae_store *got;
} taker;

static void *take_one(void *arg) {
    taker *t = arg;
    __atomic_store_n(&t->got, rae_store_pool_take(t->pool), __ATOMIC_RELEASE);
    return NULL;
}

/* A pool opens its handles at once and lends each to one thread at a time: a take waits while
 * every handle is out, and gets the one given back. */
static void test_pool(void **state) {
    fixture *f = *state;
    rae_err err;
    assert_null(rae_store_pool_open(f->dir, 0, &err));
    assert_non_null(strstr(err.message, "handles"));
    rae_store_pool *p = rae_store_pool_open(f->dir, 2, &err);
    if (!p) fail_msg("pool: %s", err.message);
    rae_store *a = rae_store_pool_take(p), *b = rae_store_pool_take(p);
    assert_non_null(a);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_int_equal(rae_store_user_add(a, "alice", pw, 0, NULL, &err), 0);
    assert_int_equal(rae_store_user_count(b), 1); /* one database */
    taker t = {.pool = p};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, take_one, &t), 0);
    usleep(50000);
    assert_null(__atomic_load_n(&t.got, __ATOMIC_ACQUIRE)); /* it waits: both are out */
    rae_store_pool_give(p, b);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_ptr_equal(t.got, b);
    assert_int_equal(rae_store_user_count(t.got), 1);
    rae_store_pool_give(p, t.got);
    rae_store_pool_give(p, a);
    rae_store_pool_close(p);
    rae_store_pool_close(NULL);
}

/* A child writing as fast as it can, killed with SIGKILL at a random moment, again and again:
 * the database opens every time, passes integrity_check, and keeps every committed write. */
static void test_kill9(void **state) {
    fixture *f = *state;
    rae_user a = add_user(f, "alice", 0);
    rae_store_close(f->s);
    f->s = NULL;
    size_t before = 0;
    for (int round = 0; round < 6; round++) {
        int ready[2];
        assert_int_equal(pipe(ready), 0);
        pid_t kid = fork();
        assert_true(kid >= 0);
        if (kid == 0) {
            close(ready[0]);
            char key[32], tok[RAE_STORE_TOKEN_MAX], cs[RAE_STORE_TOKEN_MAX];
            rae_err e;
            rae_store *s = rae_store_open(f->dir, &e);
            if (!s) _exit(1);
            for (int i = 0;; i++) {
                snprintf(key, sizeof key, "ip:%d", i % 50);
                if (rae_store_job_add(s, "run", a.id, "demo", "{\"n\":1}", NULL, &e) < 0 ||
                    rae_store_login_failed(s, key) < 0 ||
                    rae_store_session_create(s, a.id, 1e6, 1e6, tok, cs, &e) < 0 ||
                    rae_store_job_update(s, "r_none", "complete", NULL, NULL, &e) != -1 ||
                    e.code != RAE_E_NOT_FOUND)
                    _exit(2);
                if (i == 20 && write(ready[1], "x", 1) != 1) _exit(3);
            }
        }
        close(ready[1]);
        char c;
        assert_int_equal(read(ready[0], &c, 1), 1);
        close(ready[0]);
        usleep(1000 + randombytes_uniform(30000));
        assert_int_equal(kill(kid, SIGKILL), 0);
        int st;
        assert_int_equal(waitpid(kid, &st, 0), kid);
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

        rae_err err;
        rae_store *s = rae_store_open(f->dir, &err);
        if (!s) fail_msg("round %d: %s", round, err.message);
        assert_int_equal(rae_store_integrity_check(s, &err), 0);
        rae_store_job *all;
        size_t n;
        assert_int_equal(rae_store_job_list(s, a.id, NULL, NULL, 0, &all, &n), 0);
        assert_true(n >= before + 21);
        before = n;
        rae_store_jobs_free(all, n);
        rae_user u;
        assert_int_equal(rae_store_login(s, "alice", pw, &u), 0);
        rae_store_close(s);
    }
    f->s = open_at(f);
}

/* What the AI engineer's answers cost: per answer, summed by user and time; a monthly budget. */
static void test_usage_and_budget(void **state) {
    fixture *f = *state;
    rae_user a = add_user(f, "alice", 0), b = add_user(f, "bob", 0);
    rae_err err;
    f->now = 1764547200; /* 2025-12-01 00:00 UTC */
    rae_usage one = {1000, 200, 5000, 100, 0.0123, 0, 0}, unpriced = {10, 20, 0, 0, -1, 0, 0};
    assert_int_equal(rae_store_usage_add(f->s, a.id, "run1", "claude-x", &one, &err), 0);
    f->now += 3600;
    assert_int_equal(rae_store_usage_add(f->s, a.id, "run1", "local", &unpriced, &err), 0);
    assert_int_equal(rae_store_usage_add(f->s, b.id, "run2", "claude-x", &one, &err), 0);
    rae_usage sum;
    assert_int_equal(rae_store_usage_sum(f->s, a.id, 0, f->now + 1, &sum), 0);
    assert_int_equal(sum.input_tokens, 1010);
    assert_int_equal(sum.output_tokens, 220);
    assert_int_equal(sum.cache_read_tokens, 5000);
    assert_int_equal(sum.answers, 2);
    assert_int_equal(sum.unpriced, 1);
    assert_true(sum.cost_usd > 0.0122 && sum.cost_usd < 0.0124);
    assert_int_equal(rae_store_usage_sum(f->s, -1, 0, f->now + 1, &sum), 0);
    assert_int_equal(sum.answers, 3);
    assert_int_equal(rae_store_usage_sum(f->s, a.id, f->now + 1, f->now + 2, &sum), 0);
    assert_int_equal(sum.answers, 0);
    /* a budget: none, then $0.02 (spent $0.0123: room), then $0.01 (used up) */
    double budget, spent;
    assert_int_equal(rae_store_budget_get(f->s, a.id, &budget, &spent), 0);
    assert_true(budget < 0);
    assert_int_equal(rae_store_budget_check(f->s, a.id, &err), 0);
    assert_int_equal(rae_store_budget_set(f->s, "alice", 0.02, &err), 0);
    assert_int_equal(rae_store_budget_check(f->s, a.id, &err), 0);
    assert_int_equal(rae_store_budget_set(f->s, "alice", 0.01, &err), 0);
    assert_fails(f->s, rae_store_budget_check(f->s, a.id, &err), RAE_E_DENIED);
    assert_non_null(strstr(err.message, "budget of $0.01 is spent"));
    assert_fails(f->s, rae_store_budget_set(f->s, "nobody", 1, &err), RAE_E_NOT_FOUND);
    /* a new month starts afresh; no budget again */
    f->now = 1767225600; /* 2026-01-01 */
    assert_int_equal(rae_store_budget_check(f->s, a.id, &err), 0);
    assert_int_equal(rae_store_budget_get(f->s, a.id, &budget, &spent), 0);
    assert_true(spent == 0 && budget > 0.0099 && budget < 0.0101);
    assert_int_equal(rae_store_budget_set(f->s, "alice", -1, &err), 0);
    assert_int_equal(rae_store_budget_get(f->s, a.id, &budget, &spent), 0);
    assert_true(budget < 0);
}

/* A user's own key: kept as the caller sealed it, replaced, removed; a run's usage summed. */
static void test_llm_key(void **state) {
    fixture *f = *state;
    rae_user a = add_user(f, "alice", 0);
    char provider[32];
    rae_err err;
    unsigned char *sealed;
    size_t n;
    double added;
    assert_fails(f->s,
                 rae_store_llm_key_get(f->s, a.id, provider, sizeof provider, &sealed, &n, &added),
                 RAE_E_NOT_FOUND);
    assert_null(sealed);
    const unsigned char blob[] = {0, 1, 2, 0xff, 0};
    assert_int_equal(rae_store_llm_key_set(f->s, a.id, "openai", blob, sizeof blob, &err), 0);
    assert_int_equal(
        rae_store_llm_key_get(f->s, a.id, provider, sizeof provider, &sealed, &n, &added), 0);
    assert_int_equal(n, sizeof blob);
    assert_memory_equal(sealed, blob, sizeof blob);
    assert_string_equal(provider, "openai");
    assert_true(added > 0);
    free(sealed);
    assert_int_equal(rae_store_llm_key_set(f->s, a.id, NULL, NULL, 0, &err), 0);
    assert_fails(f->s,
                 rae_store_llm_key_get(f->s, a.id, provider, sizeof provider, &sealed, &n, &added),
                 RAE_E_NOT_FOUND);
    assert_fails(f->s, rae_store_llm_key_set(f->s, 999, "openai", blob, 1, &err), RAE_E_NOT_FOUND);
    rae_usage u = {10, 20, 3, 4, 0.5, 1, 0}, sum;
    assert_int_equal(rae_store_usage_add(f->s, a.id, "r1", "m", &u, &err), 0);
    assert_int_equal(rae_store_usage_add(f->s, a.id, "r1", "m", &u, &err), 0);
    assert_int_equal(rae_store_usage_add(f->s, a.id, "r2", "m", &u, &err), 0);
    assert_int_equal(rae_store_usage_of_run(f->s, a.id, "r1", &sum), 0);
    assert_true(sum.input_tokens == 20 && sum.output_tokens == 40 && sum.answers == 2);
    assert_int_equal(rae_store_usage_of_run(f->s, a.id + 1, "r1", &sum), 0);
    assert_true(sum.answers == 0);
}

/* A store of the first schema (no usage) is brought to the last, its users kept. */
static void test_migrate_from_1(void **state) {
    fixture *f = *state;
    add_user(f, "alice", 0);
    rae_store_close(f->s);
    char path[256];
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/rae.db", f->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE llm_usage; ALTER TABLE users DROP COLUMN budget_usd;"
                                  "ALTER TABLE users DROP COLUMN llm_key;"
                                  "ALTER TABLE users DROP COLUMN llm_provider;"
                                  "ALTER TABLE users DROP COLUMN llm_key_added;"
                                  "PRAGMA user_version = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    f->s = open_at(f);
    assert_int_equal(schema_version(f->dir), 3);
    rae_user u;
    assert_int_equal(rae_store_user_get(f->s, "alice", &u), 0);
    rae_err err;
    assert_int_equal(rae_store_budget_set(f->s, "alice", 5, &err), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_llm_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_plain_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sprites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_and_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
