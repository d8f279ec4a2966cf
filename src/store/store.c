/* store: opening DATA_DIR/rae.db, the schema and its migrations, and the helpers of every part. */
#include "store/internal.h"
#include "rae/err.h"
#include "util/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The schema, one entry per version: migrations[i] takes user_version i to i + 1. Append only;
 * never edit an entry once released. */
static const char *const migrations[] = {
    /* 1: the first schema */
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  pw_hash TEXT NOT NULL,"
    "  admin INTEGER NOT NULL DEFAULT 0,"
    "  created REAL NOT NULL);"
    "CREATE UNIQUE INDEX users_name_nocase ON users(name COLLATE NOCASE);"
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  token_hash BLOB NOT NULL UNIQUE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  csrf TEXT NOT NULL,"
    "  created REAL NOT NULL,"
    "  last_seen REAL NOT NULL,"
    "  idle_ttl REAL NOT NULL,"
    "  expires REAL NOT NULL);"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE TABLE api_tokens ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  token_hash BLOB NOT NULL UNIQUE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  label TEXT NOT NULL,"
    "  hint TEXT NOT NULL,"
    "  created REAL NOT NULL,"
    "  last_used REAL NOT NULL DEFAULT 0);"
    "CREATE INDEX api_tokens_user ON api_tokens(user_id);"
    "CREATE TABLE setup_tokens ("
    "  token_hash BLOB PRIMARY KEY,"
    "  created REAL NOT NULL,"
    "  expires REAL NOT NULL);"
    "CREATE TABLE login_failures ("
    "  key TEXT PRIMARY KEY,"
    "  window_start REAL NOT NULL,"
    "  failures INTEGER NOT NULL);"
    "CREATE INDEX login_failures_window ON login_failures(window_start);"
    "CREATE TABLE sprites ("
    "  name TEXT PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  created REAL NOT NULL);"
    "CREATE INDEX sprites_user ON sprites(user_id);"
    "CREATE TABLE jobs ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  id TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  sprite_name TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  started REAL NOT NULL,"
    "  ended REAL NOT NULL DEFAULT 0,"
    "  error TEXT,"
    "  detail TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX jobs_user ON jobs(user_id, started DESC, seq DESC);",
    /* 2: what the AI engineer's answers cost, and a monthly budget per user (NULL: none) */
    "ALTER TABLE users ADD COLUMN budget_usd REAL;"
    "CREATE TABLE llm_usage ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  run TEXT NOT NULL,"
    "  model TEXT NOT NULL,"
    "  at REAL NOT NULL,"
    "  input_tokens INTEGER NOT NULL,"
    "  output_tokens INTEGER NOT NULL,"
    "  cache_read_tokens INTEGER NOT NULL,"
    "  cache_write_tokens INTEGER NOT NULL,"
    "  cost_usd REAL);"
    "CREATE INDEX llm_usage_user ON llm_usage(user_id, at);",
    /* 3: a user's own key for a model provider, sealed by rae serve (NULL: none) */
    "ALTER TABLE users ADD COLUMN llm_key BLOB;"
    "ALTER TABLE users ADD COLUMN llm_provider TEXT;"
    "ALTER TABLE users ADD COLUMN llm_key_added REAL;"
    "CREATE INDEX llm_usage_run ON llm_usage(run);",
};
enum { SCHEMA_VERSION = sizeof migrations / sizeof *migrations };

/* ---- helpers ---- */

int store_fail(rae_store *s, rae_err *err, rae_errc code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    rae_err_vset(&s->last, code, fmt, ap);
    va_end(ap);
    return store_err_copy(s, err);
}

int store_err_copy(rae_store *s, rae_err *err) {
    return rae_err_copy(err, &s->last);
}

int store_dberr(rae_store *s, rae_err *err, const char *what) {
    return store_fail(s, err, RAE_E_FAIL, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

sqlite3_stmt *store_sql(rae_store *s, const char *sql) {
    for (int i = 0; i < s->n_cache; i++)
        if (s->cache[i].sql == sql) return s->cache[i].st;
    sqlite3_stmt *st = NULL;
    if (s->n_cache == STORE_MAX_STMTS) {
        store_fail(s, NULL, RAE_E_FAIL, "store: more than %d statements", STORE_MAX_STMTS);
        return NULL;
    }
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        store_dberr(s, NULL, "prepare");
        sqlite3_finalize(st);
        return NULL;
    }
    s->cache[s->n_cache].sql = sql;
    s->cache[s->n_cache++].st = st;
    return st;
}

void store_done(sqlite3_stmt *st) {
    if (!st) return;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

int store_exec(rae_store *s, sqlite3_stmt *st, rae_err *err, const char *what) {
    int rc = sqlite3_step(st);
    store_done(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return 0;
    return store_dberr(s, err, what);
}

int store_begin(rae_store *s, rae_err *err) {
    sqlite3_stmt *st = store_sql(s, "BEGIN IMMEDIATE");
    if (!st) return store_err_copy(s, err);
    return store_exec(s, st, err, "begin");
}

int store_commit(rae_store *s, rae_err *err) {
    sqlite3_stmt *st = store_sql(s, "COMMIT");
    int rc = st ? store_exec(s, st, err, "commit") : store_err_copy(s, err);
    if (rc < 0) store_rollback(s);
    return rc;
}

void store_rollback(rae_store *s) {
    if (sqlite3_get_autocommit(s->db)) return; /* nothing open (SQLite may have rolled back) */
    sqlite3_stmt *st = store_sql(s, "ROLLBACK");
    if (st) {
        sqlite3_step(st);
        store_done(st);
    }
}

static double real_now(void *ud) {
    (void)ud;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double store_now(rae_store *s) {
    return s->clock(s->clock_ud);
}

void store_random_token(char out[RAE_STORE_TOKEN_MAX]) {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, RAE_STORE_TOKEN_MAX, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

int store_token_shape(const char *t, size_t n) {
    if (!t || strlen(t) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

void store_hash(const char *token, unsigned char out[STORE_HASH_LEN]) {
    crypto_generichash(out, STORE_HASH_LEN, (const unsigned char *)token, strlen(token), NULL, 0);
}

int store_col_hash_is(sqlite3_stmt *st, int col, const unsigned char *hash) {
    return sqlite3_column_bytes(st, col) == STORE_HASH_LEN &&
           sodium_memcmp(sqlite3_column_blob(st, col), hash, STORE_HASH_LEN) == 0;
}

void store_col_text(sqlite3_stmt *st, int col, char *out, size_t n) {
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, n, "%s", t ? (const char *)t : "");
}

void store_col_user(sqlite3_stmt *st, int col, rae_user *out) {
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, col);
    store_col_text(st, col + 1, out->name, sizeof out->name);
    out->admin = sqlite3_column_int(st, col + 2) != 0;
    out->created = sqlite3_column_double(st, col + 3);
}

/* ---- open ---- */

/* Makes rae.db exist, mode 0600, without ever opening it. A process that closes any descriptor
 * of a file loses every POSIX lock it holds on the file, its SQLite connections' locks included
 * (sqlite.org/howtocorrupt.html, 2.2). An open()/close() of rae.db here, while another handle of
 * the process was open (the server's, as a worker thread opened one), dropped that handle's
 * locks; the next connection to close, a CLI's, took itself for the last one and deleted the WAL
 * and -shm under the server. So rae.db is only ever opened by SQLite:
 * - a missing one is made under a temporary name by mkstemp (O_EXCL, 0600 from the start: never
 *   readable by others who may traverse the data dir), closed while no connection can have it,
 *   then hard-linked to rae.db (link() never replaces one that another handle made meanwhile);
 * - an existing one of ours with group/other bits is made 0600 by path (chmod takes no
 *   descriptor), and so are a -wal or -shm left behind (SQLite gives new ones the database's
 *   mode, and fixes only empty ones);
 * - a symlink is refused. */
static int make_db_file(rae_store *s, rae_err *err) {
    char tmp[sizeof s->path + 16];
    snprintf(tmp, sizeof tmp, "%s.new-XXXXXX", s->path);
    struct stat sb;
    if (lstat(s->path, &sb) < 0 && errno == ENOENT) {
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
            return store_fail(s, err, RAE_E_FAIL, "%s: creating it: %s", s->path, strerror(errno));
        close(fd);
        int rc = link(tmp, s->path) < 0 && errno != EEXIST ? errno : 0;
        unlink(tmp);
        if (rc) return store_fail(s, err, RAE_E_FAIL, "%s: %s", s->path, strerror(rc));
    }
    if (lstat(s->path, &sb) < 0)
        return store_fail(s, err, RAE_E_FAIL, "%s: %s", s->path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return store_fail(s, err, RAE_E_FAIL, "%s: %s, refused", s->path,
                          S_ISLNK(sb.st_mode) ? "a symbolic link" : "not a regular file");
    static const char *const files[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(tmp, sizeof tmp, "%s%s", s->path, files[i]);
        if (lstat(tmp, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid() &&
            (sb.st_mode & 077))
            chmod(tmp, 0600);
    }
    return 0;
}

/* Runs sql (one or more statements, no input); what names it in an error. */
static int run_sql(rae_store *s, const char *sql, const char *what, rae_err *err) {
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    store_fail(s, err, RAE_E_FAIL, "%s: %s: %s", s->path, what, msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return -1;
}

static int user_version(rae_store *s, int *v, rae_err *err) {
    sqlite3_stmt *st = store_sql(s, "PRAGMA user_version");
    if (!st) return store_err_copy(s, err);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *v = sqlite3_column_int(st, 0);
    store_done(st);
    return rc == SQLITE_ROW ? 0 : store_dberr(s, err, "reading the schema version");
}

/* Takes the schema from its version to SCHEMA_VERSION, in one transaction: a second process
 * opening at the same time waits and then finds it done. */
static int migrate(rae_store *s, rae_err *err) {
    int v = 0;
    if (store_begin(s, err) < 0 || user_version(s, &v, err) < 0) {
        store_rollback(s);
        return -1;
    }
    if (v > SCHEMA_VERSION) {
        store_rollback(s);
        return store_fail(s, err, RAE_E_FAIL,
                          "%s: schema version %d is from a newer rae (this one knows up to %d)",
                          s->path, v, (int)SCHEMA_VERSION);
    }
    for (; v < SCHEMA_VERSION; v++) {
        char set[64], what[64];
        snprintf(set, sizeof set, "PRAGMA user_version = %d", v + 1);
        snprintf(what, sizeof what, "migrating the schema to version %d", v + 1);
        if (run_sql(s, migrations[v], what, err) < 0 || run_sql(s, set, what, err) < 0) {
            store_rollback(s);
            return -1;
        }
    }
    return store_commit(s, err);
}

rae_store *rae_store_open(const char *data_dir, rae_err *err) {
    if (sodium_init() < 0) {
        rae_err_fail(err, "store: libsodium cannot start");
        return NULL;
    }
    rae_store *s = calloc(1, sizeof *s);
    if (!s) {
        rae_err_fail(err, "store: out of memory");
        return NULL;
    }
    s->clock = real_now;
    const char *dir = data_dir && *data_dir ? data_dir : "./data";
    if (snprintf(s->path, sizeof s->path, "%s/rae.db", dir) >= (int)sizeof s->path) {
        store_fail(s, err, RAE_E_FAIL, "data dir %s: too long a path", dir);
        goto fail;
    }
    if (fs_mkdirs(dir, 0700, 0700) < 0) {
        store_fail(s, err, RAE_E_FAIL, "data dir %s: %s", dir, strerror(errno));
        goto fail;
    }
    if (make_db_file(s, err) < 0) goto fail;
    if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        store_fail(s, err, RAE_E_FAIL, "%s: %s", s->path,
                   s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    /* WAL: readers do not wait for the writer; FULL: a commit is on disk before it returns. */
    if (run_sql(s, "PRAGMA journal_mode = WAL", "journal_mode", err) < 0 ||
        run_sql(s, "PRAGMA synchronous = FULL", "synchronous", err) < 0 ||
        run_sql(s, "PRAGMA foreign_keys = ON", "foreign_keys", err) < 0 ||
        run_sql(s, "PRAGMA trusted_schema = OFF", "trusted_schema", err) < 0 || migrate(s, err) < 0)
        goto fail;
    return s;
fail:
    rae_store_close(s);
    return NULL;
}

void rae_store_close(rae_store *s) {
    if (!s) return;
    for (int i = 0; i < s->n_cache; i++)
        sqlite3_finalize(s->cache[i].st);
    if (s->db) sqlite3_close(s->db);
    free(s);
}

const rae_err *rae_store_err(const rae_store *s) {
    return &s->last;
}

void rae_store_set_clock(rae_store *s, rae_store_clock_fn now, void *ud) {
    s->clock = now ? now : real_now;
    s->clock_ud = now ? ud : NULL;
}

int rae_store_integrity_check(rae_store *s, rae_err *err) {
    sqlite3_stmt *st = store_sql(s, "PRAGMA integrity_check(1)");
    if (!st) return store_err_copy(s, err);
    int rc = sqlite3_step(st);
    char first[256] = "";
    if (rc == SQLITE_ROW) store_col_text(st, 0, first, sizeof first);
    store_done(st);
    if (rc != SQLITE_ROW) return store_dberr(s, err, "integrity check");
    if (strcmp(first, "ok") != 0)
        return store_fail(s, err, RAE_E_FAIL, "%s: damaged: %s", s->path, first);
    return 0;
}

int store_password_hash(rae_store *s, const char *password, char *out, rae_err *err) {
    size_t n = password ? strlen(password) : 0;
    if (n < RAE_STORE_PASSWORD_MIN || n > RAE_STORE_PASSWORD_MAX)
        return store_fail(s, err, RAE_E_INVALID, "a password has %d to %d bytes, not %zu",
                          RAE_STORE_PASSWORD_MIN, RAE_STORE_PASSWORD_MAX, n);
    if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return store_fail(s, err, RAE_E_FAIL,
                          "hashing the password: out of memory (argon2id needs 64 MiB)");
    return 0;
}
